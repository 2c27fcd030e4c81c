"""The provider's reply to a removal order, after the fields of the Regulation's feedback form.

Regulation (EU) 2021/784, Article 3(6): the hosting service provider informs the issuing
competent authority, without undue delay, of the removal or disabling of access and of its
time, using the template of Annex II ("feedback form following the removal of or disabling
of access to terrorist content"). Its sections, and the keys of :func:`reply_document`:

* Section A, addressee of the removal order: ``authority`` (competent authority that
  issued it), ``member_state`` (its Member State), ``reference`` (the authority's file
  reference), ``provider_reference`` (the provider's own file reference) and
  ``received_at`` (time and date of receipt).
* Section B, measures taken: ``action`` (``removed``: the content has been removed;
  ``disabled``: access to it has been disabled in all Member States; ``removed and
  disabled`` when the URLs differ), ``acted_at`` (time and date of the measure: the last
  URL's), and per URL ``urls[*].url/action/acted_at``.
* Section C, details of the addressee: ``provider`` (name of the hosting service
  provider, ``TVEC_ALERT_SENDER_NAME``), ``contact_email`` (``TVEC_ALERT_REPLY_TO`` or
  ``TVEC_ALERT_FROM``; None when neither is set) and ``date``.

Beyond the form, for the provider's own record: ``deadline_at``, ``on_time`` (all URLs
acted on before the deadline), ``late_by_seconds`` (0 when on time) and ``overdue_at``
(when tvec raised the overdue alert, or None). Times are ISO 8601 in UTC with ``+00:00``.

``warnings`` lists what is missing from Section C when the reply was produced (empty when
nothing is): the provider name still the default ``tvec user`` (set
``TVEC_ALERT_SENDER_NAME``) and no contact e-mail (set ``TVEC_ALERT_FROM``, or
``TVEC_ALERT_REPLY_TO``). They are for the provider, not part of the form:
:func:`reply_text` leaves them out and ``tvec order reply`` prints them on stderr.
"""

from __future__ import annotations

from typing import Any

from tvec.clock import rfc3339_or_none
from tvec.errors import ConflictError
from tvec.orders.intake import MEMBER_STATES
from tvec.settings import Settings
from tvec.store.models.orders import ACTIONS, RemovalOrder
from tvec.views.durations import lateness

#: The template the reply follows.
FORM = (
    "Regulation (EU) 2021/784, Annex II: feedback form following the removal of or "
    "disabling of access to terrorist content (Article 3(6))"
)
#: What each action means in the words of the form (Section B).
ACTION_WORDS = {
    "removed": "The terrorist content has been removed",
    "disabled": "Access to the terrorist content has been disabled in all Member States",
}


def provider_reference(order: RemovalOrder) -> str:
    """The provider's own file reference of an order (``tvec-order-<id>``)."""
    return f"tvec-order-{order.id}"


def reply_warnings(settings: Settings) -> list[str]:
    """What Section C of a reply would lack under ``settings``, each naming the setting to
    set: the provider name left at its default (or blank), and no contact e-mail."""
    warnings = []
    default_name = Settings.model_fields["alert_sender_name"].default
    name = (settings.alert_sender_name or "").strip()
    if not name or name == default_name:
        shown = repr(name) if name else "empty"
        warnings.append(
            f"the name of the hosting service provider is {shown}, a placeholder: "
            "set TVEC_ALERT_SENDER_NAME to your organisation's name"
        )
    if not (settings.alert_reply_to or settings.alert_from):
        warnings.append(
            "no contact e-mail address: set TVEC_ALERT_FROM (or TVEC_ALERT_REPLY_TO) to the "
            "address of your contact point"
        )
    return warnings


def reply_document(order: RemovalOrder, settings: Settings) -> dict[str, Any]:
    """The provider's reply to ``order`` (keys in the module docstring).

    Raises:
        ConflictError: a URL of the order has not been acted on yet (named).
    """
    pending = [u.url for u in order.urls if u.acted_at is None or u.action is None]
    if pending or not order.urls:
        raise ConflictError(
            f"removal order {order.reference!r}: no reply before every URL is acted on "
            f"(not yet: {', '.join(pending)})"
        )
    acted = [u.acted_at for u in order.urls if u.acted_at is not None]
    last = max(acted)
    actions = [a for a in ACTIONS if any(u.action == a for u in order.urls)]
    late = max(0.0, (last - order.deadline_at).total_seconds())
    completed = order.completed_at or last
    return {
        "form": FORM,
        **order_fields(order),
        "action": " and ".join(actions),
        "acted_at": rfc3339_or_none(last),
        "urls": [
            {"url": u.url, "action": u.action, "acted_at": rfc3339_or_none(u.acted_at)}
            for u in order.urls
        ],
        **provider_fields(settings),
        "date": completed.date().isoformat(),
        "deadline_at": rfc3339_or_none(order.deadline_at),
        "on_time": last < order.deadline_at,
        "late_by_seconds": late,
        "overdue_at": rfc3339_or_none(order.overdue_at),
        "warnings": reply_warnings(settings),
    }


def order_fields(order: RemovalOrder) -> dict[str, Any]:
    """The order's own fields that both Annex II and Annex III documents carry: references,
    authority, Member State (code and name) and time of receipt."""
    return {
        "reference": order.reference,
        "provider_reference": provider_reference(order),
        "authority": order.authority,
        "member_state": order.member_state,
        "member_state_name": MEMBER_STATES.get(order.member_state, order.member_state),
        "received_at": rfc3339_or_none(order.received_at),
    }


def provider_fields(settings: Settings) -> dict[str, Any]:
    """Section C of both documents: the provider's name and contact address."""
    return {
        "provider": settings.alert_sender_name,
        "contact_email": settings.alert_reply_to or settings.alert_from,
    }


def reply_text(reply: dict[str, Any]) -> str:
    """The reply as plain text, section by section as in Annex II (for e-mail or print)."""
    lines = [
        reply["form"],
        "",
        "SECTION A: addressee of the removal order",
        f"Competent authority that issued the removal order: {reply['authority']} "
        f"({reply['member_state_name']}, {reply['member_state']})",
        f"Reference of the file of the competent authority: {reply['reference']}",
        f"Reference of the file of the addressee: {reply['provider_reference']}",
        f"Time and date of receipt of the removal order: {reply['received_at']}",
        "",
        "SECTION B: measures taken in compliance with the removal order",
    ]
    for action in reply["action"].split(" and "):
        lines.append(f"[x] {ACTION_WORDS.get(action, action)}")
    lines.append(f"Time and date of the measure taken: {reply['acted_at']}")
    for entry in reply["urls"]:
        lines.append(f"  {entry['url']}: {entry['action']} at {entry['acted_at']}")
    if not reply["on_time"]:
        lines.append(
            f"Completed after the one-hour deadline ({reply['deadline_at']}): "
            f"{lateness(reply['late_by_seconds'])}."
        )
    lines += [
        "",
        "SECTION C: details of the addressee",
        f"Name of the hosting service provider: {reply['provider']}",
        f"E-mail address of the contact point: {reply['contact_email'] or ''}",
        f"Date: {reply['date']}",
    ]
    return "\n".join(lines)
