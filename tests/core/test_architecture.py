"""The shape of the code: no package cycles, and the layer contracts of ``docs/architecture.md``.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``) and are checked by
import-linter (``lint-imports``, also run by ``make test``). The cycle check here is
independent of import-linter: it reads every ``import`` of ``src/tvec`` with :mod:`ast`
(imports inside functions and ``TYPE_CHECKING`` blocks included) and fails on any cycle
between tvec's top-level packages, naming the import lines that make it.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "tvec"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

Graph = dict[str, dict[str, list[str]]]


def package_graph(src: Path) -> Graph:
    """``importer package -> imported package -> ["module:line", ...]`` for tvec's packages.

    A package is the first name under ``tvec`` (``tvec.alerts.send`` -> ``alerts``; a module
    at the top, ``tvec.media``, is its own package). Imports within one package are left out.
    """
    graph: Graph = defaultdict(lambda: defaultdict(list))
    for path in sorted(src.rglob("*.py")):
        parts = path.relative_to(src.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        importer = module.split(".")[1] if "." in module else module
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module == "tvec":
                    targets = [f"tvec.{alias.name}" for alias in node.names]
                elif node.module.startswith("tvec."):
                    targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("tvec.")]
            for target in targets:
                imported = target.split(".")[1]
                if imported != importer and not imported.startswith("__"):
                    graph[importer][imported].append(f"{module}:{node.lineno}")
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one package (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def describe(graph: Graph, component: list[str]) -> str:
    """The imports inside one cycle, for the failure message."""
    lines = []
    for a in component:
        for b in component:
            if b in graph.get(a, {}):
                lines.append(f"  {a} -> {b}: {', '.join(graph[a][b][:3])}")
    return "\n".join(lines)


def test_no_package_cycles() -> None:
    graph = package_graph(SRC)
    assert len(graph) > 20  # the walk saw the packages
    found = cycles(graph)
    assert not found, "package cycles:\n" + "\n".join(describe(graph, c) for c in found)


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path) -> None:
    """A deliberate cycle (text -> store -> text) is found and named with its import line."""
    (tmp_path / "tvec" / "text").mkdir(parents=True)
    (tmp_path / "tvec" / "store").mkdir()
    (tmp_path / "tvec" / "__init__.py").write_text("")
    (tmp_path / "tvec" / "text" / "__init__.py").write_text("from tvec.store import db\n")
    (tmp_path / "tvec" / "store" / "__init__.py").write_text("")
    (tmp_path / "tvec" / "store" / "db.py").write_text("\n\nimport tvec.text.normalize\n")
    graph = package_graph(tmp_path / "tvec")
    (component,) = cycles(graph)
    assert component == ["store", "text"]
    assert "store -> text: tvec.store.db:3" in describe(graph, component)


def _lint_imports(cwd: Path, src: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: install the dev extra (import-linter)")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=cwd,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_layer_contracts_are_kept() -> None:
    result = _lint_imports(ROOT, ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("net/__init__.py", "import tvec.store\n", "net, text, urls, clock, datafiles, errors"),
        ("cases/__init__.py", "import tvec.web\n", "The core never imports"),
        ("web/__init__.py", "import sqlalchemy\n", "cli and web import no SQLAlchemy"),
        ("text/__init__.py", "import tvec.cases\n", "No package cycles"),
    ],
)
def test_a_deliberate_violation_breaks_a_contract(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    """A copy of the source with one forbidden import added fails ``lint-imports``."""
    copy = tmp_path / "src" / "tvec"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text("utf-8") + line, "utf-8")
    result = _lint_imports(tmp_path, tmp_path / "src")
    assert result.returncode != 0
    verdicts = [line for line in result.stdout.splitlines() if line.startswith(broken)]
    assert verdicts, result.stdout
    assert verdicts[0].endswith(" BROKEN"), verdicts
