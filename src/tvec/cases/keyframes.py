"""Keyframes of evidence videos, for the case page's strip: decoded with PyAV, kept as
JPEGs in the evidence store's ``keyframes/`` folder so each video is decoded once.

Only key frames (I-frames) are decoded (``skip_frame = "NONKEY"``), spread over the video:
at most ``max_frames`` of them, each shrunk to ``max_side`` pixels. The browser only ever
gets them through :func:`tvec.cases.preview.render_preview` (blurred and grey until the
reviewer reveals the video), never the stored JPEG as it is.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from PIL import Image

from tvec.errors import InputError, NotFoundError

#: Folder of the evidence store that holds keyframes: ``keyframes/<sha256>/<n>.jpg``.
KEYFRAMES_FOLDER = "keyframes"
#: Keyframes kept per video.
MAX_KEYFRAMES = 6
#: Frames decoded at most while looking for key frames (bounds the work on odd files).
MAX_DECODED = 2000


def _folder(evidence_dir: Path, sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise NotFoundError(f"{sha256!r} is not a SHA-256 digest")
    return evidence_dir / KEYFRAMES_FOLDER / sha256


def _decode(path: Path, max_frames: int, max_side: int) -> list[bytes]:
    import av  # PyAV: optional at import time, present with the video extra

    frames: list[Image.Image] = []
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return []
            stream = container.streams.video[0]
            stream.codec_context.skip_frame = "NONKEY"
            for decoded, frame in enumerate(container.decode(stream)):
                if decoded >= MAX_DECODED:
                    break
                frames.append(frame.to_image())  # type: ignore[no-untyped-call]
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise InputError(str(path), f"cannot decode video: {exc}") from exc
    if len(frames) > max_frames:
        step = len(frames) / max_frames
        frames = [frames[int(i * step)] for i in range(max_frames)]
    out = []
    for image in frames:
        image = image.convert("RGB")
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85)
        out.append(buffer.getvalue())
    return out


def keyframes_cached(evidence_dir: Path, sha256: str) -> bool:
    """Whether the keyframes of the video stored under ``sha256`` were extracted already.

    Raises:
        NotFoundError: ``sha256`` is not a SHA-256 hex digest.
    """
    return (_folder(evidence_dir, sha256) / "done").exists()


def keyframes(
    evidence_dir: Path,
    sha256: str,
    data_path: Path,
    *,
    max_frames: int = MAX_KEYFRAMES,
    max_side: int = 640,
) -> list[Path]:
    """The keyframe JPEGs of the video stored under ``sha256`` (its bytes at
    ``data_path``), extracted on first use and cached; an empty list for a file without a
    video stream (audio).

    Raises:
        InputError: the video cannot be decoded.
    """
    folder = _folder(evidence_dir, sha256)
    done = folder / "done"
    if done.exists():
        return sorted(folder.glob("*.jpg"), key=lambda p: int(p.stem))
    frames = _decode(data_path, max_frames, max_side)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, jpeg in enumerate(frames):
        target = folder / f"{n}.jpg"
        with tempfile.NamedTemporaryFile(dir=folder, delete=False) as tmp:
            tmp.write(jpeg)
        os.replace(tmp.name, target)
        paths.append(target)
    done.write_text(str(len(paths)), encoding="utf-8")
    return paths
