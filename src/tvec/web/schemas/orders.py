"""Response models of the removal orders API (``/api/orders``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class OrderUrlOut(BaseModel):
    """One URL of an order and what was done with it."""

    url: str
    item_id: int | None = Field(description="The stored item the URL names, if any.")
    action: str | None = Field(description="removed or disabled; None while pending.")
    acted_at: datetime | None


class OrderOut(BaseModel):
    """A removal order with its one-hour clock at the time of the request."""

    reference: str
    authority: str
    member_state: str = Field(description="EU code of the issuing Member State (EL: Greece).")
    received_at: datetime
    deadline_at: datetime = Field(description="received_at plus one hour (Article 3(3)).")
    status: str = Field(description="open, overdue, done or rejected, at request time.")
    seconds_left: float = Field(
        description="Until the deadline (negative past it); for a done order, the margin "
        "it was completed with."
    )
    time_left: str | None = Field(description="H:MM:SS left, or 'overdue by H:MM:SS'.")
    overdue_at: datetime | None
    completed_at: datetime | None
    reasons: str
    recorded_by: str
    urls: list[OrderUrlOut]
    reply: dict[str, Any] = Field(
        description="The provider's reply once done ({} before); a rejected order's holds "
        "'impossibility', its rejections with their Annex III documents."
    )
    holds: list[int] = Field(description="Ids of the legal holds of its removed content.")
