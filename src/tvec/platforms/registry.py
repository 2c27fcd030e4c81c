"""The platform registry: which service hosts a URL, what kind it is, and where to report it.

The rows come from ``platforms.yaml`` in this package (one row per platform, see
``docs/outlinks.md`` for the fields) and may be overridden by rows that users add later
(:meth:`PlatformRegistry.with_overrides`).

Resolution (:meth:`PlatformRegistry.resolve`) canonicalises the URL, then looks the host up
exactly, then each parent domain in turn down to the host's registrable domain under the
ICANN section of the Public Suffix List (for a host with no known suffix, such as
``files.intranet.example``, down to its last label). Because the walk stops at the ICANN registrable
domain, hosts under private suffixes still reach their platform (``x.blogspot.com`` ->
``blogspot.com`` -> Blogger; ``foo.github.io`` -> ``github.io`` -> GitHub Pages), while the
``registrable_domain`` reported is the one of the full list, private section included
(``x.blogspot.com``): the unit that one account owns. The Public Suffix List is the snapshot
bundled with tldextract (:mod:`tvec.urls.suffixes`); it is never fetched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

import yaml
from pydantic import ValidationError

from tvec.datafiles import problem_message
from tvec.errors import ConfigError
from tvec.platforms.files import PlatformKind, PlatformRow
from tvec.urls.canonical import canonicalize_url
from tvec.urls.suffixes import split_host

#: Package data file with the default rows.
DEFAULT_DATA_FILE = "platforms.yaml"


@dataclass(frozen=True)
class Platform:
    """A service that hosts content, with its abuse-reporting routes.

    Attributes:
        name: unique display name (``"Telegram"``); overrides match rows by this name,
            case-insensitively.
        kind: what the service mainly does.
        domains: the domains it claims, lower-case ASCII (IDNA); sub-domains match too.
        country: ISO 3166-1 alpha-2 code of the operator's seat, ``None`` if unknown.
        abuse_email: address for abuse reports, if known.
        report_url: web form or contact page for reports, if known.
        api: reporting API endpoint or documentation, if any.
        source: public URL (or note) the row's facts come from.
        notes: caveats (service closed, route unconfirmed...), ``""`` if none.
        content_fragment: the URL fragment names or unlocks the content (MEGA keys), so
            canonical URLs on these domains keep it
            (:data:`tvec.urls.canonical.CONTENT_FRAGMENT_DOMAINS`).
    """

    name: str
    kind: PlatformKind
    domains: tuple[str, ...]
    country: str | None
    abuse_email: str | None
    report_url: str | None
    api: str | None
    source: str
    notes: str = ""
    content_fragment: bool = False


@dataclass(frozen=True)
class PlatformResolution:
    """Which platform hosts a URL.

    Attributes:
        platform: the matching platform, ``None`` for an unknown domain.
        registrable_domain: the host's registrable domain under the full Public Suffix List,
            private section included (``bbc.co.uk``, ``x.blogspot.com``); the host itself
            for IP addresses, ``""`` for hosts with no known suffix.
        host: the canonical (lower-case, IDNA) host of the URL.
    """

    platform: Platform | None
    registrable_domain: str
    host: str


class PlatformRegistry:
    """Maps domains to platforms. Build with :meth:`load_default` or :meth:`from_rows`."""

    def __init__(self, platforms: Iterable[Platform]) -> None:
        """Index ``platforms``; raises ConfigError if two claim one domain or one name."""
        self._platforms: tuple[Platform, ...] = tuple(platforms)
        self._by_domain: dict[str, Platform] = {}
        names: set[str] = set()
        for platform in self._platforms:
            key = platform.name.casefold()
            if key in names:
                raise ConfigError(f"platform {platform.name!r}: the name is used by two rows")
            names.add(key)
            for domain in platform.domains:
                other = self._by_domain.get(domain)
                if other is not None:
                    raise ConfigError(
                        f"platform {platform.name!r}: domain {domain!r} is already claimed by "
                        f"{other.name!r}"
                    )
                self._by_domain[domain] = platform

    @property
    def platforms(self) -> tuple[Platform, ...]:
        """Every platform, in data-file order."""
        return self._platforms

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object]]) -> PlatformRegistry:
        """Build a registry from row mappings (the data file's shape).

        Raises:
            ConfigError: a row is invalid (the message names it) or two rows claim a domain.
        """
        return cls(platform_from_row(row, index) for index, row in enumerate(rows, 1))

    @classmethod
    def load_default(cls) -> PlatformRegistry:
        """Load the rows shipped in ``tvec/platforms/platforms.yaml``.

        The file is parsed and validated once per process; each call returns a registry
        over the same immutable rows, so calling this often is cheap.

        Raises:
            ConfigError: the data file is unreadable or a row is invalid.
        """
        return cls(_default_platforms())

    def with_overrides(self, rows: Iterable[Mapping[str, object] | Platform]) -> PlatformRegistry:
        """Return a new registry where ``rows`` take precedence over this one's.

        A row whose name matches an existing platform (case-insensitively) replaces it; a
        new name adds a platform. A domain claimed by an override row is taken away from
        any existing platform that claimed it (a platform left with no domain is dropped).
        Two override rows claiming one domain is an error.

        Raises:
            ConfigError: an override row is invalid, or two override rows share a domain.
        """
        overrides = [
            row if isinstance(row, Platform) else platform_from_row(row, index)
            for index, row in enumerate(rows, 1)
        ]
        PlatformRegistry(overrides)  # checks the overrides among themselves
        replaced = {platform.name.casefold() for platform in overrides}
        claimed = {domain for platform in overrides for domain in platform.domains}
        kept: list[Platform] = []
        for platform in self._platforms:
            if platform.name.casefold() in replaced:
                continue
            domains = tuple(domain for domain in platform.domains if domain not in claimed)
            if domains:
                kept.append(_replace_domains(platform, domains))
        return PlatformRegistry([*kept, *overrides])

    def by_domain(self, domain: str) -> Platform | None:
        """Return the platform that claims exactly ``domain`` (lower-case ASCII), if any."""
        return self._by_domain.get(domain)

    def resolve(self, url: str) -> PlatformResolution:
        """Return the platform hosting ``url`` (see the module docstring for the walk).

        Args:
            url: any URL :func:`tvec.urls.canonicalize_url` accepts, scheme-less and
                Unicode (IDNA) hosts included.

        Raises:
            InvalidSignalError: ``url`` is not a URL.
        """
        host = urlsplit(canonicalize_url(url)).hostname or ""
        parts = split_host(host)
        stop = parts.registrable_domain  # "" (no known suffix): walk up to the last label
        labels = host.split(".")
        platform: Platform | None = None
        for index in range(len(labels)):
            candidate = ".".join(labels[index:])
            platform = self._by_domain.get(candidate)
            if platform is not None or candidate == stop:
                break
        return PlatformResolution(platform, parts.site, host)


@cache
def _default_platforms() -> tuple[Platform, ...]:
    """Parse and validate the packaged data file (once; errors are not cached)."""
    text = resources.files("tvec.platforms").joinpath(DEFAULT_DATA_FILE).read_text("utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        rows = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        raise ConfigError(f"{DEFAULT_DATA_FILE}: not valid YAML ({error})") from error
    if not isinstance(rows, list):
        raise ConfigError(f"{DEFAULT_DATA_FILE}: expected a list of platform rows")
    return PlatformRegistry.from_rows(rows).platforms


def _replace_domains(platform: Platform, domains: tuple[str, ...]) -> Platform:
    values = {field.name: getattr(platform, field.name) for field in fields(Platform)}
    values["domains"] = domains
    return Platform(**values)


def platform_from_row(row: Mapping[str, object], index: int = 0) -> Platform:
    """Validate one row mapping (:class:`tvec.platforms.files.PlatformRow`) and build its
    :class:`Platform`.

    Required: ``name``, ``kind`` (a :class:`PlatformKind` value), ``domains`` (non-empty
    list), ``source``, and at least one of ``abuse_email``, ``report_url``, ``api``.
    Optional: ``country`` (ISO 3166-1 alpha-2), ``notes``. Domains are canonicalised
    (lower-case, IDNA); unknown keys are an error, so that typos do not pass silently.

    Raises:
        ConfigError: the row is invalid; the message names the row (by name, or by position
            when it has none), the field and the problem.
    """
    label = f"platform row {index}" if index else "platform row"
    if not isinstance(row, Mapping):  # a YAML list may hold anything (found by fuzzing)
        raise ConfigError(f"{label}: expected a mapping, not {type(row).__name__}")
    name = row.get("name")
    if isinstance(name, str) and name.strip():
        label = f"platform {name.strip()!r}"
    try:
        parsed = PlatformRow.model_validate(dict(row))
    except ValidationError as error:
        raise ConfigError(problem_message(error, label)) from None
    return Platform(
        name=parsed.name,
        kind=parsed.kind,
        domains=parsed.domains,
        country=parsed.country,
        abuse_email=parsed.abuse_email,
        report_url=parsed.report_url,
        api=parsed.api,
        source=parsed.source or "",
        notes=parsed.notes or "",
        content_fragment=parsed.content_fragment,
    )
