"""``tvec serve``: run the review web app with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from tvec.accounts import ensure_first_admin
from tvec.cli.context import err, settings, store


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (1-65535).", min=1, max=65535)] = 8000,
) -> None:
    """Run the review web app (queue, cases, decisions, audit log, JSON and HMA APIs).

    On first start with no users, creates user 'admin' with TVEC_ADMIN_PASSWORD, or prints
    a one-time password.
    """
    import uvicorn

    from tvec.web import create_app

    current = settings()
    the_store = store()
    with the_store.session() as session:
        one_time = ensure_first_admin(session, current.admin_password)
    if one_time is not None:
        err.print(f"created user 'admin'; one-time password (shown once): {one_time}", markup=False)
    if current.secret_key is None:
        err.print("TVEC_SECRET_KEY is not set: sessions end when tvec serve stops")
    app = create_app(current, the_store)
    err.print(f"tvec review on http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
