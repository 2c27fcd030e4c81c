"""What a value pasted into the lookup box is: a hash of some signal type, or a URL (also
defanged), turned into the signals to look up.

Guessed by shape when no signal type is chosen (``auto``):

* 32 hex digits: an MD5 (``md5``, ``video_md5``, ``url_md5``: all three are looked up);
* 64 hex digits: ``pdq``, ``sha256`` or ``text`` (a PDQ hash and a SHA-256 look the same);
* ``T1`` and 70 hex digits: ``text_tlsh``;
* anything else with a dot or ``://`` in it: a URL. Defanged spellings are re-armed first by
  :func:`tvec.text.links.link_form` (``hxxp://``, ``hxxps[:]//``, ``example[.]com``,
  ``(.)``, ``[dot]``...), then canonicalised by the ``url`` signal type; its ``url_md5`` is
  looked up too, as a scan stores both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tvec.errors import InvalidSignalError, UsageError
from tvec.signals import SignalValue, get_signal_type
from tvec.signals.url_md5 import url_md5_signal
from tvec.text.links import link_form

#: Longest value accepted in the lookup box, in characters.
MAX_PASTED = 4096
#: The signal types each hash shape may be (see the module docstring).
SHAPES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"[0-9a-fA-F]{32}"), ("md5", "video_md5", "url_md5")),
    (re.compile(r"[0-9a-fA-F]{64}"), ("pdq", "sha256", "text")),
    (re.compile(r"[Tt]1[0-9a-fA-F]{70}"), ("text_tlsh",)),
)


@dataclass(frozen=True)
class Pasted:
    """A pasted value understood: ``kind`` (``hash`` or ``url``), the signals to look up,
    and for a URL its canonical form."""

    kind: str
    signals: tuple[SignalValue, ...]
    url: str | None = None


def _url(text: str) -> Pasted:
    armed = link_form(text).text.strip()
    try:
        canonical = get_signal_type("url").validate(armed)
        return Pasted("url", (SignalValue("url", canonical), url_md5_signal(canonical)), canonical)
    except InvalidSignalError as exc:
        raise UsageError(f"{text!r} is not a URL tvec can read: {exc.problem}") from exc


def understand(text: str, signal_type: str | None = None) -> Pasted:
    """The signals to look up for ``text`` (see the module docstring).

    Args:
        text: the value as pasted (surrounding white space is ignored).
        signal_type: its signal type, or None/``auto`` to guess it by shape.

    Raises:
        UsageError: empty or over :data:`MAX_PASTED` characters, an unknown signal type, a
            value invalid for the chosen type, or one that is neither a hash nor a URL.
    """
    value = text.strip()
    if not value:
        raise UsageError("paste a hash or a URL to look up")
    if len(value) > MAX_PASTED:
        raise UsageError(f"the value of {len(value)} characters is over {MAX_PASTED}")
    if signal_type and signal_type != "auto":
        kind = get_signal_type(signal_type)  # UsageError for an unknown type
        if kind.name == "url":
            return _url(value)
        try:
            return Pasted("hash", (SignalValue(kind.name, kind.validate(value)),))
        except InvalidSignalError as exc:
            raise UsageError(f"{value[:80]!r} is not a {kind.name} value: {exc.problem}") from exc
    for shape, names in SHAPES:
        if shape.fullmatch(value):
            signals = []
            for name in names:
                try:
                    signals.append(SignalValue(name, get_signal_type(name).validate(value)))
                except InvalidSignalError:
                    continue
            if signals:
                return Pasted("hash", tuple(signals))
    armed = link_form(value).text
    if "." in armed or "://" in armed:
        return _url(value)
    raise UsageError(
        f"{value[:80]!r} is neither a hash (MD5: 32 hex digits; SHA-256 or PDQ: 64; "
        "TLSH: T1 and 70) nor a URL; choose its signal type"
    )
