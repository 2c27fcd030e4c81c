"""``tvec report tco-annual``: the annual
transparency report of Regulation (EU) 2021/784, Article 7(3)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tvec.app.tco import tco_annual_text
from tvec.cli.context import context, out


def tco_annual(
    year: Annotated[int, typer.Option("--year", help="Calendar year (UTC), e.g. 2026.")],
    fmt: Annotated[str, typer.Option("--format", help="html, json or csv.")] = "html",
    output: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """The annual transparency report of Regulation (EU) 2021/784, Article 7, from live data."""
    text = tco_annual_text(context(), year, fmt)
    if output is None:
        typer.echo(text)
        return
    output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    out.print(f"wrote the {year} TCO annual report ({fmt}) to {output}", markup=False)
