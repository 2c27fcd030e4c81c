"""The ``tvec`` command: entry point, error handling and the lazily loaded command tree.

Each top-level command lives in its own module and is imported only when it runs (or when its
own ``--help`` is asked for): ``tvec --help`` and ``tvec version`` import none of them, and a
command that hashes no images never imports numba. :data:`COMMANDS` names each command's
module and its one-line help (a test checks the line against the command's own help).

Exit codes (documented in ``docs/cli.md``): 0 all fine; 1 finished, but some items had errors;
2 usage or configuration error; 3 the database or evidence store failed; 130 interrupted
(Ctrl-C).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from tvec import __version__
from tvec.errors import EXIT_INTERRUPTED, EXIT_USAGE, TvecError, exit_code_for

#: name -> (``module:attribute`` of a Typer app or command function, one-line help), in the
#: order ``tvec --help`` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "scan": (
        "tvec.cli.scan:scan",
        "Scan content: store items and signals, match them against banks, report matches.",
    ),
    "hash": (
        "tvec.cli.hashing:hash_files",
        "Print 'signal_type value \\[quality]' for every signal of every file.",
    ),
    "match": (
        "tvec.cli.match:match",
        "Print the bank entries that signal values or files match: distance, bank and labels.",
    ),
    "bank": (
        "tvec.cli.bank:app",
        "Manage banks of known signals (hash lists such as TCAP or GIFCT).",
    ),
    "index": (
        "tvec.cli.index:app",
        "The persisted match index shared by every process that matches: status, rebuild, "
        "verify, compact.",
    ),
    "analyze": (
        "tvec.cli.analyze:analyze",
        "Print languages with shares, OCR text and indicator hits with spans.",
    ),
    "exchange": (
        "tvec.cli.exchange:app",
        "Fetch hash and URL lists from the field (TAT, ThreatExchange, HMA, URL lists) into banks.",
    ),
    "source": (
        "tvec.cli.source:app",
        "Manage beacon sources (Telegram exports, feeds, web archives, post files, URL lists, "
        "TCAP exports) and poll them.",
    ),
    "entity": (
        "tvec.cli.entity:app",
        "Entities: list, search and show designated groups; import designation lists.",
    ),
    "platform": (
        "tvec.cli.platform:app",
        "The platform registry: which service hosts a domain and how to report abuse.",
    ),
    "outlinks": (
        "tvec.cli.collection:outlinks",
        "List each canonical out-link with the text as seen, its platform and its sightings.",
    ),
    "outlinks-expand": (
        "tvec.cli.collection:outlinks_expand",
        "Expand stored short links (bit.ly...) to the platform hosting the content.",
    ),
    "watch": (
        "tvec.cli.collection:watch_command",
        "Poll sources on an interval until stopped (SIGINT/SIGTERM stop cleanly); between "
        "polls, deliver due alerts, run due status checks and sweep removal orders.",
    ),
    "alert": (
        "tvec.cli.alert:app",
        "Alerts to platforms: verify URLs, reporting routes, preview, send, retry, list.",
    ),
    "check": (
        "tvec.cli.check:app",
        "Status checks: is alerted content still online? (docs/status-checks.md)",
    ),
    "stats": ("tvec.cli.stats:app", "Figures over what tvec recorded."),
    "report": (
        "tvec.cli.report:app",
        "Transparency reports, the platform scoreboard and the TCO Article 7 annual report.",
    ),
    "order": (
        "tvec.cli.order:app",
        "Removal orders (EU Regulation 2021/784): record, watch the one-hour clock, act, "
        "reply or reject (and resume), and the legal holds of removed content.",
    ),
    "sor": (
        "tvec.cli.sor:app",
        "Statements of reasons (DSA Article 17): list, show, export, check and submit them to "
        "the EU DSA Transparency Database.",
    ),
    "user": ("tvec.cli.user:app", "Manage reviewer accounts and API tokens."),
    "audit": ("tvec.cli.audit:app", "Check and export the audit log."),
    "serve": (
        "tvec.cli.serve:serve",
        "Run the review web app (queue, cases, decisions, audit log, JSON and HMA APIs).",
    ),
    "settings": (
        "tvec.cli.settings_cmd:show_settings",
        "Print every setting: its environment variable, current value and help.",
    ),
}


def load_command(name: str) -> TyperCommand | TyperGroup:
    """Import the command ``name`` of :data:`COMMANDS` and build its Click command.

    Raises:
        KeyError: no such command.
    """
    target, _ = COMMANDS[name]
    module_name, attribute = target.split(":")
    found: Any = getattr(importlib.import_module(module_name), attribute)
    holder = typer.Typer(add_completion=False)
    holder.callback()(lambda: None)  # a group, even when it holds one command
    if isinstance(found, typer.Typer):
        holder.add_typer(found, name=name)  # a group, as it was when added eagerly
    else:
        holder.command(name)(found)
    command: Any = typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]
    loaded: TyperCommand | TyperGroup = command
    return loaded


class LazyGroup(TyperGroup):
    """The root group: commands of :data:`COMMANDS` are imported when first used; the root
    ``--help`` lists them from their one-line help without importing any."""

    _listing = False

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        """Every command name: the eager ones (``version``), then :data:`COMMANDS`."""
        return [*self.commands, *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:  # type: ignore[override]
        """The command ``cmd_name``, imported on first use (a stand-in with its one-line help
        while the root help is being written)."""
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            if self._listing:
                return TyperCommand(cmd_name, help=COMMANDS[cmd_name][1])
            self.add_command(load_command(cmd_name), cmd_name)
        return self.commands.get(cmd_name)

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:  # type: ignore[override]
        """The root help, listing the commands without importing them."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    cls=LazyGroup,
    help="tvec: find, review and take down terrorist and violent extremist content.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root() -> None:
    """tvec: find, review and take down terrorist and violent extremist content."""


@app.command("version")
def version() -> None:
    """Print tvec's version."""
    typer.echo(__version__)


#: What an interrupted command says (Ctrl-C, SIGINT).
INTERRUPTED = "interrupted: what was stored is kept; run the same command again to resume"


def _error(message: str) -> None:
    from tvec.cli.context import err

    err.print(message, markup=False)


#: pydantic looks for plugins in the entry points of every installed distribution when it
#: builds its first model (about 0.05 s of CPU per command); tvec uses none, so the CLI turns
#: the search off unless ``PYDANTIC_DISABLE_PLUGINS`` is already set (set it, even to an
#: empty value, to let plugins load).
PYDANTIC_PLUGINS = "PYDANTIC_DISABLE_PLUGINS"


def run(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    os.environ.setdefault(PYDANTIC_PLUGINS, "1")
    for number, argument in enumerate(sys.argv[1:] if argv is None else argv, start=1):
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            shown = argument.encode("utf-8", "backslashreplace").decode("ascii", "replace")
            _error(f"error: argument {number} is not valid UTF-8: {shown[:80]}")
            return EXIT_USAGE
    try:
        result = app(args=argv, prog_name="tvec", standalone_mode=False)
    except TvecError as exc:
        _error(f"error: {exc}")
        return exit_code_for(exc)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        _error("aborted")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _error(INTERRUPTED)
        return EXIT_INTERRUPTED
    except typer.TyperException as exc:
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            _error(f"error: {exc}")
        code = getattr(exc, "exit_code", EXIT_USAGE)
        return code if isinstance(code, int) and code else EXIT_USAGE
    if result == EXIT_INTERRUPTED:  # Typer returns Ctrl-C as exit code 130
        _error(INTERRUPTED)
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
