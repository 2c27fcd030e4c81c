"""A ``requests`` transport adapter that sends every request through the one outbound client.

Third-party API clients written on ``requests`` (python-threatexchange's Tech Against
Terrorism and ThreatExchange clients) get a :class:`requests.Session` from
:func:`outbound_session`: its only adapter, :class:`OutboundAdapter`, hands each prepared
request to :meth:`tvec.net.client.OutboundClient.request`, so the address rules, size caps,
deadline, retries (``429``/``5xx``, ``Retry-After``) and User-Agent of :mod:`tvec.net` apply,
and no connection is opened by ``requests`` or urllib3 themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from tvec.errors import FetchError
from tvec.net.client import OutboundClient


class OutboundAdapter(BaseAdapter):
    """Send ``requests`` requests with an :class:`OutboundClient` (see the module docstring).

    A request that gets no answer (connection refused, timeout after retries, refused
    address) raises :class:`requests.ConnectionError` naming the URL, as ``requests`` would.
    """

    def __init__(self, client: OutboundClient) -> None:
        super().__init__()
        self.client = client

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send ``request`` (its method, URL, headers and body) and build the response."""
        body = request.body
        if isinstance(body, str):
            content: bytes | None = body.encode("utf-8")
        elif isinstance(body, bytes) or body is None:
            content = body
        else:  # a streamed body: read it (API calls send small bodies)
            content = b"".join(
                part.encode("utf-8") if isinstance(part, str) else part
                for part in body  # type: ignore[union-attr]
            )
        url = str(request.url)
        headers = {k: str(v) for k, v in request.headers.items()}
        try:
            result = self.client.request(
                str(request.method or "GET"), url, headers=headers, content=content
            )
        except FetchError as exc:
            raise requests.ConnectionError(str(exc), request=request) from exc
        if result.status is None:
            raise requests.ConnectionError(f"{url}: {result.error}", request=request)
        response = requests.Response()
        response.status_code = result.status
        response.headers = CaseInsensitiveDict(result.headers)
        response._content = result.content
        response.url = url
        response.request = request
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.reason = ""
        return response

    def close(self) -> None:
        """Nothing to close: the outbound client belongs to the caller."""


def outbound_session(client: OutboundClient) -> requests.Session:
    """A :class:`requests.Session` whose every request goes through ``client``."""
    session = requests.Session()
    session.trust_env = False
    session.headers.pop("User-Agent", None)  # tvec's own (TVEC_HTTP_USER_AGENT) applies
    adapter = OutboundAdapter(client)
    session.adapters.clear()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
