"""``tvec hash``: print the signals of files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tvec.app.hashing import hash_file
from tvec.cli.context import err, print_json, settings
from tvec.errors import NotFoundError


def hash_files(
    files: Annotated[list[Path], typer.Argument(help="Files to hash.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print 'signal_type value \\[quality]' for every signal of every file.

    With several files, each file's lines follow a '==> path <==' header.
    """
    current = settings()
    for path in files:
        if not path.is_file():
            raise NotFoundError(f"{path}: no such file")
    failed = False
    views = []
    for index, path in enumerate(files):
        view = hash_file(current, path)
        if view.error is not None:
            err.print(view.error, markup=False)
            failed = True
            if view.media_type is None:  # unreadable: not listed
                continue
        if as_json:
            views.append(view)
            continue
        if len(files) > 1:
            typer.echo(f"{'' if index == 0 else chr(10)}==> {path} <==")
        for s in view.signals:
            typer.echo(
                f"{s.signal_type} {s.value}" + (f" {s.quality}" if s.quality is not None else "")
            )
    if as_json:
        print_json(views)
    raise typer.Exit(1 if failed else 0)
