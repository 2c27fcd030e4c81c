"""A seeded database for the transparency report and scoreboard tests (fixed times, UTC).

The report's period is February and March 2024 (``[2024-02-01, 2024-04-01)``, 60 days);
the previous period ``[2023-12-03, 2024-02-01)``; the report is made at ``NOW``
(2024-04-15). Alerts are those of ``tests/alerts/removal_data.py`` (u1-u4 sent in January,
u5-u9 in February and March). On top of them (names as in the tests' hand computations):

items (collected)        source    language  matches (bank, signal)             hits
i1 2024-02-05 00:00      telegram  ara       tcap-2024 pdq                      islamic-state x2
i2 2024-02-10 00:00      telegram  eng       tcap-2024 pdq, gifct-hashes md5    al-shabaab
i3 2024-03-01 00:00      feed      und       own-list pdq
i4 2024-03-20 00:00      (none)    -         -
i5 2024-01-20 00:00      feed      ara       tcap-2024 md5 (before the period)  islamic-state
i6 2024-04-05 00:00      telegram  -         -  (after the period)

cases: c1 i1 opened 02-05 01:00, remove (tos) 02-05 06:00; c2 i2 opened 02-10 00:30,
escalate 02-10 02:00, remove (designated) 02-12 00:00; c3 i3 opened 03-01, no_violation
03-02; c4 i4 opened 03-20, undecided; c5 i5 opened 01-20, duplicate 04-03 (after the
period); c6 i6 opened 04-05; c8 i3 opened 01-10, remove 01-15.
appeals: a1 on c1's remove filed 02-20 overturned 02-25; a2 on c2's remove filed 03-01
upheld 03-05; a3 on c3's decision filed 03-10 pending; a4 on c8's remove filed 01-16
overturned 02-02; a5 on c3's decision filed 03-03 overturned 03-04.

orders (received, deadline, status, completed, rejections, URLs): o1 02-01 10:00, 11:00,
done 10:40, -, 2; o2 02-15 09:00, 10:00, done 12:00, -, 1; o3 03-01 08:00, 09:00,
rejected, 3(8), 1; o4 03-10 08:00, 03-12 09:00 (resumed), done 03-12 08:30, 3(7), 1;
o5 03-31 23:30, 04-01 00:30, overdue, -, 1; o6 01-15 (before), done, -, 3; o7 03-30
10:00, 04-20 10:00 (resumed), open, 3(8), 1.
holds: h1 from 02-01 10:40, extended 03-01 and 05-01; h2 from 2023-08-01, purged
02-20; h3 from 03-12 08:30, extended 2024-01-01, purged 04-20.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from tests.alerts.removal_data import at, insert_removals
from tvec.store.models import Bank, BankEntry, Item, Match, Source
from tvec.store.models.alerts import Alert, Takedown
from tvec.store.models.analysis import ItemAnalysis, ItemIndicatorHit
from tvec.store.models.cases import Appeal, Decision, ReviewCase
from tvec.store.models.core import Outlink
from tvec.store.models.orders import LegalHold, RemovalOrder, RemovalOrderUrl

NOW = at("2024-04-15 00:00")
SINCE, UNTIL = "2024-02-01", "2024-03-31"
#: Strings that must never appear in a public report: order and hold URLs, a reviewer,
#: an alert recipient.
PRIVATE = (
    "https://hosted.example/",
    "reviewer-alice",
    "abuse@content.example",
    "https://content.example/",
    "channel-of-someone",
    "feed.example",
)
TOS = "Terrorist content policy 1.2"
DESIGNATED = "Al-Shabaab: UN (UN)"


def _item(session: Session, name: str, collected: str, source: Source | None) -> Item:
    item = Item(
        locator=f"report:{name}", media_type="text/plain", content_type="text", text=name,
        collected_at=at(collected), source_id=source.id if source else None,
    )  # fmt: skip
    session.add(item)
    session.flush()
    return item


def _analysis(session: Session, item: Item, language: str) -> ItemAnalysis:
    analysis = ItemAnalysis(item_id=item.id, primary_language=language)
    session.add(analysis)
    session.flush()
    return analysis


def _hit(session: Session, analysis: ItemAnalysis, entity: str, when: str, start: int) -> None:
    session.add(
        ItemIndicatorHit(
            analysis_id=analysis.id, item_id=analysis.item_id, entity_id=entity, alias=entity,
            field="text", span_start=start, span_end=start + 3, matched_text=entity,
            created_at=at(when),
        )
    )  # fmt: skip


def _decision(
    session: Session, case: ReviewCase, outcome: str, when: str,
    kind: str | None = None, ground: str | None = None,
) -> Decision:  # fmt: skip
    decision = Decision(
        case_id=case.id, reviewer="reviewer-alice", outcome=outcome, ground_kind=kind,
        ground=ground, decided_at=at(when), note="seen by reviewer-alice",
    )  # fmt: skip
    session.add(decision)
    session.flush()
    return decision


def _appeal(
    session: Session, decision: Decision, filed: str, status: str, resolved: str | None
) -> None:
    session.add(
        Appeal(
            decision_id=decision.id, filed_by="reviewer-alice", reason="the user asked",
            status=status, filed_at=at(filed), resolved_at=at(resolved) if resolved else None,
            reviewer="reviewer-bob" if resolved else None,
        )
    )  # fmt: skip


def _order(
    session: Session, n: int, received: str, deadline: str, status: str,
    completed: str | None, articles: tuple[str, ...], urls: int,
) -> None:  # fmt: skip
    order = RemovalOrder(
        reference=f"ORDER-{n}", authority="Authority", member_state="FR",
        received_at=at(received), deadline_at=at(deadline), reasons="terrorist content",
        status=status, completed_at=at(completed) if completed else None,
        reply={"impossibility": [{"article": a, "ground": "x"} for a in articles]},
        recorded_by="reviewer-alice",
    )  # fmt: skip
    session.add(order)
    session.flush()
    for u in range(urls):
        session.add(RemovalOrderUrl(order_id=order.id, url=f"https://hosted.example/o{n}/{u}"))


def _hold(
    session: Session, n: int, held_from: str, extended: tuple[str, ...], purged: str | None
) -> None:
    data: dict[str, object] = {"url": f"https://hosted.example/h{n}"}
    if purged:
        data["purged"] = {"at": purged, "by": "reviewer-alice", "deleted": True}
    session.add(
        LegalHold(
            url=f"https://hosted.example/h{n}", held_from=at(held_from),
            held_until=at(held_from) + timedelta(days=182), data=data,
            extensions=[{"at": e, "by": "reviewer-alice", "until": e} for e in extended],
        )
    )  # fmt: skip


def seed(session: Session) -> None:
    """Insert the alerts of removal_data and everything in the module docstring."""
    insert_removals(session)
    telegram = Source(name="channel-of-someone", kind="telegram", locator="tg:someone")
    feed = Source(name="feed-of-someone", kind="feed", locator="https://feed.example/rss")
    session.add_all([telegram, feed])
    session.flush()
    i1 = _item(session, "i1", "2024-02-05 00:00", telegram)
    i2 = _item(session, "i2", "2024-02-10 00:00", telegram)
    i3 = _item(session, "i3", "2024-03-01 00:00", feed)
    i4 = _item(session, "i4", "2024-03-20 00:00", None)
    i5 = _item(session, "i5", "2024-01-20 00:00", feed)
    i6 = _item(session, "i6", "2024-04-05 00:00", telegram)
    a1 = _analysis(session, i1, "ara")
    a2 = _analysis(session, i2, "eng")
    _analysis(session, i3, "und")
    a5 = _analysis(session, i5, "ara")
    _hit(session, a1, "islamic-state", "2024-02-05 00:00", 0)
    _hit(session, a1, "islamic-state", "2024-02-05 00:00", 10)
    _hit(session, a2, "al-shabaab", "2024-02-10 00:00", 0)
    _hit(session, a5, "islamic-state", "2024-01-20 00:00", 0)

    banks = {name: Bank(name=name) for name in ("tcap-2024", "gifct-hashes", "own-list")}
    session.add_all(banks.values())
    session.flush()
    entries = {
        "t1": BankEntry(bank_id=banks["tcap-2024"].id, signal_type="pdq", value="a" * 64,
                        source="TCAP"),
        "t2": BankEntry(bank_id=banks["tcap-2024"].id, signal_type="pdq", value="b" * 64,
                        source="TCAP"),
        "t3": BankEntry(bank_id=banks["tcap-2024"].id, signal_type="md5", value="c" * 32,
                        source="TCAP"),
        "g1": BankEntry(bank_id=banks["gifct-hashes"].id, signal_type="md5", value="d" * 32),
        "o1": BankEntry(bank_id=banks["own-list"].id, signal_type="pdq", value="e" * 64,
                        source="analyst"),
    }  # fmt: skip
    session.add_all(entries.values())
    session.flush()
    for item, entry, when in (
        (i1, "t1", "2024-02-05 00:00"),
        (i2, "t2", "2024-02-10 00:00"),
        (i2, "g1", "2024-02-10 00:00"),
        (i3, "o1", "2024-03-01 00:00"),
        (i5, "t3", "2024-01-20 00:00"),
    ):
        e = entries[entry]
        session.add(
            Match(item_id=item.id, bank_entry_id=e.id, signal_type=e.signal_type, value=e.value,
                  distance=0, created_at=at(when))
        )  # fmt: skip

    def case(item: Item, opened: str, status: str) -> ReviewCase:
        c = ReviewCase(item_id=item.id, status=status, opened_at=at(opened))
        session.add(c)
        session.flush()
        return c

    c1 = case(i1, "2024-02-05 01:00", "closed")
    c2 = case(i2, "2024-02-10 00:30", "closed")
    c3 = case(i3, "2024-03-01 00:00", "appealed")
    case(i4, "2024-03-20 00:00", "open")
    c5 = case(i5, "2024-01-20 00:00", "decided")
    case(i6, "2024-04-05 00:00", "open")
    c8 = case(i3, "2024-01-10 00:00", "closed")
    d1 = _decision(session, c1, "remove", "2024-02-05 06:00", "tos", TOS)
    _decision(session, c2, "escalate", "2024-02-10 02:00")
    d2 = _decision(session, c2, "remove", "2024-02-12 00:00", "designated_entity", DESIGNATED)
    d3 = _decision(session, c3, "no_violation", "2024-03-02 00:00")
    _decision(session, c5, "duplicate", "2024-04-03 00:00")
    d8 = _decision(session, c8, "remove", "2024-01-15 00:00", "tos", TOS)
    _appeal(session, d1, "2024-02-20 00:00", "overturned", "2024-02-25 00:00")
    _appeal(session, d2, "2024-03-01 00:00", "upheld", "2024-03-05 00:00")
    _appeal(session, d3, "2024-03-10 00:00", "pending", None)
    _appeal(session, d8, "2024-01-16 00:00", "overturned", "2024-02-02 00:00")
    _appeal(session, d3, "2024-03-03 00:00", "overturned", "2024-03-04 00:00")

    _order(session, 1, "2024-02-01 10:00", "2024-02-01 11:00", "done", "2024-02-01 10:40", (), 2)
    _order(session, 2, "2024-02-15 09:00", "2024-02-15 10:00", "done", "2024-02-15 12:00", (), 1)
    _order(session, 3, "2024-03-01 08:00", "2024-03-01 09:00", "rejected", None, ("3(8)",), 1)
    _order(session, 4, "2024-03-10 08:00", "2024-03-12 09:00", "done", "2024-03-12 08:30",
           ("3(7)",), 1)  # fmt: skip
    _order(session, 5, "2024-03-31 23:30", "2024-04-01 00:30", "overdue", None, (), 1)
    _order(session, 6, "2024-01-15 10:00", "2024-01-15 11:00", "done", "2024-01-15 10:30", (), 3)
    _order(session, 7, "2024-03-30 10:00", "2024-04-20 10:00", "open", None, ("3(8)",), 1)
    _hold(session, 1, "2024-02-01 10:40", ("2024-03-01T00:00:00+00:00",
                                           "2024-05-01T00:00:00+00:00"), None)  # fmt: skip
    _hold(session, 2, "2023-08-01 00:00", (), "2024-02-20T00:00:00+00:00")
    _hold(session, 3, "2024-03-12 08:30", ("2024-01-01T00:00:00+00:00",),
          "2024-04-20T00:00:00+00:00")  # fmt: skip
    session.flush()


def add_alerted(
    session: Session, name: str, platform: str, sent: str, removed_after: float | None
) -> None:
    """One more alerted URL on ``platform`` sent at ``sent``, removed (and confirmed ten
    minutes later) ``removed_after`` seconds after the alert, or never."""
    sent_at = at(sent)
    outlink = Outlink(
        url=f"https://content.example/{name}", registrable_domain="content.example",
        host="content.example", platform=platform, first_seen_at=sent_at, last_seen_at=sent_at,
    )  # fmt: skip
    session.add(outlink)
    session.flush()
    session.add(
        Alert(
            reference=f"TVEC-{name}", idempotency_key=f"key-{name}", outlink_id=outlink.id,
            url=outlink.url, platform=platform, channel="email", recipient="abuse@x.example",
            entity="islamic-state", content_kind="video", status="sent", attempts=1,
            created_at=sent_at, sent_at=sent_at,
        )
    )  # fmt: skip
    if removed_after is not None:
        removed = sent_at + timedelta(seconds=removed_after)
        session.add(
            Takedown(
                outlink_id=outlink.id, state="removed", last_result="removed", checks=2,
                removed_at=removed, first_removed_at=removed,
                confirmed_at=removed + timedelta(minutes=10),
            )
        )  # fmt: skip
    session.flush()
