"""Write the demo's transparency report (HTML and PDF) and platform scoreboard.

Run last in ``make demo`` (after ``demo_takedowns.py``), with ``TVEC_HOME`` set to the
demo's home folder::

    TVEC_HOME=examples/demo-data/.tvec python examples/demo_reports.py examples/demo-data

The period is the demo's two months, October and November 2026; the previous period of
the same length (August and September) holds the first alerts of the replay, so the
report shows a change. The scoreboard ranks platforms from 2 alerts (the demo sends two
or three per platform; the default minimum, 5, is meant for real volumes). The figures
describe the end of the replay (2026-11-29 21:00 UTC), so every run writes the same
numbers. The files are what ``tvec report transparency|scoreboard`` writes.

Simulated, as in the takedown replay ("as if the channel had been watched live"): the scan
of ``make demo`` runs today, so before writing the reports each demo item that has a post
time (and the media inside it) is dated as collected at that time, and its matches,
indicator hits and review case with it (:func:`as_watched_live`); otherwise the content
and review figures of October and November would be empty. Items without a post time keep
the time of the scan.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update

from tvec.app.context import AppContext, open_context
from tvec.app.reports import scoreboard_file, transparency_file
from tvec.settings import load_settings
from tvec.store.models import Item, Match
from tvec.store.models.analysis import ItemIndicatorHit
from tvec.store.models.cases import ReviewCase

SINCE, UNTIL = "2026-10-01", "2026-11-30"
#: The end of the takedown replay (examples/demo_takedowns.py END).
AS_OF = datetime(2026, 11, 29, 21, 0, tzinfo=UTC)
MIN_ALERTS = 2


def as_watched_live(ctx: AppContext) -> int:
    """Date each item with a post time (and its children) as collected then, with its
    matches, indicator hits and case; returns the number of items re-dated. Idempotent."""
    with ctx.write() as session:
        posted = dict(
            session.execute(
                select(Item.id, Item.posted_at).where(Item.posted_at.is_not(None))
            ).all()
        )
        children = session.execute(
            select(Item.id, Item.parent_id).where(Item.parent_id.in_(list(posted)))
        ).all()
        posted.update({child: posted[parent] for child, parent in children})
        for item_id, when in posted.items():
            session.execute(update(Item).where(Item.id == item_id).values(collected_at=when))
            session.execute(update(Match).where(Match.item_id == item_id).values(created_at=when))
            session.execute(
                update(ItemIndicatorHit)
                .where(ItemIndicatorHit.item_id == item_id)
                .values(created_at=when)
            )
            session.execute(
                update(ReviewCase)
                .where(ReviewCase.item_id == item_id)
                .values(opened_at=when, updated_at=when)
            )
    return len(posted)


def main(demo: Path) -> int:
    """Write DEMO/reports/{transparency.html,transparency.pdf,transparency.csv,
    scoreboard.html,scoreboard.csv,scoreboard.json} and print where they are."""
    out = demo / "reports"
    out.mkdir(parents=True, exist_ok=True)
    ctx = open_context(load_settings(progress=False), clock=lambda: AS_OF)
    try:
        as_watched_live(ctx)
        written = []
        for fmt in ("html", "pdf", "csv"):
            path = out / f"transparency.{fmt}"
            path.write_bytes(transparency_file(ctx, since=SINCE, until=UNTIL, fmt=fmt))
            written.append(path)
        for fmt in ("html", "csv", "json"):
            path = out / f"scoreboard.{fmt}"
            path.write_bytes(
                scoreboard_file(ctx, since=SINCE, until=UNTIL, fmt=fmt, min_alerts=MIN_ALERTS)
            )
            written.append(path)
    finally:
        ctx.close()
    print(f"transparency report and scoreboard for {SINCE} to {UNTIL}:")
    for path in written:
        print(f"  {path}")
    print(f"open {out / 'transparency.html'} in a browser; the PDF is the same report")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: demo_reports.py DEMO_FOLDER", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
