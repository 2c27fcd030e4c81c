"""``tvec user``: add, list, disable users, reset passwords, create API tokens."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer
from rich.table import Table

from tvec.accounts import service
from tvec.accounts.roles import Role
from tvec.cli.context import err, out, store
from tvec.clock import rfc3339

app = typer.Typer(help="Manage reviewer accounts and API tokens.", no_args_is_help=True)

_PASSWORD_ENV = "TVEC_NEW_PASSWORD"  # noqa: S105 - a variable name


def _password(given: bool) -> str | None:
    """The password from TVEC_NEW_PASSWORD, or None to generate one."""
    value = os.environ.get(_PASSWORD_ENV)
    if given and not value:
        raise typer.BadParameter(f"--password-from-env needs {_PASSWORD_ENV} set")
    return value if given else None


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        str, typer.Option(help=f"One of: {', '.join(r.value for r in Role)}.")
    ] = "moderator",
    password_from_env: Annotated[
        bool,
        typer.Option(
            "--password-from-env",
            help=f"Take the password from {_PASSWORD_ENV} (default: generate and print one).",
        ),
    ] = False,
) -> None:
    """Add a user; prints a generated one-time password unless one comes from the env."""
    given = _password(password_from_env)
    from tvec.accounts.passwords import generate_password

    password = given or generate_password()
    with store().session() as session:
        service.add_user(session, username, role, password, actor="cli")
    out.print(f"added {role} {username}")
    if given is None:
        out.print(f"one-time password (shown once): {password}", markup=False)


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List users with their role, state and last login."""
    with store().session() as session:
        rows = [
            {
                "username": a.username,
                "role": a.role,
                "disabled": a.disabled,
                "last_login_at": rfc3339(a.last_login_at) if a.last_login_at else None,
            }
            for a in service.list_users(session)
        ]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("user", "role", "state", "last login")
    for r in rows:
        table.add_row(
            str(r["username"]),
            str(r["role"]),
            "disabled" if r["disabled"] else "active",
            str(r["last_login_at"] or "never"),
        )
    out.print(table)


@app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Disable a user: no more logins, and their API tokens stop working."""
    with store().session() as session:
        service.disable_user(session, username, actor="cli")
    out.print(f"disabled {username}")


@app.command("reset-password")
def reset_password(
    username: Annotated[str, typer.Argument(help="Login name.")],
    password_from_env: Annotated[
        bool,
        typer.Option(
            "--password-from-env",
            help=f"Take the password from {_PASSWORD_ENV} (default: generate and print one).",
        ),
    ] = False,
) -> None:
    """Set a new password; prints a generated one-time password unless one comes from env."""
    given = _password(password_from_env)
    with store().session() as session:
        new = service.reset_password(session, username, given, actor="cli")
    out.print(f"reset the password of {username}")
    if given is None:
        out.print(f"one-time password (shown once): {new}", markup=False)


@app.command("token")
def token(
    username: Annotated[str, typer.Argument(help="Login name the token acts as.")],
    name: Annotated[str, typer.Argument(help="What the token is for (e.g. the platform).")],
) -> None:
    """Create an API token for a machine client; it is printed once and stored hashed."""
    with store().session() as session:
        value = service.create_token(session, username, name, actor="cli")
    err.print("API token (shown once; send as 'Authorization: Bearer <token>'):")
    typer.echo(value)
