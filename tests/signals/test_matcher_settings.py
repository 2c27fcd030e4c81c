"""``tvec match`` and ``tvec scan`` match with the context's matcher and so with the
settings' vPDQ rule (as the HMA-compatible API does, ``tests/web/test_hma.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.review_data import gradient_image
from tvec.signals.hashing import hash_content


def test_match_and_scan_follow_the_vpdq_min_quality_setting(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A picture matches a bank video's frame of quality 80 by default, and neither
    ``tvec match`` nor ``tvec scan`` finds it with ``TVEC_VPDQ_MIN_QUALITY=90``."""
    picture = gradient_image(tmp_path / "poster.png", 5)
    hashed = hash_content(picture.read_bytes(), "poster.png", max_pixels=10**8)
    pdq = next(s.value for s in hashed.signals if s.signal_type == "pdq")
    video = json.dumps([f"{pdq},80,0.0", f"{'0f' * 32},80,1.0"])
    bank = tmp_path / "videos.csv"
    bank.write_text('signal_type,value\nvpdq,"' + video.replace('"', '""') + '"\n', "utf-8")
    for quality, expected in (("50", ["video_frame"]), ("90", [])):
        monkeypatch.setenv("TVEC_HOME", str(tmp_path / f"home-{quality}"))
        monkeypatch.setenv("TVEC_VPDQ_MIN_QUALITY", quality)
        assert cli("bank", "import", "videos", bank, "--create").code == 0
        looked = json.loads(cli("match", "-t", "pdq", pdq, "--json").out)["matches"]
        assert [m["labels"].get("found_by") for m in looked] == expected, quality
        scanned = json.loads(cli("scan", picture, "--json", "-").out)["matches"]
        assert [m["labels"].get("found_by") for m in scanned] == expected, quality
