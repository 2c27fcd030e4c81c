"""Find the out-links in a piece of text, including links written to dodge filters.

:func:`extract_outlinks` first undoes obfuscation (the ``outlinks`` profile of
:mod:`tvec.text.profiles`, rules in :mod:`tvec.text.links`: zero-width
characters, full-width letters, ``hxxp``, ``[.]``, ``(dot)``, `` dot ``, ``example . com``), then
looks for two shapes of link in the cleaned text:

- **Scheme links**: ``http://``, ``https://`` or ``ftp://`` followed by a host (any host,
  including IP addresses and ``localhost``), an optional port and an optional path.
- **Bare domains**: two or more dotted labels without a scheme (``t.me/channel``,
  ``www.example.com``, ``пример.рф``), with an optional port and path.

A link ends at whitespace, at ``<>"`` and ``«»“”„‹›\\^`{|}``, and at Arabic-script punctuation
(comma U+060C, semicolon U+061B, question mark U+061F, full stop U+06D4), which never belongs
to a URL. A host label is written in one script family: a label of Latin letters ends where
Arabic (or other non-Latin) letters begin, so ``example.comثم`` yields ``example.com``.
In a path, a Latin letter or digit directly followed by an Arabic-script letter also ends the
link (``https://t.me/channelقناة`` yields ``https://t.me/channel``; Arabic after ``/``, ``-`` or
``_`` stays part of the path). Trailing ``.,;:!?'*`` and closing brackets without a matching
opening one inside the link are trimmed.

A bare domain is kept only if all of these hold (to avoid false positives on prose):

- its last label is a suffix in the Public Suffix List snapshot bundled with tldextract
  (never fetched), and there is a label before the suffix: ``e.g.``, ``i.e.``, ``v1.2.3``,
  ``3.14``, ``report.pdf`` and bare IP addresses are not links;
- its last label is not written in mixed case (``Mr.Smith``, ``end.Next``): a run of labels
  such as ``example.com.Next`` is cut back to ``example.com``;
- it is not part of an e-mail address (not preceded or followed by ``@``), and not preceded
  by a letter, digit, ``.``, ``-``, ``_`` or ``/`` (so it is not the tail of a longer word);
- if it has no path, no port and does not start with ``www.``, its suffix is not also a
  common file extension (:data:`FILE_EXTENSION_SUFFIXES`: ``setup.py``, ``notes.md``,
  ``archive.zip`` are files; ``archive.zip/x`` is a link).

Each link is canonicalised with :func:`tvec.urls.canonicalize_url`; links it refuses are
skipped. Links are deduplicated by canonical URL within one text, keeping the first sighting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from tvec.errors import InvalidSignalError
from tvec.text import profiles
from tvec.text.rewrite import MappedText
from tvec.urls.canonical import canonicalize_url
from tvec.urls.suffixes import split_host

#: Suffixes that are also common file extensions; a bare ``name.<suffix>`` without a path is
#: taken for a file name. (Extensions that are not suffixes, such as pdf, need no entry.)
FILE_EXTENSION_SUFFIXES: frozenset[str] = frozenset({"zip", "mov", "md", "py", "sh", "pm"})

_LATIN = "0-9A-Za-z\u00c0-\u024f"
_OTHER = "[^\\W_A-Za-z\u00c0-\u024f]"
_LATIN_LABEL = f"[{_LATIN}](?:[{_LATIN}-]{{0,62}}[{_LATIN}])?"
_OTHER_LABEL = f"{_OTHER}(?:(?:{_OTHER}|-){{0,62}}{_OTHER})?"
_LABEL = f"(?:{_LATIN_LABEL}|{_OTHER_LABEL})"
_PATH_CHAR = '[^\\s<>"«»“”„‹›\\\\^`{|}\u060c\u061b\u061f\u06d4]'

_LINK = re.compile(
    rf"""
    (?P<scheme>(?:[Hh][Tt][Tt][Pp][Ss]?|[Ff][Tt][Pp])://)
        (?:[^\s/?#@<>"]{{1,256}}@)?
        (?:\[[0-9A-Fa-f:.]+\]|{_LABEL}(?:\.{_LABEL})*)
        (?::\d{{1,5}})?
        (?:[/?#]{_PATH_CHAR}*)?
    |
    (?P<host>(?:(?<![{_LATIN}@.\-_/]){_LATIN_LABEL}|(?<![\w@.\-/]){_OTHER_LABEL})
        (?:\.{_LABEL})+)
    (?P<port>:\d{{1,5}}(?!\d))?
    (?P<path>[/?#]{_PATH_CHAR}*)?
    """,
    re.VERBOSE,
)

_TRAILING = frozenset(".,;:!?'*")
_LATIN_THEN_ARABIC = re.compile(
    "[A-Za-z0-9][\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]"
)
_CLOSERS = {")": "(", "]": "[", "}": "{", ">": "<"}


@dataclass(frozen=True)
class FoundLink:
    """One out-link found in a text.

    Attributes:
        canonical: the canonical URL (:func:`tvec.urls.canonicalize_url`).
        seen: the link exactly as it appears in the input, ``input[start:end]``.
        start: offset of its first character in the input.
        end: offset just past its last character in the input.
    """

    canonical: str
    seen: str
    start: int
    end: int


def extract_outlinks(text: str) -> list[FoundLink]:
    """Return the out-links in ``text``, in order of first appearance, one per canonical URL.

    Rules are in the module docstring. Never raises on odd input: what cannot be read as a
    link is skipped.
    """
    mapped = profiles.outlinks(text)
    found: list[FoundLink] = []
    seen_canonical: set[str] = set()
    memo: dict[str, str | None] = {}
    for match in _LINK.finditer(mapped.text):
        link = _link_from_match(text, mapped, match, memo)
        if link is not None and link.canonical not in seen_canonical:
            seen_canonical.add(link.canonical)
            found.append(link)
    return found


def _link_from_match(
    original: str, mapped: MappedText, match: re.Match[str], memo: dict[str, str | None]
) -> FoundLink | None:
    start = match.start()
    if match.group("scheme"):
        end = _trim(mapped.text, start, match.end())
    else:
        bare_end = _bare_domain_end(mapped.text, match)
        if bare_end is None:
            return None
        end = bare_end
    candidate = mapped.text[start:end]
    key = candidate if match.group("scheme") else " " + candidate  # bare ones need a suffix
    if key not in memo:
        memo[key] = _canonical_or_none(candidate, needs_suffix=not match.group("scheme"))
    canonical = memo[key]
    if canonical is None:
        return None
    original_start, original_end = mapped.original_span(start, end)
    return FoundLink(canonical, original[original_start:original_end], original_start, original_end)


def _canonical_or_none(candidate: str, *, needs_suffix: bool) -> str | None:
    try:
        canonical = canonicalize_url(candidate)
    except InvalidSignalError:
        return None
    if needs_suffix and not _has_known_suffix(canonical):
        return None
    return canonical


def _bare_domain_end(text: str, match: re.Match[str]) -> int | None:
    """Where a bare-domain match really ends, or ``None`` if it is not a link."""
    host = match.group("host")
    end = match.end()
    if text[match.end("host") : match.end("host") + 1] == "@":
        return None
    has_rest = bool(match.group("port") or match.group("path"))
    labels = host.split(".")
    while len(labels) > 1 and _is_mixed_case(labels[-1]):
        labels.pop()
        has_rest = False
        end = match.start() + len(".".join(labels))
    if len(labels) < 2:
        return None
    if has_rest:
        end = _trim(text, match.start(), end)
        has_rest = end > match.start() + len(host)
    suffix = labels[-1].lower()
    is_www = labels[0].lower() == "www"
    if suffix in FILE_EXTENSION_SUFFIXES and not has_rest and not is_www:
        return None
    return end


def _is_mixed_case(label: str) -> bool:
    letters = [ch for ch in label if ch.isascii() and ch.isalpha()]
    word = "".join(letters)
    return bool(word) and not (word.islower() or word.isupper())


def _has_known_suffix(canonical: str) -> bool:
    host = urlsplit(canonical).hostname or ""
    parts = split_host(host)
    return bool(parts.public_suffix) and bool(parts.registrable_domain)


def _trim(text: str, start: int, end: int) -> int:
    """Cut ``text[start:end]`` where Arabic letters are glued to Latin ones, then drop
    trailing punctuation and unbalanced closing brackets."""
    glued = _LATIN_THEN_ARABIC.search(text, start, end)
    if glued is not None:
        end = glued.start() + 1
    while end > start:
        last = text[end - 1]
        if last in _TRAILING:
            end -= 1
        elif last in _CLOSERS:
            piece = text[start:end]
            if piece.count(_CLOSERS[last]) < piece.count(last):
                end -= 1
            else:
                break
        else:
            break
    return end
