"""Matching the PDQ variants of an image (rotated, mirrored, unletterboxed) against banks.

One rule for ``tvec scan`` and ``tvec match``: each variant hash is looked up like the
image's own ``pdq`` hash (same index, threshold and minimum quality); a bank entry already
matched by the image's own hash, or by an earlier variant, is not reported again; each
other entry is reported once, for its nearest variant (ties: the earlier variant, in
:data:`~tvec.signals.pdq_variants.VARIANT_NAMES` order), with ``found_by`` added to its
labels.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tvec.matching.matcher import BankHit, Matcher
    from tvec.signals.pdq_variants import PDQVariant

#: The label naming the variant that matched.
FOUND_BY = "found_by"


@dataclass(frozen=True)
class VariantHit:
    """A bank entry matched by one variant; ``hit.labels`` includes ``found_by``."""

    variant: PDQVariant
    hit: BankHit


def match_variants(
    matcher: Matcher, variants: Iterable[PDQVariant], matched: Collection[int] = ()
) -> list[VariantHit]:
    """Bank entries the variants match and ``matched`` (entry ids) does not hold.

    Returns:
        One :class:`VariantHit` per entry, nearest variant first, ordered by distance then
        entry id.
    """
    best: dict[int, VariantHit] = {}
    for variant in variants:
        for hit in matcher.match(variant.signal):
            if hit.entry_id in matched:
                continue
            known = best.get(hit.entry_id)
            if known is None or hit.distance < known.hit.distance:
                labels = {**hit.labels, FOUND_BY: variant.found_by}
                best[hit.entry_id] = VariantHit(variant, replace(hit, labels=labels))
    return sorted(best.values(), key=lambda v: (v.hit.distance, v.hit.entry_id))
