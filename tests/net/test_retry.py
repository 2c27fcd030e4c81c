"""The one retry policy: 429, 5xx and network errors are retried, other 4xx are not;
Retry-After is honoured in seconds and as an HTTP date, capped. No test sleeps: the waits go
to an injected sleep."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from tvec.errors import FetchError
from tvec.net.client import OutboundClient
from tvec.net.retry import MAX_RETRY_AFTER_SECONDS, RetryPolicy, retry_after_seconds
from tvec.settings import Settings, load_settings

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _date(seconds: float) -> str:
    return format_datetime(NOW + timedelta(seconds=seconds), usegmt=True)


def test_retry_after_in_seconds_and_as_a_date() -> None:
    assert retry_after_seconds("120", NOW) == 120.0
    assert retry_after_seconds(" 0 ", NOW) == 0.0
    assert retry_after_seconds(_date(30), NOW) == 30.0
    assert retry_after_seconds("Mon, 02 Nov 2026 09:00:45 GMT", NOW) == 45.0
    assert retry_after_seconds(_date(-300), NOW) == 0.0  # a date in the past: no wait
    for junk in (None, "", "soon", "-5", "1.5e3"):
        assert retry_after_seconds(junk, NOW) is None


def test_delay_doubles_and_retry_after_lengthens_it_up_to_the_cap() -> None:
    policy = RetryPolicy(retries=3, backoff_seconds=0.5, now=lambda: NOW)
    assert [policy.delay(n) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert policy.delay(0, "10") == 10.0
    assert policy.delay(3, "1") == 4.0  # never shorter than the backoff
    assert policy.delay(0, "3600") == MAX_RETRY_AFTER_SECONDS
    assert policy.delay(0, _date(20)) == 20.0
    assert policy.delay(0, _date(90)) == MAX_RETRY_AFTER_SECONDS
    assert policy.delay(0, "garbage") == 0.5


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "home": tmp_path,
        "outbound_allow_hosts": ["api.example"],
        "http_retries": 3,
        "http_backoff_seconds": 1.0,
        "http_host_interval_seconds": 0,
    }
    return load_settings(**(values | overrides))


Answer = Callable[[httpx.Request], httpx.Response]


def _script(
    *answers: int | tuple[int, dict[str, str]] | type[Exception],
) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport answering in turn: a status, (status, headers), or raising an error."""
    seen: list[httpx.Request] = []
    queue: Iterator[int | tuple[int, dict[str, str]] | type[Exception]] = iter(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(queue)
        if isinstance(answer, type):
            raise answer("down", request=request)  # type: ignore[call-arg]
        status, headers = answer if isinstance(answer, tuple) else (answer, {})
        return httpx.Response(status, headers=headers, content=b"x")

    return httpx.MockTransport(handler), seen


def test_get_retries_5xx_429_and_network_errors_honouring_retry_after(tmp_path: Path) -> None:
    transport, seen = _script(
        (503, {"Retry-After": "7"}),
        httpx.ConnectError,
        (429, {"Retry-After": "Fri, 01 Jan 2100 00:00:00 GMT"}),  # far ahead: capped
        200,
    )
    sleeps: list[float] = []
    with OutboundClient(_settings(tmp_path), transport=transport, sleep=sleeps.append) as c:
        result = c.fetch("https://api.example/feed")
    assert result.status == 200 and len(seen) == 4
    assert sleeps == [7.0, 2.0, MAX_RETRY_AFTER_SECONDS]


def test_4xx_is_not_retried(tmp_path: Path) -> None:
    transport, seen = _script(404, 200)
    sleeps: list[float] = []
    with OutboundClient(_settings(tmp_path), transport=transport, sleep=sleeps.append) as c:
        with pytest.raises(FetchError, match="HTTP 404"):
            c.fetch("https://api.example/gone")
        posted = c.post("https://api.example/hook", b"{}")
    assert (posted.status, posted.attempts, posted.ok) == (200, 1, True)
    assert len(seen) == 2 and sleeps == []

    transport, seen = _script(400, 200)
    with OutboundClient(_settings(tmp_path), transport=transport, sleep=sleeps.append) as c:
        refused = c.post("https://api.example/hook", b"{}", retries=5)
    assert (refused.status, refused.attempts, refused.ok) == (400, 1, False)
    assert len(seen) == 1 and sleeps == []


def test_post_gives_up_after_its_retries_with_the_last_outcome(tmp_path: Path) -> None:
    transport, seen = _script(500, (502, {"Retry-After": "3"}), httpx.ReadTimeout)
    sleeps: list[float] = []
    with OutboundClient(_settings(tmp_path), transport=transport, sleep=sleeps.append) as c:
        result = c.post("https://api.example/hook", b"{}", retries=2, backoff_seconds=0.25)
    assert (result.status, result.attempts) == (None, 3)
    assert result.error == "ReadTimeout: down"
    assert sleeps == [0.25, 3.0]
    assert [r.method for r in seen] == ["POST"] * 3

    transport, _ = _script(503, 503)
    with OutboundClient(_settings(tmp_path), transport=transport, sleep=sleeps.append) as c:
        last = c.post("https://api.example/hook", b"{}", retries=1, backoff_seconds=0)
    assert (last.status, last.attempts, last.ok) == (503, 2, False)


def test_try_fetch_clamps_its_retries(tmp_path: Path) -> None:
    transport, seen = _script(503, 503, 503, 503, 503)
    with OutboundClient(_settings(tmp_path), transport=transport, sleep=lambda s: None) as c:
        visit = c.try_fetch("https://api.example/x", retries=0)
    assert visit.result is not None and visit.result.status == 503 and len(seen) == 1
