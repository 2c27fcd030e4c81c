"""Use cases of ``tvec analyze``: run the analysis pipeline over texts, files and JSON Lines
posts (:class:`tvec.analysis.pipeline.Analyzer`, stages by ``TVEC_ANALYSIS_*``). Nothing is
stored; the adapter passes the entity registry in force (imported lists included).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tvec.analysis.pipeline import Analyzer
from tvec.entities.registry import EntityRegistry
from tvec.errors import NotFoundError
from tvec.settings import Settings
from tvec.sources.jsonl import read_jsonl
from tvec.views.analysis import InputAnalysisView
from tvec.views.base import jsonable


def analyze_inputs(
    settings: Settings, inputs: Sequence[str], registry: EntityRegistry | None = None
) -> list[InputAnalysisView]:
    """What the pipeline finds in each input: an input naming an existing file is read as
    that file (text, image, video, PDF), any other as text. Indicators are of ``registry``
    (the registry in force, :meth:`tvec.app.context.AppContext.entities`), by default the
    packaged one plus ``TVEC_ENTITIES_FILE``. Problems are in each result's ``errors``;
    never raises for a bad input."""
    analyzer = Analyzer.from_settings(settings, registry)
    found = []
    for value in inputs:
        path = Path(value)
        is_file = path.is_file()
        result = analyzer.analyze_file(path) if is_file else analyzer.analyze(value)
        found.append(
            InputAnalysisView(
                input=value,
                kind="file" if is_file else "text",
                **result.view().model_dump(),
            )
        )
    return found


def analyze_posts(
    settings: Settings, path: Path, registry: EntityRegistry | None = None
) -> Iterator[tuple[dict[str, Any], bool]]:
    """One JSON document per line of the JSON Lines file ``path`` (``{"id", "text"}`` posts,
    ``docs/analysis.md``): ``id``, ``line``, the analysis of the text, and ``media`` (one
    analysis per media file the post names) when it names any; a bad line gives
    ``{"line", "kind", "error"}``. Each comes with whether the line had a problem.
    Indicators are of ``registry`` as in :func:`analyze_inputs`.

    Raises:
        NotFoundError: ``path`` is not a file.
    """
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file")
    analyzer = Analyzer.from_settings(settings, registry)
    for raw in read_jsonl(path):
        line = raw.meta.get("line") or _line_of(raw.locator)
        if raw.error is not None and raw.text is None and not raw.children:
            yield {"line": line, "kind": raw.error.kind, "error": str(raw.error)}, True
            continue
        document: dict[str, Any] = {"id": raw.locator.rsplit("#", 1)[-1], "line": line}
        found = analyzer.analyze(raw.text)
        document.update(jsonable(found.view()))
        media: list[dict[str, Any]] = []
        for child in raw.children:
            if child.path is not None:
                media.append(
                    {"file": str(child.path), **jsonable(analyzer.analyze_file(child.path).view())}
                )
            elif child.error is not None:
                media.append({"file": child.meta.get("path"), "errors": [str(child.error)]})
        if media:
            document["media"] = media
        failed = bool(found.errors) or any(m.get("errors") for m in media)
        yield document, failed


def _line_of(locator: str) -> int | None:
    tail = locator.rsplit("#line ", 1)
    return int(tail[1]) if len(tail) == 2 and tail[1].isdigit() else None
