"""Cases: opening from scans, priority parts, decisions, bulk decisions, appeals."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.review_data import make_users, scan_sample
from tvec.cases import (
    DecisionRequest,
    bulk_decide,
    decide,
    file_appeal,
    flag_item,
    open_cases_for_scan,
    resolve_appeal,
)
from tvec.cases.priority import EvidencePart, match_confidence, score
from tvec.errors import ConflictError, NotFoundError, PermissionDeniedError, UsageError
from tvec.scan import run_scan
from tvec.settings import load_settings
from tvec.store import Store
from tvec.store.models import BankEntry, Item
from tvec.store.models.audit import AuditEvent
from tvec.store.models.cases import CaseEvidence, ReviewCase

REMOVE = DecisionRequest("remove", "tos", "ToS 4.1 terrorist content", note="clear match")


def _cases(store: Store) -> list[ReviewCase]:
    with store.session() as session:
        cases = list(session.scalars(select(ReviewCase).order_by(ReviewCase.id)))
        for case in cases:
            _ = case.item.locator, list(case.evidence)
        return cases


def test_scan_opens_one_case_per_matched_item_with_explained_priority(
    store: Store, tmp_path: Path
) -> None:
    sample = scan_sample(store, tmp_path)
    cases = _cases(store)
    assert [c.item.locator.rsplit("/", 1)[1] for c in cases] == ["a-known.png", "b-near.png"]
    exact, near = cases
    # exact: sha256 + md5 (1.0 each) + pdq at distance 0 (0.9) -> confidence 1.0;
    # entity label -> designated propaganda 0.6; 10 * (0.5 * 1.0 + 0.5 * 0.6) = 8.0
    assert exact.priority == 8.0
    assert exact.priority_parts["confidence"]["value"] == 1.0
    assert exact.priority_parts["severity"] == {
        "category": "designated_propaganda",
        "value": 0.6,
        "share": 0.5,
    }
    assert sorted(e.kind for e in exact.evidence) == ["exact_hash", "exact_hash", "near_hash"]
    assert exact.entity == "Islamic State"
    # near copy: one PDQ match at distance d -> 0.9 * (1 - d / 62)
    (evidence,) = near.evidence
    distance = evidence.detail["distance"]
    assert 0 < distance <= 31
    expected = round(0.9 * (1 - distance / 62), 4)
    assert evidence.confidence == expected
    assert near.priority == round(10 * (0.5 * expected + 0.5 * 0.6), 2)
    assert near.signal_type == "pdq"
    # running the hook again adds nothing
    with store.session() as session:
        report = open_cases_for_scan(session, sample.scan_id, store.settings)
    assert (report.opened, report.joined) == (0, 0)
    assert len(_cases(store)) == 2


def test_new_evidence_joins_the_open_case(store: Store, tmp_path: Path) -> None:
    sample = scan_sample(store, tmp_path)
    users = make_users(store)
    with store.session() as session:
        item = session.scalars(select(Item).where(Item.locator.like("%c-other.png"))).one()
        case = flag_item(
            session, item.id, users["analyst"], store.settings, kind="flag", severity="crisis"
        )
        first_id, first_priority = case.id, case.priority
        again = flag_item(
            session,
            item.id,
            users["analyst"],
            store.settings,
            kind="trusted_flagger",
            severity="threat_to_life",
        )
        assert again.id == first_id
        assert [e.kind for e in again.evidence] == ["flag", "trusted_flagger"]
        # 1 - (1 - 0.4)(1 - 0.7) = 0.82; threat to life 1.0 -> 10 * (0.41 + 0.5) = 9.1
        assert again.priority == 9.1 > first_priority
    assert sample.scan_id > 0


def test_one_open_case_per_item_is_enforced_by_the_database(
    any_store: Store, tmp_path: Path
) -> None:
    scan_sample(any_store, tmp_path)
    with any_store.session() as session:
        item_id = session.scalars(select(ReviewCase.item_id).order_by(ReviewCase.id)).first()
    with pytest.raises(IntegrityError), any_store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO review_case (item_id, status, priority, priority_parts, opened_at,"
                " updated_at) VALUES (:item, 'open', 1.0, '{}', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP)"
            ),
            {"item": item_id},
        )
    assert {"review_case", "decision", "appeal", "audit_event", "account"} <= set(
        any_store.table_names()
    )


def test_decisions_need_their_parts_and_change_status(store: Store, tmp_path: Path) -> None:
    scan_sample(store, tmp_path)
    users = make_users(store)
    exact, near = _cases(store)
    settings = store.settings
    with store.session() as session:
        with pytest.raises(UsageError, match="policy ground"):
            decide(session, exact.id, users["moderator"], DecisionRequest("remove"), settings)
        with pytest.raises(UsageError, match="duplicate_of"):
            decide(session, near.id, users["moderator"], DecisionRequest("duplicate"), settings)
        with pytest.raises(PermissionDeniedError):
            decide(session, exact.id, users["viewer"], REMOVE, settings)
        with pytest.raises(NotFoundError):
            decide(session, 999, users["moderator"], REMOVE, settings)
    with store.session() as session:
        escalated = decide(
            session, near.id, users["moderator"], DecisionRequest("escalate"), settings
        )
        assert escalated.case.status == "escalated"
        dup = decide(
            session,
            near.id,
            users["analyst"],
            DecisionRequest("duplicate", duplicate_of=exact.id),
            settings,
        )
        assert (dup.case.status, dup.duplicate_of) == ("decided", exact.id)
        removed = decide(session, exact.id, users["moderator"], REMOVE, settings)
        assert (removed.case.status, removed.ground_kind, removed.ground) == (
            "decided",
            "tos",
            "ToS 4.1 terrorist content",
        )
        with pytest.raises(ConflictError, match="not waiting"):
            decide(session, exact.id, users["moderator"], REMOVE, settings)
    with store.session() as session:
        kinds = list(session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))
    assert kinds.count("case.decision") == 3
    assert kinds.count("case.open") == 2


def test_removal_can_add_the_items_signals_to_a_bank(store: Store, tmp_path: Path) -> None:
    scan_sample(store, tmp_path)
    users = make_users(store)
    from tvec import banks

    banks.create_bank(store, "reviewed", actor="cli")
    _, near = _cases(store)
    request = DecisionRequest("remove", "tos", "ToS 4.2 violent extremism", bank="reviewed")
    with store.session() as session, pytest.raises(PermissionDeniedError):
        decide(session, near.id, users["moderator"], request, store.settings)
    with store.session() as session:
        decide(session, near.id, users["analyst"], request, store.settings)
    with store.session() as session:
        added = {
            (e.signal_type, e.note)
            for e in session.scalars(
                select(BankEntry).join(BankEntry.bank).where(BankEntry.bank.has(name="reviewed"))
            )
        }
    assert added == {
        ("md5", f"case {near.id}"),
        ("sha256", f"case {near.id}"),
        ("pdq", f"case {near.id}"),
    }


def test_bulk_decision_is_all_or_nothing(store: Store, tmp_path: Path) -> None:
    scan_sample(store, tmp_path)
    users = make_users(store)
    exact, near = _cases(store)
    with pytest.raises(NotFoundError), store.session() as session:
        bulk_decide(
            session,
            [exact.id, near.id, 999],
            users["moderator"],
            DecisionRequest("no_violation"),
            store.settings,
        )
    assert [c.status for c in _cases(store)] == ["open", "open"]
    with store.session() as session:
        done = bulk_decide(
            session,
            [exact.id, near.id],
            users["moderator"],
            DecisionRequest("no_violation"),
            store.settings,
        )
        assert [d.outcome for d in done] == ["no_violation", "no_violation"]
    assert [c.status for c in _cases(store)] == ["decided", "decided"]


def test_appeal_goes_to_a_different_reviewer_and_both_are_kept(
    store: Store, tmp_path: Path
) -> None:
    scan_sample(store, tmp_path)
    users = make_users(store)
    exact, _ = _cases(store)
    with store.session() as session:
        decision = decide(session, exact.id, users["analyst"], REMOVE, store.settings)
        decision_id = decision.id
    with store.session() as session:
        appeal = file_appeal(
            session, decision_id, users["moderator"], "it is news reporting", "uploader @x"
        )
        appeal_id = appeal.id
        assert appeal.decision.case.status == "appealed"
        with pytest.raises(ConflictError):
            file_appeal(session, decision_id, users["moderator"], "again")
    with store.session() as session:
        with pytest.raises(ConflictError, match="different reviewer"):
            resolve_appeal(session, appeal_id, users["analyst"], "overturn")
        with pytest.raises(PermissionDeniedError):
            resolve_appeal(session, appeal_id, users["moderator"], "overturn")
    with store.session() as session:
        resolved = resolve_appeal(session, appeal_id, users["admin"], "overturn", "newsworthy")
        assert (resolved.status, resolved.reviewer) == ("overturned", "admin")
        case = resolved.decision.case
        assert case.status == "closed"
        assert [d.outcome for d in case.decisions] == ["remove"]
        assert [a.status for a in case.decisions[0].appeals] == ["overturned"]
        with pytest.raises(ConflictError, match="already"):
            resolve_appeal(session, appeal_id, users["admin"], "uphold")


def test_score_is_bounded_and_weights_are_settings() -> None:
    settings = load_settings(
        priority_confidence_share=1.0, confidence_weights={"exact_hash": 0.5, "near_hash": 0.5}
    )
    priority, parts = score([EvidencePart("exact_hash", 0.5, "other", "x")] * 2, settings)
    assert priority == 7.5  # 1 - 0.5 * 0.5 = 0.75 confidence, all of the priority
    assert parts["severity"]["share"] == 0.0
    assert score([], settings)[0] == 0.0
    assert match_confidence("pdq", 31, {"near_hash": 0.9}, 31) == ("near_hash", 0.45)
    assert match_confidence("md5", 0, {"exact_hash": 1.0}, 31) == ("exact_hash", 1.0)


def test_rescanning_the_same_content_opens_nothing_new(store: Store, tmp_path: Path) -> None:
    sample = scan_sample(store, tmp_path)
    run_scan(store, [sample.known.parent])
    with store.session() as session:
        assert session.scalar(select(CaseEvidence.id).order_by(CaseEvidence.id.desc())) == 4
    assert len(_cases(store)) == 2
