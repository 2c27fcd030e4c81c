"""The shape of a platform row (``platforms.yaml`` and rows users add), as a pydantic model.

:class:`PlatformRow` checks one row's keys and values; the registry
(:class:`tvec.platforms.registry.PlatformRegistry`) checks the rows against each other (one
name and one domain per row). Fields are those of :class:`tvec.platforms.registry.Platform`;
``docs/outlinks.md`` describes them.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from tvec.datafiles import FileModel
from tvec.errors import InvalidSignalError
from tvec.urls.canonical import canonicalize_url

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class PlatformKind(StrEnum):
    """What a platform mainly does (one value per row)."""

    MESSAGING = "messaging"
    FILE_SHARING = "file_sharing"
    VIDEO = "video"
    IMAGE_HOST = "image_host"
    PASTE_SITE = "paste_site"
    SOCIAL_NETWORK = "social_network"
    BLOG = "blog"
    ARCHIVE = "archive"
    URL_SHORTENER = "url_shortener"
    FORUM = "forum"
    CLOUD_STORAGE = "cloud_storage"
    DECENTRALISED = "decentralised"


def _blank_to_none(value: object) -> object:
    """Strip text; empty text reads as not given."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def _required_name(value: object) -> object:
    """The stripped name; ValueError when it is absent or blank."""
    value = _blank_to_none(value)
    if value is None:
        raise ValueError("'name' is missing")
    return value


#: Optional text: stripped, ``""`` is ``None``; any other type is an error.
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]


def _host(item: object) -> str:
    """The canonical host of one ``domains`` entry; ValueError if it is not a host name."""
    if not isinstance(item, str) or "/" in item or not item.strip():
        raise ValueError(f"domain {item!r} is not a host name")
    try:
        host = urlsplit(canonicalize_url(item.strip())).hostname or ""
    except InvalidSignalError:
        raise ValueError(f"domain {item!r} is not a host name") from None
    return host


class PlatformRow(FileModel):
    """One platform row as written (see the module docstring).

    Required: ``name``, ``kind`` (a :class:`PlatformKind` value), ``domains`` (non-empty
    list of host names, canonicalised to lower-case IDNA, none twice), ``source``, and at
    least one of ``abuse_email``, ``report_url``, ``api`` (``https://`` URLs). Optional:
    ``country`` (ISO 3166-1 alpha-2), ``notes``, ``content_fragment`` (true when the URL
    fragment names or unlocks the content, so canonical URLs keep it). Unknown keys are an
    error.
    """

    name: Annotated[str, BeforeValidator(_required_name)]
    kind: Annotated[PlatformKind, Field(strict=False)]
    domains: tuple[str, ...]
    country: OptionalText = None
    abuse_email: OptionalText = None
    report_url: OptionalText = None
    api: OptionalText = None
    source: OptionalText = None
    notes: OptionalText = None
    content_fragment: bool = False

    @field_validator("domains", mode="before")
    @classmethod
    def _check_domains(cls, value: object) -> tuple[str, ...]:
        if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
            raise ValueError("'domains' must be a non-empty list")
        domains: list[str] = []
        for item in value:
            host = _host(item)
            if host in domains:
                raise ValueError(f"domain {host!r} is listed twice")
            domains.append(host)
        return tuple(domains)

    @field_validator("country")
    @classmethod
    def _check_country(cls, value: str | None) -> str | None:
        if value is not None and not _COUNTRY.match(value):
            raise ValueError(f"country {value!r} is not an ISO 3166 alpha-2 code")
        return value

    @field_validator("abuse_email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError(f"abuse_email {value!r} is not an e-mail address")
        return value

    @field_validator("report_url", "api")
    @classmethod
    def _check_https(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError(f"{info.field_name} {value!r} must be an https:// URL")
        return value

    @model_validator(mode="after")
    def _check_routes(self) -> Self:
        if not (self.abuse_email or self.report_url or self.api):
            raise ValueError("needs at least one of abuse_email, report_url, api")
        if self.source is None:
            raise ValueError("'source' is missing")
        return self
