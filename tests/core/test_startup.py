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


#: What a look-up of a value never needs once the store is current and the index exists:
#: SQLAlchemy (the reads go through the driver: tvec.store.reads), numpy (the first look-ups
#: read the index files in plain Python: tvec.matching.light_index), Pillow (image decoding),
#: Alembic and the migrations, the ORM and the models, the hashers (python-threatexchange and
#: faiss, numba), the public suffix list (tldextract: URL look-ups only).
NOT_FOR_A_LOOKUP = {
    "sqlalchemy",
    "numpy",
    "PIL",
    "alembic",
    "sqlalchemy.orm",
    "tvec.store.models",
    "threatexchange",
    "faiss",
    "numba",
    "tldextract",
}


def _bank_of_two(tmp_path: Path) -> list[str]:
    """A home with a bank of two PDQ hashes, migrated and indexed; returns the hashes."""
    hashes = ["f" * 64, "0f" * 32]
    bank = tmp_path / "bank.txt"
    bank.write_text("".join(f"pdq,{h}\n" for h in hashes), encoding="utf-8")
    for args in (("bank", "import", "--create", "b", str(bank)), ("index", "rebuild")):
        code, _ = _modules(tmp_path, *args)
        assert code == 0, args
    return hashes


def test_match_of_a_value_loads_no_orm_alembic_or_hasher(tmp_path: Path) -> None:
    hashes = _bank_of_two(tmp_path)
    code, modules = _modules(tmp_path, "match", "--signal-type", "pdq", hashes[0])
    assert code == 0
    assert {"tvec.matching.light_index", "tvec.store.reads", "sqlite3"} <= modules  # matched
    assert NOT_FOR_A_LOOKUP & modules == set()
    assert "rich" in modules  # a match is printed as a table
    code, modules = _modules(tmp_path, "match", "--signal-type", "pdq", hashes[0], "--json")
    assert code == 0
    assert NOT_FOR_A_LOOKUP & modules == set()
    assert not any(m == "rich" or m.startswith("rich.") for m in modules)  # JSON: no Rich


def test_first_command_in_a_new_home_still_migrates(tmp_path: Path) -> None:
    code, modules = _modules(tmp_path, "match", "--signal-type", "pdq", "f" * 64)
    assert code == 0
    assert "alembic" in modules  # an empty database is handed to Alembic
    code, modules = _modules(tmp_path, "match", "--signal-type", "pdq", "f" * 64)
    assert code == 0
    assert "alembic" not in modules  # now at head: one query tells


def test_hash_opens_no_store(tmp_path: Path) -> None:
    picture = tmp_path / "a.png"
    from PIL import Image

    Image.effect_noise((64, 48), 60).convert("RGB").save(picture)
    code, modules = _modules(tmp_path, "hash", str(picture))
    assert code == 0
    assert "tvec.signals.hashing" in modules  # it really hashed
    assert {"sqlalchemy", "tvec.store", "alembic", "rich"} & modules == set()
    assert not (tmp_path / "home").exists()  # nothing written: no database made
