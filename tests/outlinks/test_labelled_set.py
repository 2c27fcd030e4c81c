"""Precision and recall of out-link extraction on the labelled message set (issue 15 part 7).

``tests/data/outlinks/labelled.jsonl`` is built by ``bench/bench_outlinks.py``: 342 benign
messages in ten languages, 276 with one link (plain, bare, obfuscated, spaced schemes) and
66 without (prose with dots, suffix names, versions, abbreviations). Figures and the known
misses are in docs/benchmarks.md.
"""

from __future__ import annotations

import json
from pathlib import Path

from tvec.outlinks import extract_outlinks

DATA = Path(__file__).resolve().parent.parent / "data" / "outlinks" / "labelled.jsonl"


def test_precision_and_recall_on_the_labelled_set() -> None:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 342
    tp = fp = fn = 0
    wrong: list[str] = []
    for row in rows:
        want = set(row["links"])
        got = {link.canonical for link in extract_outlinks(row["text"])}
        tp, fp, fn = tp + len(want & got), fp + len(got - want), fn + len(want - got)
        if got - want:
            wrong.append(row["text"])
    assert tp / (tp + fp) >= 0.97, wrong
    assert tp / (tp + fn) >= 0.99
    # the prose that must never become a link
    assert not any("the .int" in t.lower() or "with .com" in t for t in wrong)
