"""``tvec serve``: run the review web app with uvicorn."""

from __future__ import annotations

import errno
import os
import secrets
import socket
from typing import Annotated

import typer

from tvec.app.serve import prepare_first_start
from tvec.cli.context import context, err
from tvec.errors import UsageError


def check_port(host: str, port: int) -> None:
    """Check that a TCP server could listen on ``host`` port ``port``, before starting one.

    Binds, and closes at once, a socket on every address ``host`` resolves to, as asyncio's
    ``create_server`` (which uvicorn uses) binds them: ``SO_REUSEADDR`` set, IPv6 sockets
    IPv6-only, addresses this machine does not have skipped.

    Raises:
        UsageError: ``port N on HOST is in use`` when another program listens there, or
            ``cannot listen on HOST port N: <reason>`` when ``host`` does not resolve or the
            port may not be used (a port below 1024 without the privilege).
    """
    try:
        addresses = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise UsageError(f"cannot listen on {host} port {port}: {exc.strerror}") from exc
    for family, kind, proto, _, address in dict.fromkeys(addresses):
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRNOTAVAIL:
                    continue
                if exc.errno == errno.EADDRINUSE:
                    raise UsageError(
                        f"port {port} on {host} is in use: stop the program listening there, "
                        "or choose another port with --port"
                    ) from exc
                raise UsageError(f"cannot listen on {host} port {port}: {exc.strerror}") from exc


def proxy_options(trusted: list[str]) -> dict[str, object]:
    """uvicorn's options for the proxies trusted to set ``X-Forwarded-For``/``-Proto``.

    With none, proxy headers are off altogether (uvicorn would otherwise believe them from
    127.0.0.1, or from ``FORWARDED_ALLOW_IPS`` in the environment), so the client address is
    always the connection's. With some, only connections from them are believed.
    """
    if not trusted:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(trusted)}


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (1-65535).", min=1, max=65535)] = 8000,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help="Comma-separated addresses of reverse proxies whose X-Forwarded-For is "
            "believed ('*' for any; default TVEC_TRUSTED_PROXIES, empty: none).",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes (one per core; above 1 needs PostgreSQL). Each maps the "
            "shared match index and follows bank changes by itself.",
            min=1,
            max=256,
        ),
    ] = 1,
) -> None:
    """Run the review web app (queue, cases, decisions, audit log, JSON and HMA APIs).

    On first start with no users, creates user 'admin' with TVEC_ADMIN_PASSWORD, or prints
    a one-time password. A port already in use is refused (exit code 2) before anything
    else happens.
    """
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    from tvec.web import create_app

    check_port(host, port)
    ctx = context()
    current = ctx.settings
    if workers > 1 and not current.resolved_database_url.startswith("postgresql"):
        raise UsageError(
            "--workers above 1 needs PostgreSQL (set TVEC_DATABASE_URL to a postgresql+psycopg "
            "URL); SQLite serves one worker"
        )
    start = prepare_first_start(ctx)
    one_time = start.one_time_password
    if start.had_users and current.admin_password:
        err.print(
            "TVEC_ADMIN_PASSWORD is not used: users exist already (it only creates the first "
            "admin); add one with 'tvec user add NAME --role admin'"
        )
    if one_time is not None:
        err.print(f"created user 'admin'; one-time password (shown once): {one_time}", markup=False)
    if current.secret_key is None:
        err.print("TVEC_SECRET_KEY is not set: sessions end when tvec serve stops")
    trusted = (
        [part.strip() for part in forwarded_allow_ips.split(",") if part.strip()]
        if forwarded_allow_ips is not None
        else current.trusted_proxies
    )
    err.print(
        f"tvec review on http://{host}:{port}/" + (f" ({workers} workers)" if workers > 1 else "")
    )
    if trusted:
        err.print(f"X-Forwarded-For believed from: {', '.join(trusted)}", markup=False)
    try:
        if workers > 1:
            if current.secret_key is None:  # one key for every worker's session cookies
                os.environ["TVEC_SECRET_KEY"] = secrets.token_urlsafe(32)
            ctx.close()
            uvicorn.run(
                "tvec.web.worker:create",
                factory=True,
                workers=workers,
                host=host,
                port=port,
                log_level="warning",
                access_log=False,
                **proxy_options(trusted),  # type: ignore[arg-type]
            )
        else:
            uvicorn.run(
                create_app(ctx),
                host=host,
                port=port,
                log_level="warning",
                access_log=False,
                **proxy_options(trusted),  # type: ignore[arg-type]
            )
    except SystemExit as exc:
        if exc.code == STARTUP_FAILURE:
            check_port(host, port)  # another program took the port since the first check
        raise
