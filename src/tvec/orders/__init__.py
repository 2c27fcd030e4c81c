"""Removal orders (EU Regulation 2021/784) received by a hosting platform, and legal holds.

Modules: :mod:`~tvec.store.models.orders` (tables), :mod:`~tvec.orders.intake` (Member States,
URLs, the order file, linking URLs to items), :mod:`~tvec.orders.clock` (the one-hour
clock), :mod:`~tvec.orders.service` (record, sweep, act), :mod:`~tvec.orders.reply` (the
provider's reply after Annex II), :mod:`~tvec.orders.impossibility` (reject an order that
cannot be executed, Annex III, and resume its clock) and :mod:`~tvec.orders.holds` (legal
holds). See ``docs/removal-orders.md``.
"""

from tvec.orders.clock import (
    ORDER_DEADLINE,
    REGULATION_APPLIES_FROM,
    format_time,
    format_time_left,
    order_state,
    parse_time,
)
from tvec.orders.holds import (
    export_hold,
    extend_hold,
    get_hold,
    hold_record,
    hold_state,
    hold_view,
    list_holds,
    purge_expired_holds,
    read_hold,
)
from tvec.orders.impossibility import (
    GROUNDS,
    impossibility_document,
    impossibility_text,
    reject_order,
    resume_order,
)
from tvec.orders.intake import MEMBER_STATES, member_state_code, read_order_file
from tvec.orders.reply import reply_document, reply_text, reply_warnings
from tvec.orders.service import (
    act_on_order,
    get_order,
    list_orders,
    mark_overdue,
    order_view,
    record_order,
    sweep_orders,
)

__all__ = [
    "GROUNDS",
    "MEMBER_STATES",
    "ORDER_DEADLINE",
    "REGULATION_APPLIES_FROM",
    "act_on_order",
    "export_hold",
    "extend_hold",
    "format_time",
    "format_time_left",
    "get_hold",
    "get_order",
    "hold_record",
    "hold_state",
    "hold_view",
    "impossibility_document",
    "impossibility_text",
    "list_holds",
    "list_orders",
    "mark_overdue",
    "member_state_code",
    "order_state",
    "order_view",
    "parse_time",
    "purge_expired_holds",
    "read_hold",
    "read_order_file",
    "record_order",
    "reject_order",
    "reply_document",
    "reply_text",
    "reply_warnings",
    "resume_order",
    "sweep_orders",
]
