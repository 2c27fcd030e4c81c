"""Use cases of starting the review web app (``tvec serve``)."""

from __future__ import annotations

from dataclasses import dataclass

from tvec.accounts import ensure_first_admin, list_users
from tvec.app.context import AppContext


@dataclass(frozen=True)
class FirstStart:
    """What starting the web app found and did about accounts.

    Attributes:
        had_users: accounts existed already (``TVEC_ADMIN_PASSWORD`` is then not used).
        one_time_password: the one-time password of the ``admin`` just created, when no
            ``TVEC_ADMIN_PASSWORD`` was set (show it once); ``None`` otherwise.
    """

    had_users: bool
    one_time_password: str | None


def prepare_first_start(ctx: AppContext) -> FirstStart:
    """On a store with no accounts, create user ``admin`` (with ``TVEC_ADMIN_PASSWORD``,
    or a one-time password); audited by :func:`tvec.accounts.ensure_first_admin`."""
    with ctx.write() as session:
        had_users = bool(list_users(session))
        one_time = ensure_first_admin(session, ctx.settings.admin_password)
    return FirstStart(had_users=had_users, one_time_password=one_time)
