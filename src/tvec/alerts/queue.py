"""Queueing alerts: one alert per alertable attributed URL that has a route and no alert yet
(the ``alert`` table's unique idempotency key and out-link: at most one alert per URL, ever).

Every entry point first checks the inclusion policy
(:func:`~tvec.entities.policy.check_inclusion_policy`): an empty one, or one naming a key
the entity registry does not know, is a ConfigError before anything is done.
"""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from tvec.alerts.compose import alert_reference, idempotency_key
from tvec.alerts.routes import Route, RouteBook
from tvec.entities.policy import check_inclusion_policy
from tvec.entities.resolve import entity_registry
from tvec.errors import NotFoundError
from tvec.platforms.overrides import find_platform, load_registry
from tvec.settings import Settings
from tvec.store.db import Store
from tvec.store.models import Outlink, utcnow
from tvec.store.models.alerts import Alert, Attribution
from tvec.verification.alertability import alertable_reason
from tvec.views.alerts import NotAlertableView

#: How long (seconds) a batch being delivered stays claimed by one run.


#: A verified URL that gets no alert, and why (a result model).
NotAlertable = NotAlertableView


def platform_name(session: Session, platform: str) -> str:
    """The name of ``platform`` (any case) as the platform registry spells it, or as an
    alert row does (a platform removed from the registry since).

    Raises:
        NotFoundError: neither the registry nor any alert knows the name.
    """
    try:
        return find_platform(load_registry(session), platform).name
    except NotFoundError:
        wanted = platform.strip().casefold()
        for name in session.scalars(select(Alert.platform).distinct()):
            if name.casefold() == wanted:
                return name
        raise


def check_policy(settings: Settings, store: Store | None = None) -> None:
    """Refuse an unusable inclusion policy (keys checked against the registry in force,
    imported lists included when ``store`` is given).

    Raises:
        ConfigError: see :func:`tvec.entities.policy.check_inclusion_policy`.
    """
    if store is None:
        check_inclusion_policy(entity_registry(settings), settings)
        return
    with store.session() as session:
        check_inclusion_policy(entity_registry(settings, session), settings)


def check_platform(store: Store, platform: str | None) -> None:
    if platform is not None:
        with store.session() as session:
            platform_name(session, platform)


def _unalerted(
    session: Session, settings: Settings
) -> Iterator[tuple[Attribution, Outlink, Route | None, str | None]]:
    """Each attributed URL without an alert, with its route and why it gets no alert
    (``None``: it is alertable): not in the inclusion policy, no platform, or no route."""
    registry = entity_registry(settings, session)
    book = RouteBook.load(session)
    rows = session.execute(
        select(Attribution, Outlink)
        .join(Outlink, Attribution.outlink_id == Outlink.id)
        .where(~exists().where(Alert.outlink_id == Attribution.outlink_id))
        .order_by(Attribution.id)
    )
    for attribution, outlink in rows:
        reason = alertable_reason(attribution, registry, settings)
        if reason is None and outlink.platform is None:
            domain = outlink.registrable_domain or outlink.host or "unknown"
            reason = f"no platform: the domain {domain} is not in the platform registry"
        found = book.lookup(outlink.platform) if reason is None else None
        if found is not None and found.route is None:
            reason = found.reason
        yield attribution, outlink, found.route if found else None, reason


def queue_alerts(session: Session, settings: Settings, now: datetime | None = None) -> list[Alert]:
    """Queue one alert per alertable attributed URL that has a route and no alert yet.

    Alertable: the attribution's entity is in the inclusion policy
    (:func:`~tvec.verification.alertability.alertable_reason`) and the URL's platform has a route
    (:class:`~tvec.alerts.routes.RouteBook`). Returns the new alerts (flushed).
    """
    now = now or utcnow()
    queued: list[Alert] = []
    for attribution, outlink, route, reason in list(_unalerted(session, settings)):
        if reason is not None or route is None:
            continue
        key = idempotency_key(outlink.url)
        alert = Alert(
            reference=alert_reference(key),
            idempotency_key=key,
            outlink_id=outlink.id,
            url=outlink.url,
            platform=route.platform,
            channel=route.channel,
            recipient=route.target,
            entity=attribution.entity,
            content_kind=attribution.content_kind,
            graphic=attribution.graphic,
            status="queued",
            attempts=0,
            created_at=now,
        )
        session.add(alert)
        queued.append(alert)
    session.flush()
    return queued


def not_alertable(session: Session, settings: Settings) -> list[NotAlertable]:
    """Attributed URLs without an alert that none would be queued for, with the reason:
    not in the inclusion policy, no platform, or no reporting route."""
    return [
        NotAlertable(
            url=outlink.url, platform=outlink.platform, entity=attribution.entity, reason=reason
        )
        for attribution, outlink, _route, reason in _unalerted(session, settings)
        if reason is not None
    ]
