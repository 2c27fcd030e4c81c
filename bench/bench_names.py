"""Name matching on ordinary news: hits per 10,000 posts per language (issue 15 part 6).

Every line of ``tests/data/corpus/news.jsonl`` (2,002 real news sentences in 22 languages,
from public news sites; see that file's ``url`` fields) and of
``tests/data/langid/heldout.jsonl`` (1,141 real short news texts and headlines) is one post.
Each post is searched with the default entity registry's
:class:`tvec.analysis.indicators.IndicatorMatcher`; hits are split into exact ones (no
``fuzzy`` step) and fuzzy ones (the OCR and transliteration pass). Fuzzy hits on this corpus
are false hits unless the sentence really names the entity: the listing (``--show``) says
which. ``python bench/bench_names.py`` prints JSON.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT / "tests" / "data" / "corpus" / "news.jsonl"
HELDOUT = ROOT / "tests" / "data" / "langid" / "heldout.jsonl"


def measure(show: bool = False) -> dict[str, dict[str, float]]:
    """Per language: posts, exact hits, fuzzy hits and fuzzy hits per 10,000 posts."""
    from tvec.analysis.indicators import IndicatorMatcher
    from tvec.entities.registry import EntityRegistry

    matcher = IndicatorMatcher.from_registry(EntityRegistry.load_default())
    posts: Counter[str] = Counter()
    exact: Counter[str] = Counter()
    fuzzy: Counter[str] = Counter()
    lines = NEWS.read_text(encoding="utf-8").splitlines()
    lines += HELDOUT.read_text(encoding="utf-8").splitlines()
    for line in lines:
        row = json.loads(line)
        lang = row["lang"]
        posts[lang] += 1
        for hit in matcher.find(row["text"]):
            if "fuzzy" in hit.steps:
                fuzzy[lang] += 1
                if show:
                    print(f"{lang}\t{hit.matched_text!r}\t{hit.alias}\t{row['text'][:120]}")
            else:
                exact[lang] += 1
    out = {
        lang: {
            "posts": posts[lang],
            "exact_hits": exact[lang],
            "fuzzy_hits": fuzzy[lang],
            "fuzzy_per_10k": round(10_000 * fuzzy[lang] / posts[lang], 1),
        }
        for lang in sorted(posts)
    }
    total = sum(posts.values())
    out["all"] = {
        "posts": total,
        "exact_hits": sum(exact.values()),
        "fuzzy_hits": sum(fuzzy.values()),
        "fuzzy_per_10k": round(10_000 * sum(fuzzy.values()) / total, 1),
    }
    return out


if __name__ == "__main__":
    print(json.dumps(measure(show="--show" in sys.argv), indent=1))
