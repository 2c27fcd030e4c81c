"""``tvec order``: removal orders (Regulation (EU) 2021/784) and their legal holds."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tvec.cli.context import err, out, settings, store
from tvec.errors import UsageError
from tvec.orders import holds as hold_service
from tvec.orders import impossibility, service
from tvec.orders.clock import format_time, order_state, parse_time
from tvec.orders.impossibility import impossibility_text
from tvec.orders.intake import read_order_file
from tvec.orders.reply import reply_text
from tvec.store.models import utcnow
from tvec.store.models.orders import LegalHold

ACTOR = "cli"

app = typer.Typer(
    help="Removal orders (EU Regulation 2021/784): record, watch the one-hour clock, act, "
    "reply or reject (and resume), and the legal holds of removed content.",
    no_args_is_help=True,
)
hold_app = typer.Typer(
    help="Legal holds: removed content and its data, kept six months; every access logged.",
    no_args_is_help=True,
)
app.add_typer(hold_app, name="hold")

_Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
_Ref = Annotated[str, typer.Argument(help="The order's reference (as the authority gave it).")]
_HoldId = Annotated[int, typer.Argument(help="Legal hold id (see 'tvec order hold list').")]
_Purpose = Annotated[
    str, typer.Option("--purpose", help="Why you access the hold (required; logged).")
]


def _print_json(document: Any) -> None:
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


@app.command("add")
def add(
    file: Annotated[
        Path | None,
        typer.Option("--file", help="JSON file of the order (shape in docs/removal-orders.md)."),
    ] = None,
    reference: Annotated[str | None, typer.Option(help="The authority's reference.")] = None,
    authority: Annotated[str | None, typer.Option(help="The issuing competent authority.")] = None,
    member_state: Annotated[
        str | None, typer.Option("--member-state", help="Its Member State (EU code: DE, EL...).")
    ] = None,
    received_at: Annotated[
        str | None,
        typer.Option(
            "--received-at",
            help="Time of receipt, ISO 8601 with a zone (2024-05-01T10:00:00Z; default: now).",
        ),
    ] = None,
    urls: Annotated[
        list[str] | None, typer.Option("--url", help="URL to remove (repeatable).")
    ] = None,
    reasons: Annotated[str | None, typer.Option(help="The order's statement of reasons.")] = None,
    as_json: _Json = False,
) -> None:
    """Record a removal order, from --file or from options; its hour runs from receipt."""
    given = [reference, authority, member_state, received_at, urls, reasons]
    if file is not None:
        if any(v for v in given):
            raise UsageError("give the order either with --file or with options, not both")
        parsed = read_order_file(file)
        fields: dict[str, Any] = dict(parsed.__dict__)
    else:
        missing = [
            name
            for name, value in (
                ("--reference", reference),
                ("--authority", authority),
                ("--member-state", member_state),
                ("--url", urls),
                ("--reasons", reasons),
            )
            if not value
        ]
        if missing:
            raise UsageError(f"missing {', '.join(missing)} (or give the order with --file)")
        fields = {
            "reference": reference,
            "authority": authority,
            "member_state": member_state,
            "received_at": parse_time(received_at, "--received-at") if received_at else utcnow(),
            "urls": urls,
            "reasons": reasons,
        }
    with store().session() as session:
        order = service.record_order(session, actor=ACTOR, **fields)
        document = service.order_document(order)
    if as_json:
        _print_json(document)
        return
    out.print(
        f"recorded removal order {document['reference']} ({document['member_state']}): "
        f"{len(document['urls'])} URL(s), deadline {format_time(document['deadline_at'])}, "
        f"{document['time_left'] or document['status']}",
        markup=False,
    )
    for entry in document["urls"]:
        linked = f"item {entry['item_id']}" if entry["item_id"] else "no stored item"
        out.print(f"  {entry['url']} ({linked})", markup=False)


@app.command("list")
def list_(
    status: Annotated[
        str,
        typer.Option(help="unfinished (open or overdue), open, overdue, done, rejected or all."),
    ] = "unfinished",
    as_json: _Json = False,
) -> None:
    """List orders with their time left (least first); overdue ones say by how much."""
    now = utcnow()
    with store().session() as session:
        rows = service.list_orders(session, status=status, now=now)
        documents = [service.order_document(order, now) for order, _, _ in rows]
    if as_json:
        _print_json(documents)
        return
    table = Table(title=f"{len(documents)} {status} removal order(s)")
    table.add_column("reference", overflow="fold")
    table.add_column("state", no_wrap=True, min_width=7)
    table.add_column("time left", no_wrap=True)
    table.add_column("deadline", no_wrap=True)
    table.add_column("authority", overflow="fold")
    table.add_column("acted on", justify="right")
    for document in documents:
        acted = sum(1 for u in document["urls"] if u["acted_at"])
        table.add_row(
            document["reference"],
            document["status"],
            document["time_left"] or "",
            format_time(document["deadline_at"]),
            f"{document['authority']} ({document['member_state']})",
            f"{acted}/{len(document['urls'])}",
        )
    out.print(table)


@app.command("show")
def show(reference: _Ref, as_json: _Json = False) -> None:
    """Show one order: its clock, URLs and what was done with each, and the reply."""
    now = utcnow()
    with store().session() as session:
        document = service.order_document(service.get_order(session, reference), now)
        holds = [h.id for h in hold_service.list_holds(session, order_reference=reference)]
    if as_json:
        _print_json(document | {"holds": holds})
        return
    for key in ("reference", "authority", "member_state"):
        out.print(f"{key}: {document[key]}", markup=False)
    for key in ("received_at", "deadline_at"):
        out.print(f"{key}: {format_time(document[key])}", markup=False)
    out.print(f"status: {document['status']} {document['time_left'] or ''}".rstrip())
    for key in ("overdue_at", "completed_at"):
        if document[key]:
            out.print(f"{key}: {format_time(document[key])}", markup=False)
    for key in ("recorded_by", "reasons"):
        if document[key]:
            out.print(f"{key}: {document[key]}", markup=False)
    for entry in document["urls"]:
        out.print(f"  {entry['url']}: {_done(entry)}", markup=False)
    for rejection in (document["reply"] or {}).get("impossibility") or []:
        out.print(_rejection_line(rejection), markup=False)
    if holds:
        out.print(f"legal holds: {', '.join(str(h) for h in sorted(holds))}")


def _rejection_line(rejection: dict[str, Any]) -> str:
    """One rejection of an order, for people (and whether its clock was restarted)."""
    line = (
        f"rejected at {format_time(rejection['rejected_at'])} by {rejection['rejected_by']}: "
        f"{rejection['ground']} (Article {rejection['article']}): {rejection['explanation']}"
    )
    if rejection["resumed_at"]:
        line += (
            f"; resumed at {format_time(rejection['resumed_at'])} by "
            f"{rejection['resumed_by']}, deadline {format_time(rejection['resumed_deadline_at'])}"
        )
    return line


def _done(entry: dict[str, Any]) -> str:
    """What was done with one URL of an order, for people."""
    if not entry["acted_at"]:
        return "pending"
    return f"{entry['action']} at {format_time(entry['acted_at'])}"


def _content(values: list[str] | None) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for value in values or []:
        url, sep, path = value.rpartition("=")
        if not sep or not url or not path:
            raise UsageError(f"--content {value!r}: give URL=PATH")
        found[url] = Path(path)
    return found


@app.command("act")
def act(
    reference: _Ref,
    urls: Annotated[
        list[str] | None,
        typer.Option("--url", help="URL acted on (repeatable; default: every URL not yet)."),
    ] = None,
    action: Annotated[
        str, typer.Option(help="removed, or disabled (access disabled in all Member States).")
    ] = "removed",
    content: Annotated[
        list[str] | None,
        typer.Option(
            "--content",
            help="URL=PATH: the removed content's file, kept under legal hold (repeatable; "
            "default: the evidence store's copy of the linked item).",
        ),
    ] = None,
    as_json: _Json = False,
) -> None:
    """Record that URLs of an order were removed now; hold their content; fill in the reply."""
    with store().session() as session:
        order = service.act_on_order(
            session,
            settings(),
            reference,
            urls=urls or None,
            action=action,
            actor=ACTOR,
            content=_content(content),
        )
        document = service.order_document(order)
    if as_json:
        _print_json(document)
        return
    for entry in document["urls"]:
        out.print(f"{entry['url']}: {_done(entry)}", markup=False)
    if document["status"] == "done":
        late = "" if document["reply"]["on_time"] else " (late)"
        out.print(f"order {reference} done{late}; see 'tvec order reply {reference}'", markup=False)
        _warn(document["reply"])


@app.command("sweep")
def sweep(as_json: _Json = False) -> None:
    """Make every open order past its hour overdue (audit, then webhook); run it often."""
    swept = service.sweep_orders(store(), settings())
    documents = [service.order_document(order) for order in swept]
    if as_json:
        _print_json(documents)
        return
    for document in documents:
        out.print(
            f"overdue: {document['reference']} (deadline {format_time(document['deadline_at'])})",
            markup=False,
        )
    out.print(f"{len(documents)} order(s) became overdue")


@app.command("reject")
def reject(
    reference: _Ref,
    ground: Annotated[
        str,
        typer.Option(
            help="force_majeure (Article 3(7)), manifest_error or insufficient_information "
            "(Article 3(8))."
        ),
    ],
    explanation: Annotated[
        str, typer.Option(help="Why the order cannot be executed (for the authority).")
    ],
    clarification: Annotated[
        str | None,
        typer.Option(
            help="Article 3(8) only: the errors to correct or the information needed "
            "(default: a sentence pointing to the explanation)."
        ),
    ] = None,
    as_json: _Json = False,
) -> None:
    """Record that an order cannot be executed (Article 3(7)/(8)) and print the
    information for the authority (Annex III); its clock stops until 'tvec order resume'."""
    with store().session() as session:
        order = impossibility.reject_order(
            session,
            settings(),
            reference,
            ground=ground,
            explanation=explanation,
            clarification=clarification,
            actor=ACTOR,
        )
        document = impossibility.rejections(order)[-1]["document"]
    _warn(document)
    if as_json:
        _print_json(document)
        return
    out.print(
        f"removal order {reference} rejected ({ground}, Article {document['article']}); "
        "send the authority this information (Annex III):",
        markup=False,
    )
    typer.echo(impossibility_text(document))


@app.command("resume")
def resume(reference: _Ref, as_json: _Json = False) -> None:
    """Restart the one-hour clock of a rejected order now (the grounds ceased, or the
    clarification arrived): deadline now + 1 hour, status open."""
    now = utcnow()
    with store().session() as session:
        order = impossibility.resume_order(session, reference, actor=ACTOR, now=now)
        document = service.order_document(order, now)
    if as_json:
        _print_json(document)
        return
    out.print(
        f"removal order {reference} resumed: open, deadline "
        f"{format_time(document['deadline_at'])} ({document['time_left']} left)",
        markup=False,
    )


def _warn(reply: dict[str, Any]) -> None:
    """Print the reply's warnings (settings missing from Section C) on stderr."""
    for warning in reply.get("warnings") or []:
        err.print(f"warning: {warning}", markup=False)


@app.command("reply")
def reply(reference: _Ref, as_json: _Json = False) -> None:
    """Print the provider's reply: to a done order, the fields of Annex II of the
    Regulation; to a rejected one, the information on the impossibility (Annex III)."""
    with store().session() as session:
        order = service.get_order(session, reference)
        stored = dict(order.reply or {})
        state = order_state(order, utcnow())[0]
    rejections = stored.get("impossibility") or []
    text: Callable[[dict[str, Any]], str]
    if state == "rejected" and rejections:
        document, text = rejections[-1]["document"], impossibility_text
    elif "form" in stored:
        document, text = stored, reply_text
    else:
        raise UsageError(
            f"removal order {reference!r} is {state}: no reply until every URL is acted on"
        )
    _warn(document)
    if as_json:
        _print_json(document)
        return
    typer.echo(text(document))


def _hold_row(hold: LegalHold, now: datetime) -> dict[str, Any]:
    return {
        "id": hold.id,
        "url": hold.url,
        "order": (hold.data or {}).get("order", {}).get("reference"),
        "sha256": hold.sha256,
        "size": hold.size,
        "held_from": hold.held_from.isoformat(),
        "held_until": hold.held_until.isoformat(),
        "extensions": len(hold.extensions or []),
        "purged": hold_service.is_purged(hold),
        "state": hold_service.hold_state(hold, now),
    }


@hold_app.command("list")
def hold_list(
    order: Annotated[str | None, typer.Option("--order", help="Only this order's holds.")] = None,
    as_json: _Json = False,
) -> None:
    """List legal holds (records only: URL, digest, dates; content and data not shown).

    The state is held, extended (kept longer; how many times), expired (past its end, bytes
    not purged yet) or purged."""
    now = utcnow()
    with store().session() as session:
        rows = [_hold_row(h, now) for h in hold_service.list_holds(session, order_reference=order)]
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "order", "url", "sha256", "held until", "state")
    for row in rows:
        state = row["state"]
        if state == "extended":
            state = f"extended {row['extensions']}x"
        table.add_row(
            str(row["id"]),
            row["order"] or "",
            row["url"],
            (row["sha256"] or "data only")[:16],
            format_time(row["held_until"]),
            state,
        )
    out.print(table)


@hold_app.command("show")
def hold_show(hold_id: _HoldId, purpose: _Purpose, as_json: _Json = False) -> None:
    """Open a legal hold: its data and the path of its bytes (the access is logged)."""
    current = settings()
    with store().session() as session:
        hold, path = hold_service.read_hold(session, current, hold_id, actor=ACTOR, purpose=purpose)
        document = hold_service.hold_document(hold) | {"path": str(path) if path else None}
    if as_json:
        _print_json(document)
        return
    for key in ("id", "url", "sha256", "size", "held_from", "held_until", "state", "path"):
        value = format_time(document[key]) if key.startswith("held_") else document[key]
        out.print(f"{key}: {value}", markup=False)
    typer.echo(json.dumps(document["data"], indent=2, ensure_ascii=False))


@hold_app.command("export")
def hold_export(
    hold_id: _HoldId,
    purpose: _Purpose,
    to: Annotated[Path, typer.Option("--to", help="Existing folder to write the files into.")],
) -> None:
    """Copy a legal hold (record, data, checked bytes) into a folder (the access is logged)."""
    current = settings()
    with store().session() as session:
        written = hold_service.export_hold(
            session, current, hold_id, to, actor=ACTOR, purpose=purpose
        )
    for path in written:
        out.print(f"wrote {path}", markup=False)


@hold_app.command("extend")
def hold_extend(
    hold_id: _HoldId,
    reason: Annotated[
        str, typer.Option(help="Why (e.g. the authority's or court's request); logged.")
    ],
    until: Annotated[
        str | None,
        typer.Option(
            help="New end, ISO 8601 with a zone: later than the current end, at most 36500 "
            "days from now.",
        ),
    ] = None,
    days: Annotated[
        int | None, typer.Option(help="Days to add to the current end (1 to 36500).")
    ] = None,
) -> None:
    """Keep a legal hold longer (to a later date or by a number of days)."""
    end: datetime | None = parse_time(until, "--until") if until else None
    with store().session() as session:
        hold = hold_service.extend_hold(
            session, hold_id, until=end, days=days, reason=reason, actor=ACTOR
        )
        held_until = format_time(hold.held_until)
    out.print(f"legal hold {hold_id} held until {held_until}", markup=False)


@hold_app.command("purge")
def hold_purge(as_json: _Json = False) -> None:
    """Delete the bytes of legal holds past their end; the records stay (logged)."""
    with store().session() as session:
        now = utcnow()
        rows = [
            _hold_row(h, now)
            for h in hold_service.purge_expired_holds(session, settings(), now, actor=ACTOR)
        ]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        out.print(f"purged legal hold {row['id']} ({row['url']})", markup=False)
    out.print(f"{len(rows)} legal hold(s) purged")
