"""Exchanges end to end against local stand-ins of each API (tests/exchanges/servers.py), on
SQLite and PostgreSQL: first fetch, incremental fetch (adds, changes, deletions), a fetch
killed half-way then resumed, rate limits / 401 / 5xx, bad answers, feedback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tvec.accounts.service import Principal, add_user
from tvec.app.context import AppContext, open_context
from tvec.app.exchanges import (
    create_exchange,
    exchange_status,
    fetch_due,
    fetch_exchange,
    list_exchanges,
    list_feedback,
    queue_feedback,
    send_feedback,
)
from tvec.app.review import decide
from tvec.cases.service import DecisionRequest
from tvec.settings import load_settings
from tvec.store.models import AuditEvent, Bank, BankEntry, Item, Match
from tvec.store.models.cases import ReviewCase

from .servers import ListServer, TatServer, ThreatExchangeServer, md5, pdq, route


def _public(host: str, port: int) -> list[str]:
    return ["93.184.216.34"]


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def servers() -> dict[str, Any]:
    return {
        "tat.example": TatServer(),
        "graph.example": ThreatExchangeServer(),
        "lists.example": ListServer(),
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(
    db_url: str,
    tmp_path: Path,
    servers: dict[str, Any],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[AppContext]:
    settings = load_settings(
        home=tmp_path / "home",
        database_url=db_url,
        progress=False,
        http_retries=2,
        http_backoff_seconds=0,
        http_host_interval_seconds=0,
    )
    monkeypatch.setenv("TEST_TAT_CREDENTIAL", "user:secret")
    monkeypatch.setenv("TEST_TE_TOKEN", servers["graph.example"].token)
    context = open_context(settings, clock=clock, transport=route(servers), resolver=_public)
    yield context
    context.close()


def _bank(ctx: AppContext, name: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The bank's entries: (signal type, value) -> labels."""
    with ctx.read() as session:
        bank = session.scalars(select(Bank).where(Bank.name == name)).one()
        return {
            (e.signal_type, e.value): e.labels()
            for e in session.scalars(select(BankEntry).where(BankEntry.bank_id == bank.id))
        }


def _tat(ctx: AppContext, name: str = "tat") -> None:
    create_exchange(
        ctx,
        name,
        "tat",
        {"base_url": "https://tat.example/", "credential_env": "TEST_TAT_CREDENTIAL"},
        actor="test",
    )


def test_tat_first_then_incremental_fetch_adds_changes_and_deletes(
    ctx: AppContext, servers: dict[str, Any]
) -> None:
    tat: TatServer = servers["tat.example"]
    for n in range(1, 6):
        tat.put(n, pdq(n), ideology="islamist" if n % 2 else "far-right")
    tat.put(6, md5(6), algorithm="MD5", file_type="mp4")
    _tat(ctx)

    first = fetch_exchange(ctx, "tat", actor="test")
    assert (first.pages, first.added, first.complete, first.entries) == (3, 6, True, 6)
    bank = _bank(ctx, "tat")
    assert bank[("pdq", pdq(1))]["ideology"] == "islamist"
    assert bank[("pdq", pdq(1))]["source_id"] == "1"
    assert bank[("pdq", pdq(1))]["source"] == "tat"
    assert ("video_md5", md5(6)) in bank
    assert exchange_status(ctx, "tat").checkpoint == {"after": f"{tat.records[6]['updated_on']},6"}

    tat.put(2, pdq(20), ideology="far-right")  # changed upstream
    tat.delete(3)  # withdrawn upstream
    tat.put(7, pdq(7))  # new
    second = fetch_exchange(ctx, "tat", actor="test")
    assert (second.added, second.updated, second.deleted) == (1, 1, 1)
    bank = _bank(ctx, "tat")
    assert ("pdq", pdq(2)) not in bank and ("pdq", pdq(3)) not in bank
    assert bank[("pdq", pdq(20))]["source_id"] == "2"
    assert len(bank) == 6
    # the second fetch asked only for what changed after the stored checkpoint
    last_get = [r for r in tat.requests if r.method == "GET"][-1]
    assert "after=" in str(last_get.url) and "%2C6" in str(last_get.url)

    third = fetch_exchange(ctx, "tat", actor="test")
    assert (third.added, third.updated, third.deleted) == (0, 0, 0)
    with ctx.read() as session:
        kinds = [e.kind for e in session.scalars(select(AuditEvent))]
    assert kinds.count("exchange.fetch") == 3 and "exchange.add" in kinds


def test_a_fetch_killed_half_way_resumes_to_the_same_bank_as_a_clean_fetch(
    ctx: AppContext, servers: dict[str, Any]
) -> None:
    tat: TatServer = servers["tat.example"]
    for n in range(1, 10):
        tat.put(n, pdq(n))
    tat.put(4, pdq(40))  # a record changed while in the list: last version wins
    _tat(ctx, "killed")
    _tat(ctx, "clean")

    def die(pages: int, _counts: object) -> None:
        if pages == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch_exchange(ctx, "killed", actor="test", on_page=die)
    half = _bank(ctx, "killed")
    assert len(half) == 4  # two pages of two committed with their checkpoint
    resumed = fetch_exchange(ctx, "killed", actor="test")
    assert resumed.complete and resumed.added == 5
    fetch_exchange(ctx, "clean", actor="test")

    def strip(bank: dict[tuple[str, str], dict[str, Any]]) -> dict[Any, Any]:
        return {k: {**v, "source": None} for k, v in bank.items()}

    assert strip(_bank(ctx, "killed")) == strip(_bank(ctx, "clean"))
    assert len(_bank(ctx, "clean")) == 9


def test_rate_limits_and_5xx_are_retried_and_401_is_a_named_error(
    ctx: AppContext, servers: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    tat: TatServer = servers["tat.example"]
    tat.put(1, pdq(1))
    tat.faults = [
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.Response(503),
    ]
    _tat(ctx)
    done = fetch_exchange(ctx, "tat", actor="test")
    assert done.complete and done.entries == 1

    monkeypatch.setenv("TEST_TAT_CREDENTIAL", "user:wrong")
    tat.put(2, pdq(2))
    failed = fetch_exchange(ctx, "tat", actor="test")
    assert not failed.complete
    assert failed.errors == ["authentication: HTTP 401 from https://tat.example/token-auth/tcap/"]
    status = exchange_status(ctx, "tat")
    assert status.state == "error" and status.entries == 1

    tat.faults = [httpx.Response(502)] * 3  # more than the retries
    monkeypatch.setenv("TEST_TAT_CREDENTIAL", "user:secret")
    down = fetch_exchange(ctx, "tat", actor="test")
    assert not down.complete and "HTTP 502" in down.errors[0]
    assert fetch_exchange(ctx, "tat", actor="test").entries == 2


def test_bad_answers_are_named_errors_and_never_stop_the_fetch_or_corrupt_the_bank(
    ctx: AppContext, servers: dict[str, Any]
) -> None:
    tat: TatServer = servers["tat.example"]
    tat.page_size = 10
    tat.put(1, pdq(1))
    tat.put(2, "abc")  # wrong length
    tat.put(3, pdq(3), algorithm="SHA1")  # unknown signal type
    tat.put(4, pdq(4), ideology="x" * 10_000_000)  # a 10 MB label
    tat.put(5, pdq(5))
    _tat(ctx)
    done = fetch_exchange(ctx, "tat", actor="test")
    assert done.complete and done.entries == 2
    assert set(_bank(ctx, "tat")) == {("pdq", pdq(1)), ("pdq", pdq(5))}
    problems = "\n".join(done.errors)
    assert "entry id 2" in problems and "entry id 3" in problems and "entry id 4" in problems
    assert "unknown signal type" in problems and "over the limit" in problems
    assert all(len(e) < 500 for e in done.errors)  # the 10 MB label is not echoed

    # a malformed page stops that fetch at the page; the next fetch goes on from it
    tat.page_size = 1
    tat.put(6, pdq(6))
    tat.put(7, pdq(7))
    tat.broken_pages = {1: b"{not json"}
    broken = fetch_exchange(ctx, "tat", actor="test")
    assert not broken.complete and broken.errors[-1].startswith("page 2:")
    assert ("pdq", pdq(6)) in _bank(ctx, "tat") and ("pdq", pdq(7)) not in _bank(ctx, "tat")
    again = fetch_exchange(ctx, "tat", actor="test")
    assert again.complete and ("pdq", pdq(7)) in _bank(ctx, "tat")


@pytest.mark.parametrize("kind", ["url-list", "hma"])
def test_lists_are_snapshots_kept_when_unchanged(
    ctx: AppContext, servers: dict[str, Any], kind: str
) -> None:
    lists: ListServer = servers["lists.example"]
    if kind == "url-list":
        lists.body = "https://a.example/1\nhttps://a.example/2\n# comment\n"
        config = {"url": "https://lists.example/tcap.txt", "format": "lines"}
        first, changed = ("url", "https://a.example/1"), ("url", "https://a.example/3")
        lists_next = "https://a.example/2\nhttps://a.example/3\n"
    else:
        lists.body = f"pdq {pdq(1)}\npdq {pdq(2)}\n"
        config = {"url": "https://lists.example/bank.txt"}
        first, changed = ("pdq", pdq(1)), ("pdq", pdq(3))
        lists_next = f"pdq {pdq(2)}\npdq {pdq(3)}\n"
    create_exchange(ctx, "list", kind, config, actor="test")
    one = fetch_exchange(ctx, "list", actor="test")
    assert (one.added, one.entries) == (2, 2) and first in _bank(ctx, "list")
    same = fetch_exchange(ctx, "list", actor="test")
    assert (same.added, same.deleted, same.entries) == (0, 0, 2)
    assert lists.requests[-1].headers["if-none-match"]  # a conditional request: 304
    lists.body = lists_next
    two = fetch_exchange(ctx, "list", actor="test")
    assert (two.added, two.deleted, two.entries) == (1, 1, 2)
    assert first not in _bank(ctx, "list") and changed in _bank(ctx, "list")


def test_file_exchange_reads_tvec_csv_with_labels(ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        f"signal_type,value,entity,ideology,note\npdq,{pdq(1)},Group A,far-right,n\n"
        "nosuchtype,abc,,,\n",
        encoding="utf-8",
    )
    create_exchange(ctx, "f", "file", {"path": str(path)}, actor="test")
    done = fetch_exchange(ctx, "f", actor="test")
    assert done.entries == 1 and len(done.errors) == 1 and "unknown signal type" in done.errors[0]
    labels = _bank(ctx, "f")[("pdq", pdq(1))]
    assert (labels["entity"], labels["ideology"], labels["note"]) == ("Group A", "far-right", "n")


def _threatexchange(ctx: AppContext, feedback: bool = False) -> None:
    create_exchange(
        ctx,
        "gifct",
        "threatexchange",
        {
            "base_url": "https://graph.example/v26.0",
            "privacy_group": "1234",
            "credential_env": "TEST_TE_TOKEN",
        },
        feedback=feedback,
        actor="test",
    )


def test_threatexchange_cursor_pages_updates_deletions_and_resume(
    ctx: AppContext, servers: dict[str, Any]
) -> None:
    te: ThreatExchangeServer = servers["graph.example"]
    for n in range(1, 6):
        te.put(f"d{n}", pdq(n), tags=["gifct", f"t{n}"])
    te.put("d6", "https://bad.example/x", kind="URI")
    te.put("d7", "abc", kind="HASH_TMK_UNKNOWN")
    _threatexchange(ctx)

    def die(pages: int, _counts: object) -> None:
        if pages == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch_exchange(ctx, "gifct", actor="test", on_page=die)
    status = exchange_status(ctx, "gifct")
    assert status.checkpoint is not None and "access_token" not in str(status.checkpoint)
    resumed = fetch_exchange(ctx, "gifct", actor="test")
    assert resumed.complete
    bank = _bank(ctx, "gifct")
    assert len(bank) == 6 and bank[("pdq", pdq(1))]["tags"] == ["gifct", "t1"]
    assert any("unknown signal type" in e and "d7" in e for e in resumed.errors)

    te.delete("d1")
    te.put("d2", pdq(22))
    te.put("d8", pdq(8))
    later = fetch_exchange(ctx, "gifct", actor="test")
    assert (later.added, later.updated, later.deleted) == (1, 1, 1)
    bank = _bank(ctx, "gifct")
    assert ("pdq", pdq(1)) not in bank and ("pdq", pdq(2)) not in bank
    assert ("pdq", pdq(22)) in bank and ("pdq", pdq(8)) in bank


def test_feedback_is_delivered_once_after_a_retry_and_audited(
    ctx: AppContext, servers: dict[str, Any], clock: Clock
) -> None:
    te: ThreatExchangeServer = servers["graph.example"]
    te.put("d1", pdq(1))
    _threatexchange(ctx, feedback=True)
    fetch_exchange(ctx, "gifct", actor="test")
    with ctx.write() as session:
        entry = session.scalars(select(BankEntry).where(BankEntry.value == pdq(1))).one()
        item = Item(locator="/x.jpg", media_type="image/jpeg", content_type="image")
        session.add(item)
        session.flush()
        session.add(
            Match(
                item_id=item.id, bank_entry_id=entry.id, signal_type="pdq", value=pdq(1), distance=0
            )
        )
        case = ReviewCase(item_id=item.id)
        session.add(case)
        session.flush()
        case_id = case.id
        reviewer = add_user(session, "alice", "moderator", "correct horse battery staple")
        alice = Principal(reviewer.id, reviewer.username, reviewer.role)
    decide(ctx, case_id, alice, DecisionRequest("no_violation"))  # queues the opinion
    assert [(f.source_id, f.opinion, f.state) for f in list_feedback(ctx)] == [
        ("d1", "false_positive", "pending")
    ]
    assert queue_feedback(ctx, case_id, "no_violation", actor="alice") == []  # once

    te.reaction_faults = 3  # the first attempt and its retries fail
    first = send_feedback(ctx, actor="test")
    assert (first.sent, first.waiting) == (0, 1) and te.reactions == []
    assert send_feedback(ctx, actor="test").sent == 0  # not due yet
    clock.at += timedelta(minutes=5)
    second = send_feedback(ctx, actor="test")
    assert second.sent == 1 and te.reactions == [("d1", "NOT_HELPFUL")]
    clock.at += timedelta(hours=1)
    assert send_feedback(ctx, actor="test").sent == 0 and len(te.reactions) == 1
    with ctx.read() as session:
        sent = [e for e in session.scalars(select(AuditEvent)) if e.kind == "exchange.feedback"]
    assert len(sent) == 1 and sent[0].data["opinion"] == "false_positive"


def test_watch_fetches_only_due_exchanges(
    ctx: AppContext, servers: dict[str, Any], clock: Clock
) -> None:
    servers["tat.example"].put(1, pdq(1))
    _tat(ctx)
    with ctx.http() as client:
        assert [r.name for r in fetch_due(ctx, client)] == ["tat"]
        assert fetch_due(ctx, client) == []
        clock.at += timedelta(hours=2)
        assert [r.name for r in fetch_due(ctx, client)] == ["tat"]
    assert list_exchanges(ctx)[0].next_fetch_at == clock.at + timedelta(hours=1)


def test_the_watch_round_fetches_due_exchanges_and_wakes_for_them(
    ctx: AppContext, servers: dict[str, Any], clock: Clock
) -> None:
    from tvec.app.rounds import seconds_to_next_due, takedown_round

    servers["tat.example"].put(1, pdq(1))
    _tat(ctx)
    assert seconds_to_next_due(ctx) == 0.0
    with ctx.http() as client:
        report = takedown_round(ctx, client, alerts=False, checks=False, orders=False)
    assert report.exchanges == ["tat"] and report.errors == []
    assert "exchanges fetched 1 (tat)" in report.summary()
    assert seconds_to_next_due(ctx) == 3600.0
    assert _bank(ctx, "tat") != {}


def test_feedback_off_queues_nothing(ctx: AppContext, servers: dict[str, Any]) -> None:
    servers["graph.example"].put("d1", pdq(1))
    _threatexchange(ctx, feedback=False)
    fetch_exchange(ctx, "gifct", actor="test")
    with ctx.write() as session:
        entry = session.scalars(select(BankEntry).where(BankEntry.value == pdq(1))).one()
        item = Item(locator="/y.jpg", media_type="image/jpeg", content_type="image")
        session.add(item)
        session.flush()
        session.add(
            Match(
                item_id=item.id, bank_entry_id=entry.id, signal_type="pdq", value=pdq(1), distance=0
            )
        )
        case = ReviewCase(item_id=item.id)
        session.add(case)
        session.flush()
        case_id = case.id
    assert queue_feedback(ctx, case_id, "remove", actor="alice") == []
    assert list_feedback(ctx) == []


def test_python_threatexchange_clients_send_only_through_tvec_net(
    ctx: AppContext, servers: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests' own transport (urllib3) is never used: every request of pytx's TAT and
    ThreatExchange clients reaches the outbound client's transport (the local servers)."""
    import requests.adapters

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("requests opened a connection itself")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", refuse)
    servers["tat.example"].put(1, pdq(1))
    servers["graph.example"].put("d1", pdq(2))
    _tat(ctx)
    _threatexchange(ctx)
    assert fetch_exchange(ctx, "tat", actor="test").entries == 1
    assert fetch_exchange(ctx, "gifct", actor="test").entries == 1
    tat_seen = servers["tat.example"].requests
    assert [r.method for r in tat_seen] == ["POST", "GET"]
    assert tat_seen[0].headers["user-agent"] == ctx.settings.http_user_agent


def test_a_refused_threatexchange_token_is_named_without_the_token(
    ctx: AppContext, servers: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    servers["graph.example"].put("d1", pdq(1))
    _threatexchange(ctx)
    monkeypatch.setenv("TEST_TE_TOKEN", "1234567890|" + "b" * 24)
    failed = fetch_exchange(ctx, "gifct", actor="test")
    assert not failed.complete and failed.entries == 0
    (error,) = failed.errors
    assert error.startswith(
        "page 1: HTTP 401 from https://graph.example/v26.0/1234/threat_updates/"
    )
    assert "b" * 24 not in error and "access_token" not in error
    assert "b" * 24 not in str(exchange_status(ctx, "gifct").model_dump())


def test_fetched_changes_reach_the_persisted_match_index(
    ctx: AppContext, servers: dict[str, Any]
) -> None:
    """Entries an exchange adds, changes or withdraws raise the bank change counter, so a
    matcher whose persisted index exists already finds the new hashes and never the
    withdrawn ones (no stale hash stays matchable)."""
    from tvec.matching.matcher import Matcher
    from tvec.signals import SignalValue

    tat: TatServer = servers["tat.example"]
    for n in range(1, 4):
        tat.put(n, pdq(n))
    _tat(ctx)
    fetch_exchange(ctx, "tat", actor="test")

    def found(value: str) -> bool:
        with ctx.read() as session:
            matcher = Matcher.for_settings(
                session, ctx.settings.model_copy(update={"index_check_seconds": 0})
            )
            return bool(matcher.match(SignalValue("pdq", value, 100)))

    assert found(pdq(1)) and found(pdq(2))  # the index is built here
    tat.put(2, pdq(20))  # changed upstream
    tat.delete(3)  # withdrawn upstream
    tat.put(4, pdq(4))  # new
    fetch_exchange(ctx, "tat", actor="test")
    assert found(pdq(20)) and found(pdq(4)) and found(pdq(1))
    assert not found(pdq(2)) and not found(pdq(3))
