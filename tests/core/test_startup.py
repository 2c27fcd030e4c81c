"""What a command imports when it starts (its CPU cost is measured in bench/bench_startup.py,
never asserted here): ``tvec --help`` and ``tvec version`` import no command module, no
database layer and no settings; a command that hashes no images never imports numba."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
from tvec.cli.app import run
code = run(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    """Run ``tvec ARGS`` in a fresh interpreter; its exit code and every module it imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env={
            "PYTHONPATH": str(ROOT / "src"),
            "TVEC_HOME": str(tmp_path / "home"),
            "TVEC_PROGRESS": "false",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    last = done.stdout.strip().splitlines()[-1]
    found = json.loads(last)
    return int(found["code"]), set(found["modules"])


@pytest.mark.parametrize("args", [("--help",), ("version",)])
def test_help_and_version_import_no_command(tmp_path: Path, args: tuple[str, ...]) -> None:
    code, modules = _modules(tmp_path, *args)
    assert code == 0
    commands = {m for m in modules if m.startswith("tvec.cli.") and m != "tvec.cli.app"}
    assert commands == set()
    heavy = {"sqlalchemy", "pydantic_settings", "numba", "numpy", "fastapi", "httpx"}
    assert heavy & modules == set()


@pytest.mark.parametrize(
    "args",
    [
        ("order", "list"),
        ("stats", "removals"),
        ("bank", "list"),
        ("source", "list"),
        ("outlinks",),
        ("platform", "list"),
        ("alert", "list"),
        ("check", "list"),
        ("user", "list"),
        ("audit", "verify"),
        ("settings",),
    ],
)
def test_commands_that_hash_no_images_never_import_numba(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    code, modules = _modules(tmp_path, *args)
    assert code == 0
    assert "tvec.store" in modules or args == ("settings",)  # the command really ran
    assert "numba" not in modules
