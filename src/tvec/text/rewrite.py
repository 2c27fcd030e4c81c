"""An offset-mapped text rewriter: apply rules to a text and keep, for every character of the
result, the span of the original text it came from.

A :class:`Rewriter` starts from the original text (one unit per character, each mapped to
its own one-character span) and applies named rules, each one of:

- :meth:`Rewriter.map_chars`: replace every character by zero or more characters (a fold);
- :meth:`Rewriter.substitute`: replace the matches of a regular expression on the current text;
- :meth:`Rewriter.keep`: drop the characters whose flag is false;
- :meth:`Rewriter.replace`: change one character in place;
- :meth:`Rewriter.collapse`: turn every run of characters that are not kept into one separator.

:meth:`Rewriter.result` gives a :class:`MappedText`. Its maps hold for every input (the
property tests in ``tests/text`` check them): ``starts[i] <= ends[i]``, both within the
original, and both sequences never decrease, so a slice of the result maps to one ordered span
of the original. Offsets count code points (Python ``str`` indices), never UTF-16 units or
bytes, so astral characters and combining marks need no special care.

Each rule name gets a bit; the result remembers, per character, which rules changed it
(:attr:`MappedText.masks`) and which original characters each rule removed
(:attr:`MappedText.removed`), so a hit can say how its text had been disguised.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MappedText:
    """A rewritten text and its map back to the original.

    Attributes:
        original: the text as given.
        text: the rewritten text.
        starts: for each character of ``text``, the index in ``original`` where the
            character(s) it came from start (``len(starts) == len(text)``).
        ends: for each character of ``text``, the index in ``original`` just after them.
        rules: the rule names the rewriter knew, in order; bit ``i`` of a mask is ``rules[i]``.
        masks: for each character of ``text``, a bit mask over ``rules`` of the rules that
            changed it.
        removed: ``(original offset, mask)`` of each original character a rule removed, sorted.
        applied: names of the rules that changed something, in the order first applied.
    """

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    rules: tuple[str, ...] = ()
    masks: tuple[int, ...] = ()
    removed: tuple[tuple[int, int], ...] = ()
    applied: tuple[str, ...] = ()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Return the ``(start, end)`` span of ``original`` that ``text[start:end]`` came from.

        Raises:
            ValueError: if the span is empty or outside ``text``.
        """
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad span {start}:{end} of a {len(self.text)}-character text")
        return self.starts[start], self.ends[end - 1]

    def rules_between(self, start: int, end: int) -> tuple[str, ...]:
        """Return the rules that changed ``text[start:end]`` or removed characters inside it.

        Removed characters count when they lie inside the original span of the range, so a
        zero-width space inside a name counts for that name. Raises ``ValueError`` as
        :meth:`original_span` does.
        """
        mask = 0
        for value in self.masks[start:end]:
            mask |= value
        low, high = self.original_span(start, end)
        index = bisect.bisect_left(self.removed, (low, -1))
        while index < len(self.removed) and self.removed[index][0] < high:
            mask |= self.removed[index][1]
            index += 1
        return tuple(name for bit, name in enumerate(self.rules) if mask & (1 << bit))


class Rewriter:
    """Applies rules to a text, one after another, keeping the offset map (module docstring).

    ``rules`` names the rules that may be applied (each gets a bit in the masks); a rule
    given to a method must be one of them, or ``None`` for a change that is not reported.
    The lists below are parallel, one entry per current character.
    """

    __slots__ = ("_applied", "_bits", "chars", "ends", "masks", "original", "removed", "starts")

    def __init__(self, text: str, rules: Sequence[str] = ()) -> None:
        self.original = text
        self._bits = {name: 1 << index for index, name in enumerate(rules)}
        self._applied: list[str] = []
        self.chars: list[str] = list(text)
        self.starts: list[int] = list(range(len(text)))
        self.ends: list[int] = list(range(1, len(text) + 1))
        self.masks: list[int] = [0] * len(text)
        self.removed: list[tuple[int, int]] = []

    @property
    def text(self) -> str:
        """The current text."""
        return "".join(self.chars)

    def bit(self, rule: str | None) -> int:
        """The mask bit of ``rule`` (0 for ``None``). Raises KeyError for an unknown rule."""
        return self._bits[rule] if rule is not None else 0

    def note(self, rule: str | None) -> None:
        """Record that ``rule`` changed something (the first time only)."""
        if rule is not None and rule not in self._applied:
            self._applied.append(rule)

    def map_chars(
        self, rule: str | None, fold: Callable[[str], str], *, attach: bool = False
    ) -> bool:
        """Replace each character by ``fold(character)`` (zero or more characters).

        Every character a fold produces maps to the span of the character it came from.
        With ``attach``, a removed character extends the span of the character before it
        when they are adjacent in the original (a combining mark belongs to its base letter,
        so a name's span covers its last mark). Returns whether anything changed.
        """
        outs = list(map(fold, self.chars))
        if outs == self.chars:
            return False
        bit = self.bit(rule)
        self.note(rule)
        if all(len(out) == 1 for out in outs):  # fast path: one character for one
            masks = self.masks
            for index, (out, char) in enumerate(zip(outs, self.chars, strict=True)):
                if out != char:
                    masks[index] |= bit
            self.chars = outs
            return True
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        masks = []
        for out, char, start, end, mask in zip(
            outs, self.chars, self.starts, self.ends, self.masks, strict=True
        ):
            if out == char:
                chars.append(char)
                starts.append(start)
                ends.append(end)
                masks.append(mask)
                continue
            if not out:
                self.removed.append((start, mask | bit))
                if attach and ends and ends[-1] == start:
                    ends[-1] = end
            for new in out:
                chars.append(new)
                starts.append(start)
                ends.append(end)
                masks.append(mask | bit)
        self.chars, self.starts, self.ends, self.masks = chars, starts, ends, masks
        return True

    def substitute(
        self,
        rule: str | None,
        pattern: re.Pattern[str],
        replacement: Callable[[re.Match[str]], str | None],
    ) -> bool:
        """Replace each match of ``pattern`` on the current text (``None`` keeps it).

        A replacement as long as its match maps character by character; otherwise every
        replacement character stands for the whole matched span (an empty match, for the
        point where it is). Returns whether anything changed.
        """
        text = self.text
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        masks: list[int] = []
        bit = self.bit(rule)
        position = 0
        changed = False
        for match in pattern.finditer(text):
            new = replacement(match)
            start, end = match.span()
            if new is None or new == text[start:end]:
                continue
            changed = True
            chars.extend(self.chars[position:start])
            starts.extend(self.starts[position:start])
            ends.extend(self.ends[position:start])
            masks.extend(self.masks[position:start])
            chars.extend(new)
            if len(new) == end - start:
                starts.extend(self.starts[start:end])
                ends.extend(self.ends[start:end])
                masks.extend(m | bit for m in self.masks[start:end])
            else:
                if not new:
                    self.removed.extend(
                        (s, m | bit)
                        for s, m in zip(self.starts[start:end], self.masks[start:end], strict=True)
                    )
                low, high = self._span(start, end)
                starts.extend([low] * len(new))
                ends.extend([high] * len(new))
                mask = bit
                for value in self.masks[start:end]:
                    mask |= value
                masks.extend([mask] * len(new))
            position = end
        if not changed:
            return False
        chars.extend(self.chars[position:])
        starts.extend(self.starts[position:])
        ends.extend(self.ends[position:])
        masks.extend(self.masks[position:])
        self.chars, self.starts, self.ends, self.masks = chars, starts, ends, masks
        self.note(rule)
        return True

    def keep(self, rule: str | None, flags: Sequence[bool]) -> None:
        """Drop the characters whose flag is false, recording them as removed by ``rule``."""
        bit = self.bit(rule)
        for index, flag in enumerate(flags):
            if not flag:
                self.removed.append((self.starts[index], self.masks[index] | bit))
        self.chars = [c for c, k in zip(self.chars, flags, strict=True) if k]
        self.starts = [s for s, k in zip(self.starts, flags, strict=True) if k]
        self.ends = [e for e, k in zip(self.ends, flags, strict=True) if k]
        self.masks = [m for m, k in zip(self.masks, flags, strict=True) if k]

    def replace(self, rule: str | None, index: int, char: str) -> None:
        """Change the character at ``index`` to ``char`` in place, marking it with ``rule``."""
        self.chars[index] = char
        self.masks[index] |= self.bit(rule)

    def mark(self, rule: str | None, index: int) -> None:
        """Mark the character at ``index`` as changed by ``rule``."""
        self.masks[index] |= self.bit(rule)

    def collapse(self, kept: Callable[[str], bool], separator: str = " ") -> None:
        """Turn each run of characters failing ``kept`` into one ``separator`` (not reported).

        No separator is left at either end. The separator maps to the span of the whole run
        and carries no rule.
        """
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        masks: list[int] = []
        pending: tuple[int, int] | None = None
        for char, start, end, mask in zip(
            self.chars, self.starts, self.ends, self.masks, strict=True
        ):
            if not kept(char):
                if chars:
                    pending = (pending[0], end) if pending else (start, end)
                continue
            if pending is not None:
                chars.append(separator)
                starts.append(pending[0])
                ends.append(pending[1])
                masks.append(0)
                pending = None
            chars.append(char)
            starts.append(start)
            ends.append(end)
            masks.append(mask)
        self.chars, self.starts, self.ends, self.masks = chars, starts, ends, masks

    def result(self) -> MappedText:
        """The rewritten text with its map (see :class:`MappedText`)."""
        return MappedText(
            original=self.original,
            text=self.text,
            starts=tuple(self.starts),
            ends=tuple(self.ends),
            rules=tuple(self._bits),
            masks=tuple(self.masks),
            removed=tuple(sorted(self.removed)),
            applied=tuple(self._applied),
        )

    def _span(self, start: int, end: int) -> tuple[int, int]:
        """Original span of current characters ``start:end``.

        For an empty range (an insertion between characters ``a = start - 1`` and
        ``b = start``) the span lies between theirs, so the maps stay ordered even where
        ``a`` and ``b`` came from one original character.
        """
        if start < end:
            return self.starts[start], self.ends[end - 1]
        before = self.ends[start - 1] if start > 0 else None
        after = self.starts[start] if start < len(self.starts) else None
        if before is None and after is None:
            return len(self.original), len(self.original)
        if before is None:
            assert after is not None
            return after, after
        if after is None:
            return before, before
        return min(after, before), before
