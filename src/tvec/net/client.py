"""The one outbound client: GET (:meth:`OutboundClient.fetch`, :meth:`~OutboundClient.try_fetch`)
and POST (:meth:`OutboundClient.post`) under the rules of :mod:`tvec.net`, plus e-mail
(:meth:`OutboundClient.send_mail`, :mod:`tvec.net.smtp`) under the same address rules."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import TracebackType
from urllib.parse import urljoin

import httpx

from tvec.errors import FetchError
from tvec.net.addresses import AddressPolicy, Resolver, Target, resolve_target
from tvec.net.deadline import Deadline, request_deadline
from tvec.net.retry import RETRY_STATUSES, RetryPolicy
from tvec.net.smtp import MailOutcome, SmtpFactory, default_smtp_factory, send_mail
from tvec.settings import Settings

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class FetchResult:
    """The answer to one GET, after redirects.

    Attributes:
        url: the final URL (after redirects).
        status: the final HTTP status (``200``..., or ``304`` when not modified).
        content: the body (decoded from gzip/deflate/br), at most ``TVEC_HTTP_MAX_BYTES``.
        headers: response headers, names in lower case.
        truncated: the body was longer than the cap and was cut.
        redirects: the URLs redirected through, in order.
    """

    url: str
    status: int
    content: bytes
    headers: dict[str, str]
    truncated: bool = False
    redirects: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        """True for ``304 Not Modified`` (nothing new since the stored validators)."""
        return self.status == 304

    @property
    def etag(self) -> str | None:
        """The ``ETag`` validator to send next time, if the server gave one."""
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        """The ``Last-Modified`` validator to send next time, if the server gave one."""
        return self.headers.get("last-modified")


@dataclass(frozen=True)
class FetchAttempt:
    """One visit to a URL, answered or not (:meth:`OutboundClient.try_fetch`).

    Attributes:
        url: the last URL requested, or the one that failed (a redirect target refused by
            the address rules, for instance).
        redirects: the URLs redirected through, in order (also when the visit failed).
        result: the answer, whatever its HTTP status (404, 503...); ``None`` on error.
        error: why there is no answer (connection failure, timeout, refused address, too
            many redirects, bad URL); ``None`` when there is one.
    """

    url: str
    redirects: tuple[str, ...]
    result: FetchResult | None
    error: FetchError | None


@dataclass(frozen=True)
class PostResult:
    """The outcome of one POST (:meth:`OutboundClient.post`), redirects not followed.

    Attributes:
        url: the URL posted to.
        attempts: requests made (1 + retries).
        status: the last answer's HTTP status; ``None`` when no answer came.
        headers: the last answer's headers, names in lower case.
        content: the last answer's body, at most ``TVEC_HTTP_MAX_BYTES``.
        error: ``"<ErrorType>: <detail>"`` when the last attempt got no answer (connection
            refused, timeout...), else ``None``.
    """

    url: str
    attempts: int
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True for a ``2xx`` answer."""
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool


class OutboundClient:
    """Every request that leaves the machine, under the rules of :mod:`tvec.net`.

    Use as a context manager (closes the connection pool).

    Args:
        settings: limits, User-Agent, retries and the allow-list.
        transport: an httpx transport (tests inject one; default: the network, with the
            overall deadline of :mod:`tvec.net.deadline`).
        resolver: host name resolution (default: the system resolver).
        sleep: how to wait (seconds), for backoff and the per-host interval.
        clock: monotonic seconds, for the per-host interval.
        smtp_factory: makes an unconnected :class:`smtplib.SMTP` given a timeout (tests
            inject one; default: :class:`smtplib.SMTP`).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        smtp_factory: SmtpFactory | None = None,
    ) -> None:
        self.settings = settings
        self.policy = AddressPolicy(settings.outbound_allow_hosts, resolver)
        self.sleep = sleep
        self.smtp_factory = smtp_factory or default_smtp_factory
        self._clock = clock
        self._last_request: dict[str, float] = {}
        if transport is None:
            from tvec.net.transport import DeadlineTransport

            transport = DeadlineTransport()
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(settings.http_timeout_seconds),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": settings.http_user_agent},
        )

    def __enter__(self) -> OutboundClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def retry_policy(
        self,
        retries: int | None = None,
        backoff_seconds: float | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> RetryPolicy:
        """The retry policy of a request: ``TVEC_HTTP_RETRIES`` and
        ``TVEC_HTTP_BACKOFF_SECONDS`` unless given, waiting with the client's ``sleep``."""
        return RetryPolicy(
            retries=self.settings.http_retries if retries is None else max(retries, 0),
            backoff_seconds=(
                self.settings.http_backoff_seconds if backoff_seconds is None else backoff_seconds
            ),
            sleep=sleep or self.sleep,
        )

    # --- GET -------------------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        hop_check: Callable[[str], None] | None = None,
    ) -> FetchResult:
        """GET ``url`` with conditional headers, following redirects by hand.

        Args:
            hop_check: called with ``url`` and with every redirect target before it is
                requested; it raises to refuse the hop (e.g. a host outside an allow-list
                of the caller's own), so a refused target is never fetched.

        Raises:
            BlockedAddressError: the URL or a redirect leads to a refused address.
            FetchError: bad URL (the URL or a redirect's ``Location``), connection failure
                or timeout after retries, ``TVEC_HTTP_DEADLINE_SECONDS`` passed on one
                request (not retried), HTTP status >= 400 after retries, or more than
                ``TVEC_HTTP_MAX_REDIRECTS`` redirects.
        """
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        result = self._follow(url, headers, [], self.retry_policy(), hop_check)
        if result.status >= 400:
            raise FetchError(url, f"HTTP {result.status} from {result.url}")
        return result

    def try_fetch(self, url: str, *, retries: int | None = None) -> FetchAttempt:
        """GET ``url`` under the same rules as :meth:`fetch`, but never raise a FetchError.

        An answer with any HTTP status (after retries of ``429``/``5xx``) is returned in
        :attr:`FetchAttempt.result`; a connection failure, timeout, passed deadline, refused
        address, bad URL or too many redirects in :attr:`FetchAttempt.error`, with the URL it
        happened at.

        Args:
            url: the URL to visit.
            retries: retries of connection errors, timeouts, ``429`` and ``5xx`` per
                request of this visit (default ``TVEC_HTTP_RETRIES``; at most that: a
                larger or negative value is clamped to 0..``TVEC_HTTP_RETRIES``).
        """
        allowed = self.settings.http_retries
        if retries is not None:
            allowed = max(0, min(retries, allowed))
        redirects: list[str] = []
        try:
            result = self._follow(url, {}, redirects, self.retry_policy(allowed))
        except FetchError as error:
            at = redirects[-1] if redirects else url
            return FetchAttempt(at, tuple(redirects), None, error)
        return FetchAttempt(result.url, tuple(redirects), result, None)

    def _follow(
        self,
        url: str,
        headers: dict[str, str],
        redirects: list[str],
        retry: RetryPolicy,
        hop_check: Callable[[str], None] | None = None,
    ) -> FetchResult:
        """GET ``url`` following redirects by hand (appended to ``redirects`` as they come);
        ``hop_check`` vets each URL before it is requested (see :meth:`fetch`).

        Returns the final answer whatever its status. Raises FetchError or
        BlockedAddressError (see :meth:`fetch`), never for an HTTP status.
        """
        current = url
        for _hop in range(self.settings.http_max_redirects + 1):
            if hop_check is not None:
                hop_check(current)
            target = resolve_target(self.policy, url, current)
            answer = self._send("GET", url, target, headers, None, retry, polite=True)
            location = answer.headers.get("location")
            if answer.status in REDIRECT_STATUSES and location:
                try:
                    current = urljoin(current, location.strip())
                except ValueError as exc:
                    raise FetchError(
                        url, f"redirect from {current} to a malformed URL {location!r}: {exc}"
                    ) from exc
                redirects.append(current)
                continue
            return FetchResult(
                current,
                answer.status,
                answer.body,
                answer.headers,
                answer.truncated,
                list(redirects),
            )
        raise FetchError(url, f"more than {self.settings.http_max_redirects} redirects")

    # --- POST ------------------------------------------------------------------------------

    def post(
        self,
        url: str,
        content: bytes,
        *,
        headers: dict[str, str] | None = None,
        retries: int | None = None,
        backoff_seconds: float | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> PostResult:
        """POST ``content`` to ``url``; redirects are not followed (a 3xx is the answer).

        The address is checked and pinned as for a GET; network errors, ``429`` and ``5xx``
        are retried (:mod:`tvec.net.retry`). Not spaced by the per-host interval.

        Args:
            headers: request headers (``Content-Type``, signature...).
            retries: retries (default ``TVEC_HTTP_RETRIES``).
            backoff_seconds: first wait (default ``TVEC_HTTP_BACKOFF_SECONDS``).
            sleep: how to wait (default: the client's).

        Returns:
            The outcome, whatever the HTTP status or network error.

        Raises:
            FetchError: not an http(s) URL with a host, or the host does not resolve.
            BlockedAddressError: the host resolves to a refused address.
        """
        target = resolve_target(self.policy, url, url)
        retry = self.retry_policy(retries, backoff_seconds, sleep)
        attempts = [0]
        try:
            answer = self._send("POST", url, target, headers or {}, content, retry, attempts)
        except FetchError as exc:
            cause = exc.__cause__
            error = f"{type(cause).__name__}: {cause}" if cause is not None else str(exc)
            return PostResult(url, attempts[0], None, error=error)
        return PostResult(url, attempts[0], answer.status, answer.headers, answer.body)

    # --- any method, for API clients ---------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        retries: int | None = None,
    ) -> PostResult:
        """Send one ``method`` request to ``url`` (an API call: GET, POST, PUT, DELETE...);
        redirects are not followed (a 3xx is the answer).

        The address is checked and pinned as for :meth:`fetch`; network errors, ``429`` and
        ``5xx`` are retried (``Retry-After`` honoured, :mod:`tvec.net.retry`). Used by the
        ``requests`` adapter of :mod:`tvec.net.requests_adapter` that third-party API clients
        (python-threatexchange) send through.

        Returns:
            The outcome, whatever the HTTP status or network error (``status`` ``None`` and
            ``error`` set when no answer came).

        Raises:
            FetchError: not an http(s) URL with a host, or the host does not resolve.
            BlockedAddressError: the host resolves to a refused address.
        """
        target = resolve_target(self.policy, url, url)
        retry = self.retry_policy(retries)
        attempts = [0]
        try:
            answer = self._send(
                method.upper(), url, target, headers or {}, content, retry, attempts
            )
        except FetchError as exc:
            cause = exc.__cause__
            error = f"{type(cause).__name__}: {cause}" if cause is not None else str(exc)
            return PostResult(url, attempts[0], None, error=error)
        return PostResult(url, attempts[0], answer.status, answer.headers, answer.body)

    def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        retries: int | None = None,
    ) -> PostResult:
        """GET ``url`` (:meth:`request`), redirects not followed: for APIs whose answer is the
        status itself (``302``/``404``) and whose headers (a bearer token) must not follow a
        redirect elsewhere.

        Returns:
            The outcome (:class:`PostResult`), whatever the HTTP status or network error.

        Raises:
            FetchError: not an http(s) URL with a host, or the host does not resolve.
            BlockedAddressError: the host resolves to a refused address.
        """
        return self.request("GET", url, headers=headers, retries=retries)

    def head(self, url: str, *, retries: int | None = None) -> PostResult:
        """HEAD ``url`` (:meth:`request`), redirects not followed: to read where a short link
        points (its ``Location``) without downloading anything.

        Returns:
            The outcome (:class:`PostResult`, empty ``content``), whatever the HTTP status or
            network error.

        Raises:
            FetchError: not an http(s) URL with a host, or the host does not resolve.
            BlockedAddressError: the host resolves to a refused address.
        """
        return self.request("HEAD", url, retries=retries)

    # --- SMTP ------------------------------------------------------------------------------

    def send_mail(self, message: EmailMessage, *, waiting: str = "e-mail") -> MailOutcome:
        """Send ``message`` over ``TVEC_SMTP_HOST`` (see :func:`tvec.net.smtp.send_mail`),
        connecting to the checked address.

        Returns:
            The outcome: accepted (and the recipients refused), or the network or SMTP
            failure.

        Raises:
            ConfigError: the server lacks what the settings ask for, or its host is refused.
        """
        return send_mail(
            self.settings,
            message,
            policy=self.policy,
            factory=self.smtp_factory,
            waiting=waiting,
        )

    # --- one request, retried ----------------------------------------------------------------

    def _wait_for_host(self, host: str) -> None:
        interval = self.settings.http_host_interval_seconds
        last = self._last_request.get(host)
        if last is not None and interval > 0:
            delay = last + interval - self._clock()
            if delay > 0:
                self.sleep(delay)
        self._last_request[host] = self._clock()

    def _send(
        self,
        method: str,
        original: str,
        target: Target,
        headers: dict[str, str],
        content: bytes | None,
        retry: RetryPolicy,
        attempts: list[int] | None = None,
        *,
        polite: bool = False,
    ) -> _Answer:
        request_headers = dict(headers)
        if target.host_header is not None:
            request_headers["Host"] = target.host_header
        extensions = {"sni_hostname": target.sni} if target.sni else {}
        # the deadline of the last attempt: connect, headers and body of one request
        last: list[Deadline] = []

        def attempt() -> _Answer:
            if attempts is not None:
                attempts[0] += 1
            if polite:
                self._wait_for_host(target.host)
            with request_deadline(self.settings.http_deadline_seconds) as deadline:
                last[:] = [deadline]
                with self._client.stream(
                    method,
                    target.connect_url,
                    headers=request_headers,
                    content=content,
                    extensions=extensions,
                ) as response:
                    answer_headers = {k.lower(): v for k, v in response.headers.items()}
                    body, truncated = self._read_capped(response)
                    return _Answer(response.status_code, answer_headers, body, truncated)

        def passed() -> bool:
            return bool(last) and last[0].passed

        try:
            return retry.run(
                attempt,
                retry_error=lambda exc: isinstance(exc, httpx.HTTPError) and not passed(),
                retry_result=lambda answer: answer.status in RETRY_STATUSES,
                retry_after=lambda answer: answer.headers.get("retry-after"),
            )
        except httpx.InvalidURL as exc:
            raise FetchError(original, f"not a valid URL {target.url!r}: {exc}") from exc
        except httpx.HTTPError as exc:
            if passed():
                problem = f"{last[0].message()} fetching {target.url}"
                raise FetchError(original, problem) from exc
            problem = f"{type(exc).__name__} fetching {target.url}: {exc or 'no detail'}"
            raise FetchError(original, problem) from exc

    def _read_capped(self, response: httpx.Response) -> tuple[bytes, bool]:
        cap = self.settings.http_max_bytes
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes(CHUNK_BYTES):
            size += len(chunk)
            chunks.append(chunk)
            if size > cap:
                return b"".join(chunks)[:cap], True
        return b"".join(chunks), False


#: The name existing callers use.
HttpClient = OutboundClient
