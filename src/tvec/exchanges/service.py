"""Exchanges: configure them, fetch them page by page, and say how they stand.

A fetch (:func:`run_fetch`) reads the exchange's source from its stored checkpoint and
applies each page in a transaction of its own together with the page's checkpoint
(:func:`tvec.exchanges.apply.apply_page`), so a fetch killed half-way resumes where the last
committed page ended, and a page applied twice changes nothing. A page that cannot be used
stops the fetch there (named in the errors; the next fetch starts again from it); a record
that cannot be used is named and skipped. The end of a fetch is audited
(:class:`~tvec.audit.events.ExchangeFetched`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tvec.audit.events import (
    BankCreated,
    ExchangeAdded,
    ExchangeChanged,
    ExchangeFetched,
    ExchangeRemoved,
    record_event,
)
from tvec.errors import ConfigError, NotFoundError, TvecError, UsageError
from tvec.exchanges import KINDS
from tvec.exchanges.apply import ApplyCounts, apply_page
from tvec.exchanges.credentials import read_credential
from tvec.exchanges.kinds import LIST_FORMATS, PageError, open_source
from tvec.net.client import OutboundClient
from tvec.store.bank_changes import REMOVE, record_change
from tvec.store.models import Bank, BankEntry, Exchange, ExchangeFeedback
from tvec.views.exchanges import ExchangeFetchView, ExchangeView

#: Kinds whose API takes opinions back (feedback).
FEEDBACK_KINDS = frozenset({"threatexchange"})
#: Configuration keys each kind accepts (besides credential_env and credential_file).
CONFIG_KEYS: dict[str, frozenset[str]] = {
    "tat": frozenset({"base_url"}),
    "threatexchange": frozenset({"base_url", "privacy_group", "page_size"}),
    "hma": frozenset({"url", "format"}),
    "url-list": frozenset({"url", "format"}),
    "file": frozenset({"path", "format"}),
}
#: Most problems of a fetch kept on the exchange.
MAX_ERRORS = 100
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")

Writer = Callable[[], AbstractContextManager[Session]]


def get_exchange(session: Session, name: str) -> Exchange:
    """The exchange named ``name``.

    Raises:
        NotFoundError: no such exchange.
    """
    found = session.scalars(select(Exchange).where(Exchange.name == name)).one_or_none()
    if found is None:
        raise NotFoundError(f"no exchange named {name!r} (see 'tvec exchange list')")
    return found


def check_config(kind: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` checked for ``kind``: known keys only, the ones the kind needs present.

    Raises:
        UsageError: unknown kind, unknown key, a missing or malformed value.
    """
    if kind not in KINDS:
        raise UsageError(f"unknown exchange kind {kind!r} (known: {', '.join(KINDS)})")
    allowed = CONFIG_KEYS[kind] | {"credential_env", "credential_file"}
    clean = {k: v for k, v in config.items() if v not in (None, "")}
    unknown = sorted(set(clean) - allowed)
    if unknown:
        raise UsageError(f"a {kind} exchange does not take {', '.join(unknown)}")
    if clean.get("credential_env") and clean.get("credential_file"):
        raise UsageError("give the credential's environment variable or its file, not both")
    if kind in ("tat", "threatexchange") and not (
        clean.get("credential_env") or clean.get("credential_file")
    ):
        raise UsageError(f"a {kind} exchange needs --credential-env or --credential-file")
    if kind == "threatexchange":
        group = str(clean.get("privacy_group", ""))
        if not group.isdigit():
            raise UsageError("a threatexchange exchange needs --privacy-group (a number)")
        clean["privacy_group"] = int(group)
    if kind in ("hma", "url-list"):
        url = str(clean.get("url", ""))
        if not url.startswith(("https://", "http://")):
            raise UsageError(f"a {kind} exchange needs --url (http or https)")
    if kind == "file" and not clean.get("path"):
        raise UsageError("a file exchange needs --path")
    fmt = clean.get("format")
    if fmt is not None and fmt not in LIST_FORMATS:
        raise UsageError(f"unknown list format {fmt!r} (known: {', '.join(LIST_FORMATS)})")
    return clean


def add_exchange(
    session: Session,
    name: str,
    kind: str,
    config: Mapping[str, Any],
    *,
    bank: str | None = None,
    interval_seconds: int = 3600,
    feedback: bool = False,
    actor: str,
    now: datetime,
) -> Exchange:
    """Configure exchange ``name`` of ``kind``, with a new bank of its own (``bank``, default
    the exchange's name); audited as :class:`ExchangeAdded` and :class:`BankCreated`.

    Raises:
        UsageError: a bad name, kind or configuration, the name or the bank taken, feedback
            asked of a kind whose API takes none, an interval under 60 seconds.
    """
    if not NAME.match(name):
        raise UsageError(
            f"exchange name {name[:80]!r}: letters, digits, '.', '_' and '-', at most 100"
        )
    clean = check_config(kind, config)
    if feedback and kind not in FEEDBACK_KINDS:
        raise UsageError(f"a {kind} exchange takes no feedback (only: {', '.join(FEEDBACK_KINDS)})")
    if interval_seconds < 60:
        raise UsageError("the fetch interval is at least 60 seconds")
    if session.scalars(select(Exchange.id).where(Exchange.name == name)).first() is not None:
        raise UsageError(f"an exchange named {name!r} already exists")
    bank_name = bank or name
    if session.scalars(select(Bank.id).where(Bank.name == bank_name)).first() is not None:
        raise UsageError(f"a bank named {bank_name!r} already exists (an exchange has its own)")
    description = f"fetched by exchange {name} ({kind})"
    new_bank = Bank(name=bank_name, description=description)
    session.add(new_bank)
    session.flush()
    exchange = Exchange(
        name=name,
        kind=kind,
        bank_id=new_bank.id,
        config=clean,
        enabled=True,
        feedback=feedback,
        interval_seconds=interval_seconds,
        state="new",
        next_fetch_at=now,
        last_counts={},
        last_errors=[],
    )
    session.add(exchange)
    session.flush()
    record_event(session, actor, BankCreated(bank=bank_name, description=description))
    record_event(
        session, actor, ExchangeAdded(exchange=name, kind=kind, bank=bank_name, config=clean)
    )
    return exchange


def change_exchange(
    session: Session,
    name: str,
    *,
    enabled: bool | None = None,
    feedback: bool | None = None,
    actor: str,
) -> Exchange:
    """Enable or disable an exchange, or its feedback; audited as :class:`ExchangeChanged`.

    Raises:
        NotFoundError: no such exchange.
        UsageError: feedback asked of a kind whose API takes none.
    """
    exchange = get_exchange(session, name)
    changes: dict[str, Any] = {}
    if enabled is not None and enabled != exchange.enabled:
        exchange.enabled = enabled
        exchange.state = exchange.state if enabled else "disabled"
        if enabled and exchange.state == "disabled":
            exchange.state = "new"
        changes["enabled"] = enabled
    if feedback is not None and feedback != exchange.feedback:
        if feedback and exchange.kind not in FEEDBACK_KINDS:
            raise UsageError(f"a {exchange.kind} exchange takes no feedback")
        exchange.feedback = feedback
        changes["feedback"] = feedback
    if changes:
        record_event(session, actor, ExchangeChanged(exchange=name, changes=changes))
    return exchange


def remove_exchange(session: Session, name: str, *, actor: str) -> int:
    """Remove an exchange and its bank; return how many entries the bank held (audited as
    :class:`ExchangeRemoved`).

    Raises:
        NotFoundError: no such exchange.
    """
    exchange = get_exchange(session, name)
    bank = session.get(Bank, exchange.bank_id)
    ids = list(session.scalars(select(BankEntry.id).where(BankEntry.bank_id == exchange.bank_id)))
    count = len(ids)
    bank_name = bank.name if bank is not None else ""
    session.delete(exchange)
    if bank is not None:
        session.delete(bank)
    session.flush()
    if ids:
        record_change(session, REMOVE, ids)  # the persisted match index follows
    record_event(session, actor, ExchangeRemoved(exchange=name, bank=bank_name, entries=count))
    return count


def exchange_view(session: Session, exchange: Exchange) -> ExchangeView:
    """The exchange as a result model (counts read from the database)."""
    entries = int(
        session.scalar(select(func.count()).where(BankEntry.bank_id == exchange.bank_id)) or 0
    )
    states = dict(
        session.execute(
            select(ExchangeFeedback.state, func.count())
            .where(ExchangeFeedback.exchange_id == exchange.id)
            .group_by(ExchangeFeedback.state)
        ).all()
    )
    bank = session.get(Bank, exchange.bank_id)
    return ExchangeView(
        name=exchange.name,
        kind=exchange.kind,
        bank=bank.name if bank is not None else "",
        enabled=exchange.enabled,
        feedback=exchange.feedback,
        interval_seconds=exchange.interval_seconds,
        config=dict(exchange.config),
        state=exchange.state if exchange.enabled else "disabled",
        entries=entries,
        checkpoint=exchange.checkpoint,
        last_fetch_at=exchange.last_fetch_at,
        last_success_at=exchange.last_success_at,
        next_fetch_at=exchange.next_fetch_at if exchange.enabled else None,
        last_counts=dict(exchange.last_counts or {}),
        last_errors=[str(e) for e in exchange.last_errors or []],
        feedback_pending=int(states.get("pending", 0)),
        feedback_sent=int(states.get("sent", 0)),
    )


def list_exchanges(session: Session) -> list[ExchangeView]:
    """Every exchange, by name."""
    return [
        exchange_view(session, e) for e in session.scalars(select(Exchange).order_by(Exchange.name))
    ]


def due_exchanges(session: Session, now: datetime) -> list[str]:
    """Names of the enabled exchanges whose next fetch is due at ``now``, by name."""
    return list(
        session.scalars(
            select(Exchange.name)
            .where(Exchange.enabled.is_(True))
            .where((Exchange.next_fetch_at.is_(None)) | (Exchange.next_fetch_at <= now))
            .order_by(Exchange.name)
        )
    )


def run_fetch(
    name: str,
    *,
    write: Writer,
    http: OutboundClient,
    now: Callable[[], datetime],
    actor: str,
    environ: Mapping[str, str] | None = None,
    on_page: Callable[[int, ApplyCounts], None] | None = None,
) -> ExchangeFetchView:
    """Fetch exchange ``name`` from its checkpoint (see the module docstring).

    Args:
        write: opens a write transaction (committed when the block ends).
        http: the outbound client every request goes through.
        now: the current time.
        actor: who asked (``cli``, a username, ``tvec`` for the watch loop).
        environ: where credentials named by environment variable are read (default: the
            process environment).
        on_page: called after each committed page with the page count and the totals so far
            (progress; an exception it raises ends the fetch after that page).

    Returns:
        What the fetch did (``complete`` False when a page stopped it).

    Raises:
        NotFoundError: no such exchange.
        UsageError: the exchange is disabled.
    """
    with write() as session:
        exchange = get_exchange(session, name)
        if not exchange.enabled:
            raise UsageError(f"exchange {name!r} is disabled (see 'tvec exchange enable')")
        kind, config, checkpoint = exchange.kind, dict(exchange.config), exchange.checkpoint
        started = now()
        exchange.last_fetch_at = started
    totals = ApplyCounts()
    pages = 0
    stop: str | None = None
    try:
        credential = read_credential(name, config, environ)
        source = open_source(kind, http, credential, config)
        for page in source.pages(checkpoint):
            with write() as session:
                counts = apply_page(session, get_exchange(session, name), page)
            pages += 1
            totals.add(counts)
            if on_page is not None:
                on_page(pages, totals)
    except PageError as exc:
        stop = str(exc)
    except (ConfigError, TvecError) as exc:
        stop = str(exc)
    errors = [str(p) for p in totals.problems]
    if stop is not None:
        errors.append(stop)
    with write() as session:
        exchange = get_exchange(session, name)
        finished = now()
        exchange.state = "error" if stop else ("partial" if errors else "ok")
        if stop is None:
            exchange.last_success_at = finished
        exchange.next_fetch_at = finished + timedelta(seconds=exchange.interval_seconds)
        exchange.last_counts = {
            "pages": pages,
            "added": totals.added,
            "updated": totals.updated,
            "deleted": totals.deleted,
            "unchanged": totals.unchanged,
            "errors": len(errors),
        }
        exchange.last_errors = errors[:MAX_ERRORS]
        entries = int(
            session.scalar(select(func.count()).where(BankEntry.bank_id == exchange.bank_id)) or 0
        )
        record_event(
            session,
            actor,
            ExchangeFetched(
                exchange=name,
                pages=pages,
                added=totals.added,
                updated=totals.updated,
                deleted=totals.deleted,
                errors=len(errors),
                complete=stop is None,
            ),
        )
    return ExchangeFetchView(
        name=name,
        pages=pages,
        added=totals.added,
        updated=totals.updated,
        deleted=totals.deleted,
        unchanged=totals.unchanged,
        errors=errors[:MAX_ERRORS],
        complete=stop is None,
        entries=entries,
    )
