"""When a removal order cannot be executed: reject it, inform the authority, resume it.

Regulation (EU) 2021/784, Article 3:

* 3(7): a hosting service provider that cannot comply "on grounds of force majeure or of
  de facto impossibility not attributable to" it, "including for objectively justifiable
  technical or operational reasons", informs the issuing competent authority of those
  grounds without undue delay, using the template of Annex III. The one-hour deadline
  starts to run as soon as the grounds have ceased to exist.
* 3(8): a provider that cannot comply "because the removal order contains manifest errors
  or does not contain sufficient information for its execution" informs the authority
  without undue delay and requests the necessary clarification, using Annex III. The
  deadline starts to run as soon as the provider has received the clarification.

So :func:`reject_order` sets the order's status to ``rejected``, records the ground and
explanation and fills in the Annex III document (:func:`impossibility_document`), and
:func:`resume_order` restarts the clock when the grounds cease (3(7)) or the
clarification arrives (3(8)): ``deadline_at = resumed_at + 1 hour``, status ``open``.

Each rejection is kept in the order's ``reply["impossibility"]``, a list oldest first
(the table has no column of its own); an entry is::

    {"ground", "article", "explanation", "clarification", "rejected_at", "rejected_by",
     "deadline_at", "overdue_at", "resumed_at", "resumed_by", "resumed_deadline_at",
     "document"}

``deadline_at``/``overdue_at`` are the clock's values when the order was rejected;
``resumed_*`` stay None until :func:`resume_order`; ``document`` is the Annex III document
as filled in at the rejection. Times are ISO 8601 in UTC with ``+00:00``.

The keys of the Annex III document (:func:`impossibility_document`), after the template's
sections as far as they apply:

* Section A, addressee of the removal order: ``authority``, ``member_state``,
  ``member_state_name``, ``reference`` (the authority's file reference),
  ``provider_reference`` (``tvec-order-<id>``) and ``received_at`` (time and date of
  receipt of the removal order).
* Section B, reasons for the non-execution: ``ground`` (``force_majeure``,
  ``manifest_error`` or ``insufficient_information``), ``article`` (``3(7)`` or
  ``3(8)``), ``ground_text`` (the box ticked, in the template's words), ``explanation``
  (further information on the reasons), ``clarification_requested`` (3(8) only: the
  errors to correct or the information needed; None for 3(7)) and ``urls`` (the URLs not
  acted on).
* Section C, details of the hosting service provider: ``provider``
  (``TVEC_ALERT_SENDER_NAME``), ``contact_email`` (``TVEC_ALERT_REPLY_TO``, else
  ``TVEC_ALERT_FROM``), ``date`` and ``informed_at`` (time and date of the rejection).

Beyond the form, for the provider's own record: ``deadline_at`` (the deadline that was
running), ``clock`` (when the deadline starts to run again) and ``warnings`` (what
Section C lacked, as in :func:`tvec.orders.reply.reply_warnings`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tvec.audit.events import OrderRejected, OrderReplied, OrderResumed, record_event
from tvec.clock import rfc3339, rfc3339_or_none
from tvec.errors import ConflictError, UsageError
from tvec.orders.clock import deadline_for, order_state
from tvec.orders.reply import order_fields, provider_fields, reply_warnings
from tvec.orders.service import get_order
from tvec.settings import Settings
from tvec.store.models import utcnow
from tvec.store.models.orders import RemovalOrder
from tvec.text import profiles

#: The template the document follows.
FORM = (
    "Regulation (EU) 2021/784, Annex III: information on the impossibility to execute the "
    "removal order (Article 3(7) and (8))"
)
#: Grounds of impossibility: the article, and the box of Annex III in its words.
GROUNDS: dict[str, tuple[str, str]] = {
    "force_majeure": (
        "3(7)",
        "Force majeure or de facto impossibility not attributable to the hosting service "
        "provider, including for objectively justifiable technical or operational reasons",
    ),
    "manifest_error": ("3(8)", "The removal order contains one or more manifest errors"),
    "insufficient_information": (
        "3(8)",
        "The removal order does not contain sufficient information for its execution",
    ),
}
#: When the deadline starts to run again, by article.
CLOCK_RESTARTS = {
    "3(7)": "The one-hour deadline starts to run as soon as the grounds above have ceased "
    "to exist (Article 3(7)).",
    "3(8)": "The one-hour deadline starts to run as soon as the hosting service provider "
    "has received the necessary clarification (Article 3(8)).",
}
#: What is requested under Article 3(8) when no clarification text is given.
DEFAULT_CLARIFICATION = {
    "manifest_error": "A corrected removal order, or a clarification of the errors "
    "described above.",
    "insufficient_information": "The information described above, which the removal order "
    "lacks for its execution.",
}
#: Longest explanation or clarification accepted (characters).
TEXT_LIMIT = 20_000


def rejections(order: RemovalOrder) -> list[dict[str, Any]]:
    """The order's rejections, oldest first (entries in the module docstring)."""
    return list((order.reply or {}).get("impossibility") or [])


def _document(order: RemovalOrder, settings: Settings, entry: dict[str, Any]) -> dict[str, Any]:
    ground = entry["ground"]
    article, ground_text = GROUNDS[ground]
    requested = None
    if article == "3(8)":
        requested = entry.get("clarification") or DEFAULT_CLARIFICATION[ground]
    informed = datetime.fromisoformat(entry["rejected_at"])
    return {
        "form": FORM,
        **order_fields(order),
        "ground": ground,
        "article": article,
        "ground_text": ground_text,
        "explanation": entry["explanation"],
        "clarification_requested": requested,
        "urls": [u.url for u in order.urls if u.acted_at is None],
        **provider_fields(settings),
        "date": informed.date().isoformat(),
        "informed_at": entry["rejected_at"],
        "deadline_at": entry["deadline_at"],
        "clock": CLOCK_RESTARTS[article],
        "warnings": reply_warnings(settings),
    }


def impossibility_document(order: RemovalOrder, settings: Settings) -> dict[str, Any]:
    """The Annex III document of the order's latest rejection (keys in the module
    docstring), with Section C from ``settings``.

    Raises:
        ConflictError: the order was never rejected.
    """
    found = rejections(order)
    if not found:
        raise ConflictError(f"removal order {order.reference!r} was never rejected")
    return _document(order, settings, found[-1])


def impossibility_text(document: dict[str, Any]) -> str:
    """The Annex III document as plain text, section by section (for e-mail or print)."""
    lines = [
        document["form"],
        "",
        "SECTION A: addressee of the removal order",
        f"Competent authority that issued the removal order: {document['authority']} "
        f"({document['member_state_name']}, {document['member_state']})",
        f"Reference of the file of the competent authority: {document['reference']}",
        f"Reference of the file of the addressee: {document['provider_reference']}",
        f"Time and date of receipt of the removal order: {document['received_at']}",
        "",
        "SECTION B: reasons for the non-execution",
        "The removal order cannot be executed, or cannot be executed within the deadline, "
        "for the following reason:",
    ]
    for ground, (article, words) in GROUNDS.items():
        mark = "x" if ground == document["ground"] else " "
        lines.append(f"[{mark}] {words} (Article {article})")
    lines.append(f"Further information on the reasons: {document['explanation']}")
    if document["clarification_requested"]:
        lines.append(
            "Errors to correct, and the information or clarification required: "
            f"{document['clarification_requested']}"
        )
    if document["urls"]:
        lines.append("URLs concerned:")
        lines.extend(f"  {url}" for url in document["urls"])
    lines += [
        document["clock"],
        "",
        "SECTION C: details of the hosting service provider",
        f"Name of the hosting service provider: {document['provider']}",
        f"E-mail address of the contact point: {document['contact_email'] or ''}",
        f"Time and date: {document['informed_at']}",
    ]
    return "\n".join(lines)


def reject_order(
    session: Session,
    settings: Settings,
    reference: str,
    *,
    ground: str,
    explanation: str,
    actor: str,
    clarification: str | None = None,
    now: datetime | None = None,
) -> RemovalOrder:
    """Record at ``now`` that an order cannot be executed, and fill in Annex III.

    The order's status becomes ``rejected``; the rejection (ground, explanation, the
    clock's ``deadline_at``/``overdue_at`` then, the Annex III document) is appended to
    ``reply["impossibility"]``. A rejected order is not swept overdue and cannot be acted
    on until :func:`resume_order`. Audit events: ``order.action`` and ``order.reply``,
    each with ``"action": "reject"``.

    Args:
        ground: ``force_majeure`` (Article 3(7)), ``manifest_error`` or
            ``insufficient_information`` (Article 3(8)).
        explanation: the reasons, for the authority (at most 20,000 characters; line
            breaks allowed).
        clarification: Article 3(8) only: the errors to correct or the information needed
            (default: a sentence pointing to the explanation).
        actor: who rejects (username, ``cli``).

    Raises:
        NotFoundError: no order has ``reference``.
        UsageError: an unknown ground; an empty explanation (or clarification), one too
            long or holding control characters; a clarification with ``force_majeure``;
            ``now`` before the time of receipt.
        ConflictError: the order is done, or rejected already (resume it first).
    """
    if ground not in GROUNDS:
        raise UsageError(f"unknown ground {ground!r} (one of {', '.join(GROUNDS)})")
    article = GROUNDS[ground][0]
    explanation = profiles.display(explanation, "the explanation", TEXT_LIMIT, multiline=True)
    if clarification is not None:
        if article != "3(8)":
            raise UsageError(
                f"a clarification is requested only under Article 3(8) (manifest_error, "
                f"insufficient_information), not for {ground}"
            )
        clarification = profiles.display(
            clarification, "the clarification", TEXT_LIMIT, multiline=True
        )
    at = now or utcnow()
    order = get_order(session, reference)
    state = order_state(order, at)[0]
    if state == "done":
        raise ConflictError(f"removal order {reference!r} is done: every URL is acted on")
    if state == "rejected":
        raise ConflictError(
            f"removal order {reference!r} is rejected already; resume it first "
            f"('tvec order resume {reference}')"
        )
    if at < order.received_at:
        raise UsageError(
            f"rejecting at {rfc3339(at)} is before the order's receipt "
            f"({rfc3339(order.received_at)})"
        )
    entry: dict[str, Any] = {
        "ground": ground,
        "article": article,
        "explanation": explanation,
        "clarification": clarification,
        "rejected_at": rfc3339(at),
        "rejected_by": actor,
        "deadline_at": rfc3339(order.deadline_at),
        "overdue_at": rfc3339_or_none(order.overdue_at),
        "resumed_at": None,
        "resumed_by": None,
        "resumed_deadline_at": None,
    }
    entry["document"] = _document(order, settings, entry)
    order.reply = {**(order.reply or {}), "impossibility": [*rejections(order), entry]}
    order.status = "rejected"
    session.flush()
    record_event(
        session,
        actor,
        OrderRejected(
            reference=reference,
            ground=ground,
            article=article,
            explanation=explanation,
            clarification=clarification,
            rejected_at=rfc3339(at),
            deadline_at=entry["deadline_at"],
            seconds_left=(order.deadline_at - at).total_seconds(),
        ),
    )
    record_event(
        session,
        actor,
        OrderReplied(
            reference=reference, action="reject", form="Annex III", ground=ground, article=article
        ),
    )
    return order


def resume_order(
    session: Session, reference: str, *, actor: str, now: datetime | None = None
) -> RemovalOrder:
    """Restart the clock of a rejected order at ``now``: the grounds of Article 3(7) have
    ceased, or the clarification of Article 3(8) has been received.

    ``deadline_at`` becomes ``now`` plus one hour, the status ``open`` and ``overdue_at``
    None (the earlier alert stays in the rejection's entry and the audit log); the
    rejection is kept in ``reply["impossibility"]`` with ``resumed_at``, ``resumed_by``
    and ``resumed_deadline_at`` filled in. Audit event: ``order.action`` with
    ``"action": "resume"``.

    Raises:
        NotFoundError: no order has ``reference``.
        ConflictError: the order is not rejected.
        UsageError: ``now`` is before the rejection.
    """
    at = now or utcnow()
    order = get_order(session, reference)
    found = rejections(order)
    if order.status != "rejected" or not found:
        raise ConflictError(
            f"removal order {reference!r} is {order_state(order, at)[0]}, not rejected: "
            "nothing to resume"
        )
    latest = dict(found[-1])
    if at < datetime.fromisoformat(latest["rejected_at"]):
        raise UsageError(
            f"resuming at {rfc3339(at)} is before the rejection ({latest['rejected_at']})"
        )
    previous = order.deadline_at
    order.deadline_at = deadline_for(at)
    order.status = "open"
    order.overdue_at = None
    latest |= {
        "resumed_at": rfc3339(at),
        "resumed_by": actor,
        "resumed_deadline_at": rfc3339(order.deadline_at),
    }
    order.reply = {**(order.reply or {}), "impossibility": [*found[:-1], latest]}
    session.flush()
    record_event(
        session,
        actor,
        OrderResumed(
            reference=reference,
            ground=latest["ground"],
            article=latest["article"],
            resumed_at=rfc3339(at),
            previous_deadline_at=rfc3339(previous),
            deadline_at=rfc3339(order.deadline_at),
        ),
    )
    return order
