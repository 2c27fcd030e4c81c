"""``tvec analyze``: print what the analysis pipeline finds in texts, files or JSON Lines posts.

Thin over :mod:`tvec.app.analysis`; the stages follow the ``TVEC_ANALYSIS_*`` settings.
Nothing is stored; indicators are of the entity registry in force (packaged, the entities
file and imported designation lists).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tvec.app.analysis import analyze_inputs, analyze_posts
from tvec.cli.context import context, print_json, settings
from tvec.errors import UsageError
from tvec.views.analysis import AnalysisView


def analyze(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Texts or files to analyse. An argument naming an existing file is read as "
            "that file (text, image, video, PDF); any other argument is analysed as text.",
            show_default=False,
            metavar="TEXT_OR_FILE",
        ),
    ] = None,
    jsonl: Annotated[
        Path | None,
        typer.Option(
            "--jsonl",
            help='Analyse each line {"id", "text"} of this JSON Lines file and print one JSON '
            "result line per input line (a bad line gives an error line naming it).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array of results.")] = False,
) -> None:
    """Print languages with shares, OCR text and indicator hits with spans.

    Exit code 0 when every input was read, 1 when some could not be (listed).
    """
    if jsonl is not None:
        if inputs:
            raise UsageError("give either --jsonl FILE or TEXT/FILE arguments, not both")
        failed = False
        for document, bad in analyze_posts(settings(), jsonl, context().entities()):
            failed = failed or bad
            typer.echo(json.dumps(document, ensure_ascii=False))
        raise typer.Exit(1 if failed else 0)
    if not inputs:
        raise UsageError("nothing to analyse: give TEXT, FILE... or --jsonl FILE")
    results = analyze_inputs(settings(), inputs, context().entities())
    if as_json:
        print_json(results)
    else:
        for index, found in enumerate(results):
            if len(results) > 1:
                name = found.input if found.kind == "file" else "text"
                typer.echo(f"{'' if index == 0 else chr(10)}==> {name} <==")
            _print(found)
    raise typer.Exit(1 if any(found.errors for found in results) else 0)


def _print(found: AnalysisView) -> None:
    if found.primary_language is not None:
        shares = ", ".join(
            f"{s.code} {s.share:.0%}" + (f" ({s.script})" if s.script else "")
            for s in found.languages
        )
        typer.echo(f"languages: {shares or '-'} (primary: {found.primary_language})")
    for part in found.media_text:
        about = (
            f"{part.where}, {part.method}"
            if part.script_by is None
            else f"{part.where}, {part.script}, {'+'.join(part.packs or [])}, "
            f"confidence {part.confidence or 0:.0f}"
        )
        typer.echo(f"ocr text [{about}]:")
        for text_line in part.text.splitlines():
            typer.echo(f"  {text_line}")
    if found.stages.get("indicators") == "done":
        typer.echo(f"hits: {len(found.hits)}")
    for h in found.hits:
        name = h.entity_id + (f"/{h.outlet_id}" if h.outlet_id else "")
        steps = f" steps: {', '.join(h.steps)}" if h.steps else ""
        typer.echo(
            f"  {name}  alias {h.alias!r}  {h.field}[{h.start}:{h.end}] {h.matched_text!r}{steps}"
        )
    off = [
        f"{stage} {state}" for stage, state in found.stages.items() if state not in ("done", "n/a")
    ]
    if off:
        typer.echo(f"stages: {', '.join(off)}")
    for error in found.errors:
        typer.echo(f"error: {error}", err=True)
