"""Undoing a decision (tvec.cases.service.undo_decision) on SQLite and PostgreSQL: only by
its reviewer, within TVEC_UNDO_SECONDS, while it has not left tvec; audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.review_data import fast_settings, make_users, scan_sample
from tvec.accounts import Principal
from tvec.audit.log import AuditKind
from tvec.cases import DecisionRequest, service
from tvec.clock import utcnow
from tvec.errors import ConflictError, NotFoundError
from tvec.store import Store, open_store
from tvec.store.models.audit import AuditEvent
from tvec.store.models.cases import Decision, ReviewCase


@pytest.fixture
def reviewed(db_url: str, tmp_path: Path) -> Iterator[tuple[Store, dict[str, Principal]]]:
    store = open_store(fast_settings(tmp_path / "home", database_url=db_url))
    scan_sample(store, tmp_path)
    users = make_users(store)
    yield store, users
    store.close()


def _decide(store: Store, case_id: int, who: Principal, outcome: str) -> int:
    with store.session() as session:
        decision = service.decide(
            session, case_id, who, DecisionRequest(outcome=outcome), store.settings
        )
        return decision.id


def test_undo_restores_the_status_and_is_audited(
    reviewed: tuple[Store, dict[str, Principal]],
) -> None:
    store, users = reviewed
    moderator = users["moderator"]
    first = _decide(store, 1, moderator, "escalate")
    second = _decide(store, 1, moderator, "no_violation")
    with store.session() as session:
        case = service.undo_decision(session, second, moderator, store.settings, utcnow())
        assert case.status == "escalated"  # the decision before it escalated
        assert [d.id for d in case.decisions] == [first]
    with store.session() as session:
        service.undo_decision(session, first, moderator, store.settings, utcnow())
    with store.session() as session:
        assert session.get(ReviewCase, 1).status == "open"  # type: ignore[union-attr]
        assert session.scalars(select(Decision)).all() == []
        undone = session.scalars(
            select(AuditEvent.data).where(AuditEvent.kind == AuditKind.DECISION_UNDO.value)
        ).all()
        assert [(d["decision_id"], d["status"]) for d in undone] == [
            (second, "escalated"),
            (first, "open"),
        ]


def test_a_second_undo_says_the_decision_was_undone_already(
    reviewed: tuple[Store, dict[str, Principal]],
) -> None:
    # the second undo of one decision (a second tab, a double click) answered "no decision N"
    store, users = reviewed
    moderator = users["moderator"]
    first = _decide(store, 1, moderator, "no_violation")
    other = _decide(store, 2, moderator, "escalate")
    for decision_id in (first, other):
        with store.session() as session:
            service.undo_decision(session, decision_id, moderator, store.settings, utcnow())
    with store.session() as session, pytest.raises(ConflictError) as refused:
        service.undo_decision(session, first, moderator, store.settings, utcnow())
    message = str(refused.value)
    assert message.startswith(f"decision {first} was undone already (by moderator, ")
    assert message.endswith("case 1 is back in review")
    with store.session() as session, pytest.raises(NotFoundError, match="no decision 999"):
        service.undo_decision(session, 999, moderator, store.settings, utcnow())


def test_undo_is_refused_once_the_decision_may_have_left_tvec(
    reviewed: tuple[Store, dict[str, Principal]],
) -> None:
    store, users = reviewed
    moderator = users["moderator"]
    decision_id = _decide(store, 2, moderator, "no_violation")
    with store.session() as session:
        late = utcnow() + timedelta(seconds=store.settings.undo_seconds + 5)
        with pytest.raises(ConflictError, match="are over"):
            service.undo_decision(session, decision_id, moderator, store.settings, late)
    with store.session() as session, pytest.raises(ConflictError, match="only moderator"):
        service.undo_decision(session, decision_id, users["admin"], store.settings, utcnow())
    with store.session() as session:
        decision = session.get(Decision, decision_id)
        assert decision is not None
        no_undo = store.settings.model_copy(update={"undo_seconds": 0})
        assert "turned off" in str(
            service.undo_blocker(session, decision, "moderator", no_undo, utcnow())
        )
    with store.session() as session:
        assert session.get(ReviewCase, 2).status == "decided"  # type: ignore[union-attr]


def test_a_statement_of_reasons_goes_with_an_undone_decision_until_it_is_sent(
    reviewed: tuple[Store, dict[str, Principal]],
) -> None:
    """A pending statement is deleted with the decision it was made from; once sent to the
    DSA Transparency Database (any state but pending), the decision may no longer be undone."""
    from tvec.sor.build import make_statements
    from tvec.store.models.sor import StatementOfReasons

    store, users = reviewed
    moderator = users["moderator"]
    request = DecisionRequest(
        outcome="remove", ground_kind="tos", ground="ToS 4.1 terrorist content"
    )
    with store.session() as session:
        first = service.decide(session, 1, moderator, request, store.settings).id
        second = service.decide(session, 2, moderator, request, store.settings).id
    with store.session() as session:
        made = make_statements(session, store.settings, utcnow())
        assert sorted(s.decision_id for s in made) == [first, second]  # type: ignore[type-var]
        made[-1].state = "submitted"
    with store.session() as session:
        service.undo_decision(session, first, moderator, store.settings, utcnow())
    with store.session() as session, pytest.raises(ConflictError, match="DSA Transparency"):
        service.undo_decision(session, second, moderator, store.settings, utcnow())
    with store.session() as session:
        left = session.execute(select(StatementOfReasons.decision_id, StatementOfReasons.state))
        assert [tuple(r) for r in left] == [(second, "submitted")]
