"""Verification before alerting: attributing a URL to an entity of the entity registry.

A URL becomes alertable only through an :class:`~tvec.store.models.alerts.Attribution` whose entity
is in the inclusion policy (:func:`alertable_reason`). Attributions come from three places:

* a person: :func:`attribute_url` (``tvec alert verify``), method ``person``;
* a reviewer's ``remove`` decision on a case whose entity is known: every out-link sighted
  in the case's item tree (the item, its parent and its children), method ``decision``;
* the rule the admin enables with ``TVEC_ALERT_VERIFIED_BANKS``: a match of an item against
  an entry with an entity label in one of those banks attributes the out-links sighted in
  that item's tree, method ``rule``, rule ``verified-bank:<bank>``.

The last two are made by :func:`sync_attributions`. Precedence: a person's attribution is
never overwritten by tvec, a decision's never by a rule; a decision replaces a rule's. Every
new or changed attribution is recorded in the audit log (``url.attribute``) with the old and
new values.

Entity labels of bank entries and cases are names as imported (``Islamic State``, TCAP's
group names) or registry ids; :func:`entity_for_label` maps them to registry ids (an id, or a
name/alias/outlet name that matches exactly one entity in the normalised match form).

:func:`outlinks_of_item_tree` lists the out-links of a case's item tree with their
attribution, alert and takedown (the case page's "Out-links" section).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tvec.store.models.alerts import ATTRIBUTION_METHODS, CONTENT_KINDS, Alert, Attribution, Takedown
from tvec.text.normalize import normalize
from tvec.audit import AuditKind, record
from tvec.store.models.cases import Decision, ReviewCase
from tvec.outlinks.sightings import outlink_for
from tvec.entities import Entity, EntityRegistry, load_entities
from tvec.errors import ConfigError, InvalidSignalError, NotFoundError, UsageError
from tvec.outlinks.canonical import canonicalize_url
from tvec.settings import Settings, load_settings
from tvec.store.models import Bank, BankEntry, Item, Match, Outlink, OutlinkSighting, utcnow
from tvec.text.check import check_text

#: Methods in order of precedence: a later one never replaces an earlier one's attribution.
_PRECEDENCE = {"person": 0, "decision": 1, "rule": 2}

#: Media types (MIME prefixes or exact) of documents and archives, for content kinds.
_DOCUMENT_TYPES = (
    "application/pdf",
    "application/msword",
    "application/rtf",
    "application/epub+zip",
    "application/vnd.openxmlformats-officedocument",
    "application/vnd.oasis.opendocument",
    "application/vnd.ms-",
)
_ARCHIVE_TYPES = (
    "application/zip",
    "application/x-rar",
    "application/vnd.rar",
    "application/x-7z-compressed",
    "application/gzip",
    "application/x-tar",
    "application/x-bzip2",
    "application/x-xz",
)
#: Content kinds inferred from media, most telling first.
_MEDIA_KINDS = ("video", "image", "audio", "document", "archive")


def entity_registry(settings: Settings) -> EntityRegistry:
    """The entity registry in force: the packaged one plus ``TVEC_ENTITIES_FILE``."""
    return load_entities(settings.entities_file)


def _match_form(text: str) -> str:
    return normalize(text).text.replace(" ", "")


def _exact_entities(registry: EntityRegistry, label: str) -> list[Entity]:
    key = _match_form(label)
    if not key:
        return []
    found: list[Entity] = []
    for entity in registry.search(label):
        aliases = (*entity.all_aliases(), *(a for o in entity.outlets for a in o.all_aliases()))
        if any(_match_form(alias.text) == key for alias in aliases):
            found.append(entity)
    return found


def entity_for_label(registry: EntityRegistry, label: str | None) -> Entity | None:
    """The registry entity a label names: an entity id, or a name, alias or outlet name
    matching exactly one entity (compared in the match form of
    :func:`tvec.text.normalize.normalize`, spaces removed). ``None`` when the label
    names no entity or several."""
    if not label or not label.strip():
        return None
    label = label.strip()
    if label in registry:
        return registry.get(label)
    found = _exact_entities(registry, label)
    return found[0] if len(found) == 1 else None


def resolve_entity(registry: EntityRegistry, label: str) -> Entity:
    """Like :func:`entity_for_label`, but explain a failure.

    Raises:
        UsageError: no entity has that id, name or alias, or several do (the message names
            them).
    """
    found = entity_for_label(registry, label)
    if found is not None:
        return found
    several = _exact_entities(registry, label.strip())
    if len(several) > 1:
        ids = ", ".join(e.id for e in several)
        raise UsageError(f"entity {label!r} is ambiguous: it names {ids}; give the id")
    raise UsageError(
        f"no entity {label!r} in the entity registry (give an entity id or exact name)"
    )


def canonical_url(url: str) -> str:
    """The canonical form of ``url`` (:func:`tvec.outlinks.canonical.canonicalize_url`).

    Raises:
        UsageError: ``url`` is not an http(s) or ftp URL.
    """
    try:
        return canonicalize_url(url)
    except InvalidSignalError as exc:
        raise UsageError(f"{url!r} is not a URL: {exc.problem}") from None


def find_or_add_outlink(session: Session, url: str, now: datetime | None = None) -> Outlink:
    """The ``outlink`` row of ``url`` (canonicalised), created with its platform if missing.

    A URL first met here (typed by a person, never sighted) is first seen ``now``.

    Raises:
        UsageError: ``url`` is not a URL.
    """
    return outlink_for(session, canonical_url(url), now=now)


def _values(attribution: Attribution | None) -> dict[str, Any] | None:
    if attribution is None:
        return None
    return {
        "entity": attribution.entity,
        "content_kind": attribution.content_kind,
        "graphic": attribution.graphic,
        "method": attribution.method,
        "attributed_by": attribution.attributed_by,
        "rule": attribution.rule,
        "case_id": attribution.case_id,
        "note": attribution.note,
    }


def _store(
    session: Session,
    outlink: Outlink,
    current: Attribution | None,
    actor: str,
    values: dict[str, Any],
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> Attribution:
    """Create or update the outlink's attribution, carry it to a queued alert, audit it
    (``extra``: more keys of the audit event's data)."""
    old = _values(current)
    if current is None:
        current = Attribution(outlink_id=outlink.id, created_at=now)
        session.add(current)
    for key, value in values.items():
        setattr(current, key, value)
    current.updated_at = now
    session.flush()
    queued = session.scalars(
        select(Alert).where(Alert.outlink_id == outlink.id, Alert.status == "queued")
    ).one_or_none()
    if queued is not None:  # not sent yet: it says what the attribution now says
        queued.entity = current.entity
        queued.content_kind = current.content_kind
        queued.graphic = current.graphic
    record(
        session,
        actor,
        AuditKind.ATTRIBUTION,
        f"outlink:{outlink.id}",
        {"url": outlink.url, "old": old, "new": _values(current), **(extra or {})},
    )
    return current


def attribute_url(
    session: Session,
    url: str,
    entity: str,
    *,
    actor: str,
    content_kind: str = "other",
    graphic: bool = False,
    note: str | None = None,
    method: str = "person",
    rule: str | None = None,
    case_id: int | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
    whole_site: bool = False,
) -> Attribution:
    """Attribute ``url`` to ``entity``: the verification an alert needs (audit-logged).

    Stores or updates the one attribution of the URL's out-link (created, with its platform,
    if the URL was never sighted); a queued alert of the URL takes the new values.

    A site's home page (:func:`is_home_page`: ``https://t.me/``, ``https://youtube.com``)
    names a whole site, not a piece of content, and is refused unless ``whole_site`` is
    true: for a site that is itself the group's (its own website), where the alert asks to
    take down the site.

    Args:
        url: any URL :func:`~tvec.outlinks.canonical.canonicalize_url` accepts.
        entity: an entity id, or a name/alias naming exactly one registry entity.
        actor: who attributes (``cli``, a username); stored as ``attributed_by``.
        content_kind: one of :data:`~tvec.store.models.alerts.CONTENT_KINDS`.
        graphic: the content is graphic (alerts carry a warning).
        method: one of :data:`~tvec.store.models.alerts.ATTRIBUTION_METHODS`.
        rule: the rule's name (method ``rule``).
        case_id: the review case the attribution comes from, if any.
        settings: for the entity registry (``TVEC_ENTITIES_FILE``); default from the
            environment.
        whole_site: accept a site's home page (``tvec alert verify --whole-site``); the
            audit event then says ``whole_site: true``.

    Raises:
        UsageError: not a URL; a home page without ``whole_site``; unknown or ambiguous
            entity; unknown content kind or method; a note with control characters or
            over :data:`MAX_NOTE` characters.

    Attributing a URL again with exactly the same values changes nothing and records no
    audit event (a double submit of the web form).
    """
    if content_kind not in CONTENT_KINDS:
        raise UsageError(
            f"unknown content kind {content_kind!r} (known: {', '.join(CONTENT_KINDS)})"
        )
    if method not in ATTRIBUTION_METHODS:
        raise UsageError(f"unknown method {method!r} (known: {', '.join(ATTRIBUTION_METHODS)})")
    canonical = canonical_url(url)
    if is_home_page(canonical) and not whole_site:
        raise UsageError(
            f"{url!r} is the home page of {urlsplit(canonical).hostname}: an alert names a "
            "post, video or file, not a whole site; give the content's URL, or pass "
            "--whole-site (whole_site=True) if the site itself is the group's own website"
        )
    note = _checked_note(note)
    now = now or utcnow()
    found = resolve_entity(entity_registry(settings or load_settings()), entity)
    outlink = outlink_for(session, canonical, now=now)
    current = session.scalars(
        select(Attribution).where(Attribution.outlink_id == outlink.id)
    ).one_or_none()
    values = {
        "entity": found.id,
        "content_kind": content_kind,
        "graphic": graphic,
        "method": method,
        "attributed_by": actor,
        "rule": rule,
        "case_id": case_id,
        "note": note,
    }
    if current is not None and all(getattr(current, k) == v for k, v in values.items()):
        return current  # the same attribution again (a double submit): nothing changes
    extra = {"whole_site": True} if whole_site and is_home_page(canonical) else None
    return _store(session, outlink, current, actor, values, now, extra)


#: Longest note of an attribution (characters).
MAX_NOTE = 2000


def _checked_note(note: str | None) -> str | None:
    """``note`` stripped, None when blank; otherwise checked by
    :func:`tvec.text.check.check_text` (at most :data:`MAX_NOTE` characters, no control
    characters but tab and line breaks).

    Raises:
        UsageError: naming the problem.
    """
    if note is None or not note.strip():
        return None
    return check_text(note, "the note", MAX_NOTE, multiline=True)


# --- content kinds ----------------------------------------------------------------------------


def item_content_kind(item: Item) -> str:
    """The content kind (:data:`~tvec.store.models.alerts.CONTENT_KINDS`) of one item's media."""
    if item.content_type == "photo":
        return "image"
    if item.content_type == "video":
        return "video"
    if item.content_type == "text":
        return "text"
    media = (item.media_type or "").lower()
    for prefix, kind in (("video/", "video"), ("image/", "image"), ("audio/", "audio")):
        if media.startswith(prefix):
            return kind
    if media.startswith(_DOCUMENT_TYPES) or media.startswith("text/"):
        return "document"
    if media.startswith(_ARCHIVE_TYPES):
        return "archive"
    return "other"


def infer_content_kind(anchor: Item, tree: Iterable[Item]) -> str:
    """The content kind an alert names for URLs sighted in ``anchor``'s tree.

    The anchor's (the case's or matched item's) own media kind when it is media; else the
    most telling media kind in the tree (video, image, audio, document, archive); else
    ``text`` when the anchor is text; else ``other``.
    """
    own = item_content_kind(anchor)
    if own in _MEDIA_KINDS:
        return own
    kinds = {item_content_kind(item) for item in tree}
    for kind in _MEDIA_KINDS:
        if kind in kinds:
            return kind
    return own if own == "text" else "other"


# --- derived attributions ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Derived:
    outlink_id: int
    entity: str
    content_kind: str
    method: str
    attributed_by: str
    rule: str | None
    case_id: int | None
    note: str


def _tree(session: Session, item_id: int) -> tuple[Item, list[Item]]:
    """An item, and its tree: itself, its parent and its children."""
    item = session.get_one(Item, item_id)
    tree = [item]
    if item.parent_id is not None:
        tree.append(session.get_one(Item, item.parent_id))
    tree.extend(session.scalars(select(Item).where(Item.parent_id == item.id).order_by(Item.id)))
    return item, tree


def is_home_page(url: str) -> bool:
    """Whether ``url`` is a site's home page (no path beyond ``/``, no query, no fragment).

    A post that names a site ("mirror on rumble dot com") yields its home page as an
    out-link; a home page is never the content, so rules and decisions do not attribute it
    (a person still may, with :func:`attribute_url` and ``whole_site=True``).
    """
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query and not parts.fragment


def _sighted(session: Session, items: Sequence[Item]) -> list[int]:
    """Ids of the out-links sighted in ``items``, home pages left out (:func:`is_home_page`)."""
    ids = [item.id for item in items]
    rows = session.execute(
        select(Outlink.id, Outlink.url)
        .join(OutlinkSighting, OutlinkSighting.outlink_id == Outlink.id)
        .where(OutlinkSighting.item_id.in_(ids))
    )
    return sorted({outlink_id for outlink_id, url in rows if not is_home_page(url)})


def _decision_in_force(decision: Decision) -> bool:
    """A removal that is still the case's last word: its latest decision, not overturned."""
    case = decision.case
    if not case.decisions or case.decisions[-1].id != decision.id:
        return False
    return not any(appeal.status == "overturned" for appeal in decision.appeals)


def _removals_in_force(session: Session) -> list[Decision]:
    """Every ``remove`` decision that is still its case's last word."""
    decisions = session.scalars(
        select(Decision)
        .where(Decision.outcome == "remove")
        .order_by(Decision.decided_at, Decision.id)
        .options(
            selectinload(Decision.case).selectinload(ReviewCase.decisions),
            selectinload(Decision.appeals),
        )
    )
    return [d for d in decisions if _decision_in_force(d)]


def _from_decisions(
    session: Session, registry: EntityRegistry, removals: Sequence[Decision]
) -> Iterable[_Derived]:
    for decision in removals:
        case = decision.case
        entity = entity_for_label(registry, case.entity)
        if entity is None:
            continue
        anchor, tree = _tree(session, case.item_id)
        kind = infer_content_kind(anchor, tree)
        for outlink_id in _sighted(session, tree):
            yield _Derived(
                outlink_id,
                entity.id,
                kind,
                "decision",
                decision.reviewer,
                None,
                case.id,
                f"remove decision {decision.id} on case {case.id}",
            )


def _from_verified_banks(
    session: Session, registry: EntityRegistry, banks: Sequence[str]
) -> Iterable[_Derived]:
    if not banks:
        return
    rows = session.execute(
        select(Match.id, Match.item_id, BankEntry.entity, Bank.name)
        .join(BankEntry, Match.bank_entry_id == BankEntry.id)
        .join(Bank, BankEntry.bank_id == Bank.id)
        .where(Bank.name.in_(list(banks)), BankEntry.entity.is_not(None))
        .order_by(Match.id)
    )
    trees: dict[int, tuple[str, list[int]]] = {}
    for match_id, item_id, label, bank in rows:
        entity = entity_for_label(registry, label)
        if entity is None:
            continue
        if item_id not in trees:
            anchor, tree = _tree(session, item_id)
            trees[item_id] = (infer_content_kind(anchor, tree), _sighted(session, tree))
        kind, outlink_ids = trees[item_id]
        for outlink_id in outlink_ids:
            yield _Derived(
                outlink_id,
                entity.id,
                kind,
                "rule",
                "rule",
                f"verified-bank:{bank}",
                None,
                f"match {match_id} in verified bank {bank}",
            )


def _withdraw(session: Session, attribution: Attribution, reason: str) -> None:
    """Remove an attribution whose ground is gone; an unsent alert of its URL goes too."""
    outlink = session.get_one(Outlink, attribution.outlink_id)
    queued = session.scalars(
        select(Alert).where(Alert.outlink_id == outlink.id, Alert.status == "queued")
    ).one_or_none()
    if queued is not None and queued.attempts == 0:
        session.delete(queued)
    elif queued is not None:  # attempts are on record: keep the alert, never send it
        queued.status, queued.next_attempt_at = "failed", None
        queued.last_error = f"attribution withdrawn: {reason}"
    old = _values(attribution)
    session.delete(attribution)
    session.flush()
    record(
        session,
        "tvec",
        AuditKind.ATTRIBUTION,
        f"outlink:{outlink.id}",
        {"url": outlink.url, "old": old, "new": None, "reason": reason},
    )


def sync_attributions(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Derive attributions from reviewers' removals and the verified-bank rule.

    See the module docstring for the sources and the precedence. An attribution made from a
    decision that is no longer in force (overturned on appeal, or followed by another
    decision) is withdrawn, with the URL's alert if it was not sent yet. Running it again
    changes nothing. Returns how many attributions were created, replaced or withdrawn (each
    recorded in the audit log, actor ``tvec``).
    """
    now = now or utcnow()
    registry = entity_registry(settings)
    removals = _removals_in_force(session)
    in_force = {d.case_id for d in removals}
    changed = 0
    stale = session.scalars(
        select(Attribution).where(
            Attribution.method == "decision", Attribution.case_id.is_not(None)
        )
    )
    for attribution in list(stale):
        if attribution.case_id not in in_force:
            reason = f"the removal decision on case {attribution.case_id} is no longer in force"
            _withdraw(session, attribution, reason)
            changed += 1
    chosen: dict[int, _Derived] = {}
    for derived in (
        *_from_decisions(session, registry, removals),
        *_from_verified_banks(session, registry, settings.alert_verified_banks),
    ):
        best = chosen.get(derived.outlink_id)
        if best is None or _PRECEDENCE[derived.method] < _PRECEDENCE[best.method]:
            chosen[derived.outlink_id] = derived
    if not chosen:
        return changed
    existing = {
        a.outlink_id: a
        for a in session.scalars(
            select(Attribution).where(Attribution.outlink_id.in_(list(chosen)))
        )
    }
    for outlink_id, derived in sorted(chosen.items()):
        current = existing.get(outlink_id)
        if current is not None and _PRECEDENCE[current.method] <= _PRECEDENCE[derived.method]:
            continue
        values = {
            "entity": derived.entity,
            "content_kind": derived.content_kind,
            "graphic": False,
            "method": derived.method,
            "attributed_by": derived.attributed_by,
            "rule": derived.rule,
            "case_id": derived.case_id,
            "note": derived.note,
        }
        _store(session, session.get_one(Outlink, outlink_id), current, "tvec", values, now)
        changed += 1
    return changed


@functools.lru_cache(maxsize=8)
def policy_keys(registry: EntityRegistry) -> frozenset[str]:
    """Every key an inclusion policy may name: the jurisdictions (``UK``) and list keys
    (``US-FTO``) of the registry's designations (packaged ones and ``TVEC_ENTITIES_FILE``'s)."""
    return frozenset(
        key
        for entity in registry
        for d in entity.designations
        for key in (d.jurisdiction, d.list_key)
    )


def check_inclusion_policy(registry: EntityRegistry, settings: Settings) -> frozenset[str]:
    """The inclusion policy (``TVEC_INCLUSION_POLICY``) as a set, once it is known to be
    usable: not empty, and every key a jurisdiction or list key of :func:`policy_keys`.

    Raises:
        ConfigError: the policy is empty, or names keys the registry does not know (the
            message names them and the known keys).
    """
    known = policy_keys(registry)
    listed = ", ".join(sorted(known))
    if not settings.inclusion_policy:
        raise ConfigError(
            "TVEC_INCLUSION_POLICY is empty: no entity is in scope, so no URL can be alerted; "
            f"list jurisdictions and/or list keys (known: {listed})"
        )
    unknown = [key for key in settings.inclusion_policy if key not in known]
    if unknown:
        names = ", ".join(repr(key) for key in unknown)
        raise ConfigError(
            f"TVEC_INCLUSION_POLICY has {names}, neither a jurisdiction nor a list key of the "
            f"entity registry (known: {listed})"
        )
    return frozenset(settings.inclusion_policy)


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


# --- out-links of an item tree (the case page) -------------------------------------------------


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
    session: Session, item_id: int, *, settings: Settings | None = None
) -> list[TreeOutlink]:
    """Every out-link sighted in an item's tree (the item, its parent and its children:
    the tree a ``remove`` decision attributes), by URL, with its attribution, alert and
    takedown, and whether it is alertable.

    Home pages are listed too (flagged ``home_page``); nothing is written.

    Args:
        item_id: the item (a review case's ``item_id``).
        settings: for the entity registry (``TVEC_ENTITIES_FILE``) and the inclusion policy
            (``TVEC_INCLUSION_POLICY``); default from the environment.

    Raises:
        NotFoundError: there is no item ``item_id``.
    """
    if session.get(Item, item_id) is None:
        raise NotFoundError(f"no item {item_id}")
    _, tree = _tree(session, item_id)
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
    settings = settings or load_settings()
    registry = entity_registry(settings)
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
