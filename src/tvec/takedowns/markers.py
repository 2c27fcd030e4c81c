"""Removal markers: how each platform says "this content is gone", as data.

The rows live in ``tvec/takedowns/removal_markers.yaml`` (beside this module) and,
for a deployment's own rows, in the YAML file named by ``TVEC_REMOVAL_MARKERS_FILE`` (same
format), which is merged over the packaged rows. The format (also in
``docs/status-checks.md``) is a list of rows::

    - platform: YouTube          # a platform name of the registry (any case), or "*" for all
      markers:                   # phrases (case-insensitive) or "re:" regular expressions
        - This video has been removed for violating
        - 're:"playabilityStatus":\\{"status":"ERROR"'
      login_paths: [/login]      # path prefixes (whole segments) or "re:" expressions
      login_redirect: true       # a redirect ending on a login path means removed (default)
      home_redirect: true        # a redirect to the home page means removed (default)
      notes: free text
      replace: false             # own file only: replace the packaged row instead of adding

Marker phrases match anywhere in the text of a ``2xx`` page, ignoring case and treating any
run of white space as one space. Login paths match the path of the final URL of a redirect:
``/accounts/login`` matches ``/accounts/login`` and ``/accounts/login/...`` but not
``/accounts/loginhelp``. The rules for a platform (:meth:`RemovalMarkers.rules_for`) are its
row's plus the ``"*"`` row's markers and login paths; ``login_redirect`` and
``home_redirect`` come from its row when set there, else from the ``"*"`` row, else ``true``.

Merging an own file: a row for a platform that has a packaged row adds its markers and login
paths to the packaged ones and overrides the flags it sets; with ``replace: true`` it takes
the packaged row's place. Rows for other platforms are added.

A row's keys and value types are the pydantic model
:class:`tvec.takedowns.marker_files.MarkerFileRow`; this module compiles its entries.

Errors: :class:`~tvec.errors.ConfigError` naming the file and the row (its position and
platform) for every invalid row: not YAML, not a list, unknown keys, an entry that is not
text or is empty (``''``, ``'re:'``), a bad regular expression, an expression that would
match every page or path (it matches empty text, as ``re:.*`` and ``re:x*`` do, or each of
:data:`EVERY_PAGE_PROBES` / :data:`EVERY_PATH_PROBES`, as ``re:.`` and ``re:/`` do), a login
path not starting with ``/``, two rows for one platform, or (when a registry is given) a
platform the registry does not know.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from tvec.datafiles import problem_message
from tvec.errors import ConfigError
from tvec.platforms import PlatformRegistry
from tvec.settings import Settings
from tvec.takedowns.marker_files import MarkerFileRow

#: Package data file with the packaged rows (in ``tvec.platforms``).
PACKAGED_FILE = "removal_markers.yaml"
#: The row whose rules apply to every platform (and to URLs of no known platform).
ALL_PLATFORMS = "*"
#: Prefix of a regular expression (in ``markers`` and ``login_paths``).
REGEX_PREFIX = "re:"
#: Keys a row may have (the fields of :class:`tvec.takedowns.marker_files.MarkerFileRow`).
ROW_KEYS = frozenset(MarkerFileRow.model_fields)
#: Pages that share nothing a removal notice could say: a marker found in each of them
#: would be found in every page, and is refused (so is one that matches empty text).
EVERY_PAGE_PROBES = ("ok", "{}", "404", "<html></html>", "你好")
#: Paths, likewise, for login paths.
EVERY_PATH_PROBES = ("/", "/x", "/watch/123", "/%7E")


@dataclass(frozen=True)
class Pattern:
    """One marker or login path: the text as written and the compiled expression."""

    text: str
    regex: re.Pattern[str]

    def found_in(self, text: str) -> bool:
        """Whether the pattern occurs in ``text`` (a search, not a full match)."""
        return self.regex.search(text) is not None


@dataclass(frozen=True)
class MarkerRow:
    """One row of a markers file.

    ``login_redirect``/``home_redirect`` are ``None`` when the row does not set them.
    ``origin`` names the file and row (for messages).
    """

    platform: str
    markers: tuple[Pattern, ...] = ()
    login_paths: tuple[Pattern, ...] = ()
    login_redirect: bool | None = None
    home_redirect: bool | None = None
    notes: str = ""
    replace: bool = False
    origin: str = ""


@dataclass(frozen=True)
class PlatformRules:
    """What counts as removed on one platform: its row merged with the ``"*"`` row.

    Attributes:
        platform: the platform's name, ``None`` for a URL of no known platform.
        markers: phrases/expressions meaning "removed" in the text of a 2xx page.
        login_paths: paths of a login page (a redirect ending there means removed).
        login_redirect: whether a redirect to a login path counts as removed.
        home_redirect: whether a redirect to the home page counts as removed.
    """

    platform: str | None
    markers: tuple[Pattern, ...]
    login_paths: tuple[Pattern, ...]
    login_redirect: bool = True
    home_redirect: bool = True

    def marker_in(self, text: str) -> Pattern | None:
        """The first marker found in ``text`` (already normalised by the caller), if any."""
        return next((m for m in self.markers if m.found_in(text)), None)

    def is_login_path(self, path: str) -> bool:
        """Whether a URL path (``/accounts/login/``) is a login page's."""
        return any(p.found_in(path or "/") for p in self.login_paths)


class RemovalMarkers:
    """The marker rows in force, by platform (case-insensitive names)."""

    def __init__(self, rows: Iterable[MarkerRow]) -> None:
        self._rows: dict[str, MarkerRow] = {}
        for row in rows:
            key = row.platform.casefold()
            if key in self._rows:
                raise ConfigError(f"{row.origin}: a second row for platform {row.platform!r}")
            self._rows[key] = row

    @property
    def rows(self) -> tuple[MarkerRow, ...]:
        """Every row, in file order (packaged rows first, then added ones)."""
        return tuple(self._rows.values())

    def row(self, platform: str) -> MarkerRow | None:
        """The row of ``platform`` (any case; ``"*"`` for all), if there is one."""
        return self._rows.get(platform.casefold())

    def rules_for(self, platform: str | None) -> PlatformRules:
        """The rules for URLs on ``platform`` (``None``: no known platform, ``"*"`` only)."""
        everyone = self._rows.get(ALL_PLATFORMS)
        own = self._rows.get(platform.casefold()) if platform else None
        rows = [r for r in (own, everyone) if r is not None]
        markers = tuple(m for r in rows for m in r.markers)
        logins = tuple(p for r in rows for p in r.login_paths)

        def flag(name: str) -> bool:
            for r in rows:
                value = getattr(r, name)
                if value is not None:
                    return bool(value)
            return True

        return PlatformRules(
            platform, markers, logins, flag("login_redirect"), flag("home_redirect")
        )

    def merged(self, added: Iterable[MarkerRow]) -> RemovalMarkers:
        """These rows with ``added`` merged over them (rules in the module docstring)."""
        rows = dict(self._rows)
        for row in added:
            key = row.platform.casefold()
            current = rows.get(key)
            if current is None or row.replace:
                rows[key] = row
                continue
            rows[key] = replace(
                current,
                markers=current.markers + row.markers,
                login_paths=current.login_paths + row.login_paths,
                login_redirect=(
                    current.login_redirect if row.login_redirect is None else row.login_redirect
                ),
                home_redirect=(
                    current.home_redirect if row.home_redirect is None else row.home_redirect
                ),
                notes=" ".join(n for n in (current.notes, row.notes) if n),
                origin=f"{current.origin}; {row.origin}",
            )
        return RemovalMarkers(rows.values())


def _phrase(text: str) -> re.Pattern[str]:
    words = text.split()
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)


def _login_path(text: str) -> re.Pattern[str]:
    prefix = text.rstrip("/")
    return re.compile("^" + re.escape(prefix) + r"(?:/|$)", re.IGNORECASE)


def _matches_everything(regex: re.Pattern[str], *, path: bool) -> str | None:
    """Why ``regex`` would match every page (every path), or ``None`` when it would not.

    Refused: an expression that matches the empty text (``re:.*``, ``re:x*``, ``re:^``), or
    every one of :data:`EVERY_PAGE_PROBES` (:data:`EVERY_PATH_PROBES`), short texts that
    share nothing a removal notice could say (``re:.``, ``re:\\S``, ``re:/``).
    """
    if regex.search("") is not None:
        return "it matches empty text"
    probes = EVERY_PATH_PROBES if path else EVERY_PAGE_PROBES
    if all(regex.search(probe) is not None for probe in probes):
        return "it matches each of " + ", ".join(repr(p) for p in probes)
    return None


def _patterns(origin: str, key: str, value: list[str] | None, *, path: bool) -> tuple[Pattern, ...]:
    """Compile a row's ``markers`` (``path=False``) or ``login_paths`` (``path=True``).

    Raises:
        ConfigError: naming ``origin``, ``key`` and the entry: empty, a bad regular
            expression, a login path not starting with ``/``, or one matching everything.
    """
    what = "path" if path else "page"
    example = "a path such as /login" if path else "a phrase"
    found: list[Pattern] = []
    for number, entry in enumerate(value or (), 1):
        text = entry.strip()
        if not text:
            raise ConfigError(
                f"{origin}: {key!r} entry {number} is empty (write {example}, or 're:' "
                "and a regular expression)"
            )
        if text.startswith(REGEX_PREFIX):
            expression = text[len(REGEX_PREFIX) :]
            if not expression.strip():
                raise ConfigError(
                    f"{origin}: {key!r} entry {number} ({text!r}) is empty: the regular "
                    "expression after 're:' is missing"
                )
            try:
                regex = re.compile(expression, re.IGNORECASE)
            except re.error as error:
                raise ConfigError(
                    f"{origin}: {key!r} entry {text!r} is not a valid regular expression ({error})"
                ) from error
        elif path:
            if not text.startswith("/") or not text.strip("/"):
                raise ConfigError(
                    f"{origin}: login path {text!r} must start with '/' and name a path "
                    "other than '/' (or be 're:...')"
                )
            regex = _login_path(text)
        else:
            regex = _phrase(text)
        why = _matches_everything(regex, path=path)
        if why is not None:
            raise ConfigError(
                f"{origin}: {key!r} entry {text!r} is refused: it would match every {what} ({why})"
            )
        found.append(Pattern(text, regex))
    return tuple(found)


def parse_rows(
    rows: object, source: str, registry: PlatformRegistry | None = None
) -> list[MarkerRow]:
    """Validate the parsed YAML of a markers file and build its rows.

    Args:
        rows: the YAML document (a list of mappings).
        source: the file's name, for messages.
        registry: when given, every platform named must be in it (or be ``"*"``); names are
            stored as the registry spells them.

    Raises:
        ConfigError: naming ``source``, the row's position and platform, and the problem.
    """
    if not isinstance(rows, list):
        raise ConfigError(f"{source}: expected a list of marker rows, not {type(rows).__name__}")
    names = {p.name.casefold(): p.name for p in registry.platforms} if registry else None
    parsed: list[MarkerRow] = []
    seen: set[str] = set()
    for index, raw in enumerate(rows, 1):
        label = f"row {index}"
        name = raw.get("platform") if isinstance(raw, dict) else None
        if isinstance(name, str) and name.strip():
            label = f"{label} (platform {name.strip()!r})"
        origin = f"{source}: {label}"
        try:
            row = MarkerFileRow.model_validate(raw)
        except ValidationError as error:
            message = problem_message(error, label)
            raise ConfigError(f"{source}: {message}") from None
        name = row.platform
        if names is not None and name != ALL_PLATFORMS:
            if name.casefold() not in names:
                raise ConfigError(
                    f"{origin}: no platform of that name in the registry (see 'tvec platform list')"
                )
            name = names[name.casefold()]
        if name.casefold() in seen:
            raise ConfigError(f"{origin}: a second row for that platform")
        seen.add(name.casefold())
        parsed.append(
            MarkerRow(
                platform=name,
                markers=_patterns(origin, "markers", row.markers, path=False),
                login_paths=_patterns(origin, "login_paths", row.login_paths, path=True),
                login_redirect=row.login_redirect,
                home_redirect=row.home_redirect,
                notes=(row.notes or "").strip(),
                replace=bool(row.replace),
                origin=origin,
            )
        )
    return parsed


def _parse_text(text: str, source: str, registry: PlatformRegistry | None) -> list[MarkerRow]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: not valid YAML ({error})") from error
    except UnicodeEncodeError as error:  # libyaml encodes the text first: a lone surrogate
        raise ConfigError(f"{source}: not valid YAML (not UTF-8 text: {error.reason})") from error
    return parse_rows(document if document is not None else [], source, registry)


@cache
def packaged_markers() -> RemovalMarkers:
    """The rows shipped in ``tvec/takedowns/removal_markers.yaml`` (parsed once).

    Raises:
        ConfigError: the packaged file is invalid.
    """
    text = resources.files("tvec.takedowns").joinpath(PACKAGED_FILE).read_text("utf-8")
    return RemovalMarkers(_parse_text(text, PACKAGED_FILE, None))


def read_markers_file(path: Path, registry: PlatformRegistry | None = None) -> list[MarkerRow]:
    """Read and validate an own markers file (the packaged format).

    Raises:
        ConfigError: the file cannot be read, or a row is invalid (names file and row).
    """
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"TVEC_REMOVAL_MARKERS_FILE {path}: cannot read it ({error})") from error
    return _parse_text(text, str(path), registry)


def load_markers(
    settings: Settings | None = None, *, registry: PlatformRegistry | None = None
) -> RemovalMarkers:
    """The marker rows in force: the packaged rows, with ``settings.removal_markers_file``
    (when set) merged over them.

    Args:
        settings: where the own file is named (``None``: packaged rows only).
        registry: the platforms in force; rows of the own file must name one of them.

    Raises:
        ConfigError: a file is unreadable or has an invalid row (names file and row).
    """
    markers = packaged_markers()
    path = settings.removal_markers_file if settings is not None else None
    if path is None:
        return markers
    return markers.merged(read_markers_file(Path(path), registry))
