"""Reporting routes: how each platform takes alerts (format in ``docs/alerts.md``).

A platform's route is, in this order:

1. its ``alert_route`` row (set with ``tvec alert route set``), if the row is enabled; a
   disabled row means "send nothing to this platform for now";
2. else e-mail to the platform's ``abuse_email`` in the platform registry;
3. else none: its verified URLs are listed by ``tvec alert preview`` as having no reporting
   route (with the platform's report form, for a person to use), never dropped silently.

Route changes are recorded in the audit log (``alert.route``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.audit.events import AlertRouteChanged, record_event
from tvec.errors import BlockedAddressError, FetchError, NotFoundError, UsageError
from tvec.net.webhook import check_outbound_url
from tvec.platforms import Platform, PlatformRegistry
from tvec.platforms.overrides import find_platform, load_registry
from tvec.settings import Settings
from tvec.store.models import utcnow
from tvec.store.models.alerts import CHANNELS, AlertRoute
from tvec.views.alerts import RouteView

#: An e-mail address as the platform registry checks it (no display names).
EMAIL_ADDRESS = re.compile(r"^[^@\s,<>]+@[^@\s,<>]+\.[^@\s,<>]+$")
#: An environment variable name (POSIX portable characters).
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Longest batching window (seconds): 30 days. Also the bound of ``TVEC_ALERT_BATCH_SECONDS``.
MAX_BATCH_SECONDS = 30 * 86400.0


def bounded_window(seconds: float) -> float:
    """A batching window (seconds) clamped to ``0..MAX_BATCH_SECONDS``, so that turning it
    into a ``timedelta`` never overflows: negative gives 0, larger or not finite (a value
    stored before the limits were checked) gives :data:`MAX_BATCH_SECONDS`."""
    if not math.isfinite(seconds) or seconds > MAX_BATCH_SECONDS:
        return MAX_BATCH_SECONDS
    return max(seconds, 0.0)


@dataclass(frozen=True)
class Route:
    """Where one platform's alerts go.

    Attributes:
        platform: the platform's name as in the registry (``Telegram``).
        channel: ``email``, ``webhook`` or ``csv``.
        target: comma-separated addresses (email), an http(s) URL (webhook) or a folder
            (csv; ``""`` means ``TVEC_ALERT_CSV_DIR``, default ``HOME/alerts``).
        secret_env: webhook only: the environment variable holding the HMAC key
            (``None``: ``TVEC_ALERT_WEBHOOK_SECRET``).
        batch_seconds: the platform's batching window in seconds (``None``: the default
            ``TVEC_ALERT_BATCH_SECONDS``).
        origin: ``route`` (an ``alert_route`` row) or ``registry`` (the abuse e-mail).
    """

    platform: str
    channel: str
    target: str
    secret_env: str | None = None
    batch_seconds: float | None = None
    origin: str = "route"

    @property
    def recipients(self) -> list[str]:
        """E-mail recipients (email routes), in the order given."""
        return [a.strip() for a in self.target.split(",") if a.strip()]

    def window_seconds(self, settings: Settings) -> float:
        """The batching window in force (seconds, within ``0..MAX_BATCH_SECONDS``, see
        :func:`bounded_window`)."""
        window = settings.alert_batch_seconds if self.batch_seconds is None else self.batch_seconds
        return bounded_window(window)

    def folder(self, settings: Settings) -> Path:
        """Folder of CSV digests (csv routes): the target, or ``settings.alerts_dir``."""
        return Path(self.target) if self.target else settings.alerts_dir

    def view(self) -> RouteView:
        """The route as a result model (``tvec alert route list --json``)."""
        return RouteView(
            platform=self.platform,
            channel=self.channel,
            target=self.target,
            secret_env=self.secret_env,
            batch_seconds=self.batch_seconds,
            origin=self.origin,
        )


@dataclass(frozen=True)
class RouteLookup:
    """A platform's route, or why it has none (``reason``)."""

    route: Route | None
    reason: str | None = None


class RouteBook:
    """Every route in force, read once: the ``alert_route`` rows over the registry.

    Build with :meth:`load`; :meth:`lookup` answers per platform name (any case).
    """

    def __init__(self, registry: PlatformRegistry, rows: list[AlertRoute]) -> None:
        self.registry = registry
        self._rows = {row.platform.casefold(): row for row in rows}

    @classmethod
    def load(cls, session: Session) -> RouteBook:
        """The registry with the database's platform rows, and the route rows."""
        return cls(load_registry(session), list(session.scalars(select(AlertRoute))))

    def platform(self, name: str) -> Platform | None:
        """The registry's platform called ``name`` (any case), if any."""
        try:
            return find_platform(self.registry, name)
        except NotFoundError:
            return None

    def lookup(self, platform: str | None) -> RouteLookup:
        """The route of ``platform`` (a platform name, ``None`` for an unknown domain)."""
        if platform is None:
            return RouteLookup(None, "no platform (the URL's domain is not in the registry)")
        row = self._rows.get(platform.casefold())
        if row is not None:
            if not row.enabled:
                return RouteLookup(None, f"the route of {row.platform} is disabled")
            return RouteLookup(_route_of_row(row))
        found = self.platform(platform)
        if found is not None and found.abuse_email:
            return RouteLookup(Route(found.name, "email", found.abuse_email, origin="registry"))
        form = found.report_url if found is not None else None
        reason = f"no reporting route for {platform}"
        if form:
            reason += f" (report by hand: {form}; or set one with 'tvec alert route set')"
        else:
            reason += " (set one with 'tvec alert route set')"
        return RouteLookup(None, reason)


def _route_of_row(row: AlertRoute) -> Route:
    return Route(
        platform=row.platform,
        channel=row.channel,
        target=row.target,
        secret_env=row.secret_env,
        batch_seconds=row.batch_seconds,
        origin="route",
    )


def check_route(
    channel: str,
    target: str,
    secret_env: str | None,
    batch_seconds: float | None,
    allow_hosts: Sequence[str] = (),
) -> str:
    """Check a route's fields and return the target in stored form.

    Rules: ``channel`` is one of :data:`~tvec.store.models.alerts.CHANNELS`; an email target is
    one or more comma-separated addresses; a webhook target an http(s) URL with a host that
    :func:`tvec.net.webhook.check_outbound_url` accepts (no private, loopback, link-local
    or reserved address unless ``allow_hosts``, ``TVEC_OUTBOUND_ALLOW_HOSTS``, lists it; a
    host that does not resolve now is accepted and checked again at every delivery); a csv
    target a folder, stored as an absolute path (``~`` expanded, resolved against the
    current folder), or ``""`` for ``TVEC_ALERT_CSV_DIR``; ``secret_env`` only for
    webhooks, a valid variable name; ``batch_seconds`` finite, from 0 to
    :data:`MAX_BATCH_SECONDS` (30 days).

    Raises:
        UsageError: naming the field, the value and what is wrong.
    """
    if channel not in CHANNELS:
        raise UsageError(f"unknown alert channel {channel!r} (known: {', '.join(CHANNELS)})")
    target = target.strip()
    if channel == "email":
        addresses = [a.strip() for a in target.split(",") if a.strip()]
        if not addresses:
            raise UsageError("an e-mail route needs at least one address")
        for address in addresses:
            if not EMAIL_ADDRESS.match(address):
                raise UsageError(f"{address!r} is not an e-mail address")
        target = ",".join(addresses)
    elif channel == "webhook":
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"webhook URL {target!r} must be http(s) with a host")
        try:
            check_outbound_url(target, list(allow_hosts))
        except BlockedAddressError as exc:
            raise UsageError(f"webhook URL {target!r} is refused: {exc}") from None
        except FetchError:
            pass  # does not resolve now: checked again at every delivery
    elif channel == "csv" and target:
        target = str(Path(target).expanduser().resolve())
    if secret_env is not None:
        if channel != "webhook":
            raise UsageError("--secret-env is only for webhook routes")
        if not ENV_NAME.match(secret_env):
            raise UsageError(f"{secret_env!r} is not an environment variable name")
    if batch_seconds is not None and not (
        math.isfinite(batch_seconds) and 0 <= batch_seconds <= MAX_BATCH_SECONDS
    ):
        raise UsageError(
            f"--batch-seconds must be a number of seconds from 0 to {MAX_BATCH_SECONDS:.0f} "
            f"(30 days), got {batch_seconds}"
        )
    return target


def _row_json(row: AlertRoute | None) -> dict[str, Any] | None:
    return None if row is None else _route_of_row(row).view().model_dump(mode="json")


def set_route(
    session: Session,
    platform: str,
    *,
    channel: str,
    target: str,
    actor: str,
    secret_env: str | None = None,
    batch_seconds: float | None = None,
    settings: Settings,
    now: datetime | None = None,
) -> Route:
    """Set (create or replace) the route of ``platform`` and record it in the audit log.

    Args:
        platform: a platform name of the registry (any case).
        channel, target, secret_env, batch_seconds: see :class:`Route` and
            :func:`check_route` (a csv folder is stored as an absolute path).
        actor: who sets it (``cli``, a username).
        settings: for ``TVEC_OUTBOUND_ALLOW_HOSTS`` (webhook routes).

    Raises:
        NotFoundError: no such platform.
        UsageError: a field is invalid (see :func:`check_route`).
    """
    now = now or utcnow()
    name = find_platform(load_registry(session), platform).name
    allow = settings.outbound_allow_hosts if channel == "webhook" else []
    target = check_route(channel, target, secret_env, batch_seconds, allow)
    row = session.scalars(select(AlertRoute).where(AlertRoute.platform == name)).one_or_none()
    old = _row_json(row)
    if row is None:
        row = AlertRoute(platform=name, created_at=now)
        session.add(row)
    row.channel, row.target, row.secret_env = channel, target, secret_env
    row.batch_seconds, row.enabled, row.updated_at = batch_seconds, True, now
    session.flush()
    route = _route_of_row(row)
    record_event(
        session,
        actor,
        AlertRouteChanged(
            platform=name, action="set", old=old, new=route.view().model_dump(mode="json")
        ),
    )
    return route


def remove_route(session: Session, platform: str, *, actor: str) -> None:
    """Remove the route row of ``platform`` (its default route, if any, applies again).

    Raises:
        NotFoundError: the platform has no route row.
    """
    wanted = platform.strip().casefold()
    row = next(
        (r for r in session.scalars(select(AlertRoute)) if r.platform.casefold() == wanted), None
    )
    if row is None:
        raise NotFoundError(
            f"platform {platform!r} has no alert route (see 'tvec alert route list')"
        )
    old = _row_json(row)
    session.delete(row)
    record_event(
        session,
        actor,
        AlertRouteChanged(platform=row.platform, action="remove", old=old, new=None),
    )


def list_routes(session: Session, *, include_defaults: bool = False) -> list[Route]:
    """The route rows (by platform name); with ``include_defaults`` also every platform
    whose route is its registry abuse e-mail."""
    rows = list(session.scalars(select(AlertRoute).order_by(AlertRoute.platform)))
    routes = [_route_of_row(row) for row in rows]
    if include_defaults:
        set_names = {row.platform.casefold() for row in rows}
        for platform in load_registry(session).platforms:
            if platform.abuse_email and platform.name.casefold() not in set_names:
                routes.append(
                    Route(platform.name, "email", platform.abuse_email, origin="registry")
                )
        routes.sort(key=lambda r: r.platform.casefold())
    return routes
