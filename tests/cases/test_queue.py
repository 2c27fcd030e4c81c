"""The queue: priority then age, filters, and keyset paging that visits every case once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tvec.cases import QueueFilter, queue_page
from tvec.cases.queue import decode_cursor, encode_cursor
from tvec.errors import UsageError
from tvec.store import Store
from tvec.store.models import Item
from tvec.store.models.cases import ReviewCase


def _load(store: Store, n: int) -> list[tuple[float, datetime, int]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with store.session() as session:
        for i in range(n):
            item = Item(locator=f"post:{i}", media_type="text/plain", content_type="text")
            session.add(item)
            session.flush()
            session.add(
                ReviewCase(
                    item_id=item.id,
                    status="open" if i % 5 else "escalated",
                    priority=float(i % 4) * 2.5,
                    language="ar" if i % 2 else "en",
                    opened_at=start + timedelta(minutes=(i * 7) % 11),
                )
            )
    with store.session() as session:
        rows = session.query(ReviewCase).filter(ReviewCase.status == "open").all()
        return sorted(
            ((c.priority, c.opened_at, c.id) for c in rows), key=lambda r: (-r[0], r[1], r[2])
        )


def test_pages_follow_priority_then_age_and_cover_every_case_once(any_store: Store) -> None:
    expected = _load(any_store, 43)
    seen: list[tuple[float, datetime, int]] = []
    after = None
    pages = 0
    with any_store.session() as session:
        while True:
            page = queue_page(session, QueueFilter(), after=after, limit=10)
            pages += 1
            assert page.total == len(expected)
            seen.extend((r.priority, r.opened_at, r.id) for r in page.rows)
            if page.next_cursor is None:
                break
            after = page.next_cursor
    assert seen == expected
    assert pages == 4  # 34 open cases in pages of 10


def test_filters_narrow_the_queue(store: Store) -> None:
    _load(store, 20)
    with store.session() as session:
        arabic = queue_page(session, QueueFilter(language="ar"), limit=100)
        escalated = queue_page(session, QueueFilter(status="escalated"), limit=100)
    assert arabic.total == len(arabic.rows) == 8 and {r.language for r in arabic.rows} == {"ar"}
    assert escalated.total == 4 and {r.status for r in escalated.rows} == {"escalated"}


def test_cursor_round_trip_and_bad_input() -> None:
    when = datetime(2026, 2, 3, 4, 5, 6, 7000, tzinfo=UTC)
    assert decode_cursor(encode_cursor(7.25, when, 42)) == (7.25, when, 42)
    with pytest.raises(UsageError, match="cursor"):
        decode_cursor("not-a-cursor")
    with pytest.raises(UsageError, match="status"):
        QueueFilter(status="bogus").check()


def test_the_total_stops_counting_at_the_cap(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import tvec.cases.queue as queue_module

    _load(store, 20)  # 16 open
    monkeypatch.setattr(queue_module, "TOTAL_CAP", 10)
    with store.session() as session:
        page = queue_page(session, QueueFilter(), limit=5)
        assert (page.total, page.total_capped) == (10, True)
        page = queue_page(session, QueueFilter(status="escalated"), limit=5)
        assert (page.total, page.total_capped) == (4, False)
