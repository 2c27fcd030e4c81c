"""Verification before alerting: attributing a URL to an entity of the entity registry.

A URL becomes alertable only through an :class:`~tvec.store.models.alerts.Attribution` whose
entity is in the inclusion policy (:func:`tvec.verification.alertability.alertable_reason`).
Attributions come from three places:

* a person: :func:`attribute_url` (``tvec alert verify``), method ``person``;
* a reviewer's ``remove`` decision on a case whose entity is known: every out-link sighted
  in the case's item tree (the item, its parent and its children), method ``decision``;
* the rule the admin enables with ``TVEC_ALERT_VERIFIED_BANKS``: a match of an item against
  an entry with an entity label in one of those banks attributes the out-links sighted in
  that item's tree, method ``rule``, rule ``verified-bank:<bank>``.

The last two are made by :func:`tvec.verification.sync.sync_attributions`. Precedence
(:data:`PRECEDENCE`): a person's attribution is never overwritten by tvec, a decision's never
by a rule; a decision replaces a rule's. Every new or changed attribution is recorded in the
audit log (``url.attribute``) with the old and new values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.audit.events import UrlAttributed, record_event
from tvec.entities.resolve import entity_registry, resolve_entity
from tvec.errors import InvalidSignalError, UsageError
from tvec.outlinks.sightings import outlink_for
from tvec.settings import Settings
from tvec.store.models import Alert, Attribution, Outlink, utcnow
from tvec.store.models.alerts import ATTRIBUTION_METHODS, CONTENT_KINDS
from tvec.text import profiles
from tvec.urls.canonical import canonicalize_url
from tvec.verification.trees import is_home_page

#: Methods in order of precedence: a later one never replaces an earlier one's attribution.
PRECEDENCE = {"person": 0, "decision": 1, "rule": 2}


def canonical_url(url: str) -> str:
    """The canonical form of ``url`` (:func:`tvec.urls.canonical.canonicalize_url`).

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


def attribution_values(attribution: Attribution | None) -> dict[str, Any] | None:
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


def store_attribution(
    session: Session,
    outlink: Outlink,
    current: Attribution | None,
    actor: str,
    values: dict[str, Any],
    now: datetime,
    whole_site: bool = False,
) -> Attribution:
    """Create or update the outlink's attribution, carry it to a queued alert, audit it
    (``whole_site``: a person attributed a site's home page, said so in the event)."""
    old = attribution_values(current)
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
    event = UrlAttributed(
        outlink_id=outlink.id, url=outlink.url, old=old, new=attribution_values(current)
    )
    if whole_site:
        event = event.model_copy(update={"whole_site": True})
    record_event(session, actor, event)
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
    settings: Settings,
    now: datetime | None = None,
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
        url: any URL :func:`~tvec.urls.canonical.canonicalize_url` accepts.
        entity: an entity id, or a name/alias naming exactly one registry entity.
        actor: who attributes (``cli``, a username); stored as ``attributed_by``.
        content_kind: one of :data:`~tvec.store.models.alerts.CONTENT_KINDS`.
        graphic: the content is graphic (alerts carry a warning).
        method: one of :data:`~tvec.store.models.alerts.ATTRIBUTION_METHODS`.
        rule: the rule's name (method ``rule``).
        case_id: the review case the attribution comes from, if any.
        settings: for the entity registry (``TVEC_ENTITIES_FILE``).
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
    found = resolve_entity(entity_registry(settings, session), entity)
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
    return store_attribution(
        session, outlink, current, actor, values, now, whole_site and is_home_page(canonical)
    )


#: Longest note of an attribution (characters).
MAX_NOTE = 2000


def _checked_note(note: str | None) -> str | None:
    """``note`` stripped, None when blank; otherwise checked by the ``display`` profile
    (:func:`tvec.text.profiles.display`: at most :data:`MAX_NOTE` characters, no control
    characters but tab and line breaks).

    Raises:
        UsageError: naming the problem.
    """
    if note is None or not note.strip():
        return None
    return profiles.display(note, "the note", MAX_NOTE, multiline=True)
