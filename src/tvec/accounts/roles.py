"""Roles and what each may do: the one permission table (copied in ``docs/review.md``).

| permission       | admin | analyst | moderator | viewer |
|------------------|-------|---------|-----------|--------|
| case.view        | yes   | yes     | yes       | yes    |
| match.lookup     | yes   | yes     | yes       | yes    |
| media.reveal     | yes   | yes     | yes       | no     |
| media.download   | yes   | yes     | no        | no     |
| case.flag        | yes   | yes     | yes       | no     |
| case.flag_priority | yes | yes     | no        | no     |
| case.decide      | yes   | yes     | yes       | no     |
| appeal.file      | yes   | yes     | yes       | no     |
| appeal.resolve   | yes   | yes     | no        | no     |
| bank.write       | yes   | yes     | no        | no     |
| signal_type.write | yes  | no      | no        | no     |
| prefs.write      | yes   | yes     | yes       | no     |
| audit.view       | yes   | yes     | no        | no     |
| audit.export     | yes   | no      | no        | no     |
| user.manage      | yes   | no      | no        | no     |
| token.create     | yes   | no      | no        | no     |
| takedown.view    | yes   | yes     | yes       | yes    |
| alert.verify     | yes   | yes     | no        | no     |
| order.view       | yes   | yes     | yes       | no     |
| order.write      | yes   | yes     | no        | no     |
| hold.access      | yes   | no      | no        | no     |
| report.view      | yes   | yes     | yes       | yes    |
| report.internal  | yes   | yes     | no        | no     |
| entity.view      | yes   | yes     | yes       | yes    |
| sor.view         | yes   | yes     | yes       | no     |
| exchange.view    | yes   | yes     | yes       | no     |
| exchange.fetch   | yes   | yes     | no        | no     |
| exchange.write   | yes   | yes     | no        | no     |
| exchange.credentials | yes | no     | no        | no     |
| source.view      | yes   | yes     | yes       | yes    |
| source.write     | yes   | yes     | no        | no     |
| scan.view        | yes   | yes     | yes       | yes    |
"""

from __future__ import annotations

from enum import StrEnum

from tvec.errors import PermissionDeniedError, UsageError


class Role(StrEnum):
    """A user's role."""

    ADMIN = "admin"
    ANALYST = "analyst"
    MODERATOR = "moderator"
    VIEWER = "viewer"


_ALL = frozenset(Role)
_REVIEWERS = frozenset({Role.ADMIN, Role.ANALYST, Role.MODERATOR})
_SENIOR = frozenset({Role.ADMIN, Role.ANALYST})
_ADMIN = frozenset({Role.ADMIN})

#: The permission table: permission -> roles that have it.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "case.view": _ALL,
    "match.lookup": _ALL,
    "media.reveal": _REVIEWERS,
    "media.download": _SENIOR,
    "case.flag": _REVIEWERS,
    # flag as verified source / trusted flagger, or with severity threat_to_life / crisis:
    # raises a case above a plain flag, so only roles that may verify (as alert.verify)
    "case.flag_priority": _SENIOR,
    "case.decide": _REVIEWERS,
    "appeal.file": _REVIEWERS,
    "appeal.resolve": _SENIOR,
    "bank.write": _SENIOR,
    # HMA's signal type switches (PUT /c/signal_type/<name>): system configuration
    "signal_type.write": _ADMIN,
    "prefs.write": _REVIEWERS,
    "audit.view": _SENIOR,
    "audit.export": _ADMIN,
    "user.manage": _ADMIN,
    "token.create": _ADMIN,
    "takedown.view": _ALL,
    "alert.verify": _SENIOR,
    "order.view": _REVIEWERS,
    "order.write": _SENIOR,
    "hold.access": _ADMIN,
    # the public transparency report and scoreboard hold no URL and no personal data
    "report.view": _ALL,
    # the internal variant lists the alerted URLs
    "report.internal": _SENIOR,
    # the entity registry and its designations are public facts (lists are imported with
    # the CLI, `tvec entity import`)
    "entity.view": _ALL,
    "sor.view": _REVIEWERS,
    "exchange.view": _REVIEWERS,
    "exchange.fetch": _SENIOR,
    # HMA's exchange routes: create, enable/disable, delete an exchange (and its bank)
    "exchange.write": _SENIOR,
    # HMA's per-API credentials (POST /c/exchanges/api/<api>): system configuration
    "exchange.credentials": _ADMIN,
    # sources (beacon channels, feeds) and their polls, scans and their errors: read by all;
    # adding a source, enabling or disabling it and polling it now are senior work
    "source.view": _ALL,
    "source.write": _SENIOR,
    "scan.view": _ALL,
}


def parse_role(name: str) -> Role:
    """The role called ``name``.

    Raises:
        UsageError: no such role (the message lists them).
    """
    try:
        return Role(name)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise UsageError(f"unknown role {name!r} (known: {known})") from None


def allowed(role: str, permission: str) -> bool:
    """Whether ``role`` has ``permission`` (unknown permissions are never allowed)."""
    return role in PERMISSIONS.get(permission, frozenset())


def require(role: str, permission: str) -> None:
    """Raise unless ``role`` has ``permission``.

    Raises:
        PermissionDeniedError: the role lacks the permission.
    """
    if not allowed(role, permission):
        raise PermissionDeniedError(f"role {role!r} may not {permission}")
