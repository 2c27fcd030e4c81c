"""The out-link form: undo the tricks that hide links from filters, keeping a map back to the
original text.

:func:`link_form` returns a :class:`~tvec.text.rewrite.MappedText`: the cleaned text plus, for
every character of it, the span of the original text it came from, so a link found in the
cleaned text can be reported with its span and its spelling as it was seen. The steps, rules
of a :class:`~tvec.text.rewrite.Rewriter` named as in :data:`RULES`, in order:

1. **Invisible characters** (:func:`tvec.text.characters.is_invisible`: zero-width space,
   non-joiner and joiner, word joiner, byte-order mark, soft hyphen, tags, variation
   selectors...) are deleted, except those of step 2.
2. **Direction marks** (:data:`~tvec.text.characters.BIDI_CONTROLS`: U+200E, U+200F, U+061C,
   U+202A..U+202E, U+2066..U+2069), common around URLs in Arabic-script text, and the Hangul
   fillers (drawn as a blank) become spaces: they end a link rather than join two words.
3. **Look-alike characters** become ASCII when their NFKC form is one printable ASCII
   character: full-width letters, digits and punctuation (``ｅｘａｍｐｌｅ．ｃｏｍ``),
   mathematical alphanumerics, no-break and other Unicode spaces. The ideographic and
   half-width full stops (``。``, ``｡``), one-dot leader and small full stop become ``.``.
4. **Spaced and split schemes**: ``h t t p s : / /``, ``https : //``, ``ht tps:/ /`` (spaces
   or tabs between the letters of ``http``/``https``/``hxxp``/``hxxps`` and in ``://``)
   become ``https://``; the single characters spaced out right after it (``t . m e / x``)
   are joined too (the host and path written one ASCII character at a time). A scheme written
   without spaces is left alone.
   **Defanged schemes**: ``hxxp``/``hxxps`` (any case) before ``://`` or ``[:]//`` become
   ``http``/``https``, ``fxp`` becomes ``ftp``; ``[:]//``, ``[://]`` become ``://``.
5. **Bracketed dots** between two word characters, with optional spaces: ``[.]``, ``(.)``,
   ``{.}``, ``<.>``, ``[dot]``, ``(dot)``, ``{dot}`` (any case) become ``.``.
6. **The word dot** between two words (``example dot com``) becomes ``.``, unless the word
   before it is an article or determiner (``the dot com bubble``: see :data:`DOT_STOPWORDS`).
7. **Spaced dots**: a dot with spaces before it (and optionally after) between two ASCII
   letters or digits (``example . com``, ``example .com``) becomes ``.``. A dot followed by
   a space but not preceded by one (``end. Next``) is a sentence break and is left alone.
   Prose names domains and file types this way (``the .int domain``, ``ends with .com``,
   ``files in .zip``), so the dot is kept as it is when the word before it is a function
   word (:data:`SPACED_DOT_STOPWORDS`: articles, determiners, prepositions, pronouns,
   conjunctions and auxiliaries).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from tvec.text.characters import is_blank_invisible, is_invisible
from tvec.text.rewrite import MappedText, Rewriter

#: Names of the rules, in order (steps 1 to 3 are one rule, ``characters``).
RULES: tuple[str, ...] = (
    "characters",
    "spaced_scheme",
    "scheme",
    "separator",
    "bracketed_dot",
    "word_dot",
    "spaced_dot",
)

#: Characters that stand for a dot between labels (step 3).
DOT_LOOKALIKES: frozenset[str] = frozenset("\u3002\uff61\uff0e\u2024\ufe52")

#: Words after which `` dot `` is prose, not a defanged dot (step 6).
DOT_STOPWORDS: frozenset[str] = frozenset(
    {"a", "an", "the", "this", "that", "each", "every", "one", "no", "any", "red", "black"}
)

_SPACED_DOT_PROSE = """
    about above across after against along among and around as at before behind below
    between beyond but by called despite down during except for from in inside into is are
    was were be been being its it their his her our your my of off on onto or out outside
    over per since than then through to toward towards under until up upon via with within
    without nor so yet these those such some all both few many most other another which
    what whose using use uses used like unlike named new old top level domain domains
    extension extensions suffix file files see called register registered own owns get
    en dans sur avec par pour les des une mit von im auf für der die das ein eine el la los
    las con por para ve ile di ke dari dengan domaines domänen dominios alan adları
    """
#: Words after which `` .word`` is prose (``the .int domain``), not a spaced-out dot (step 7).
SPACED_DOT_STOPWORDS: frozenset[str] = DOT_STOPWORDS | frozenset(_SPACED_DOT_PROSE.split())

_SPACED_SCHEME = re.compile(
    r"(?<![A-Za-z])[Hh][ \t]*(?:[Tt]|[Xx])[ \t]*(?:[Tt]|[Xx])[ \t]*[Pp](?:[ \t]*[Ss])?"
    r"[ \t]*:[ \t]*/[ \t]*/[ \t]*"
    r"(?:[!-~](?=[ \t]|$)(?:[ \t][!-~](?=[ \t]|$))*)?"
)
_SCHEME = re.compile(r"(?<![A-Za-z])(?:(hxxp)(s?)|(fxp))(?=://|\[:\]//|\[://\])", re.IGNORECASE)
_SEPARATOR = re.compile(r"\[:\]//|\[://\]")
_BRACKETED_DOT = re.compile(
    r"(?<=\w)[ \t]*[\[({<][ \t]*(?:\.|dot)[ \t]*[\])}>][ \t]*(?=\w)", re.IGNORECASE
)
_WORD_DOT = re.compile(r"(?<=\w)[ \t]+dot[ \t]+(?=\w)", re.IGNORECASE)
_SPACED_DOT = re.compile(r"(?<=[A-Za-z0-9])[ \t]+\.[ \t]*(?=[A-Za-z0-9])")
_WORD_BEFORE = re.compile(r"(\w+)$")


def link_form(original: str) -> MappedText:
    """Apply the steps in the module docstring to ``original``; never raises."""
    rewriter = Rewriter(original, RULES)
    rewriter.map_chars("characters", _map_character)
    rewriter.substitute("spaced_scheme", _SPACED_SCHEME, _join_spaced_scheme)
    rewriter.substitute("scheme", _SCHEME, _rearm_scheme)
    rewriter.substitute("separator", _SEPARATOR, lambda _match: "://")
    rewriter.substitute("bracketed_dot", _BRACKETED_DOT, lambda _match: ".")
    rewriter.substitute("word_dot", _WORD_DOT, _word_dot)
    rewriter.substitute("spaced_dot", _SPACED_DOT, _spaced_dot)
    return rewriter.result()


@lru_cache(maxsize=4096)
def _map_character(ch: str) -> str:
    """Steps 1 to 3 for one character: ``""`` deletes it."""
    if ch.isascii():
        return ch
    if is_blank_invisible(ch):
        return " "
    if is_invisible(ch):
        return ""
    if ch in DOT_LOOKALIKES:
        return "."
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1 and folded.isascii() and (folded.isprintable() or folded == " "):
        return folded
    return ch


def _rearm_scheme(match: re.Match[str]) -> str:
    if match.group(3):
        return "ftp"
    return "http" + match.group(2)


def _word_dot(match: re.Match[str]) -> str | None:
    before = _WORD_BEFORE.search(match.string, max(0, match.start() - 32), match.start())
    if before and before.group(1).lower() in DOT_STOPWORDS:
        return None
    return "."


def _join_spaced_scheme(match: re.Match[str]) -> str | None:
    text = match.group(0)
    scheme = text[: text.index("/") + 2]
    if not re.search(r"[ \t]", scheme):
        return None  # an ordinary ``https://``: nothing spaced out
    return re.sub(r"[ \t]+", "", text)


def _spaced_dot(match: re.Match[str]) -> str | None:
    before = _WORD_BEFORE.search(match.string, max(0, match.start() - 32), match.start())
    if before is None:
        return "."
    word = before.group(1)
    if word.lower() in SPACED_DOT_STOPWORDS:
        return None
    return "."
