"""Use cases of statements of reasons (DSA Article 17) and their submission to the EU DSA
Transparency Database: ``tvec sor`` and the ``/reports/statements`` page.

Each use case first makes the statements of remove decisions that have none
(:func:`tvec.sor.build.make_statements`), so every remove decision has its statement.
"""

from __future__ import annotations

from sqlalchemy import func, select

from tvec.app.context import AppContext
from tvec.audit.events import StatementsSent, record_event
from tvec.errors import FetchError, NotFoundError, StoreError, UsageError
from tvec.sor import build, outbox
from tvec.sor.schema import validate
from tvec.store.models import StatementOfReasons
from tvec.store.models.sor import SOR_STATES
from tvec.views.sor import StatementCountsView, StatementView, SubmitView


def _view(row: StatementOfReasons) -> StatementView:
    return StatementView(
        puid=row.puid,
        decision_id=row.decision_id,
        state=row.state,
        attempts=row.attempts,
        uuid=row.uuid,
        errors=row.errors or {},
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
        submitted_at=row.submitted_at,
        statement=row.payload,
    )


def make_statements(ctx: AppContext) -> int:
    """Make the statements of remove decisions that have none; returns how many.

    Another process making the same statements at the same moment breaks the unique
    ``decision_id``: the second try finds them made.

    Raises:
        StoreError: the database failed twice.
    """
    try:
        with ctx.write() as session:
            return len(build.make_statements(session, ctx.settings, ctx.now()))
    except StoreError:
        with ctx.write() as session:
            return len(build.make_statements(session, ctx.settings, ctx.now()))


def list_statements(ctx: AppContext, *, state: str | None = None) -> list[StatementView]:
    """Every statement (oldest first), or those in ``state``.

    Raises:
        UsageError: unknown state.
    """
    if state is not None and state not in SOR_STATES:
        raise UsageError(f"unknown state {state!r} (known: {', '.join(SOR_STATES)})")
    make_statements(ctx)
    with ctx.read() as session:
        query = select(StatementOfReasons).order_by(StatementOfReasons.id)
        if state is not None:
            query = query.where(StatementOfReasons.state == state)
        return [_view(r) for r in session.scalars(query)]


def counts(ctx: AppContext) -> StatementCountsView:
    """Statements per state (after making the missing ones)."""
    make_statements(ctx)
    with ctx.read() as session:
        rows = session.execute(
            select(StatementOfReasons.state, func.count()).group_by(StatementOfReasons.state)
        ).all()
    return StatementCountsView(**{str(state): int(n) for state, n in rows})


def show_statement(ctx: AppContext, puid: str) -> StatementView:
    """The statement ``puid``.

    Raises:
        NotFoundError: no such statement.
    """
    make_statements(ctx)
    with ctx.read() as session:
        row = session.scalar(select(StatementOfReasons).where(StatementOfReasons.puid == puid))
        if row is None:
            raise NotFoundError(f"no statement of reasons with puid {puid!r} (see 'tvec sor list')")
        return _view(row)


def check_statement(payload: dict[str, object]) -> dict[str, list[str]]:
    """The local validator's field errors for ``payload`` (empty: the API would take it)."""
    return validate(payload)


def submit(ctx: AppContext, *, actor: str = "cli", limit: int | None = None) -> SubmitView:
    """Submit pending statements in batches of at most 100 (see :mod:`tvec.sor.outbox`).

    First the statements of an interrupted run (``submitting``) are checked by puid: those
    the API holds become ``submitted`` and are not sent again. Statements the local validator
    refuses are marked ``rejected`` and not sent. Stops at the first answer that is neither
    ``201`` nor ``422`` (``stopped`` says why).

    Args:
        actor: who submits (audit log: one ``sor.submit`` event per batch sent).
        limit: send at most this many statements (default: all pending).

    Raises:
        ConfigError: no token, or no sandbox URL for the sandbox environment.
        FetchError: the URL is bad or its host does not resolve or is refused (the batch
            goes back to pending; nothing was sent).
    """
    settings = ctx.settings
    base = outbox.base_url(settings)
    token = outbox.api_token(settings)
    made = make_statements(ctx)
    checked = found = batches = submitted = duplicates = rejected = 0
    stopped: str | None = None
    with ctx.http() as client:
        with ctx.read() as session:
            waiting = [row.puid for row in outbox.unresolved(session)]
        for puid in waiting:
            held = outbox.check_puid(client, base, token, puid)
            if held is None:
                stopped = f"the API did not say whether it holds puid {puid}; run again later"
                break
            checked += 1
            found += int(held)
            with ctx.write() as session:
                row = session.scalar(
                    select(StatementOfReasons).where(StatementOfReasons.puid == puid)
                )
                if row is not None:
                    outbox.resolve(row, held, ctx.now())
        if stopped is None:
            with ctx.write() as session:
                rejected += len(outbox.refuse_invalid(session, ctx.now()))
        sent = 0
        while stopped is None and (limit is None or sent < limit):
            size = 100 if limit is None else min(100, limit - sent)
            with ctx.write() as session:
                rows = outbox.take_batch(session, ctx.now(), size)
                ids = [r.id for r in rows]
                body = outbox.batch_body(rows)
            if not ids:
                break
            batches += 1
            sent += len(ids)
            try:
                answer = client.post(
                    base + outbox.STATEMENTS_PATH, body, headers=outbox.headers(token)
                )
            except FetchError:  # bad URL, unresolvable or refused host: nothing was sent
                with ctx.write() as session:
                    for row_id in ids:
                        row = session.get(StatementOfReasons, row_id)
                        if row is not None:
                            row.state = "pending"
                raise
            with ctx.write() as session:
                batch_rows = [session.get(StatementOfReasons, i) for i in ids]
                kept = [r for r in batch_rows if r is not None]
                outcome = outbox.record_answer(kept, answer, ctx.now())
                record_event(
                    session,
                    actor,
                    StatementsSent(
                        batch=(kept[0].batch or "") if kept else "",
                        environment=settings.sor_environment,
                        endpoint=base + outbox.STATEMENTS_PATH,
                        status=answer.status,
                        statements=len(ids),
                        submitted=len(outcome.submitted),
                        duplicates=len(outcome.duplicates),
                        rejected=len(outcome.rejected),
                        pending=len(outcome.pending),
                    ),
                )
            submitted += len(outcome.submitted)
            duplicates += len(outcome.duplicates)
            rejected += len(outcome.rejected)
            sent -= len(outcome.pending)
            stopped = outcome.stop
            if stopped is None and not (
                outcome.submitted or outcome.duplicates or outcome.rejected
            ):
                stopped = "the API answered 422 without naming a statement or puid"
    return SubmitView(
        environment=settings.sor_environment,
        endpoint=base + outbox.STATEMENTS_PATH,
        made=made,
        checked=checked,
        found=found,
        batches=batches,
        submitted=submitted,
        duplicates=duplicates,
        rejected=rejected,
        stopped=stopped,
        counts=counts(ctx),
    )
