"""``tvec analyze``: print what the analysis pipeline finds in texts, files or JSON Lines posts.

Thin over :class:`tvec.analysis.pipeline.Analyzer`; the stages follow the ``TVEC_ANALYSIS_*``
settings. Nothing is stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from tvec.analysis.pipeline import Analysis, Analyzer
from tvec.cli.context import settings
from tvec.errors import NotFoundError, UsageError
from tvec.sources.jsonl import read_jsonl


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
    analyzer = Analyzer.from_settings(settings())
    if jsonl is not None:
        if inputs:
            raise UsageError("give either --jsonl FILE or TEXT/FILE arguments, not both")
        raise typer.Exit(_analyze_jsonl(analyzer, jsonl))
    if not inputs:
        raise UsageError("nothing to analyse: give TEXT, FILE... or --jsonl FILE")
    failed = False
    documents: list[dict[str, Any]] = []
    for index, value in enumerate(inputs):
        path = Path(value)
        is_file = path.is_file()
        found = analyzer.analyze_file(path) if is_file else analyzer.analyze(value)
        failed = failed or bool(found.errors)
        document = {"input": value, "kind": "file" if is_file else "text", **found.as_json()}
        if as_json:
            documents.append(document)
            continue
        if len(inputs) > 1:
            typer.echo(f"{'' if index == 0 else chr(10)}==> {value if is_file else 'text'} <==")
        _print(found)
    if as_json:
        typer.echo(json.dumps(documents, indent=2, ensure_ascii=False))
    raise typer.Exit(1 if failed else 0)


def _analyze_jsonl(analyzer: Analyzer, path: Path) -> int:
    """Print one JSON line per line of ``path``; return the exit code (1 if a line was bad)."""
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file")
    failed = False
    for raw in read_jsonl(path):
        line = raw.meta.get("line") or _line_of(raw.locator)
        if raw.error is not None and raw.text is None and not raw.children:
            failed = True
            typer.echo(
                json.dumps(
                    {"line": line, "kind": raw.error.kind, "error": str(raw.error)},
                    ensure_ascii=False,
                )
            )
            continue
        document: dict[str, Any] = {"id": raw.locator.rsplit("#", 1)[-1], "line": line}
        found = analyzer.analyze(raw.text)
        document.update(found.as_json())
        media = []
        for child in raw.children:
            if child.path is not None:
                media.append(
                    {"file": str(child.path), **analyzer.analyze_file(child.path).as_json()}
                )
            elif child.error is not None:
                media.append({"file": child.meta.get("path"), "errors": [str(child.error)]})
        if media:
            document["media"] = media
        failed = failed or bool(found.errors) or any(m.get("errors") for m in media)
        typer.echo(json.dumps(document, ensure_ascii=False))
    return 1 if failed else 0


def _line_of(locator: str) -> int | None:
    tail = locator.rsplit("#line ", 1)
    return int(tail[1]) if len(tail) == 2 and tail[1].isdigit() else None


def _print(found: Analysis) -> None:
    if found.primary_language is not None:
        shares = ", ".join(
            f"{s.code} {s.share:.0%}" + (f" ({s.script})" if s.script else "")
            for s in found.languages
        )
        typer.echo(f"languages: {shares or '-'} (primary: {found.primary_language})")
    for part in found.parts:
        reading = part.reading
        about = (
            f"{part.where}, {part.method}"
            if reading is None
            else f"{part.where}, {reading.script}, {'+'.join(reading.packs)}, "
            f"confidence {reading.confidence:.0f}"
        )
        typer.echo(f"ocr text [{about}]:")
        for text_line in part.text.splitlines():
            typer.echo(f"  {text_line}")
    if found.stages.get("indicators") == "done":
        typer.echo(f"hits: {len(found.hits)}")
    for hit in found.hits:
        h = hit.hit
        name = h.entity_id + (f"/{h.outlet_id}" if h.outlet_id else "")
        steps = f" steps: {', '.join(h.steps)}" if h.steps else ""
        typer.echo(
            f"  {name}  alias {h.alias!r}  {hit.field}[{h.start}:{h.end}] {h.matched_text!r}{steps}"
        )
    off = [
        f"{stage} {state}" for stage, state in found.stages.items() if state not in ("done", "n/a")
    ]
    if off:
        typer.echo(f"stages: {', '.join(off)}")
    for error in found.errors:
        typer.echo(f"error: {error}", err=True)
