"""Docs that cannot drift: every setting and every CLI command is documented and has help."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from tvec.cli.app import COMMANDS, app
from tvec.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _commands(command: Any = None, prefix: str = "tvec") -> list[tuple[str, str | None]]:
    """Every leaf command below ``command`` (default: the root, every lazy command loaded)
    with its help."""
    if command is None or isinstance(command, typer.Typer):
        command = typer.main.get_command(command or app)
    context = typer.Context(command)
    found: list[tuple[str, str | None]] = []
    for name in command.list_commands(context):
        sub = command.get_command(context, name)
        if hasattr(sub, "list_commands"):
            found.extend(_commands(sub, f"{prefix} {name}"))
        else:
            found.append((f"{prefix} {name}", sub.help))
    return found


def test_the_root_help_lines_are_the_commands_own() -> None:
    """:data:`tvec.cli.app.COMMANDS` lists each command's help line without importing it;
    it must say what the command itself says."""
    root = typer.main.get_command(app)
    context = typer.Context(root)
    for name, (_, line) in COMMANDS.items():
        own = root.get_command(context, name).help or ""
        assert " ".join(own.split()).startswith(" ".join(line.split())), name


def test_every_setting_has_help_and_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    for name, info in Settings.model_fields.items():
        assert info.description, f"setting {name} has no help"
        assert f"`TVEC_{name.upper()}`" in text, f"TVEC_{name.upper()} missing from settings.md"


def test_every_command_has_help_and_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = _commands(app)
    assert {"tvec scan", "tvec hash", "tvec bank import", "tvec bank export"} <= {
        c for c, _ in commands
    }
    for command, doc in commands:
        assert doc and doc.strip(), f"{command} has no help"
        assert f"`{command}" in text, f"{command} missing from docs/cli.md"


def test_help_runs_for_every_command(cli) -> None:  # type: ignore[no-untyped-def]
    for command, _ in _commands(app):
        result = cli(*command.split()[1:], "--help")
        assert result.code == 0, command
        assert "Usage" in result.out


def test_every_signal_type_is_documented() -> None:
    from tvec.signals import registry

    text = (DOCS / "signal-types.md").read_text(encoding="utf-8")
    for name in registry():
        assert f"| `{name}` |" in text, f"signal type {name} missing from docs/signal-types.md"
