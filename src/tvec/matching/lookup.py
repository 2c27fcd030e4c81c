"""Looking content up in banks without storing it: the core of ``tvec match``.

A :class:`Query` is something to look up (a signal value given by hand, or a file) with the
signals it stands for; :func:`lookup` matches a batch of queries with one
:class:`~tvec.matching.matcher.Matcher` (the application context's, :mod:`tvec.app.matching`)
and returns every hit. Nothing is written to the store. The signals of a file are those a
scan would store for it: the file's hashes (:func:`tvec.signals.hashing.hash_content`) and,
for a UTF-8 text file, its text signals and the ``url`` and ``url_md5`` of each out-link
found in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tvec.errors import EncodingError, InputError, MissingMediaError
from tvec.matching.variants import match_variants
from tvec.signals import SignalValue, get_signal_type
from tvec.signals.url_md5 import url_md5_signal
from tvec.views.matching import LookupErrorView, LookupMatchView, LookupView

if TYPE_CHECKING:
    from tvec.matching.matcher import BankHit, Matcher
    from tvec.signals.pdq_variants import PDQOptions, PDQVariant


@dataclass(frozen=True)
class Query:
    """Something to look up: ``source`` names it (a path, or the value as given).

    ``signals`` are what is matched; ``error`` says why some could not be computed (a corrupt
    image still has its MD5), or why there are none (an unreadable file). ``pdq_variants``
    (rotated, mirrored, unletterboxed hashes of a photo) are matched too, by
    :func:`tvec.matching.variants.match_variants`. ``media_type`` is the file's sniffed
    media type (None for a value, or a file that could not be read).
    """

    source: str
    signals: tuple[SignalValue, ...]
    error: InputError | None = None
    pdq_variants: tuple[PDQVariant, ...] = ()
    media_type: str | None = None


@dataclass(frozen=True)
class LookupMatch:
    """One bank entry that one signal of a query matched."""

    source: str
    signal: SignalValue
    hit: BankHit = field(compare=False)

    def view(self) -> LookupMatchView:
        """The match as a result model (the ``matches`` of ``tvec match --json``)."""
        return LookupMatchView(
            query=self.source,
            signal_type=self.signal.signal_type,
            value=self.signal.value,
            bank=self.hit.bank,
            entry_id=self.hit.entry_id,
            entry_value=self.hit.entry_value,
            distance=self.hit.distance,
            labels=self.hit.labels,
        )


def query_for_value(signal_type: str, value: str) -> Query:
    """A query for one value of a named signal type, validated into canonical form.

    A ``url`` value also brings its ``url_md5``, as a scan stores both for every out-link.

    Raises:
        UsageError: no signal type is called ``signal_type``.
        InvalidSignalError: ``value`` is not valid for that type.
    """
    canonical = get_signal_type(signal_type).validate(value)
    signals = [SignalValue(signal_type, canonical)]
    if signal_type == "url":
        signals.append(url_md5_signal(canonical))
    return Query(value, tuple(signals))


def query_for_file(
    path: Path, *, max_pixels: int, max_file_bytes: int, pdq: PDQOptions | None = None
) -> Query:
    """A query for the file at ``path``: every signal a scan would store for it.

    Args:
        path: the file.
        max_pixels: decompression-bomb limit for images (``TVEC_MAX_IMAGE_PIXELS``).
        max_file_bytes: larger files are not read (``TVEC_MAX_FILE_BYTES``).
        pdq: PDQ fast mode and variants (``TVEC_PDQ_*``); None: exact, no variants.

    Never raises for a bad file: an unreadable or too large file gives a query with no
    signals and ``error`` set; a corrupt one keeps what could be hashed.
    """
    # imported here: decoders and hashers are not needed to look a value up
    from tvec.media import TEXT
    from tvec.signals.hashing import hash_content, hash_text

    source = str(path)
    try:
        size = path.stat().st_size
        if size > max_file_bytes:
            problem = (
                f"file of {size} bytes is over the limit of {max_file_bytes} bytes "
                "(TVEC_MAX_FILE_BYTES)"
            )
            return Query(source, (), InputError(source, problem))
        data = path.read_bytes()
    except OSError as exc:
        return Query(source, (), MissingMediaError(source, f"cannot read: {exc.strerror}"))
    hashed = hash_content(data, source, max_pixels=max_pixels, pdq=pdq)
    signals = list(hashed.signals)
    error = hashed.error
    if hashed.kind.content_type == TEXT and error is None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            error = EncodingError(source, f"text is not UTF-8 (byte {exc.start})")
        else:
            signals.extend(hash_text(text))
            signals.extend(_outlink_signals(text))
    return Query(
        source,
        tuple(dict.fromkeys(signals)),
        error,
        tuple(hashed.pdq_variants),
        hashed.kind.media_type,
    )


def _outlink_signals(text: str) -> list[SignalValue]:
    from tvec.outlinks import extract_outlinks

    out: list[SignalValue] = []
    for found in extract_outlinks(text):
        out.append(SignalValue("url", found.canonical))
        out.append(url_md5_signal(found.canonical))
    return out


def lookup(matcher: Matcher, queries: Sequence[Query]) -> list[LookupMatch]:
    """Match every signal of ``queries`` with ``matcher`` (its banks and settings: PDQ's
    ``TVEC_PDQ_THRESHOLD`` and ``TVEC_PDQ_MIN_QUALITY``, the vPDQ rule ``TVEC_VPDQ_*``;
    other types their own default thresholds, :mod:`tvec.matching.matcher`).

    Returns:
        The matches in query order, and for each signal nearest first.
    """
    found: list[LookupMatch] = []
    for query in queries:
        own = [
            LookupMatch(query.source, signal, hit)
            for signal in query.signals
            for hit in matcher.match(signal)
        ]
        matched = {m.hit.entry_id for m in own if m.signal.signal_type == "pdq"}
        found.extend(own)
        found.extend(
            LookupMatch(query.source, v.variant.signal, v.hit)
            for v in match_variants(matcher, query.pdq_variants, matched)
        )
    return found


def lookup_view(queries: Sequence[Query], found: Sequence[LookupMatch]) -> LookupView:
    """The result of a look-up (``tvec match --json``): the matches, and the queries whose
    signals could not all be computed."""
    return LookupView(
        matches=[m.view() for m in found],
        errors=[
            LookupErrorView(query=q.error.source, kind=q.error.kind, error=str(q.error))
            for q in queries
            if q.error is not None
        ],
    )
