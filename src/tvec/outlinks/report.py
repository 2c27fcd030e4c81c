"""Out-links by platform: counts of what was done about them, each platform's out-links
with their entity, case, alert and takedown, and their CSV export (the web app's
``/outlinks`` pages and ``/export/outlinks.csv``).

An out-link is ``removed`` when its status checks confirmed the removal (takedown state
``removed``), ``alerted`` when an alert was queued or sent for it and its removal is not
confirmed, ``alert failed`` when its alert's delivery failed for good (no platform was told)
and its removal is not confirmed, and ``open`` otherwise. Its case is the one it was
attributed from, else the oldest case of an item it was seen in.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from tvec.clock import rfc3339
from tvec.errors import UsageError
from tvec.outlinks.sightings import UNKNOWN
from tvec.store.models import Outlink, OutlinkSighting
from tvec.store.models.alerts import Alert, Attribution, Takedown
from tvec.store.models.cases import ReviewCase
from tvec.urls.defang import defang
from tvec.views.csv import csv_text
from tvec.views.operations import OutlinkRowView, PlatformOutlinksView

#: Out-links on one page of a platform's page.
OUTLINKS_PER_PAGE = 100
#: The columns of ``/export/outlinks.csv``.
CSV_COLUMNS = (
    "outlink_id",
    "url",
    "defanged_url",
    "platform",
    "entity",
    "case_id",
    "first_seen_at",
    "last_seen_at",
    "alert_reference",
    "alert_status",
    "alert_sent_at",
    "takedown_state",
    "removed_at",
)


def platform_counts(session: Session) -> list[PlatformOutlinksView]:
    """Every platform with out-links (``unknown`` for those on no known platform), by the
    number of out-links, most first, then by name."""
    removed = case((Takedown.state == "removed", 1), else_=0)
    not_removed = Takedown.state.is_(None) | (Takedown.state != "removed")
    alerted = case((Alert.status.in_(("queued", "sent")) & not_removed, 1), else_=0)
    failed = case(((Alert.status == "failed") & not_removed, 1), else_=0)
    rows = session.execute(
        select(
            Outlink.platform,
            func.count(Outlink.id),
            func.sum(alerted),
            func.sum(failed),
            func.sum(removed),
        )
        .outerjoin(Alert, Alert.outlink_id == Outlink.id)
        .outerjoin(Takedown, Takedown.outlink_id == Outlink.id)
        .group_by(Outlink.platform)
    )
    views = [
        PlatformOutlinksView(
            platform=platform or UNKNOWN,
            outlinks=int(total),
            open=int(total) - int(alerted_n or 0) - int(failed_n or 0) - int(removed_n or 0),
            alerted=int(alerted_n or 0),
            alert_failed=int(failed_n or 0),
            removed=int(removed_n or 0),
        )
        for platform, total, alerted_n, failed_n, removed_n in rows
    ]
    return sorted(views, key=lambda v: (-v.outlinks, v.platform.casefold()))


def _query(
    platform: str | None,
) -> Select[Outlink, Attribution | None, Alert | None, Takedown | None, int | None]:
    seen_case = (
        select(func.min(ReviewCase.id))
        .join(OutlinkSighting, OutlinkSighting.item_id == ReviewCase.item_id)
        .where(OutlinkSighting.outlink_id == Outlink.id)
        .scalar_subquery()
    )
    query = (
        select(Outlink, Attribution, Alert, Takedown, seen_case)
        .outerjoin(Attribution, Attribution.outlink_id == Outlink.id)
        .outerjoin(Alert, Alert.outlink_id == Outlink.id)
        .outerjoin(Takedown, Takedown.outlink_id == Outlink.id)
        .order_by(Outlink.first_seen_at.desc(), Outlink.id.desc())
    )
    if platform is not None:
        if platform == UNKNOWN:
            query = query.where(Outlink.platform.is_(None))
        else:
            query = query.where(func.lower(Outlink.platform) == platform.strip().lower())
    return query


def _row(
    outlink: Outlink,
    attribution: Attribution | None,
    alert: Alert | None,
    takedown: Takedown | None,
    seen_case: int | None,
) -> OutlinkRowView:
    return OutlinkRowView(
        id=outlink.id,
        url=outlink.url,
        defanged=defang(outlink.url),
        platform=outlink.platform or UNKNOWN,
        entity=attribution.entity if attribution else (alert.entity if alert else None),
        case_id=(attribution.case_id if attribution and attribution.case_id else seen_case),
        first_seen_at=outlink.first_seen_at,
        last_seen_at=outlink.last_seen_at,
        alert_reference=alert.reference if alert else None,
        alert_status=alert.status if alert else None,
        alert_sent_at=alert.sent_at if alert else None,
        takedown_state=takedown.state if takedown else None,
        removed_at=takedown.removed_at if takedown else None,
    )


def platform_outlinks(
    session: Session, platform: str, *, page: int = 1
) -> tuple[list[OutlinkRowView], int]:
    """Page ``page`` (1-based, :data:`OUTLINKS_PER_PAGE` each) of the out-links on
    ``platform`` (any case; ``unknown``: on no known platform), newest first, and how many
    there are in all.

    Raises:
        UsageError: ``page`` below 1 or past the last page.
    """
    total = session.scalar(select(func.count()).select_from(_query(platform).subquery())) or 0
    pages = max(1, -(-total // OUTLINKS_PER_PAGE))
    if page < 1 or page > pages:
        raise UsageError(f"page {page} of platform {platform!r}: there are pages 1 to {pages}")
    rows = session.execute(
        _query(platform).offset((page - 1) * OUTLINKS_PER_PAGE).limit(OUTLINKS_PER_PAGE)
    )
    return [_row(*r) for r in rows], total


def outlinks_csv(session: Session, platform: str | None = None) -> tuple[str, int]:
    """Every out-link (only ``platform``'s if given) as CSV (:data:`CSV_COLUMNS`, newest
    first, CSV-injection safe: :mod:`tvec.views.csv`) and the number of rows."""
    views = [_row(*r) for r in session.execute(_query(platform))]

    def cells(v: OutlinkRowView) -> Iterable[object]:
        return (
            v.id,
            v.url,
            v.defanged,
            v.platform,
            v.entity,
            v.case_id,
            rfc3339(v.first_seen_at),
            rfc3339(v.last_seen_at),
            v.alert_reference,
            v.alert_status,
            rfc3339(v.alert_sent_at) if v.alert_sent_at else None,
            v.takedown_state,
            rfc3339(v.removed_at) if v.removed_at else None,
        )

    return csv_text(CSV_COLUMNS, (cells(v) for v in views)), len(views)
