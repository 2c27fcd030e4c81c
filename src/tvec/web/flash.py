"""One-time messages after a form (“Case #12: no violation recorded”), kept in the session
until the next page shows them, with the decisions that page may offer to undo.

A flash is a dict in ``request.session["flash"]``: ``message`` (text), ``error`` (bool),
``decisions`` (ids of the decisions just recorded) and ``query`` (the queue filter's query
string, for the undo form). :func:`take_flash` pops it and says whether the decisions may
still be undone (:func:`tvec.app.review.undoable`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from tvec.accounts import Principal
from tvec.app import review as use
from tvec.web.context import WebContext


@dataclass(frozen=True)
class Flash:
    """A message shown once at the top of the next page."""

    message: str
    error: bool = False
    decisions: list[int] = field(default_factory=list)
    query: str = ""
    undo: bool = False
    undo_seconds: int = 0


def set_flash(
    request: Request,
    message: str,
    *,
    error: bool = False,
    decisions: list[int] | None = None,
    query: str = "",
) -> None:
    """Keep ``message`` for the next page this session shows."""
    request.session["flash"] = {
        "message": message,
        "error": error,
        "decisions": list(decisions or []),
        "query": query,
    }


def take_flash(request: Request, ctx: WebContext, principal: Principal | None) -> Flash | None:
    """Pop the session's flash (None when there is none); ``undo`` is True when
    ``principal`` may still undo all its decisions."""
    if "session" not in request.scope:
        return None
    raw: Any = request.session.pop("flash", None)
    if not isinstance(raw, dict):
        return None
    decisions = [int(d) for d in raw.get("decisions") or [] if isinstance(d, int)]
    undo = principal is not None and use.undoable(ctx.app, decisions, principal.username)
    return Flash(
        message=str(raw.get("message", "")),
        error=bool(raw.get("error")),
        decisions=decisions,
        query=str(raw.get("query", "")),
        undo=undo,
        undo_seconds=ctx.settings.undo_seconds,
    )
