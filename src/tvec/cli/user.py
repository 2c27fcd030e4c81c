"""``tvec user``: add, list, disable, enable and delete users, reset passwords, sign users
out everywhere, create API tokens."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from tvec.accounts.roles import Role
from tvec.app import accounts as use
from tvec.cli.context import context, err, out, print_json
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
    password = use.add_user(context(), username, role, given, actor="cli")
    out.print(f"added {role} {username}")
    if given is None:
        out.print(f"one-time password (shown once): {password}", markup=False)


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List users with their role, state and last login."""
    users = use.list_users(context())
    if as_json:
        print_json(users)
        return
    table = Table("user", "role", "state", "last login")
    for user in users:
        table.add_row(
            user.username,
            user.role,
            "disabled" if user.disabled else "active",
            rfc3339(user.last_login_at) if user.last_login_at else "never",
        )
    out.print(table)


@app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Disable a user: no more logins, their web sessions end at once and their API tokens
    stop working."""
    use.disable_user(context(), username, actor="cli")
    out.print(f"disabled {username}")


@app.command("enable")
def enable(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Enable a disabled user again: they may log in (logged)."""
    use.enable_user(context(), username, actor="cli")
    out.print(f"enabled {username}")


@app.command("delete")
def delete(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Delete a user with their web sessions and API tokens (logged; the audit log keeps
    their name)."""
    use.delete_user(context(), username, actor="cli")
    out.print(f"deleted {username}")


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
    new = use.reset_password(context(), username, given, actor="cli")
    out.print(f"reset the password of {username}")
    if given is None:
        out.print(f"one-time password (shown once): {new}", markup=False)


@app.command("signout")
def signout(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Sign a user out everywhere: every web session of theirs ends at once (logged)."""
    count = use.sign_out_everywhere(context(), username, actor="cli")
    out.print(f"signed {username} out everywhere ({count} open sessions ended)")


@app.command("token")
def token(
    username: Annotated[str, typer.Argument(help="Login name the token acts as.")],
    name: Annotated[str, typer.Argument(help="What the token is for (e.g. the platform).")],
) -> None:
    """Create an API token for a machine client; it is printed once and stored hashed."""
    value = use.create_token(context(), username, name, actor="cli")
    err.print("API token (shown once; send as 'Authorization: Bearer <token>'):")
    typer.echo(value)
