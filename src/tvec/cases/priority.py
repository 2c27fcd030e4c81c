"""A case's priority (0-10) from confidence and severity, with the parts kept.

Confidence (0-1) combines every piece of evidence as a noisy-or, ``1 - prod(1 - c_i)``, where
``c_i`` comes from ``TVEC_CONFIDENCE_WEIGHTS``: ``exact_hash`` for an exact hash match,
``near_hash * (1 - distance / (2 * threshold))`` for a PDQ match (from ``near_hash`` at distance
0 down to half of it at the threshold), and the weights of ``verified_source``,
``trusted_flagger``, ``flag`` and ``indicator`` evidence. Severity (0-1) is the weight
(``TVEC_SEVERITY_WEIGHTS``) of the most severe category among the evidence. The priority is
``10 * (share * confidence + (1 - share) * severity)`` with ``share`` =
``TVEC_PRIORITY_CONFIDENCE_SHARE``, rounded to two decimals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tvec.errors import UsageError
from tvec.settings import Settings

#: Severity categories, most severe first.
SEVERITIES = ("threat_to_life", "crisis", "designated_propaganda", "other")
#: Kinds of evidence that carry their confidence straight from the weights.
FLAG_KINDS = ("verified_source", "trusted_flagger", "flag", "indicator")
#: Flag kinds that claim a verified or trusted origin: they raise a case above a plain flag,
#: so flagging with them needs ``case.flag_priority`` (see :func:`tvec.cases.flag_item`).
PRIORITY_FLAG_KINDS = frozenset({"verified_source", "trusted_flagger"})
#: Severities that claim an emergency (a threat to life, a crisis): likewise limited.
PRIORITY_SEVERITIES = frozenset({"threat_to_life", "crisis"})


@dataclass(frozen=True)
class EvidencePart:
    """One piece of evidence as the score sees it: its kind, confidence and severity."""

    kind: str
    confidence: float
    severity: str
    what: str


def match_confidence(
    signal_type: str, distance: int, weights: Mapping[str, float], pdq_threshold: int
) -> tuple[str, float]:
    """The evidence kind and confidence (0-1) of a bank match at ``distance``.

    PDQ matches are ``near_hash`` (distance in bits of 256); every other type matches exactly.
    """
    if signal_type == "pdq":
        scale = 1.0 - distance / (2.0 * max(pdq_threshold, 1))
        return "near_hash", round(max(0.0, weights.get("near_hash", 0.0) * scale), 4)
    return "exact_hash", weights.get("exact_hash", 0.0)


def severity_of(labels: Mapping[str, Any]) -> str:
    """The severity category of a bank entry from its labels.

    A ``severity`` label naming a category wins; an ``entity`` label means designated-group
    propaganda; anything else is ``other``.
    """
    label = str(labels.get("severity") or "").strip().lower().replace(" ", "_").replace("-", "_")
    if label in SEVERITIES:
        return label
    if labels.get("entity"):
        return "designated_propaganda"
    return "other"


def check_severity(severity: str) -> str:
    """``severity`` if it is a known category.

    Raises:
        UsageError: unknown category (the message lists them).
    """
    if severity not in SEVERITIES:
        raise UsageError(f"unknown severity {severity!r} (known: {', '.join(SEVERITIES)})")
    return severity


def score(parts: Sequence[EvidencePart], settings: Settings) -> tuple[float, dict[str, Any]]:
    """The priority (0-10) of a case with ``parts`` and the explanation kept with it.

    Returns:
        ``(priority, explanation)``; the explanation holds ``confidence`` (value, share,
        the evidence with its own confidence), ``severity`` (category, value, share) and
        ``priority``, so a reviewer can see where the number comes from.
    """
    remaining = 1.0
    for part in parts:
        remaining *= 1.0 - min(max(part.confidence, 0.0), 1.0)
    confidence = round(1.0 - remaining, 4)
    weights = settings.severity_weights
    category = "other"
    for part in parts:
        if weights.get(part.severity, 0.0) > weights.get(category, 0.0):
            category = part.severity
    severity = weights.get(category, 0.0)
    share = settings.priority_confidence_share
    priority = round(10.0 * (share * confidence + (1.0 - share) * severity), 2)
    explanation = {
        "priority": priority,
        "confidence": {
            "value": confidence,
            "share": share,
            "evidence": [
                {"kind": p.kind, "confidence": p.confidence, "what": p.what} for p in parts
            ],
        },
        "severity": {"category": category, "value": severity, "share": round(1.0 - share, 4)},
    }
    return priority, explanation
