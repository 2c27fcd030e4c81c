"""Hashing an image converts its pixels to an array once (issue 17, part 3)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tvec.signals.hashing import hash_content
from tvec.signals.pdq_variants import PDQOptions


def test_an_image_is_converted_to_an_array_once(monkeypatch: pytest.MonkeyPatch) -> None:
    picture = Image.effect_noise((256, 192), 40).convert("RGB")
    framed = Image.new("RGB", (256, 232))
    framed.paste(picture, (0, 20))  # black bars: the unletterbox variant looks at the pixels
    data = io.BytesIO()
    framed.save(data, "PNG")
    original = np.asarray
    images: list[object] = []

    def counting(obj: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(obj, Image.Image):
            images.append(obj)
        return original(obj, *args, **kwargs)

    arrow = Image.Image.__arrow_c_array__

    def exported(image: Image.Image, *args: Any, **kwargs: Any) -> Any:
        images.append(image)
        return arrow(image, *args, **kwargs)

    monkeypatch.setattr(np, "asarray", counting)
    monkeypatch.setattr(Image.Image, "__arrow_c_array__", exported)
    options = PDQOptions(unletterbox=True)
    result = hash_content(data.getvalue(), "framed.png", max_pixels=10**8, pdq=options)
    assert [v.found_by for v in result.pdq_variants] == ["unletterboxed"]
    full_size = [im for im in images if getattr(im, "size", None) == (256, 232)]
    assert len(full_size) == 1
