"""The keyed audit chain and its anchors (issue 16, finding 6): truncation, deletion of every
event, appended forgeries and a chain recomputed without the key are all found, on SQLite
and PostgreSQL; logs from before the key keep verifying."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from tvec.app import audit as use
from tvec.app.context import AppContext, open_context
from tvec.audit import AuditKind, record
from tvec.audit.keys import key_file, load_keyring
from tvec.audit.log import GENESIS, chain_hmac, event_digest
from tvec.settings import load_settings
from tvec.store import Store, open_store
from tvec.store.models import AuditEvent, utcnow


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[AppContext]:
    settings = load_settings(home=tmp_path / "home", database_url=db_url, progress=False)
    store = open_store(settings)
    yield open_context(settings, store=store)
    store.close()


def _append(store: Store, n: int, start: int = 0) -> None:
    with store.session() as session:
        for i in range(start, start + n):
            record(session, f"user{i}", AuditKind.DECISION, f"case:{i}", {"i": i})


def _anchored(ctx: AppContext, tmp_path: Path, n: int = 5) -> Path:
    """``n`` events, verified once with an anchor file; returns the file."""
    _append(ctx.store, n)
    anchor = tmp_path / "elsewhere" / "anchors.jsonl"
    result = use.verify(ctx, anchor)
    assert result.ok, result
    lines = [json.loads(line) for line in anchor.read_text().splitlines()]
    assert lines[-1]["events"] == n and lines[-1]["last_hmac"]
    return anchor


def _rechain(store: Store, from_id: int, key: bytes | None, edit: bool = False) -> None:
    """What an attacker with the database but not the key can do: rewrite events from
    ``from_id`` on, recomputing every SHA-256 (and HMACs with ``key``, None to drop them)."""
    with store.session() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        prev, prev_hmac = GENESIS, GENESIS
        for event in events:
            if event.id >= from_id:
                if edit and event.id == from_id:
                    event.data = {"i": "rewritten"}
                event.prev_sha256 = f"tmp{event.id}"
        session.flush()
        for event in events:
            if event.id >= from_id:
                event.prev_sha256 = prev
                event.sha256 = event_digest(
                    event.at, event.actor, event.kind, event.target, event.data, prev
                )
                event.hmac = chain_hmac(key, prev_hmac, event.sha256) if key else None
                session.flush()
            prev, prev_hmac = event.sha256, event.hmac or GENESIS


def test_every_event_is_keyed_and_the_head_is_anchored(ctx: AppContext, tmp_path: Path) -> None:
    anchor = _anchored(ctx, tmp_path)
    path = key_file(ctx.settings)
    assert path.stat().st_mode & 0o777 == 0o600
    result = use.verify(ctx, anchor)
    assert result.ok and result.chain.keyed == 5 and result.chain.unkeyed == 0
    assert len(anchor.read_text().splitlines()) == 2  # every verification appends the head


def test_truncation_is_found_by_the_anchor(ctx: AppContext, tmp_path: Path) -> None:
    anchor = _anchored(ctx, tmp_path)
    with ctx.store.session() as session:
        newest = session.scalar(select(func.max(AuditEvent.id)))
        session.execute(delete(AuditEvent).where(AuditEvent.id >= newest - 1))
    result = use.verify(ctx, anchor)
    assert result.chain.ok  # the chain alone cannot tell
    assert not result.ok and "truncation" in (result.anchor_problem or "")
    assert len(anchor.read_text().splitlines()) == 1  # no anchor of a bad log


def test_deleting_every_event_is_found_by_the_anchor(ctx: AppContext, tmp_path: Path) -> None:
    anchor = _anchored(ctx, tmp_path)
    with ctx.store.session() as session:
        session.execute(delete(AuditEvent))
    result = use.verify(ctx, anchor)
    assert result.chain.ok and result.chain.checked == 0
    assert "every event was deleted" in (result.anchor_problem or "")


def test_truncation_then_new_events_is_found(ctx: AppContext, tmp_path: Path) -> None:
    anchor = _anchored(ctx, tmp_path)
    with ctx.store.session() as session:
        newest = session.scalar(select(func.max(AuditEvent.id)))
        session.execute(delete(AuditEvent).where(AuditEvent.id >= newest - 1))
    _append(ctx.store, 3, start=100)  # tvec goes on writing; ids may be reused
    result = use.verify(ctx, anchor)
    assert not result.ok
    assert "truncation" in (result.anchor_problem or "") or "rewritten" in (
        result.anchor_problem or ""
    )


@pytest.mark.parametrize("forged_hmac", ["random", "none"])
def test_an_appended_forgery_without_the_key_breaks_the_chain(
    ctx: AppContext, tmp_path: Path, forged_hmac: str
) -> None:
    _append(ctx.store, 4)
    with ctx.store.session() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None
        at = utcnow()
        digest = event_digest(at, "admin", "case.decision", "case:1", {"forged": True}, last.sha256)
        wrong_key = secrets.token_bytes(32)
        session.add(
            AuditEvent(
                at=at,
                actor="admin",
                kind="case.decision",
                target="case:1",
                data={"forged": True},
                prev_sha256=last.sha256,
                sha256=digest,
                hmac=chain_hmac(wrong_key, last.hmac or GENESIS, digest)
                if forged_hmac == "random"
                else None,
            )
        )
    result = use.verify(ctx)
    assert not result.ok and result.chain.checked == 4
    assert ("HMAC does not match" if forged_hmac == "random" else "no HMAC") in (
        result.chain.problem or ""
    )


def test_an_edit_with_the_chain_recomputed_without_the_key_is_found(
    ctx: AppContext, tmp_path: Path
) -> None:
    _append(ctx.store, 5)
    with ctx.store.session() as session:
        third = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[2]
    _rechain(ctx.store, third, secrets.token_bytes(32), edit=True)
    result = use.verify(ctx)
    assert not result.ok and result.chain.broken_id == third
    assert "without the audit key" in (result.chain.problem or "")


def test_a_recomputed_chain_without_any_hmac_is_found_by_the_anchor(
    ctx: AppContext, tmp_path: Path
) -> None:
    """Dropping every HMAC makes the log look written before the key: the anchor tells."""
    anchor = _anchored(ctx, tmp_path)
    with ctx.store.session() as session:
        first = session.scalar(select(func.min(AuditEvent.id)))
    _rechain(ctx.store, first, None, edit=True)
    result = use.verify(ctx, anchor)
    assert result.chain.ok and result.chain.unkeyed == 5  # looks like an old log
    assert "rewritten" in (result.anchor_problem or "")


def test_events_from_before_the_key_keep_verifying(ctx: AppContext, tmp_path: Path) -> None:
    _append(ctx.store, 3)
    with ctx.store.session() as session:
        first = session.scalar(select(func.min(AuditEvent.id)))
    _rechain(ctx.store, first, None)  # as tvec wrote them before issue 16: no HMAC
    assert use.verify(ctx).chain.unkeyed == 3
    _append(ctx.store, 2, start=10)
    result = use.verify(ctx)
    assert result.ok, result.chain.problem
    assert (result.chain.unkeyed, result.chain.keyed) == (3, 3)
    with ctx.store.session() as session:
        kinds = session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)).all()
        marker = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == AuditKind.AUDIT_KEYED)
        ).one()
    assert kinds[3] == "audit.keyed" and marker.data["unkeyed_events"] == 3
    assert marker.data["key_id"] == load_keyring(ctx.settings).current_id


def test_rotation_keeps_old_events_verifying_and_needs_the_new_key(
    ctx: AppContext, tmp_path: Path
) -> None:
    _append(ctx.store, 2)
    new_id = use.rotate_key(ctx, actor="cli")
    _append(ctx.store, 2, start=5)
    keyring = load_keyring(ctx.settings)
    assert keyring.current_id == new_id and len(keyring.keys) == 2
    assert use.verify(ctx).ok
    path = key_file(ctx.settings)
    path.write_text(path.read_text().splitlines(True)[0])  # the new key lost
    result = use.verify(ctx)
    assert not result.ok and "new audit key that is not in the key file" in (
        result.chain.problem or ""
    )


def test_cli_verify_with_an_anchor_finds_truncation(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("user", "add", "ana", "--role", "analyst").code == 0
    assert cli("user", "add", "bo", "--role", "viewer").code == 0
    anchor = tmp_path / "anchors.jsonl"
    ok = cli("audit", "verify", "--anchor", anchor)
    assert ok.code == 0 and "intact: 2 events (2 keyed" in ok.out
    assert json.loads(anchor.read_text())["events"] == 2
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{tmp_path / 'home' / 'tvec.db'}")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = 2"))
    engine.dispose()
    bad = cli("audit", "verify", "--anchor", anchor)
    assert bad.code == 1 and "truncation" in bad.err
    assert cli("audit", "anchor", "--anchor", anchor).code == 1


def test_each_watch_round_writes_an_anchor(tmp_path: Path) -> None:
    from tvec.app.rounds import takedown_round

    anchor = tmp_path / "anchors.jsonl"
    settings = load_settings(home=tmp_path / "home", audit_anchor_file=anchor, progress=False)
    store = open_store(settings)
    ctx = open_context(settings, store=store)
    _append(store, 3)
    with ctx.http() as client:
        first = takedown_round(ctx, client, alerts=False, checks=False, orders=False)
        second = takedown_round(ctx, client, alerts=False, checks=False, orders=False)
    assert first.anchored and second.anchored and not first.errors
    assert [json.loads(line)["events"] for line in anchor.read_text().splitlines()] == [3, 3]
    with store.session() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id == 3))
    with ctx.http() as client:
        third = takedown_round(ctx, client, alerts=False, checks=False, orders=False)
    assert not third.anchored and "truncation" in third.errors[0]
    store.close()
