"""HMA's (OpenMediaMatch) exchange routes over tvec's exchange service
(:mod:`tvec.app.exchanges`): the API names HMA uses mapped to tvec's kinds, HMA's exchange
configuration and fetch status shapes, and HMA's per-API credentials kept in files.

Source of the shapes: ``hasher-matcher-actioner/src/OpenMediaMatch/blueprints/curation.py``
lines 496-766, ``utils/exchange_schema.py`` and python-threatexchange
``storage/interfaces.py`` (``FetchStatus``) in facebook/ThreatExchange.

* An HMA exchange is named after its bank (``bank``, ``[A-Z0-9_]+``); tvec's exchange and its
  bank both take that name.
* API names: ``tat`` (alias ``techagainstterrorism``) → kind ``tat``;
  ``fb_threatexchange`` (alias ``threatexchange``) → ``threatexchange``; tvec's own ``hma``
  (another HMA or tvec, HMA-to-HMA) and ``url-list``. HMA's ``ncmec``, ``stop_ncii``,
  ``sample`` and ``local_file`` have no tvec kind and are refused (400, HMA's
  ``No such exchange type``); tvec's ``file`` kind is CLI-only (it reads a server path).
* Credentials: HMA keeps one credential per API, set with ``credential_json``; tvec writes it
  to ``<home>/exchange-credentials/<api>`` (mode 0600) and exchanges of that API created here
  read it from there (``credential_file``). ``api_json`` may not name a ``credential_env`` or
  ``credential_file`` (a server secret would be sent to a URL the caller chose); those are
  for ``tvec exchange add``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from tvec.app import exchanges as service
from tvec.app.context import AppContext
from tvec.audit.events import ExchangeCredentialsSet, record_event
from tvec.errors import NotFoundError, TvecError, UsageError
from tvec.exchanges.kinds import LIST_FORMATS
from tvec.views.exchanges import ExchangeView
from tvec.views.hma import ExchangeApiConfig, ExchangeFetchStatus

#: HMA API name -> tvec exchange kind, in the order ``GET /c/exchanges/apis`` lists them.
APIS: dict[str, str] = {
    "tat": "tat",
    "fb_threatexchange": "threatexchange",
    "hma": "hma",
    "url-list": "url-list",
}
#: Other names accepted for an API (not listed).
ALIASES: dict[str, str] = {
    "techagainstterrorism": "tat",
    "threatexchange": "fb_threatexchange",
    "url_list": "url-list",
}
#: HMA API name of each tvec kind (for exchanges made with ``tvec exchange add``).
API_OF_KIND: dict[str, str] = {kind: api for api, kind in APIS.items()} | {"file": "file"}
#: HMA fields of ``api_json`` that are not the kind's configuration.
_HMA_FIELDS = frozenset({"name", "api", "enabled"})
#: Longest credential accepted from ``credential_json`` (characters).
MAX_CREDENTIAL_CHARS = 4096

_CREDENTIAL_FIELDS: dict[str, list[dict[str, Any]]] = {
    "tat": [
        {"name": "username", "type": "string", "required": True, "default": None,
         "help": "Tech Against Terrorism API user", "choices": None},
        {"name": "password", "type": "string", "required": True, "default": None,
         "help": "Tech Against Terrorism API password", "choices": None},
    ],
    "fb_threatexchange": [
        {"name": "api_token", "type": "string", "required": True, "default": None,
         "help": "ThreatExchange app token '<app id>|<secret>'", "choices": None},
    ],
}  # fmt: skip


def _field(name: str, kind: str, help_text: str, *, required: bool = False,
           choices: list[str] | None = None, default: Any = None) -> dict[str, Any]:  # fmt: skip
    return {
        "name": name,
        "type": kind,
        "required": required,
        "default": default,
        "help": help_text,
        "choices": choices,
    }


#: Where a credential is read from: not settable through the HMA routes.
_WHERE_KEYS = frozenset({"credential_env", "credential_file"})
_CONFIG_FIELDS: dict[str, list[dict[str, Any]]] = {
    "tat": [_field("base_url", "string", "API base URL (default TAT's)")],
    "fb_threatexchange": [
        _field("privacy_group", "number", "ThreatExchange privacy group id", required=True),
        _field("page_size", "number", "descriptors per page"),
        _field("base_url", "string", "Graph API base URL (default Meta's)"),
    ],
    "hma": [
        _field("url", "string", "the other HMA's base URL (http or https)", required=True),
        _field("format", "enum", "list format", choices=list(LIST_FORMATS), default="auto"),
    ],
    "url-list": [
        _field("url", "string", "URL of the list (http or https)", required=True),
        _field("format", "enum", "list format", choices=list(LIST_FORMATS), default="auto"),
    ],
}


def canonical_api(name: str) -> str | None:
    """The HMA API name ``name`` stands for, or ``None`` if tvec serves no such API."""
    if name in APIS:
        return name
    return ALIASES.get(name)


def list_apis() -> list[str]:
    """``GET /c/exchanges/apis``: the API names exchanges may be created with."""
    return list(APIS)


def credential_path(ctx: AppContext, api: str) -> Path:
    """Where HMA's credential of ``api`` is kept: ``<home>/exchange-credentials/<api>``."""
    return Path(ctx.settings.home) / "exchange-credentials" / api


def api_config(
    ctx: AppContext,
    name: str,
    credential_json: Mapping[str, Any] | None = None,
    *,
    update: bool = False,
    actor: str = "tvec",
) -> ExchangeApiConfig:
    """``GET|POST /c/exchanges/api/<name>``: whether the API takes a credential and whether
    one is set; with ``update``, first set the credential from ``credential_json`` (an empty
    one clears it; ``None`` leaves it). Audited as :class:`ExchangeCredentialsSet`.

    Raises:
        UsageError: ``no such Exchange API 'NAME'`` (HMA's 400); a credential for an API
            that takes none, or one missing a field.
    """
    api = canonical_api(name)
    if api is None:
        raise UsageError(f"no such Exchange API '{name}'")
    path = credential_path(ctx, api)
    if update and credential_json is not None:
        if api not in _CREDENTIAL_FIELDS:
            raise UsageError(f"{api} does not support credentials")
        if not credential_json:
            path.unlink(missing_ok=True)
            cleared = True
        else:
            _write_secret(path, _credential_text(api, credential_json))
            cleared = False
        with ctx.write() as session:
            record_event(
                session, actor, ExchangeCredentialsSet(api=api, file=str(path), cleared=cleared)
            )
    has = api in _CREDENTIAL_FIELDS and path.is_file() and path.stat().st_size > 0
    return ExchangeApiConfig(
        supports_authentification=api in _CREDENTIAL_FIELDS, has_set_authentification=has
    )


def _credential_text(api: str, data: Mapping[str, Any]) -> str:
    values: dict[str, str] = {}
    for field in _CREDENTIAL_FIELDS[api]:
        value = data.get(field["name"])
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"credential_json: `{field['name']}` is required (a string)")
        if len(value) > MAX_CREDENTIAL_CHARS or "\n" in value:
            raise UsageError(f"credential_json: `{field['name']}` is not a valid credential")
        values[field["name"]] = value.strip()
    if api == "tat":
        return f"{values['username']}:{values['password']}"
    return values["api_token"]


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text + "\n")
    os.replace(temp, path)


def api_schema(name: str) -> dict[str, Any]:
    """``GET /c/exchanges/api/<name>/schema``: ``{"config_schema": {"fields": [...]},
    "credentials_schema": {"fields": [...]} | None}``, fields as HMA's
    ``dataclass_field_descriptors`` (name, type, required, default, help, choices).

    Raises:
        NotFoundError: ``Exchange API 'NAME' not found`` (HMA's 404).
    """
    api = canonical_api(name)
    if api is None:
        raise NotFoundError(f"Exchange API '{name}' not found")
    creds = _CREDENTIAL_FIELDS.get(api)
    return {
        "config_schema": {"fields": [dict(f) for f in _CONFIG_FIELDS[api]]},
        "credentials_schema": {"fields": [dict(f) for f in creds]} if creds else None,
    }


def create(
    ctx: AppContext, bank: str, api_name: str, api_json: Mapping[str, Any], *, actor: str
) -> None:
    """``POST /c/exchanges``: exchange and bank ``bank`` of API ``api_name`` configured by
    ``api_json`` (the kind's settings; HMA's ``enabled`` honoured).

    Raises:
        UsageError: ``No such exchange type 'NAME'``; ``Failed to parse `api_json` - ...``
            for a configuration the kind does not take; the name or bank taken.
    """
    api = canonical_api(api_name)
    if api is None:
        raise UsageError(f"No such exchange type '{api_name}'")
    enabled = api_json.get("enabled", True)
    config = {k: v for k, v in api_json.items() if k not in _HMA_FIELDS}
    named = sorted(_WHERE_KEYS & set(config))
    if named:
        # an analyst must not point a credential at a server file or variable that would then
        # be sent to a URL of their choosing: those are set with `tvec exchange add` only
        raise UsageError(
            f"Failed to parse `api_json` - {', '.join(named)} may only be set with "
            "'tvec exchange add'; set the API's credential with credential_json"
        )
    if api in _CREDENTIAL_FIELDS:
        config["credential_file"] = str(credential_path(ctx, api))
    try:
        service.create_exchange(ctx, bank, APIS[api], config, bank=bank, actor=actor)
    except UsageError as exc:
        if "already exists" in str(exc):
            raise
        raise UsageError(f"Failed to parse `api_json` - {exc}") from None
    if enabled is False:
        service.change_exchange(ctx, bank, enabled=False, actor=actor)


def list_names(ctx: AppContext) -> list[str]:
    """``GET /c/exchanges``: every exchange's name."""
    return [e.name for e in service.list_exchanges(ctx)]


def _get(ctx: AppContext, name: str) -> ExchangeView:
    try:
        return service.exchange_status(ctx, name)
    except NotFoundError:
        raise NotFoundError(f"Exchange '{name}' not found") from None


def _config(view: ExchangeView) -> dict[str, Any]:
    """HMA's serialized ``CollaborationConfigBase``: name, api, enabled and the kind's
    settings (where the credential is read from, never the credential)."""
    return {
        **view.config,
        "name": view.name,
        "api": API_OF_KIND.get(view.kind, view.kind),
        "enabled": view.enabled,
    }


def show(ctx: AppContext, name: str) -> dict[str, Any]:
    """``GET /c/exchange/<name>``: its configuration.

    Raises:
        NotFoundError: ``Exchange 'NAME' not found``.
    """
    return _config(_get(ctx, name))


def _ts(when: datetime | None) -> int | None:
    return int(when.timestamp()) if when is not None else None


def fetch_status(ctx: AppContext, name: str) -> ExchangeFetchStatus:
    """``GET /c/exchange/<name>/status``: ``FetchStatus`` of its last fetch. A fetch runs
    within the request that starts it, so ``running_fetch_start_ts`` is always ``None``;
    ``checkpoint_ts`` is the last successful fetch that stored a checkpoint;
    ``last_fetch_complete_ts`` when the last fetch started; ``last_fetch_succeeded`` is
    ``None`` before the first fetch, false after one that stopped (problems on entries
    alone are a success, as in HMA); ``up_to_date`` the last fetch read to the end.

    Raises:
        NotFoundError: ``Exchange 'NAME' not found``.
    """
    view = _get(ctx, name)
    started, success = view.last_fetch_at, view.last_success_at
    succeeded = None if started is None else success is not None and success >= started
    return ExchangeFetchStatus(
        checkpoint_ts=_ts(success) if view.checkpoint is not None else None,
        running_fetch_start_ts=None,
        last_fetch_complete_ts=_ts(started),
        last_fetch_succeeded=succeeded,
        up_to_date=bool(succeeded),
        fetched_items=view.entries,
    )


def update(ctx: AppContext, name: str, enabled: bool | None, *, actor: str) -> dict[str, Any]:
    """``PUT /c/exchange/<name>``: enable or disable it; its configuration as it is now.

    Raises:
        NotFoundError: ``Exchange 'NAME' not found``.
    """
    _get(ctx, name)
    if enabled is None:
        return show(ctx, name)
    return _config(service.change_exchange(ctx, name, enabled=enabled, actor=actor))


def delete(ctx: AppContext, name: str, *, actor: str) -> None:
    """``DELETE /c/exchange/<name>``: remove it and its bank; nothing when there is none
    (HMA answers 200 either way)."""
    try:
        service.remove_exchange(ctx, name, actor=actor)
    except NotFoundError:
        return


def run_fetch(ctx: AppContext, *, actor: str) -> str:
    """``POST /dev/run_fetch``: fetch every enabled exchange now; a one-line summary. A
    failing exchange (e.g. its credential unset) is recorded on that exchange and does
    not stop the others."""
    names = [e.name for e in service.list_exchanges(ctx) if e.enabled]
    failed: list[str] = []
    for name in names:
        try:
            service.fetch_exchange(ctx, name, actor=actor)
        except TvecError:
            failed.append(name)
    done = len(names) - len(failed)
    text = f"Fetched {done} of {len(names)} exchanges"
    return text + (f"; failed: {', '.join(failed)}" if failed else "")
