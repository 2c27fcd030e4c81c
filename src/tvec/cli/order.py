"""``tvec order``: removal orders (Regulation (EU) 2021/784) and their legal holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tvec.app import orders as use
from tvec.cli.context import context, err, out, print_json
from tvec.errors import UsageError
from tvec.orders.clock import format_time, parse_time
from tvec.orders.impossibility import impossibility_text
from tvec.orders.intake import OrderFile, read_order_file
from tvec.orders.reply import reply_text
from tvec.views.durations import lateness
from tvec.views.orders import OrderUrlView

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
        order = read_order_file(file)
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
        order = OrderFile(
            reference=reference or "",
            authority=authority or "",
            member_state=member_state or "",
            received_at=(
                parse_time(received_at, "--received-at") if received_at else context().now()
            ),
            urls=urls or [],
            reasons=reasons or "",
        )
    view = use.record_order(context(), order, actor=ACTOR)
    if as_json:
        print_json(view)
        return
    out.print(
        f"recorded removal order {view.reference} ({view.member_state}): "
        f"{len(view.urls)} URL(s), deadline {format_time(view.deadline_at)}, "
        f"{view.time_left or view.status}",
        markup=False,
    )
    for entry in view.urls:
        linked = f"item {entry.item_id}" if entry.item_id else "no stored item"
        out.print(f"  {entry.url} ({linked})", markup=False)


@app.command("list")
def list_(
    status: Annotated[
        str,
        typer.Option(help="unfinished (open or overdue), open, overdue, done, rejected or all."),
    ] = "unfinished",
    as_json: _Json = False,
) -> None:
    """List orders with their time left (least first); overdue ones say by how much."""
    views = use.list_orders(context(), status=status)
    if as_json:
        print_json(views)
        return
    table = Table(title=f"{len(views)} {status} removal order(s)")
    table.add_column("reference", overflow="fold")
    table.add_column("state", no_wrap=True, min_width=7)
    table.add_column("time left", no_wrap=True)
    table.add_column("deadline", no_wrap=True)
    table.add_column("authority", overflow="fold")
    table.add_column("acted on", justify="right")
    for view in views:
        acted = sum(1 for u in view.urls if u.acted_at)
        table.add_row(
            view.reference,
            view.status,
            view.time_left or "",
            format_time(view.deadline_at),
            f"{view.authority} ({view.member_state})",
            f"{acted}/{len(view.urls)}",
        )
    out.print(table)


@app.command("show")
def show(reference: _Ref, as_json: _Json = False) -> None:
    """Show one order: its clock, URLs and what was done with each, and the reply."""
    view = use.show_order(context(), reference)
    if as_json:
        print_json(view)
        return
    out.print(f"reference: {view.reference}", markup=False)
    out.print(f"authority: {view.authority}", markup=False)
    out.print(f"member_state: {view.member_state}", markup=False)
    out.print(f"received_at: {format_time(view.received_at)}", markup=False)
    out.print(f"deadline_at: {format_time(view.deadline_at)}", markup=False)
    out.print(f"status: {view.status} {view.time_left or ''}".rstrip())
    if view.overdue_at:
        out.print(f"overdue_at: {format_time(view.overdue_at)}", markup=False)
    if view.completed_at:
        out.print(f"completed_at: {format_time(view.completed_at)}", markup=False)
    for key, value in (("recorded_by", view.recorded_by), ("reasons", view.reasons)):
        if value:
            out.print(f"{key}: {value}", markup=False)
    for entry in view.urls:
        out.print(f"  {entry.url}: {_done(entry)}", markup=False)
    for rejection in view.reply.get("impossibility") or []:
        out.print(_rejection_line(rejection), markup=False)
    if view.holds:
        out.print(f"legal holds: {', '.join(str(h) for h in view.holds)}")


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


def _done(entry: OrderUrlView) -> str:
    """What was done with one URL of an order, for people."""
    if not entry.acted_at:
        return "pending"
    return f"{entry.action} at {format_time(entry.acted_at)}"


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
    view = use.act_on_order(
        context(),
        reference,
        urls=urls or None,
        action=action,
        actor=ACTOR,
        content=_content(content),
    )
    if as_json:
        print_json(view)
        return
    for entry in view.urls:
        out.print(f"{entry.url}: {_done(entry)}", markup=False)
    if view.status == "done":
        late = "" if view.reply["on_time"] else f" ({lateness(view.reply['late_by_seconds'])})"
        out.print(f"order {reference} done{late}; see 'tvec order reply {reference}'", markup=False)
        _warn(view.reply)


@app.command("sweep")
def sweep(as_json: _Json = False) -> None:
    """Make every open order past its hour overdue (audit, then webhook); run it often."""
    views = use.sweep_orders(context())
    if as_json:
        print_json(views)
        return
    for view in views:
        out.print(
            f"overdue: {view.reference} (deadline {format_time(view.deadline_at)})",
            markup=False,
        )
    out.print(f"{len(views)} order(s) became overdue")


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
    document = use.reject_order(
        context(),
        reference,
        ground=ground,
        explanation=explanation,
        clarification=clarification,
        actor=ACTOR,
    )
    _warn(document)
    if as_json:
        print_json(document)
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
    view = use.resume_order(context(), reference, actor=ACTOR)
    if as_json:
        print_json(view)
        return
    out.print(
        f"removal order {reference} resumed: open, deadline "
        f"{format_time(view.deadline_at)} ({view.time_left})",
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
    annex, document = use.order_reply(context(), reference)
    text: Callable[[dict[str, Any]], str] = (
        impossibility_text if annex == "annex-iii" else reply_text
    )
    _warn(document)
    if as_json:
        print_json(document)
        return
    typer.echo(text(document))


@hold_app.command("list")
def hold_list(
    order: Annotated[str | None, typer.Option("--order", help="Only this order's holds.")] = None,
    as_json: _Json = False,
) -> None:
    """List legal holds (records only: URL, digest, dates; content and data not shown).

    The state is held, extended (kept longer; how many times), expired (past its end, bytes
    not purged yet) or purged."""
    rows = use.list_holds(context(), order_reference=order)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "order", "url", "sha256", "held until", "state")
    for row in rows:
        state = f"extended {row.extensions}x" if row.state == "extended" else row.state
        table.add_row(
            str(row.id),
            row.order or "",
            row.url,
            (row.sha256 or "data only")[:16],
            format_time(row.held_until),
            state,
        )
    out.print(table)


@hold_app.command("show")
def hold_show(hold_id: _HoldId, purpose: _Purpose, as_json: _Json = False) -> None:
    """Open a legal hold: its data and the path of its bytes (the access is logged)."""
    record = use.read_hold(context(), hold_id, actor=ACTOR, purpose=purpose)
    if as_json:
        print_json(record)
        return
    out.print(f"id: {record.id}", markup=False)
    out.print(f"url: {record.url}", markup=False)
    out.print(f"sha256: {record.sha256}", markup=False)
    out.print(f"size: {record.size}", markup=False)
    out.print(f"held_from: {format_time(record.held_from)}", markup=False)
    out.print(f"held_until: {format_time(record.held_until)}", markup=False)
    out.print(f"state: {record.state}", markup=False)
    out.print(f"path: {record.path}", markup=False)
    print_json(record.data)


@hold_app.command("export")
def hold_export(
    hold_id: _HoldId,
    purpose: _Purpose,
    to: Annotated[Path, typer.Option("--to", help="Existing folder to write the files into.")],
) -> None:
    """Copy a legal hold (record, data, checked bytes) into a folder (the access is logged)."""
    written = use.export_hold(context(), hold_id, to, actor=ACTOR, purpose=purpose)
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
    hold = use.extend_hold(context(), hold_id, until=end, days=days, reason=reason, actor=ACTOR)
    held_until = format_time(hold.held_until)
    out.print(f"legal hold {hold_id} held until {held_until}", markup=False)


@hold_app.command("purge")
def hold_purge(as_json: _Json = False) -> None:
    """Delete the bytes of legal holds past their end; the records stay (logged)."""
    rows = use.purge_expired_holds(context(), actor=ACTOR)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        out.print(f"purged legal hold {row.id} ({row.url})", markup=False)
    out.print(f"{len(rows)} legal hold(s) purged")
