"""The takedown work of ``tvec watch`` rounds (tvec.app.rounds) and the watch loop waking for it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from tvec.alerts.routes import set_route
from tvec.app.context import AppContext, open_context
from tvec.app.rounds import seconds_to_next_due, takedown_round
from tvec.collection.watch import watch
from tvec.net.http import HttpClient
from tvec.orders import record_order
from tvec.settings import Settings, load_settings
from tvec.store import Store, open_store
from tvec.store.models.alerts import Alert, StatusCheck, Takedown
from tvec.store.models.orders import RemovalOrder
from tvec.verification.attribution import attribute_url

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
URL = "https://files.fm/u/round-1"


def _settings(home: Path) -> Settings:
    return load_settings(
        home=home,
        progress=False,
        outbound_allow_hosts=["203.0.113.0/24"],
        http_retries=0,
        http_host_interval_seconds=0.0,
        alert_csv_dir=home / "alerts",
    )


def _client(settings: Settings, status: int) -> HttpClient:
    """A client whose every answer is ``status`` (no network: a mock transport)."""
    return HttpClient(
        settings,
        transport=httpx.MockTransport(lambda request: httpx.Response(status, text="page")),
        resolver=lambda host, port: ["203.0.113.9"],
    )


def _seed(store: Store) -> None:
    with store.session() as session:
        set_route(
            session,
            "Files.fm",
            channel="csv",
            target="",
            actor="test",
            now=T0,
            settings=store.settings,
        )
        attribute_url(
            session, URL, "islamic-state", actor="analyst", now=T0, settings=store.settings
        )
        record_order(
            session,
            reference="NL-9",
            authority="Politie",
            member_state="NL",
            received_at=T0,
            urls=["https://host.example/x"],
            reasons="terrorist content",
            actor="test",
            now=T0,
        )


def test_a_round_sends_due_alerts_runs_due_checks_and_sweeps_orders(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "home")
    store = open_store(settings)
    ctx: AppContext = open_context(settings, store=store, clock=lambda: T0)
    try:
        _seed(store)
        assert seconds_to_next_due(ctx) == 3600.0  # the order's deadline
        with _client(settings, 200) as client:
            first = takedown_round(ctx, client, now=T0)
        assert (first.alerts_sent, first.checks, first.overdue, first.errors) == (1, 0, [], [])
        with store.session() as session:
            alert = session.scalars(select(Alert)).one()
            assert (alert.status, alert.sent_at) == ("sent", T0)
        # One hour later: the first status check and the order's deadline are both due.
        later = T0 + timedelta(hours=1)
        assert seconds_to_next_due(ctx, later) == 0.0
        with _client(settings, 404) as client:
            second = takedown_round(ctx, client, now=later)
        assert (second.alerts_sent, second.checks, second.confirmed) == (0, 1, 0)
        assert second.overdue == ["NL-9"]
        assert "orders overdue 1 (NL-9)" in second.summary()
        # The confirming check comes check_confirm_seconds (900 s) after the first 404.
        assert seconds_to_next_due(ctx, later) == 900.0
        confirm = later + timedelta(seconds=900)
        with _client(settings, 404) as client:
            third = takedown_round(ctx, client, now=confirm, alerts=False, orders=False)
        assert (third.checks, third.confirmed) == (1, 1)
        with store.session() as session:
            takedown = session.scalars(select(Takedown)).one()
            assert (takedown.state, takedown.removed_at, takedown.confirmed_at) == (
                "removed",
                later,
                confirm,
            )
            assert len(session.scalars(select(StatusCheck)).all()) == 2
            order = session.scalars(select(RemovalOrder)).one()
            assert (order.status, order.overdue_at) == ("overdue", later)
        assert seconds_to_next_due(ctx, confirm) is None
    finally:
        store.close()


def test_watch_wakes_for_due_work_without_polling_early(tmp_path: Path) -> None:
    """With an hour between polls, a deadline 2 s away wakes the loop (not at once: at
    least 1 s apart), and the sources are polled once."""
    settings = _settings(tmp_path / "home")
    store = open_store(settings)
    stop = threading.Event()
    woken: list[float] = []
    polls: list[int] = []
    moments = iter([0.0, 0.0, 0.0, 0.5, 1.5, 2.5, 3.0, 3.5])

    def clock() -> float:
        return next(moments)

    def work(client: HttpClient) -> None:
        woken.append(1.0)
        if len(woken) == 3:
            stop.set()

    try:
        done = watch(
            store,
            interval=3600.0,
            stop=stop,
            between=work,
            next_due=lambda: 0.0,
            on_round=lambda number, outcomes: polls.append(number),
            clock=clock,
        )
    finally:
        store.close()
    assert done == 1
    assert polls == [1]
    assert len(woken) == 3
