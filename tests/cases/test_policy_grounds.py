"""Policy grounds and flags (issue 16, finding 10): a removal's ground is checked against
``TVEC_TOS_GROUNDS`` and the entity registry, and flags that raise a case above a plain flag
need ``case.flag_priority`` (admin and analyst only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.review_data import make_users, scan_sample
from tvec.cases import DecisionRequest, bulk_decide, decide, flag_item
from tvec.errors import PermissionDeniedError, UsageError
from tvec.store import Store
from tvec.store.models import Item
from tvec.store.models.cases import ReviewCase


def _case_ids(store: Store) -> list[int]:
    with store.session() as session:
        return list(session.scalars(select(ReviewCase.id).order_by(ReviewCase.id)))


def _other_item(store: Store) -> int:
    with store.session() as session:
        return session.scalars(select(Item.id).where(Item.locator.like("%c-other.png"))).one()


def test_a_tos_ground_must_be_a_configured_clause(store: Store, tmp_path: Path) -> None:
    scan_sample(store, tmp_path)
    users = make_users(store)
    exact, near = _case_ids(store)
    wrong = DecisionRequest("remove", "tos", "ToS 9.9 whatever I like")
    with store.session() as session:
        with pytest.raises(UsageError) as refused:
            decide(session, exact, users["moderator"], wrong, store.settings)
        message = str(refused.value)
        assert "unknown terms-of-service ground 'ToS 9.9 whatever I like'" in message
        assert "ToS 4.1 terrorist content; ToS 4.2 violent extremism" in message
        with pytest.raises(UsageError, match=r"ToS 9\.9 whatever"):
            bulk_decide(session, [exact, near], users["moderator"], wrong, store.settings)
    right = DecisionRequest("remove", "tos", "ToS 4.2 violent extremism")
    with store.session() as session:
        decision = decide(session, exact, users["moderator"], right, store.settings)
        assert (decision.ground_kind, decision.ground, decision.case.status) == (
            "tos",
            "ToS 4.2 violent extremism",
            "decided",
        )


def test_a_designation_ground_must_be_known_to_the_registry(store: Store, tmp_path: Path) -> None:
    scan_sample(store, tmp_path)
    users = make_users(store)
    exact, near = _case_ids(store)
    with store.session() as session:
        for ground in ("Islamic State", "UK proscribed: Islamic State", "Nobody: UK (UK)"):
            request = DecisionRequest("remove", "designated_entity", ground)
            with pytest.raises(UsageError) as refused:
                decide(session, exact, users["moderator"], request, store.settings)
            assert f"unknown designation ground {ground!r}" in str(refused.value)
            # the message lists what the case offers (the sample's entity, Islamic State)
            assert "Islamic State: US-FTO (US, 2004-12-17)" in str(refused.value)
    listing = "Islamic State: US-FTO (US, 2004-12-17)"
    with store.session() as session:
        decisions = bulk_decide(
            session,
            [exact, near],
            users["moderator"],
            DecisionRequest("remove", "designated_entity", listing),
            store.settings,
        )
        assert [(d.ground_kind, d.ground) for d in decisions] == [
            ("designated_entity", listing),
            ("designated_entity", listing),
        ]


@pytest.mark.parametrize(
    ("kind", "severity", "named"),
    [
        ("flag", "threat_to_life", "severity threat_to_life"),
        ("flag", "crisis", "severity crisis"),
        ("verified_source", "other", "kind verified_source"),
        ("trusted_flagger", "threat_to_life", "kind trusted_flagger and severity threat_to_life"),
    ],
)
def test_a_moderator_may_not_raise_priority_with_a_flag(
    store: Store, tmp_path: Path, kind: str, severity: str, named: str
) -> None:
    scan_sample(store, tmp_path)
    users = make_users(store)
    item_id = _other_item(store)
    with store.session() as session:
        with pytest.raises(PermissionDeniedError) as refused:
            flag_item(
                session, item_id, users["moderator"], store.settings, kind=kind, severity=severity
            )
        assert f"role 'moderator' may not flag with {named}" in str(refused.value)
        assert "case.flag_priority" in str(refused.value)
    with store.session() as session:
        # nothing was opened for the refused flag
        assert session.scalars(select(ReviewCase).where(ReviewCase.item_id == item_id)).all() == []


def test_a_moderator_flags_plainly_and_an_analyst_may_raise_priority(
    store: Store, tmp_path: Path
) -> None:
    scan_sample(store, tmp_path)
    users = make_users(store)
    item_id = _other_item(store)
    with store.session() as session:
        plain = flag_item(
            session, item_id, users["moderator"], store.settings, severity="designated_propaganda"
        )
        # flag 0.4, designated propaganda 0.6 -> 10 * (0.2 + 0.3) = 5.0
        assert plain.priority == 5.0
        raised = flag_item(
            session,
            item_id,
            users["analyst"],
            store.settings,
            kind="verified_source",
            severity="threat_to_life",
        )
        assert raised.id == plain.id
        # 1 - (1 - 0.4)(1 - 0.8) = 0.88; threat to life 1.0 -> 10 * (0.44 + 0.5) = 9.4
        assert raised.priority == 9.4
        assert [e.kind for e in raised.evidence] == ["flag", "verified_source"]
