"""Orders that cannot be executed (Regulation 2021/784, Article 3(7) and 3(8)): rejecting
them with the Annex III document, resuming the clock with a frozen clock, the refusals,
the CLI and what sweeps do with rejected orders."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.orders.test_orders import URL, _events, _order, _settings
from tvec.audit import AuditKind, verify_chain
from tvec.errors import ConflictError, NotFoundError, UsageError
from tvec.orders import (
    act_on_order,
    get_order,
    impossibility_document,
    impossibility_text,
    list_orders,
    order_state,
    order_view,
    reject_order,
    resume_order,
    sweep_orders,
)
from tvec.orders.impossibility import FORM
from tvec.store import Store

T = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
REF = "BKA-TCO-2024-0001"
SECOND = timedelta(seconds=1)
FORCE_MAJEURE_BOX = (
    "Force majeure or de facto impossibility not attributable to the hosting service "
    "provider, including for objectively justifiable technical or operational reasons"
)
CLOCK_3_7 = (
    "The one-hour deadline starts to run as soon as the grounds above have ceased to exist "
    "(Article 3(7))."
)
CLOCK_3_8 = (
    "The one-hour deadline starts to run as soon as the hosting service provider has "
    "received the necessary clarification (Article 3(8))."
)

# ground, clarification given, then by hand: article, box, clarification requested, clock
GROUND_CASES = [
    (
        "force_majeure",
        None,
        "3(7)",
        FORCE_MAJEURE_BOX,
        None,
        CLOCK_3_7,
    ),
    (
        "manifest_error",
        None,
        "3(8)",
        "The removal order contains one or more manifest errors",
        "A corrected removal order, or a clarification of the errors described above.",
        CLOCK_3_8,
    ),
    (
        "insufficient_information",
        "The exact URL of the video (the order names only the channel).",
        "3(8)",
        "The removal order does not contain sufficient information for its execution",
        "The exact URL of the video (the order names only the channel).",
        CLOCK_3_8,
    ),
]


@pytest.mark.parametrize(
    ("ground", "clarification", "article", "box", "requested", "clock"), GROUND_CASES
)
def test_each_ground_fills_in_annex_iii(
    store: Store,
    ground: str,
    clarification: str | None,
    article: str,
    box: str,
    requested: str | None,
    clock: str,
) -> None:
    settings = _settings(store)
    rejected_at = T + timedelta(minutes=20)
    explanation = "Our storage cluster is down after a fire at the data centre.\nETA 4 hours."
    with store.session() as session:
        _order(session, urls=[URL, "https://video.example/v/124"])
        order = reject_order(
            session,
            settings,
            REF,
            ground=ground,
            explanation=f"  {explanation} ",
            clarification=clarification,
            actor="bob",
            now=rejected_at,
        )
        expected = {
            "form": (
                "Regulation (EU) 2021/784, Annex III: information on the impossibility to "
                "execute the removal order (Article 3(7) and (8))"
            ),
            "reference": "BKA-TCO-2024-0001",
            "provider_reference": "tvec-order-1",
            "authority": "Bundeskriminalamt",
            "member_state": "DE",
            "member_state_name": "Germany",
            "received_at": "2024-05-01T10:00:00Z",
            "ground": ground,
            "article": article,
            "ground_text": box,
            "explanation": explanation,
            "clarification_requested": requested,
            "urls": [URL, "https://video.example/v/124"],
            "provider": "Example Hosting Ltd",
            "contact_email": "tco@hosting.example",
            "date": "2024-05-01",
            "informed_at": "2024-05-01T10:20:00Z",
            "deadline_at": "2024-05-01T11:00:00Z",
            "clock": clock,
            "warnings": [],
        }
        assert expected["form"] == FORM
        assert order.status == "rejected"
        assert order_state(order, rejected_at) == ("rejected", 2400.0)
        assert impossibility_document(order, settings) == expected
        [entry] = order.reply["impossibility"]
        assert entry == {
            "ground": ground,
            "article": article,
            "explanation": explanation,
            "clarification": clarification,
            "rejected_at": "2024-05-01T10:20:00Z",
            "rejected_by": "bob",
            "deadline_at": "2024-05-01T11:00:00Z",
            "overdue_at": None,
            "resumed_at": None,
            "resumed_by": None,
            "resumed_deadline_at": None,
            "document": expected,
        }
        assert set(order.reply) == {"impossibility"}  # no Annex II reply
        [action] = _events(session, AuditKind.ORDER_ACTION)
        assert (action.actor, action.target, action.data["action"]) == (
            "bob",
            "order:BKA-TCO-2024-0001",
            "reject",
        )
        assert (action.data["ground"], action.data["article"]) == (ground, article)
        assert action.data["seconds_left"] == 2400.0
        [reply] = _events(session, AuditKind.ORDER_REPLY)
        assert reply.data == {
            "action": "reject",
            "form": "Annex III",
            "ground": ground,
            "article": article,
        }
        assert verify_chain(session).ok
    text = impossibility_text(expected)
    assert f"[x] {box} (Article {article})" in text
    assert text.count("[x]") == 1 and text.count("[ ]") == 2
    assert "Reference of the file of the competent authority: BKA-TCO-2024-0001" in text
    assert "Time and date of receipt of the removal order: 2024-05-01T10:00:00Z" in text
    assert "Name of the hosting service provider: Example Hosting Ltd" in text
    assert ("clarification required:" in text) == (requested is not None)


def test_resume_restarts_the_clock_at_exactly_one_hour_after_resumption(
    any_store: Store,
) -> None:
    store = any_store
    settings = _settings(store)
    rejected_at = T + timedelta(minutes=20)
    resumed = T + timedelta(hours=3)  # 13:00: the data centre is back
    with store.session() as session:
        _order(session)
        reject_order(
            session,
            settings,
            REF,
            ground="force_majeure",
            explanation="Data centre outage.",
            actor="bob",
            now=rejected_at,
        )
    # a rejected order is never swept overdue, however long past its first deadline
    assert sweep_orders(store, settings, now=T + timedelta(hours=1)) == []
    assert sweep_orders(store, settings, now=T + timedelta(hours=2, minutes=59)) == []
    with store.session() as session:
        order = get_order(session, REF)
        assert (order.status, order.overdue_at) == ("rejected", None)
        assert [o.reference for o, _, _ in list_orders(session, status="rejected", now=T)] == [REF]
        assert list_orders(session, now=resumed) == []  # not unfinished
        with pytest.raises(ConflictError, match=r"is rejected; .*tvec order resume"):
            act_on_order(session, settings, REF, actor="bob", now=resumed)
        order = resume_order(session, REF, actor="carol", now=resumed)
        assert order.deadline_at == datetime(2024, 5, 1, 14, 0, tzinfo=UTC)
        assert order_state(order, resumed) == ("open", 3600.0)
        assert order_state(order, resumed + timedelta(minutes=59, seconds=59)) == ("open", 1.0)
    # open at +59:59, a sweep changes nothing; overdue at +1:00:00 exactly
    assert sweep_orders(store, settings, now=resumed + timedelta(minutes=59, seconds=59)) == []
    with store.session() as session:
        assert get_order(session, REF).status == "open"
    hour = resumed + timedelta(hours=1)
    swept = sweep_orders(store, settings, now=hour)
    assert [(o.reference, o.status, o.overdue_at) for o in swept] == [(REF, "overdue", hour)]
    with store.session() as session:
        order = get_order(session, REF)
        [entry] = order.reply["impossibility"]  # the earlier rejection is kept
        assert {k: v for k, v in entry.items() if k != "document"} == {
            "ground": "force_majeure",
            "article": "3(7)",
            "explanation": "Data centre outage.",
            "clarification": None,
            "rejected_at": "2024-05-01T10:20:00Z",
            "rejected_by": "bob",
            "deadline_at": "2024-05-01T11:00:00Z",
            "overdue_at": None,
            "resumed_at": "2024-05-01T13:00:00Z",
            "resumed_by": "carol",
            "resumed_deadline_at": "2024-05-01T14:00:00Z",
        }
        actions = [(e.actor, e.data) for e in _events(session, AuditKind.ORDER_ACTION)]
        assert [(actor, data["action"]) for actor, data in actions] == [
            ("bob", "reject"),
            ("carol", "resume"),
        ]
        assert actions[1][1] == {
            "action": "resume",
            "ground": "force_majeure",
            "article": "3(7)",
            "resumed_at": "2024-05-01T13:00:00Z",
            "previous_deadline_at": "2024-05-01T11:00:00Z",
            "deadline_at": "2024-05-01T14:00:00Z",
        }
        [overdue] = _events(session, AuditKind.ORDER_OVERDUE)
        assert overdue.data["deadline_at"] == "2024-05-01T14:00:00Z"
        # removed five minutes after the restarted hour: late by 300 s, and the Annex II
        # reply keeps the rejection beside it
        act_on_order(session, settings, REF, actor="bob", now=hour + timedelta(minutes=5))
    with store.session() as session:
        order = get_order(session, REF)
        assert order.status == "done"
        assert (order.reply["deadline_at"], order.reply["late_by_seconds"]) == (
            "2024-05-01T14:00:00Z",
            300.0,
        )
        assert order.reply["overdue_at"] == "2024-05-01T14:00:00Z"
        assert [e["resumed_at"] for e in order.reply["impossibility"]] == ["2024-05-01T13:00:00Z"]
        with pytest.raises(ConflictError, match="is done"):
            reject_order(
                session, settings, REF, ground="force_majeure", explanation="x", actor="bob"
            )


def test_an_overdue_order_can_be_rejected_and_resumed_again(store: Store) -> None:
    settings = _settings(store)
    hour = T + timedelta(hours=1)
    with store.session() as session:
        _order(session)
    assert len(sweep_orders(store, settings, now=hour)) == 1
    with store.session() as session:
        reject_order(
            session,
            settings,
            REF,
            ground="manifest_error",
            explanation="The URL names another provider's service.",
            actor="bob",
            now=hour + timedelta(minutes=10),
        )
        # the clarification arrives at 11:40: the hour runs from then
        order = resume_order(session, REF, actor="bob", now=hour + timedelta(minutes=40))
        assert (order.status, order.overdue_at) == ("open", None)
        assert order.deadline_at == datetime(2024, 5, 1, 12, 40, tzinfo=UTC)
        assert order_view(session, order, hour + timedelta(minutes=40)).time_left == "1 h left"
        [first] = order.reply["impossibility"]
        assert (first["deadline_at"], first["overdue_at"]) == (
            "2024-05-01T11:00:00Z",
            "2024-05-01T11:00:00Z",
        )
        # a second impossibility after the first is resumed: both kept, oldest first
        reject_order(
            session,
            settings,
            REF,
            ground="insufficient_information",
            explanation="The clarification names no URL.",
            actor="bob",
            now=hour + timedelta(minutes=50),
        )
        grounds = [(e["ground"], e["resumed_at"]) for e in order.reply["impossibility"]]
        assert grounds == [
            ("manifest_error", "2024-05-01T11:40:00Z"),
            ("insufficient_information", None),
        ]
        latest = impossibility_document(order, settings)
        assert latest["deadline_at"] == "2024-05-01T12:40:00Z"
        assert latest["informed_at"] == "2024-05-01T11:50:00Z"


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"ground": "strike"}, UsageError, "unknown ground 'strike' (one of force_majeure, "),
        ({"explanation": "  "}, UsageError, "the explanation is empty"),
        ({"explanation": "a\x00b"}, UsageError, "control character U+0000"),
        ({"explanation": "x" * 20_001}, UsageError, "longer than 20000 characters"),
        (
            {"clarification": "the URL"},
            UsageError,
            "a clarification is requested only under Article 3(8)",
        ),
        ({"now": T - SECOND}, UsageError, "before the order's receipt"),
        ({"reference": "nope"}, NotFoundError, "no removal order with reference 'nope'"),
    ],
)
def test_bad_rejections_are_refused(
    store: Store, fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    values: dict[str, Any] = {
        "reference": REF,
        "ground": "force_majeure",
        "explanation": "outage",
        "actor": "bob",
        "now": T,
    }
    values.update(fields)
    reference = values.pop("reference")
    with store.session() as session:
        _order(session)
        with pytest.raises(error, match=re.escape(message)):
            reject_order(session, _settings(store), reference, **values)
        assert get_order(session, REF).status == "open"
        assert _events(session, AuditKind.ORDER_ACTION) == []


def test_rejected_and_done_orders_refuse_what_does_not_fit(store: Store) -> None:
    settings = _settings(store)
    with store.session() as session:
        _order(session)
        _order(session, "done")
        act_on_order(session, settings, "done", actor="bob", now=T)
        with pytest.raises(ConflictError, match="'done' is done: every URL is acted on"):
            reject_order(
                session, settings, "done", ground="force_majeure", explanation="x", actor="b"
            )
        with pytest.raises(ConflictError, match=f"'{REF}' is open, not rejected"):
            resume_order(session, REF, actor="bob", now=T)
        at = T + timedelta(minutes=5)
        reject_order(
            session, settings, REF, ground="force_majeure", explanation="x", actor="b", now=at
        )
        with pytest.raises(ConflictError, match="rejected already; resume it first"):
            reject_order(
                session, settings, REF, ground="manifest_error", explanation="y", actor="b"
            )
        with pytest.raises(ConflictError, match="is rejected"):
            act_on_order(session, settings, REF, urls=[URL], actor="bob", now=at)
        with pytest.raises(UsageError, match="before the rejection"):
            resume_order(session, REF, actor="bob", now=at - SECOND)
        with pytest.raises(ConflictError, match="'done' is done, not rejected"):
            resume_order(session, "done", actor="bob", now=at)
        assert get_order(session, REF).status == "rejected"


def test_cli_reject_and_resume(cli) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    for reference, minutes in (("DE-1", 90), ("DE-2", 10)):
        added = cli(
            "order",
            "add",
            "--reference",
            reference,
            "--authority",
            "Bundeskriminalamt",
            "--member-state",
            "DE",
            "--url",
            URL,
            "--reasons",
            "Incites terrorist offences.",
            "--received-at",
            (now - timedelta(minutes=minutes)).isoformat(),
        )
        assert added.code == 0, added.err
    rejected = cli(
        "order",
        "reject",
        "DE-1",
        "--ground",
        "force_majeure",
        "--explanation",
        "Data centre outage since 09:00.",
    )
    assert rejected.code == 0, rejected.err
    assert "removal order DE-1 rejected (force_majeure, Article 3(7))" in rejected.out
    assert f"[x] {FORCE_MAJEURE_BOX} (Article 3(7))" in rejected.out
    assert "Further information on the reasons: Data centre outage since 09:00." in rejected.out
    assert "SECTION C" in rejected.out and "warning: " in rejected.err  # no provider set
    as_json = cli(
        "order",
        "reject",
        "DE-2",
        "--ground",
        "insufficient_information",
        "--explanation",
        "Only the channel is named.",
        "--clarification",
        "The URL of the video.",
        "--json",
    )
    assert as_json.code == 0, as_json.err
    document = json.loads(as_json.out)
    assert (document["reference"], document["article"], document["clarification_requested"]) == (
        "DE-2",
        "3(8)",
        "The URL of the video.",
    )
    listed = json.loads(cli("order", "list", "--status", "rejected", "--json").out)
    assert sorted(r["reference"] for r in listed) == ["DE-1", "DE-2"]
    assert cli("order", "list", "--json").out.strip() == "[]"
    # DE-1 is 90 minutes past receipt but rejected: the sweep leaves it alone
    assert "0 order(s) became overdue" in cli("order", "sweep").out
    shown = cli("order", "show", "DE-1").out
    assert "status: rejected" in shown
    assert re.search(r"rejected at .* UTC by cli: force_majeure \(Article 3\(7\)\)", shown)
    reply = cli("order", "reply", "DE-1")
    assert reply.code == 0 and "Annex III" in reply.out and "[x] Force majeure" in reply.out
    refused = cli("order", "act", "DE-1")
    assert refused.code == 2 and "tvec order resume DE-1" in refused.err
    again = cli("order", "reject", "DE-1", "--ground", "force_majeure", "--explanation", "x")
    assert again.code == 2 and "rejected already" in again.err
    bogus = cli("order", "reject", "DE-2", "--ground", "bogus", "--explanation", "x")
    assert bogus.code == 2 and "unknown ground 'bogus'" in bogus.err
    resumed = cli("order", "resume", "DE-1")
    assert resumed.code == 0, resumed.err
    assert re.search(r"resumed: open, deadline .* UTC \((1 h|59 min 59 s) left\)", resumed.out)
    shown = json.loads(cli("order", "show", "DE-1", "--json").out)
    assert shown["status"] == "open"
    assert shown["reply"]["impossibility"][0]["resumed_by"] == "cli"
    deadline = datetime.fromisoformat(shown["deadline_at"])
    resumed_at = datetime.fromisoformat(shown["reply"]["impossibility"][0]["resumed_at"])
    assert deadline - resumed_at == timedelta(hours=1)
    not_rejected = cli("order", "resume", "DE-1")
    assert not_rejected.code == 2 and "not rejected" in not_rejected.err
    early = cli("order", "reply", "DE-1")
    assert early.code == 2 and "is open: no reply until every URL is acted on" in early.err
    assert cli("order", "act", "DE-1").code == 0
    done = json.loads(cli("order", "reply", "DE-1", "--json").out)
    assert done["on_time"] is True and len(done["impossibility"]) == 1
    audit = [json.loads(line) for line in cli("audit", "export").out.splitlines()]
    actions = [e["data"].get("action") for e in audit if e["kind"] == "order.action"]
    assert actions == ["reject", "reject", "resume", "removed"]
