"""One source per exchange kind: each reads its API page by page from a checkpoint and yields
:class:`~tvec.exchanges.records.Page` objects (records refused one by one as
:class:`~tvec.exchanges.records.Problem`; a page that cannot be read at all raises
:class:`PageError`, and the fetch stops there with its checkpoint at the last good page).

Kinds:

``tat``
    Tech Against Terrorism's hash list API, through python-threatexchange's
    :class:`~threatexchange.exchanges.clients.techagainstterrorism.api.TATHashListAPI`
    (``POST token-auth/tcap/`` for a token, then ``GET api/hash-list/v2/all?order=asc&after=
    <checkpoint>`` page by page, following ``next``). The checkpoint is the API's own
    ``"<timestamp>,<id>"`` of the last record of the last stored page. ``deleted: true``
    records are withdrawals. Credential: ``username:password``.
``threatexchange``
    Facebook ThreatExchange ``threat_updates`` of a privacy group (GIFCT's Hash-Sharing
    Database reaches members this way), through python-threatexchange's
    :class:`~threatexchange.exchanges.clients.fb_threatexchange.api.ThreatExchangeAPI`. The
    checkpoint is the Graph API's ``paging.next`` cursor (without its access token) during a
    fetch, and the newest ``last_updated`` once a fetch ends (the next one's
    ``start_time``). ``should_delete`` records are withdrawals. Credential: the app token
    ``<app id>|<secret>``.
``hma``
    A remote Hasher-Matcher-Actioner's bank export (``<signal_type> <value>`` per line): HMA
    2.x serves no route listing a bank's content, so a remote HMA is read from the export it
    publishes (a URL); the whole list each time, kept when unchanged (ETag, Last-Modified,
    SHA-256).
``url-list``
    Any HTTPS list: one URL per line (``lines``), a TCAP URL export (``tcap``), tvec's bank
    CSV (``csv``) or ``hma`` lines; the whole list each time, as for ``hma``. An optional
    credential is sent as ``Authorization: Bearer``.
``file``
    The same formats from a local file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from threatexchange.exchanges.clients.fb_threatexchange.api import ThreatExchangeAPI
from threatexchange.exchanges.clients.techagainstterrorism.api import (
    TATEndpoint,
    TATHashListAPI,
)

from tvec.banks.formats import EntryRow, RowProblem, clip, preview, read_rows
from tvec.errors import ConfigError, FetchError, TvecError, UsageError
from tvec.exchanges.records import Page, Problem, Upsert
from tvec.net.client import OutboundClient
from tvec.net.requests_adapter import outbound_session

#: Default base URLs of the APIs.
TAT_BASE_URL = TATHashListAPI.BASE_URL
TE_BASE_URL = ThreatExchangeAPI._TE_BASE_URL
#: List formats of the ``file``, ``url-list`` and ``hma`` kinds.
LIST_FORMATS = ("lines", "csv", "tcap", "hma", "auto")
#: TAT video file types whose MD5 is a video MD5 (python-threatexchange's mapping).
TAT_VIDEO_TYPES = frozenset({"mov", "m4v", "mp4", "webm"})
#: ThreatExchange indicator types and the tvec signal type each is.
TE_TYPES = {
    "HASH_PDQ": "pdq",
    "HASH_MD5": "md5",
    "HASH_VIDEO_MD5": "video_md5",
    "URI": "url",
    "HASH_TMK": "tmk",
}


class PageError(TvecError):
    """A page of an exchange's answer that cannot be used at all (an HTTP error after
    retries, malformed JSON, a body of the wrong shape); the fetch stops at it."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


class ExchangeSource(Protocol):
    """A source of pages (see the module docstring)."""

    def pages(self, checkpoint: Mapping[str, Any] | None) -> Iterator[Page]:
        """Pages from ``checkpoint`` (``None``: from the start) to the source's end.

        Raises:
            PageError: a page cannot be used (the pages before it were yielded).
        """
        ...


def _http_problem(exc: Exception) -> str:
    """A short description of a ``requests`` failure (status and URL, no token)."""
    response = getattr(exc, "response", None)
    if response is not None and getattr(response, "status_code", None) is not None:
        return f"HTTP {response.status_code} from {_strip_token(str(response.url))}"
    return clip(_strip_token(str(exc)), 300)


def _strip_token(url: str) -> str:
    """``url`` without an ``access_token`` query parameter."""
    if "access_token" not in url:
        return url
    parts = urlsplit(url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "access_token"
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- Tech Against Terrorism ------------------------------------------------------------------


class _TatClient(TATHashListAPI):
    """python-threatexchange's TAT client, its requests sent through tvec's outbound client,
    at a configurable base URL."""

    def __init__(self, username: str, password: str, base_url: str, http: OutboundClient) -> None:
        super().__init__(username, password)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.http = http

    @contextmanager
    def _get_session(self, auth_token: str | None = None) -> Iterator[Any]:
        session = outbound_session(self.http)
        if auth_token:
            session.headers.update({"Authorization": f"Bearer {auth_token}"})
        yield session

    def _post(self, endpoint: TATEndpoint, data: Any = None) -> Any:
        with self._get_session() as session:
            response = session.post(url=self.base_url + endpoint.value, data=data)
            response.raise_for_status()
            return response.json()


def _tat_upsert(index: int, raw: Any) -> Upsert | str | Problem:
    """A TAT record as an upsert, its id when it is a deletion, or what is wrong with it."""
    where = f"entry {index}"
    if not isinstance(raw, dict):
        return Problem(where, f"expected a JSON object, got {type(raw).__name__}")
    record_id = raw.get("id")
    if record_id is None or isinstance(record_id, bool) or not isinstance(record_id, int | str):
        return Problem(where, f"no usable id: {preview(str(record_id))}")
    where = f"entry id {clip(str(record_id))}"
    if raw.get("deleted") is True:
        return str(record_id)
    digest = raw.get("hash_digest")
    algorithm = raw.get("algorithm")
    if not isinstance(digest, str) or not isinstance(algorithm, str):
        return Problem(where, "hash_digest and algorithm must be strings")
    file_type = raw.get("file_type")
    if algorithm == "PDQ":
        signal_type = "pdq"
    elif algorithm == "MD5":
        video = isinstance(file_type, str) and file_type.lower() in TAT_VIDEO_TYPES
        signal_type = "video_md5" if video else "md5"
    else:
        return Problem(where, f"unknown signal type (algorithm) {preview(algorithm)}")
    ideology = raw.get("ideology")
    extra: dict[str, Any] = {"file_type": file_type, "updated_on": raw.get("updated_on")}
    return Upsert(
        source_id=str(record_id),
        signals=((signal_type, digest),),
        ideology=ideology if isinstance(ideology, str) else None,
        extra={k: v for k, v in extra.items() if isinstance(v, str | int | float)},
    )


class TatSource:
    """Tech Against Terrorism's hash list (see the module docstring)."""

    def __init__(self, http: OutboundClient, credential: str | None, config: Mapping[str, Any]):
        if not credential or ":" not in credential:
            raise ConfigError("a tat exchange needs a credential 'username:password'")
        username, _, password = credential.partition(":")
        self.client = _TatClient(
            username, password, str(config.get("base_url") or TAT_BASE_URL), http
        )

    def pages(self, checkpoint: Mapping[str, Any] | None) -> Iterator[Page]:
        after = str((checkpoint or {}).get("after") or "")
        client = self.client
        try:
            token = client.get_auth_token(client.username, client.password)
        except Exception as exc:  # requests' HTTP and JSON errors
            raise PageError("authentication", _http_problem(exc)) from exc
        if not token:
            raise PageError("authentication", "no token in the answer")
        url: str | None = f"{client.base_url}{TATEndpoint.hash_list.value}"
        number = 0
        while url is not None:
            number += 1
            where = f"page {number}"
            try:
                body = client._get(full_url=url, auth_token=token, order="asc", after=after)
            except Exception as exc:
                raise PageError(where, _http_problem(exc)) from exc
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise PageError(where, "expected a JSON object with a 'results' list")
            page = Page(label=where)
            for index, raw in enumerate(body["results"], start=1):
                found = _tat_upsert(index, raw)
                if isinstance(found, Problem):
                    page.problems.append(Problem(f"{where}, {found.where}", found.message))
                elif isinstance(found, str):
                    page.deletions.append(found)
                else:
                    page.upserts.append(found)
            mark = body.get("checkpoint")
            if isinstance(mark, str) and mark:
                page.checkpoint = {"after": mark}
            following = body.get("next")
            if isinstance(following, str) and following:
                url = (
                    following
                    if "://" in following
                    else (f"{client.base_url}{TATEndpoint.hash_list.value}?{following}")
                )
            else:
                url = None
            yield page


# --- Facebook ThreatExchange -----------------------------------------------------------------


class _TeClient(ThreatExchangeAPI):
    """python-threatexchange's ThreatExchange client, its requests sent through tvec's
    outbound client (its ``get_json_from_url`` calls ``requests.get`` directly)."""

    def __init__(self, token: str, base_url: str, http: OutboundClient) -> None:
        super().__init__(token, endpoint_override=base_url.rstrip("/"))
        self.http = http

    def _get_session(self) -> Any:
        return outbound_session(self.http)

    def get_json_from_url(self, url: Any, params: Any = None, *, json_obj_hook: Any = None) -> Any:
        with self._get_session() as session:
            response = session.get(url, params=params or {})
            response.raise_for_status()
            return response.json(object_hook=json_obj_hook)


def _te_upsert(index: int, raw: Any) -> Upsert | str | Problem:
    where = f"entry {index}"
    if not isinstance(raw, dict):
        return Problem(where, f"expected a JSON object, got {type(raw).__name__}")
    descriptor = raw.get("id")
    if not isinstance(descriptor, str | int) or isinstance(descriptor, bool):
        return Problem(where, f"no usable id: {preview(str(descriptor))}")
    where = f"entry id {clip(str(descriptor))}"
    if raw.get("should_delete") is True:
        return str(descriptor)
    kind = raw.get("type")
    indicator = raw.get("indicator")
    if not isinstance(kind, str) or not isinstance(indicator, str):
        return Problem(where, "type and indicator must be strings")
    signal_type = TE_TYPES.get(kind)
    if signal_type is None:
        return Problem(where, f"unknown signal type (indicator type) {preview(kind)}")
    tags = raw.get("tags")
    tag_names: list[str] = []
    if isinstance(tags, list):
        tag_names = [t for t in tags if isinstance(t, str)]
    elif isinstance(tags, dict) and isinstance(tags.get("data"), list):
        tag_names = [
            str(t.get("text")) for t in tags["data"] if isinstance(t, dict) and t.get("text")
        ]
    extra: dict[str, Any] = {"last_updated": raw.get("last_updated"), "status": raw.get("status")}
    return Upsert(
        source_id=str(descriptor),
        signals=((signal_type, indicator),),
        tags=tuple(tag_names),
        extra={k: v for k, v in extra.items() if isinstance(v, str | int)},
    )


def _te_time(value: Any) -> int | None:
    """A ThreatExchange ``last_updated`` (ISO 8601 or Unix seconds) as Unix seconds."""
    from datetime import datetime

    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(datetime.fromisoformat(value.replace("+0000", "+00:00")).timestamp())
        except ValueError:
            return int(value) if value.isdigit() else None
    return None


class ThreatExchangeSource:
    """A ThreatExchange privacy group's ``threat_updates`` (see the module docstring)."""

    def __init__(self, http: OutboundClient, credential: str | None, config: Mapping[str, Any]):
        if not credential or "|" not in credential:
            raise ConfigError("a threatexchange exchange needs a credential '<app id>|<secret>'")
        group = config.get("privacy_group")
        if not group:
            raise ConfigError("a threatexchange exchange needs a privacy_group")
        self.group = int(group)
        self.page_size = int(config.get("page_size") or 500)
        self.client = _TeClient(credential, str(config.get("base_url") or TE_BASE_URL), http)

    def pages(self, checkpoint: Mapping[str, Any] | None) -> Iterator[Page]:
        state = dict(checkpoint or {})
        start = state.get("start_time")
        newest = int(start) if isinstance(start, int) else 0
        cursor = self.client.get_threat_updates(
            self.group,
            start_time=start if isinstance(start, int) else None,
            page_size=self.page_size,
        )
        if state.get("next"):
            sep = "&" if "?" in str(state["next"]) else "?"
            cursor.next_url = f"{state['next']}{sep}access_token={self.client.api_token}"
            cursor.params.clear()
        number = 0
        while not cursor.done:
            number += 1
            where = f"page {number}"
            try:
                data = cursor.next()  # type: ignore[no-untyped-call]
            except Exception as exc:
                raise PageError(where, _http_problem(exc)) from exc
            if not isinstance(data, list):
                raise PageError(where, "expected a 'data' list")
            page = Page(label=where)
            for index, raw in enumerate(data, start=1):
                found = _te_upsert(index, raw)
                if isinstance(raw, dict):
                    seen = _te_time(raw.get("last_updated"))
                    if seen is not None:
                        newest = max(newest, seen)
                if isinstance(found, Problem):
                    page.problems.append(Problem(f"{where}, {found.where}", found.message))
                elif isinstance(found, str):
                    page.deletions.append(found)
                else:
                    page.upserts.append(found)
            if cursor.next_url:
                page.checkpoint = {"start_time": start, "next": _strip_token(cursor.next_url)}
            else:
                page.checkpoint = {"start_time": newest or start}
            yield page

    def react(self, source_id: str, opinion: str) -> None:
        """Send ``opinion`` (``true_positive``, ``false_positive``, ``seen``) as a reaction
        to descriptor ``source_id`` (``HELPFUL``, ``NOT_HELPFUL``, ``SAW_THIS_TOO``).

        Raises:
            FetchError: no answer, or an answer that is not a success.
        """
        reaction = {"true_positive": "HELPFUL", "false_positive": "NOT_HELPFUL"}.get(
            opinion, "SAW_THIS_TOO"
        )
        try:
            error, _, body = self.client.react_to_threat_descriptor(  # type: ignore[no-untyped-call]
                source_id, reaction
            )
        except Exception as exc:
            raise FetchError(f"descriptor {source_id}", _http_problem(exc)) from exc
        if error or not isinstance(body, dict) or body.get("success") is not True:
            raise FetchError(
                f"descriptor {source_id}", f"reaction not accepted: {clip(json.dumps(body), 200)}"
            )


# --- lists: hma, url-list, file --------------------------------------------------------------


def _list_upserts(text: str, fmt: str, label: str) -> Page:
    """A whole list as one snapshot page (problems by line)."""
    page = Page(snapshot=True, label=label)
    if fmt == "lines":
        rows: Iterator[EntryRow | RowProblem] = (
            EntryRow(line=n, signal_type="url", value=line.strip())
            for n, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")
        )
    else:
        try:
            rows = read_rows(text, fmt)
        except UsageError as exc:
            raise PageError(label, str(exc)) from exc
    for row in rows:
        if isinstance(row, RowProblem):
            page.problems.append(Problem(f"line {row.line}", row.message))
            continue
        extra = dict(row.extra)
        source_id = str(extra.pop("tcap_id", "") or f"{row.signal_type}:{row.value}")
        if row.note:
            extra["note"] = row.note
        page.upserts.append(
            Upsert(
                source_id=clip(source_id, 200),
                signals=((row.signal_type, row.value),),
                entity=row.entity,
                ideology=row.ideology,
                extra=extra,
                where=f"line {row.line}",
            )
        )
    return page


class ListSource:
    """A whole list from a URL (``hma``, ``url-list``) or a file (``file``)."""

    def __init__(
        self, kind: str, http: OutboundClient, credential: str | None, config: Mapping[str, Any]
    ) -> None:
        self.kind = kind
        self.http = http
        self.credential = credential
        self.location = str(config.get("url") or config.get("path") or "")
        if not self.location:
            raise ConfigError(f"a {kind} exchange needs a {'path' if kind == 'file' else 'url'}")
        default = "hma" if kind == "hma" else "auto"
        self.fmt = str(config.get("format") or default)
        if self.fmt not in LIST_FORMATS:
            raise ConfigError(
                f"unknown list format {self.fmt!r} (known: {', '.join(LIST_FORMATS)})"
            )

    def _read(self, checkpoint: Mapping[str, Any]) -> tuple[bytes | None, dict[str, Any]]:
        """The list's bytes (``None`` when unchanged) and its validators."""
        if self.kind == "file":
            try:
                data = Path(self.location).expanduser().read_bytes()
            except OSError as exc:
                raise PageError(self.location, f"cannot read: {exc.strerror}") from exc
            return data, {}
        headers: dict[str, str] = {}
        if checkpoint.get("etag"):
            headers["If-None-Match"] = str(checkpoint["etag"])
        if checkpoint.get("last_modified"):
            headers["If-Modified-Since"] = str(checkpoint["last_modified"])
        if self.credential:
            headers["Authorization"] = f"Bearer {self.credential}"
        try:
            answer = self.http.request("GET", self.location, headers=headers)
        except FetchError as exc:
            raise PageError(self.location, exc.problem) from exc
        if answer.status is None:
            raise PageError(self.location, answer.error or "no answer")
        if answer.status == 304:
            return None, {}
        if answer.status >= 400:
            raise PageError(self.location, f"HTTP {answer.status}")
        if len(answer.content) >= self.http.settings.http_max_bytes:
            raise PageError(
                self.location,
                f"the list is over TVEC_HTTP_MAX_BYTES ({self.http.settings.http_max_bytes} "
                "bytes); not applied (a cut list would delete entries)",
            )
        validators = {
            "etag": answer.headers.get("etag"),
            "last_modified": answer.headers.get("last-modified"),
        }
        return answer.content, {k: v for k, v in validators.items() if v}

    def pages(self, checkpoint: Mapping[str, Any] | None) -> Iterator[Page]:
        state = dict(checkpoint or {})
        data, validators = self._read(state)
        if data is None:
            yield Page(label=self.location, checkpoint=state, unchanged=True)
            return
        digest = hashlib.sha256(data).hexdigest()
        mark = {**validators, "sha256": digest}
        if state.get("sha256") == digest:
            yield Page(label=self.location, checkpoint=mark, unchanged=True)
            return
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PageError(self.location, f"not UTF-8 (byte {exc.start})") from exc
        page = _list_upserts(text, self.fmt, self.location)
        page.checkpoint = mark
        yield page


def open_source(
    kind: str, http: OutboundClient, credential: str | None, config: Mapping[str, Any]
) -> TatSource | ThreatExchangeSource | ListSource:
    """The source of an exchange of ``kind``.

    Raises:
        ConfigError: the configuration or credential does not fit the kind.
    """
    if kind == "tat":
        return TatSource(http, credential, config)
    if kind == "threatexchange":
        return ThreatExchangeSource(http, credential, config)
    if kind in ("hma", "url-list", "file"):
        return ListSource(kind, http, credential, config)
    raise ConfigError(f"unknown exchange kind {kind!r}")
