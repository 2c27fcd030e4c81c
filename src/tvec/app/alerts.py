"""Use cases of alerts to platforms, for ``tvec alert``: verify URLs, preview, send, list,
retry and reporting routes.

Each takes the :class:`~tvec.app.context.AppContext` first, runs in its own transactions
with the context's settings and returns result models (:mod:`tvec.views.alerts`); changes
are audited as ``actor``.
"""

from __future__ import annotations

from pathlib import Path

from tvec.alerts import listing, routes
from tvec.alerts import send as sending
from tvec.alerts.retry import retry_alerts
from tvec.app.context import AppContext
from tvec.entities.policy import check_inclusion_policy
from tvec.store.models.alerts import CONTENT_KINDS
from tvec.verification import attribution
from tvec.verification.alertability import alertable_reason
from tvec.views.alerts import (
    AlertView,
    RetryReportView,
    RouteView,
    SendReportView,
    VerificationView,
)

__all__ = [
    "CONTENT_KINDS",
    "list_alerts",
    "list_routes",
    "preview",
    "remove_route",
    "retry",
    "send",
    "set_route",
    "verify_url",
]


def verify_url(
    ctx: AppContext,
    url: str,
    entity: str,
    *,
    actor: str,
    content_kind: str = "other",
    graphic: bool = False,
    note: str | None = None,
    whole_site: bool = False,
) -> VerificationView:
    """Attribute ``url`` to ``entity`` (audited) and say whether it may be alerted now
    (:func:`tvec.verification.attribution.attribute_url`).

    Raises:
        ConfigError: the inclusion policy or the entities file is not usable.
        UsageError: a bad URL, a home page without ``whole_site``, an unknown kind or note.
        NotFoundError: ``entity`` names no entity.
    """
    registry = ctx.entities()
    check_inclusion_policy(registry, ctx.settings)
    with ctx.write() as session:
        made = attribution.attribute_url(
            session,
            url,
            entity,
            actor=actor,
            content_kind=content_kind,
            graphic=graphic,
            note=note,
            settings=ctx.settings,
            now=ctx.now(),
            whole_site=whole_site,
        )
        reason = alertable_reason(made, registry, ctx.settings)
        platform = made.outlink.platform
        if reason is None:
            reason = routes.RouteBook.load(session).lookup(platform).reason
        return VerificationView(
            url=made.outlink.url,
            entity=made.entity,
            entity_name=registry.get(made.entity).name,
            content_kind=made.content_kind,
            platform=platform,
            not_alertable=reason,
        )


def preview(ctx: AppContext, *, platform: str | None = None, force: bool = False) -> SendReportView:
    """What a send would queue and send now; nothing is written
    (:func:`tvec.alerts.send.preview`)."""
    return sending.preview(ctx.store, ctx.settings, now=ctx.now(), platform=platform, force=force)


def send(
    ctx: AppContext,
    *,
    actor: str,
    dry_run: bool = False,
    force: bool = False,
    platform: str | None = None,
    out_dir: Path | None = None,
) -> SendReportView:
    """Queue alerts for verified URLs and deliver every platform's due batch
    (:func:`tvec.alerts.send.send_alerts`); delivery failures are in the report.

    Raises:
        ConfigError: the inclusion policy is not usable.
        UsageError: ``out_dir`` is not empty; NotFoundError: ``platform`` is unknown.
    """
    return sending.send_alerts(
        ctx.store,
        ctx.settings,
        now=ctx.now(),
        dry_run=dry_run,
        force=force,
        platform=platform,
        out_dir=out_dir,
        actor=actor,
    )


def list_alerts(
    ctx: AppContext,
    *,
    status: str | None = None,
    platform: str | None = None,
    limit: int | None = None,
) -> list[AlertView]:
    """Alerts, newest first (:func:`tvec.alerts.listing.list_alerts`).

    Raises:
        UsageError: unknown status; NotFoundError: unknown platform.
    """
    with ctx.read() as session:
        found = listing.list_alerts(session, status=status, platform=platform, limit=limit)
        return [listing.alert_view(a) for a in found]


def retry(
    ctx: AppContext, *, actor: str, platform: str | None = None, failed: bool = False
) -> RetryReportView:
    """Make alerts waiting for a retry due now (and with ``failed`` requeue failed ones);
    audited (:func:`tvec.alerts.retry.retry_alerts`)."""
    with ctx.write() as session:
        return retry_alerts(session, actor=actor, platform=platform, failed=failed, now=ctx.now())


def set_route(
    ctx: AppContext,
    platform: str,
    *,
    channel: str,
    target: str,
    actor: str,
    secret_env: str | None = None,
    batch_seconds: float | None = None,
) -> RouteView:
    """Set a platform's route (audited; :func:`tvec.alerts.routes.set_route`).

    Raises:
        NotFoundError: no such platform; UsageError: a field is invalid.
    """
    with ctx.write() as session:
        return routes.set_route(
            session,
            platform,
            channel=channel,
            target=target,
            actor=actor,
            secret_env=secret_env,
            batch_seconds=batch_seconds,
            settings=ctx.settings,
            now=ctx.now(),
        ).view()


def list_routes(ctx: AppContext, *, include_defaults: bool = False) -> list[RouteView]:
    """The routes set by people (and with ``include_defaults`` the registry abuse e-mails)."""
    with ctx.read() as session:
        return [r.view() for r in routes.list_routes(session, include_defaults=include_defaults)]


def remove_route(ctx: AppContext, platform: str, *, actor: str) -> None:
    """Remove a platform's route (audited). Raises NotFoundError when it has none."""
    with ctx.write() as session:
        routes.remove_route(session, platform, actor=actor)
