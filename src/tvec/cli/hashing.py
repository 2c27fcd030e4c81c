"""``tvec hash``: print the signals of files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tvec.cli.context import err, settings
from tvec.errors import NotFoundError
from tvec.signals.hashing import hash_content


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
    documents = []
    for index, path in enumerate(files):
        try:
            data = path.read_bytes()
        except OSError as exc:
            err.print(f"{path}: cannot read: {exc.strerror}", markup=False)
            failed = True
            continue
        result = hash_content(data, str(path), max_pixels=current.max_image_pixels)
        if result.error is not None:
            err.print(str(result.error), markup=False)
            failed = True
        if as_json:
            documents.append(
                {
                    "file": str(path),
                    "media_type": result.kind.media_type,
                    "signals": [s.__dict__ for s in result.signals],
                    "error": str(result.error) if result.error else None,
                }
            )
            continue
        if len(files) > 1:
            typer.echo(f"{'' if index == 0 else chr(10)}==> {path} <==")
        for s in result.signals:
            typer.echo(
                f"{s.signal_type} {s.value}" + (f" {s.quality}" if s.quality is not None else "")
            )
    if as_json:
        typer.echo(json.dumps(documents, indent=2))
    raise typer.Exit(1 if failed else 0)
