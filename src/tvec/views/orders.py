"""Result models of removal orders (Regulation (EU) 2021/784) and their legal holds.

``tvec order list|show|add|act|sweep|resume --json`` and ``/api/orders`` answer with
:class:`OrderView`; ``tvec order hold list|purge --json`` with :class:`HoldView`;
``tvec order hold show --json`` and the ``record.json`` of an export with
:class:`HoldRecordView`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tvec.views.base import Timestamp, View


class OrderUrlView(View):
    """One URL of an order and what was done with it."""

    url: str
    item_id: int | None = Field(description="The stored item the URL names, if any.")
    action: str | None = Field(description="removed or disabled; null while pending.")
    acted_at: Timestamp | None


class OrderView(View):
    """A removal order with its one-hour clock at the time of the request."""

    reference: str
    authority: str
    member_state: str = Field(description="EU code of the issuing Member State (EL: Greece).")
    received_at: Timestamp
    deadline_at: Timestamp = Field(description="received_at plus one hour (Article 3(3)).")
    status: str = Field(description="open, overdue, done or rejected, at request time.")
    seconds_left: float = Field(
        description="Seconds until the deadline (negative past it); for a done order, the "
        "margin it was completed with."
    )
    time_left: str | None = Field(
        description="Time left for people ('59 min 12 s left', '1 h 12 min late'); null once "
        "the order is done or rejected."
    )
    overdue_at: Timestamp | None
    completed_at: Timestamp | None
    reasons: str
    recorded_by: str
    urls: list[OrderUrlView]
    reply: dict[str, Any] = Field(
        description="The provider's reply once done ({} before); a rejected order's holds "
        "'impossibility', its rejections with their Annex III documents."
    )
    holds: list[int] = Field(description="Ids of the legal holds of its removed content.")


class HoldView(View):
    """A legal hold as listed: the record only (no content, no data)."""

    id: int
    url: str
    order: str | None = Field(description="Reference of the order it was made for.")
    sha256: str | None = Field(description="SHA-256 of the held bytes; null: data only.")
    size: int | None = Field(description="Size of the held bytes (bytes).")
    held_from: Timestamp
    held_until: Timestamp
    extensions: int = Field(description="How many times the hold was extended.")
    purged: bool
    state: str = Field(description="held, extended, expired or purged, at request time.")


class HoldRecordView(View):
    """A legal hold's record and data (what an export writes as ``record.json``)."""

    id: int
    url: str
    order_id: int | None
    item_id: int | None
    sha256: str | None
    size: int | None
    held_from: Timestamp
    held_until: Timestamp
    extensions: list[dict[str, Any]]
    purged: dict[str, Any] | None = Field(
        description="When and by whom its bytes were purged ({at, by, deleted}), if they were."
    )
    state: str
    data: dict[str, Any]
    path: str | None = Field(
        default=None, description="Where its bytes are (hold show only; null: data only)."
    )
