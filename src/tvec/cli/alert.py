"""``tvec alert``: verify URLs, set reporting routes, preview, send, retry and list alerts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tvec.app import alerts as use
from tvec.app.alerts import CONTENT_KINDS
from tvec.cli.context import context, err, out, print_json
from tvec.clock import rfc3339
from tvec.errors import EXIT_ITEM_ERRORS, EXIT_USAGE, UsageError
from tvec.views.alerts import SendReportView

ACTOR = "cli"

app = typer.Typer(
    help="Alerts to platforms: verify URLs, reporting routes, preview, send, retry, list.",
    no_args_is_help=True,
)
route_app = typer.Typer(help="How each platform takes alerts.", no_args_is_help=True)
app.add_typer(route_app, name="route")

_Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
_Platform = Annotated[str | None, typer.Option("--platform", help="Only this platform.")]


@app.command("verify")
def verify(
    url: Annotated[str, typer.Argument(help="The URL (any spelling; it is canonicalised).")],
    entity: Annotated[
        str, typer.Option("--entity", help="Entity id, or a name/alias naming one entity.")
    ],
    kind: Annotated[
        str, typer.Option("--kind", help=f"Content kind: {', '.join(CONTENT_KINDS)}.")
    ] = "other",
    graphic: Annotated[
        bool, typer.Option("--graphic", help="The content is graphic (alerts warn).")
    ] = False,
    note: Annotated[str | None, typer.Option("--note", help="Why (kept with it).")] = None,
    whole_site: Annotated[
        bool,
        typer.Option(
            "--whole-site",
            help="The URL is a site's home page and the whole site is the group's own "
            "website (home pages are refused without it).",
        ),
    ] = False,
) -> None:
    """Attribute a URL to an entity: the verification an alert needs (audit-logged)."""
    view = use.verify_url(
        context(),
        url,
        entity,
        actor=ACTOR,
        content_kind=kind,
        graphic=graphic,
        note=note,
        whole_site=whole_site,
    )
    out.print(f"attributed {view.url} to {view.entity_name} ({view.entity}), {kind}", markup=False)
    if view.not_alertable is None:
        out.print(f"alertable: yes, on {view.platform} ('tvec alert send' sends it)", markup=False)
    else:
        out.print(f"alertable: no, {view.not_alertable}", markup=False)


@app.command("preview")
def preview(
    platform: _Platform = None,
    force: Annotated[
        bool, typer.Option("--force", help="As 'send --force': ignore batching windows.")
    ] = False,
    as_json: _Json = False,
) -> None:
    """Show what 'tvec alert send' would queue and send now, and why the rest waits."""
    report = use.preview(context(), platform=platform, force=force)
    if as_json:
        print_json(report)
        return
    _print_report(report, verb="would send", would=True)


@app.command("send")
def send(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write what would be sent; change nothing.")
    ] = False,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Dry run: write into this (empty) folder.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Send batches whose batching window is open.")
    ] = False,
    platform: _Platform = None,
    as_json: _Json = False,
) -> None:
    """Queue alerts for verified URLs and deliver every platform's due batch.

    Exit code 1 when a delivery failed (it is retried later), 2 when a platform's channel
    is not configured (its alerts stay queued) or the inclusion policy is not usable.
    """
    ctx = context()
    if out_dir is not None and not dry_run and not ctx.settings.alert_dry_run:
        raise UsageError("--out is only for --dry-run")
    report = use.send(
        ctx,
        dry_run=dry_run,
        force=force,
        platform=platform,
        out_dir=out_dir,
        actor=ACTOR,
    )
    if as_json:
        print_json(report)
    else:
        _print_report(report, verb="would send" if report.dry_run else "sent", would=report.dry_run)
        if report.out_dir is not None:
            err.print(f"dry run: wrote {report.out_dir}", markup=False)
        elif report.dry_run:
            err.print("dry run: nothing to send, no folder written", markup=False)
    if report.held_by_config:
        raise typer.Exit(EXIT_USAGE)
    if report.failed:
        raise typer.Exit(EXIT_ITEM_ERRORS)


def _print_report(report: SendReportView, *, verb: str, would: bool = False) -> None:
    if would:  # preview and dry run: nothing is kept
        counts = (
            f"attributions that would be derived: {report.attributed}; "
            f"alerts that would be queued: {report.queued}"
        )
    else:
        counts = f"attributions derived: {report.attributed}; alerts queued: {report.queued}"
    out.print(counts, markup=False)
    for batch in report.batches:
        if batch.ok is None:
            state = verb
        elif batch.ok:
            state = f"sent ({batch.detail})"
        else:
            state = f"FAILED ({batch.error})"
        out.print(
            f"{batch.platform}: {batch.batch_reference} {state}, {len(batch.alerts)} alert(s) "
            f"by {batch.channel} to {batch.recipient or 'the alerts folder'}",
            markup=False,
        )
        for line in batch.alerts:
            flag = " [graphic]" if line.graphic else ""
            out.print(
                f"  {line.reference} {line.url} {line.entity} {line.content_kind}{flag}",
                markup=False,
            )
    if not report.batches:
        out.print("no batch is due", markup=False)
    for wait in report.waiting:
        out.print(f"{wait.platform}: {wait.alerts} alert(s) wait: {wait.reason}", markup=False)
    for item in report.not_alertable:
        out.print(f"not alertable: {item.url}: {item.reason}", markup=False)


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option("--status", help="queued, sent or failed.")] = None,
    platform: _Platform = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Most rows shown.")] = 200,
    as_json: _Json = False,
) -> None:
    """List alerts, newest first, with status, attempts and the last error."""
    rows = use.list_alerts(context(), status=status, platform=platform, limit=limit)
    if as_json:
        print_json(rows)
        return
    table = Table(
        "reference",
        "status",
        "platform",
        "url",
        "entity",
        "attempts",
        "sent / next / error",
        title=f"{len(rows)} alert(s)",
    )
    for row in rows:
        moment = row.sent_at or row.next_attempt_at
        when = row.last_error if row.sent_at is None and row.last_error else None
        if when is None:
            when = rfc3339(moment) if moment is not None else ""
        table.add_row(
            row.reference,
            row.status,
            row.platform,
            row.url,
            row.entity,
            str(row.attempts),
            when,
        )
    out.print(table)


@app.command("retry")
def retry(
    platform: _Platform = None,
    failed: Annotated[
        bool,
        typer.Option(
            "--failed", help="Also put failed alerts back in the queue, attempts reset to 0."
        ),
    ] = False,
    as_json: _Json = False,
) -> None:
    """Make alerts waiting for a retry due now (and with --failed requeue failed ones).

    The next 'tvec alert send' tries them; audit-logged. No alert is created: a URL still
    gets at most one alert.
    """
    report = use.retry(context(), actor=ACTOR, platform=platform, failed=failed)
    if as_json:
        print_json(report)
        return
    out.print(
        f"made due now: {len(report.made_due)}; put back in the queue: {len(report.requeued)}",
        markup=False,
    )
    for reference in report.made_due:
        out.print(f"  due now: {reference}", markup=False)
    for reference in report.requeued:
        out.print(f"  requeued: {reference}", markup=False)
    for skipped in report.skipped:
        out.print(f"  left alone: {skipped.reference}: {skipped.reason}", markup=False)
    if report.made_due or report.requeued:
        out.print("run 'tvec alert send' to send them", markup=False)


@route_app.command("set")
def route_set(
    platform: Annotated[str, typer.Argument(help="Platform name (any case).")],
    email: Annotated[
        list[str] | None, typer.Option("--email", help="Send e-mail to this address (repeatable).")
    ] = None,
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook",
            help="POST signed JSON to this http(s) URL (a private or link-local address only "
            "if TVEC_OUTBOUND_ALLOW_HOSTS lists it).",
        ),
    ] = None,
    secret_env: Annotated[
        str | None,
        typer.Option(
            "--secret-env",
            help="Webhook: environment variable with the HMAC key "
            "(default TVEC_ALERT_WEBHOOK_SECRET).",
        ),
    ] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Write CSV digest files.")] = False,
    folder: Annotated[
        Path | None,
        typer.Option(
            "--folder",
            help="CSV: folder of the digests, stored as an absolute path "
            "(default TVEC_ALERT_CSV_DIR).",
        ),
    ] = None,
    batch_seconds: Annotated[
        float | None,
        typer.Option(
            "--batch-seconds",
            help="Batching window, 0 to 2592000 s (30 days) (default TVEC_ALERT_BATCH_SECONDS).",
        ),
    ] = None,
) -> None:
    """Set a platform's route: --email ADDR..., --webhook URL or --csv [--folder DIR]."""
    chosen = [
        name for name, given in (("email", email), ("webhook", webhook), ("csv", csv)) if given
    ]
    if len(chosen) != 1:
        raise UsageError("give exactly one of --email, --webhook or --csv")
    if folder is not None and not csv:
        raise UsageError("--folder is only for --csv")
    channel = chosen[0]
    target = {
        "email": ",".join(email or []),
        "webhook": webhook or "",
        "csv": str(folder) if folder else "",
    }[channel]
    route = use.set_route(
        context(),
        platform,
        channel=channel,
        target=target,
        secret_env=secret_env,
        batch_seconds=batch_seconds,
        actor=ACTOR,
    )
    where = route.target or "the alerts folder"
    out.print(f"route of {route.platform}: {route.channel} to {where}", markup=False)


@route_app.command("list")
def route_list(
    include_defaults: Annotated[
        bool, typer.Option("--all", help="Also platforms routed to their registry abuse e-mail.")
    ] = False,
    as_json: _Json = False,
) -> None:
    """List the routes set with 'tvec alert route set' (and with --all the default ones)."""
    found = use.list_routes(context(), include_defaults=include_defaults)
    if as_json:
        print_json(found)
        return
    table = Table("platform", "channel", "target", "batch seconds", "origin", title=f"{len(found)}")
    for r in found:
        batch = "" if r.batch_seconds is None else f"{r.batch_seconds:g}"
        table.add_row(r.platform, r.channel, r.target or "(alerts folder)", batch, r.origin)
    out.print(table)


@route_app.command("remove")
def route_remove(
    platform: Annotated[str, typer.Argument(help="Platform name (any case).")],
) -> None:
    """Remove a platform's route (its registry abuse e-mail, if any, applies again)."""
    use.remove_route(context(), platform, actor=ACTOR)
    out.print(f"removed the route of {platform}", markup=False)
