"""Measure the indicator matcher's false-hit rate on ordinary news sentences.

Usage::

    python bench/false_hits.py [--corpus tests/data/corpus/news.jsonl]
                               [--doc docs/indicators.md] [--no-write]

The corpus is JSON Lines, one object per line with ``lang``, ``text`` and ``url``. Every
sentence is ordinary news, so every hit is counted against the matcher, though a hit may still
be a correct mention of a group in the news (the listing says which name matched, so a reader
can tell a mention from a spurious match). The script prints, and unless ``--no-write``
writes into the doc between the ``<!-- false-hits:begin -->`` and ``<!-- false-hits:end -->``
markers (appending them if absent), a table of sentences, hits and hits per 1,000 sentences
by language, and the list of hits. Lines that are not valid JSON objects with a string
``text`` are skipped and counted.

Exit status: 0 on success, 2 if the corpus file does not exist.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from tvec.analysis.indicators import IndicatorHit, IndicatorMatcher
from tvec.entities import Alias, EntityRegistry

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- false-hits:begin -->"
END = "<!-- false-hits:end -->"
#: Steps that only a disguise needs; a news hit that used one is almost surely spurious.
EVASION_STEPS = frozenset({"invisible", "confusables", "split_letters", "leet"})


@dataclass(frozen=True)
class Finding:
    """One hit in one corpus sentence."""

    lang: str
    line: int
    url: str
    text: str
    hit: IndicatorHit


@dataclass(frozen=True)
class Result:
    """Counts by language and the findings."""

    sentences: Counter[str]
    hits: Counter[str]
    findings: tuple[Finding, ...]
    skipped: int
    seconds: float


def run(corpus: Path, matcher: IndicatorMatcher) -> Result:
    """Run ``matcher`` over every sentence of ``corpus``."""
    sentences: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    findings: list[Finding] = []
    skipped = 0
    started = time.perf_counter()
    with corpus.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                skipped += 1
                continue
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                skipped += 1
                continue
            lang = str(row.get("lang") or "und")
            sentences[lang] += 1
            for hit in matcher.find(row["text"]):
                hits[lang] += 1
                findings.append(Finding(lang, number, str(row.get("url", "")), row["text"], hit))
    return Result(sentences, hits, tuple(findings), skipped, time.perf_counter() - started)


def _snippet(finding: Finding, width: int = 50) -> str:
    text, hit = finding.text, finding.hit
    left = max(0, hit.start - width)
    right = min(len(text), hit.end + width)
    snippet = (
        ("…" if left else "")
        + text[left : hit.start]
        + "**"
        + text[hit.start : hit.end]
        + "**"
        + text[hit.end : right]
        + ("…" if right < len(text) else "")
    )
    return snippet.replace("|", "\\|").replace("\n", " ")


def unmarked_matcher(registry: EntityRegistry) -> IndicatorMatcher:
    """A matcher where every alias has mode ``auto``: the data's search/token/exact marks off."""
    entries: list[tuple[str, str | None, Alias]] = []
    for entity in registry:
        entries += [(entity.id, None, replace(a, match="auto")) for a in entity.all_aliases()]
        for outlet in entity.outlets:
            entries += [
                (entity.id, outlet.id, replace(a, match="auto")) for a in outlet.all_aliases()
            ]
    return IndicatorMatcher(entries)


def render(result: Result, corpus: Path, unmarked: Result | None = None) -> str:
    """Return the Markdown section for the doc (``unmarked``: the run without alias marks)."""
    total = sum(result.sentences.values())
    total_hits = sum(result.hits.values())
    evasive = [f for f in result.findings if EVASION_STEPS & set(f.hit.steps)]
    rate = 1000 * total_hits / total if total else 0.0
    try:
        shown = corpus.resolve().relative_to(ROOT)
    except ValueError:
        shown = corpus
    out = [
        f"Corpus: `{shown}`, {total} sentences in {len(result.sentences)} languages"
        + (f" ({result.skipped} unreadable lines skipped)" if result.skipped else "")
        + f"; matcher run in {result.seconds:.2f} s.",
        "",
        f"**{total_hits} hits, {rate:.1f} per 1,000 sentences**; {len(evasive)} of them "
        "needed an evasion step (invisible, confusables, split_letters, leet).",
        "",
    ]
    if unmarked is not None:
        extra = sum(unmarked.hits.values())
        out += [
            f"Without the data's `search`/`token`/`exact` marks on ambiguous aliases the same "
            f"corpus gives {extra} hits ({1000 * extra / total if total else 0.0:.1f} per "
            "1,000 sentences).",
            "",
        ]
        kept = {(f.line, f.hit.start, f.hit.end) for f in result.findings}
        extras = Counter(
            f"{f.hit.alias} ({f.lang})"
            for f in unmarked.findings
            if (f.line, f.hit.start, f.hit.end) not in kept
        )
        if extras:
            listed = ", ".join(f"`{name}` x{count}" for name, count in extras.most_common())
            out += [f"Those extra hits, by alias: {listed}.", ""]
    out += [
        "| language | sentences | hits | hits per 1,000 sentences |",
        "|---|---:|---:|---:|",
    ]
    for lang in sorted(result.sentences):
        count, found = result.sentences[lang], result.hits[lang]
        out.append(f"| {lang} | {count} | {found} | {1000 * found / count:.1f} |")
    out += ["", "Hits:", ""]
    if not result.findings:
        out.append("(none)")
    else:
        out += [
            "| lang | line | entity | outlet | alias | steps | context |",
            "|---|---:|---|---|---|---|---|",
        ]
        for finding in result.findings:
            hit = finding.hit
            out.append(
                f"| {finding.lang} | {finding.line} | {hit.entity_id} | {hit.outlet_id or ''} "
                f"| {hit.alias} | {', '.join(hit.steps)} | {_snippet(finding)} |"
            )
    return "\n".join(out) + "\n"


def write_section(doc: Path, section: str) -> None:
    """Replace the text between the markers in ``doc`` with ``section`` (append if absent)."""
    block = f"{BEGIN}\n{section}{END}"
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Entity indicators\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n## False-hit rate on news text\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print and write; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests/data/corpus/news.jsonl")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs/indicators.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    registry = EntityRegistry.load_default()
    matcher = IndicatorMatcher.from_registry(registry)
    result = run(args.corpus, matcher)
    section = render(result, args.corpus, run(args.corpus, unmarked_matcher(registry)))
    print(section)
    if not args.no_write:
        write_section(args.doc, section)
        print(f"wrote {args.doc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
