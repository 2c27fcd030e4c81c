"""Alertability: whether an attributed URL may be alerted (its entity in the inclusion policy),
and the out-links of a case's item tree with their attribution, alert and takedown (the case
page's "Out-links" section)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.entities import EntityRegistry
from tvec.entities.policy import check_inclusion_policy
from tvec.entities.resolve import entity_registry
from tvec.errors import ConfigError, NotFoundError
from tvec.settings import Settings
from tvec.store.models import Alert, Attribution, Item, Outlink, OutlinkSighting, Takedown
from tvec.verification.trees import is_home_page, item_tree


def alertable_reason(
    attribution: Attribution, registry: EntityRegistry, settings: Settings
) -> str | None:
    """Why an attribution does not make its URL alertable, or ``None`` when it does.

    The entity must be in the registry and in the inclusion policy
    (:meth:`EntityRegistry.in_policy` with ``TVEC_INCLUSION_POLICY``). The platform and its
    route are checked by the alert service.

    Raises:
        ConfigError: the inclusion policy is not usable (:func:`check_inclusion_policy`).
    """
    policy = set(check_inclusion_policy(registry, settings))
    if attribution.entity not in registry:
        return f"entity {attribution.entity!r} is not in the entity registry"
    if not registry.in_policy(attribution.entity, policy):
        return (
            f"entity {attribution.entity} is not in the inclusion policy "
            f"({', '.join(settings.inclusion_policy)})"
        )
    return None


@dataclass(frozen=True)
class TreeOutlink:
    """One out-link sighted in an item tree (:func:`outlinks_of_item_tree`) with what tvec
    knows of it: its attribution, alert and takedown (``None`` where there is none).

    The rows are the session's own objects: read them while it is open. ``item_ids`` are
    the tree's items the URL was sighted in (ascending). ``home_page`` is
    :func:`is_home_page` (a person attributes one only with ``whole_site``).
    ``not_alertable`` says why the URL is not alertable (``None`` when it is): no
    attribution, the reason of :func:`alertable_reason`, or the :class:`ConfigError`
    message of an unusable inclusion policy.
    """

    outlink_id: int
    url: str
    platform: str | None
    item_ids: tuple[int, ...]
    home_page: bool
    attribution: Attribution | None
    alert: Alert | None
    takedown: Takedown | None
    not_alertable: str | None

    @property
    def alertable(self) -> bool:
        """Whether the attribution makes the URL alertable (entity in the policy)."""
        return self.not_alertable is None

    @property
    def by_person(self) -> bool:
        """Whether a person attributed the URL (tvec never overwrites that)."""
        return self.attribution is not None and self.attribution.method == "person"


def _not_alertable(
    attribution: Attribution | None, registry: EntityRegistry, settings: Settings
) -> str | None:
    if attribution is None:
        return "not attributed to an entity"
    try:
        return alertable_reason(attribution, registry, settings)
    except ConfigError as exc:
        return str(exc)


def outlinks_of_item_tree(
    session: Session, item_id: int, *, settings: Settings
) -> list[TreeOutlink]:
    """Every out-link sighted in an item's tree (the item, its parent and its children:
    the tree a ``remove`` decision attributes), by URL, with its attribution, alert and
    takedown, and whether it is alertable.

    Home pages are listed too (flagged ``home_page``); nothing is written.

    Args:
        item_id: the item (a review case's ``item_id``).
        settings: for the entity registry (``TVEC_ENTITIES_FILE``) and the inclusion policy
            (``TVEC_INCLUSION_POLICY``).

    Raises:
        NotFoundError: there is no item ``item_id``.
    """
    if session.get(Item, item_id) is None:
        raise NotFoundError(f"no item {item_id}")
    _, tree = item_tree(session, item_id)
    sighted_in: dict[int, set[int]] = defaultdict(set)
    for outlink_id, sighting_item in session.execute(
        select(OutlinkSighting.outlink_id, OutlinkSighting.item_id).where(
            OutlinkSighting.item_id.in_([item.id for item in tree])
        )
    ):
        sighted_in[outlink_id].add(sighting_item)
    if not sighted_in:
        return []
    rows = session.execute(
        select(Outlink, Attribution, Alert, Takedown)
        .outerjoin(Attribution, Attribution.outlink_id == Outlink.id)
        .outerjoin(Alert, Alert.outlink_id == Outlink.id)
        .outerjoin(Takedown, Takedown.outlink_id == Outlink.id)
        .where(Outlink.id.in_(list(sighted_in)))
        .order_by(Outlink.url, Outlink.id)
    ).all()
    registry = entity_registry(settings, session)
    return [
        TreeOutlink(
            outlink_id=outlink.id,
            url=outlink.url,
            platform=outlink.platform,
            item_ids=tuple(sorted(sighted_in[outlink.id])),
            home_page=is_home_page(outlink.url),
            attribution=attribution,
            alert=alert,
            takedown=takedown,
            not_alertable=_not_alertable(attribution, registry, settings),
        )
        for outlink, attribution, alert, takedown in rows
    ]
