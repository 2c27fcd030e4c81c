"""The contract every signal type meets, checked by one shared test class.

As python-threatexchange's ``signal_type/tests/signal_type_test_helper.py``: each signal type
has one test module whose class subclasses :class:`SignalTypeContract` and only supplies
cases. ``test_registry.py`` fails when a registered type has no such subclass.

What the contract checks:

* the name is unique among the built-in types and is the type's registry key;
* the declared content types are known ones and are those the cases expect;
* ``validate`` gives the canonical form and is idempotent; invalid values raise
  ``InvalidSignalError``;
* ``distance(x, x) == 0``, distance is symmetric, equal pairs are at 0, near pairs at their
  expected distance within ``default_threshold``, far pairs at their expected distance beyond;
* hashing gives the expected values and they validate to themselves;
* :func:`tvec.signals.hashing.hash_content` gives the type for exactly the sample files of
  the content types it declares (byte and image hashers), and never otherwise.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from itertools import combinations
from typing import ClassVar

import pytest
from PIL import Image

from tvec.errors import InvalidSignalError
from tvec.media import CONTENT_TYPES, FILE, PHOTO, TEXT, VIDEO
from tvec.signals import (
    BUILTIN_SIGNAL_TYPES,
    BytesHasher,
    ImageHasher,
    SignalType,
    SignalValue,
    TextHasher,
    registry,
)
from tvec.signals.hashing import hash_content

#: One value to hash: file bytes, a decoded image, or a text (message text or URL).
HashInput = bytes | str | Image.Image

#: A small MP4 header: ``filetype`` recognises it as video/mp4.
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64)


def gradient_image() -> Image.Image:
    """A deterministic 64x64 RGB image (red and green gradients, blue checkerboard)."""
    image = Image.new("RGB", (64, 64))
    image.putdata(
        [(x * 4, y * 4, 255 * ((x // 8 + y // 8) % 2)) for y in range(64) for x in range(64)]
    )
    return image


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


#: One sample file per file content type: content type -> (file name, bytes).
SAMPLE_FILES: dict[str, tuple[str, bytes]] = {
    PHOTO: ("gradient.png", _png(gradient_image())),
    VIDEO: ("clip.mp4", MP4_BYTES),
    TEXT: ("note.txt", b"a plain text file that is long enough to be text\n"),
    FILE: ("blob.bin", bytes(range(256))),
}


class SignalTypeContract:
    """Subclass as ``Test<Type>`` and set the class variables; the tests here then run."""

    #: The signal type under test.
    signal_type: ClassVar[type[SignalType]]
    #: Content types it must declare.
    content_types: ClassVar[frozenset[str]]
    #: (input, canonical form) pairs: ``validate(input) == canonical``.
    valid: ClassVar[Sequence[tuple[str, str]]]
    #: Values ``validate`` must refuse.
    invalid: ClassVar[Sequence[str]]
    #: Pairs of different inputs at distance 0 once validated.
    equal_pairs: ClassVar[Sequence[tuple[str, str]]] = ()
    #: (a, b, distance) with 0 < distance <= default_threshold.
    near_pairs: ClassVar[Sequence[tuple[str, str, int]]] = ()
    #: (a, b, distance) with distance > default_threshold.
    far_pairs: ClassVar[Sequence[tuple[str, str, int]]] = ()
    #: (input, expected value or None for "no signal"); required for types that hash.
    hash_cases: ClassVar[Sequence[tuple[HashInput, str | None]]] = ()

    @property
    def instance(self) -> SignalType:
        return self.signal_type()

    def test_name_is_unique_and_the_registry_key(self) -> None:
        name = self.signal_type.name
        assert [t.name for t in BUILTIN_SIGNAL_TYPES].count(name) == 1
        assert type(registry()[name]) is self.signal_type

    def test_declares_its_content_types(self) -> None:
        assert self.signal_type.content_types == self.content_types
        assert self.content_types and self.content_types <= set(CONTENT_TYPES)

    def test_default_threshold_is_a_non_negative_int(self) -> None:
        assert isinstance(self.signal_type.default_threshold, int)
        assert self.signal_type.default_threshold >= 0

    def test_validate_gives_canonical_form_and_is_idempotent(self) -> None:
        assert self.valid, "supply valid cases"
        for given, canonical in self.valid:
            assert self.instance.validate(given) == canonical, given
            assert self.instance.validate(canonical) == canonical, canonical

    def test_invalid_values_raise_invalid_signal_error(self) -> None:
        assert self.invalid, "supply invalid cases"
        for value in self.invalid:
            with pytest.raises(InvalidSignalError):
                self.instance.validate(value)

    def test_distance_to_self_is_zero(self) -> None:
        for _, canonical in self.valid:
            assert self.instance.distance(canonical, canonical) == 0

    def test_distance_is_symmetric(self) -> None:
        values = {self.instance.validate(v) for v, _ in self.valid}
        for a, b, _ in (*self.near_pairs, *self.far_pairs):
            values.update({self.instance.validate(a), self.instance.validate(b)})
        for a, b in combinations(sorted(values), 2):
            assert self.instance.distance(a, b) == self.instance.distance(b, a), (a, b)

    def test_equal_pairs_are_at_zero(self) -> None:
        for a, b in self.equal_pairs:
            assert self.instance.distance(self.instance.validate(a), self.instance.validate(b)) == 0

    def test_near_pairs_are_within_the_threshold(self) -> None:
        threshold = self.signal_type.default_threshold
        for a, b, expected in self.near_pairs:
            assert 0 < expected <= threshold
            got = self.instance.distance(self.instance.validate(a), self.instance.validate(b))
            assert got == expected, (a, b)

    def test_far_pairs_are_beyond_the_threshold(self) -> None:
        assert self.far_pairs, "supply far pairs"
        threshold = self.signal_type.default_threshold
        for a, b, expected in self.far_pairs:
            assert expected > threshold
            got = self.instance.distance(self.instance.validate(a), self.instance.validate(b))
            assert got == expected, (a, b)

    def test_hashing_gives_expected_values_that_validate(self) -> None:
        hashes = isinstance(self.instance, BytesHasher | ImageHasher | TextHasher)
        hashes = hashes or hasattr(self.instance, "hash_url")
        assert bool(self.hash_cases) == hashes, "supply hash cases exactly for types that hash"
        for given, expected in self.hash_cases:
            got = self._hash(given)
            if expected is None:
                assert got is None, given
                continue
            assert got is not None, given
            assert got.signal_type == self.signal_type.name
            assert got.value == expected
            assert self.instance.validate(got.value) == got.value

    def test_hash_content_gives_it_for_its_content_types_only(self) -> None:
        instance = self.instance
        from_files = isinstance(instance, BytesHasher | ImageHasher)
        for content_type, (name, data) in SAMPLE_FILES.items():
            result = hash_content(data, name, max_pixels=10_000_000)
            assert result.kind.content_type == content_type
            produced = {s.signal_type for s in result.signals}
            expected = from_files and content_type in self.content_types
            assert (self.signal_type.name in produced) == expected, content_type

    def _hash(self, given: HashInput) -> SignalValue | None:
        instance = self.instance
        if isinstance(given, bytes):
            assert isinstance(instance, BytesHasher)
            return instance.hash_bytes(given)
        if isinstance(given, Image.Image):
            assert isinstance(instance, ImageHasher)
            return instance.hash_image(given)
        if isinstance(instance, TextHasher):
            return instance.hash_text(given)
        hash_url = instance.hash_url  # type: ignore[attr-defined]
        result: SignalValue = hash_url(given)
        return result
