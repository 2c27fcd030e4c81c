"""Minor page faults and CPU per 1024x768 JPEG hashed (hash_content), in a fresh process:
plain (glibc defaults) vs tuned (tvec.scan.hasher.worker_init: the scan workers' mallopt).
Usage: python bench/bench_scan_faults.py plain|tuned
"""

import io
import resource
import sys

from PIL import Image

from tvec.signals.hashing import hash_content

if sys.argv[1] == "tuned":
    import os

    from tvec.scan.hasher import worker_init

    worker_init(os.getppid())
buf = io.BytesIO()
Image.effect_noise((1024, 768), 40).convert("RGB").save(buf, "JPEG")
data = buf.getvalue()
hash_content(data, "x", max_pixels=10**8)
r0 = resource.getrusage(resource.RUSAGE_SELF)
for _ in range(40):
    hash_content(data, "x", max_pixels=10**8)
r1 = resource.getrusage(resource.RUSAGE_SELF)
print(
    sys.argv[1],
    "minor faults/image",
    (r1.ru_minflt - r0.ru_minflt) / 40,
    "cpu ms/image",
    (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) / 40 * 1000,
)
