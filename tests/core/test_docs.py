"""Docs that cannot drift: every setting and every CLI command is documented and has help."""

from __future__ import annotations

from pathlib import Path

import typer

from tvec.cli.app import app
from tvec.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _commands(typer_app: typer.Typer, prefix: str = "tvec") -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for command in typer_app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        doc = command.help or (command.callback.__doc__ if command.callback else None)
        found.append((f"{prefix} {name}", doc))
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None
        found.extend(_commands(group.typer_instance, f"{prefix} {group.name}"))
    return found


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
