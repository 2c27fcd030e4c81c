"""``url_md5``: MD5 of a canonical URL as python-threatexchange's UrlMD5Signal hashes it."""

from __future__ import annotations

import pytest
from threatexchange.signal_type.url_md5 import UrlMD5Signal as PytxUrlMD5

from tvec.errors import InvalidSignalError
from tvec.media import URL
from tvec.signals.url_md5 import UrlMD5Signal, pytx_normalize_url, url_md5_signal

from .contract import SignalTypeContract

# pytx's example URL (URLSignal.get_examples()) and its UrlMD5Signal.hash_from_str.
PYTX_URL = "https://developers.facebook.com/docs/threat-exchange/reference/apis/"
PYTX_URL_MD5 = "95c3a3934d38b06959d4f6d5bfe48a79"
EXAMPLE_MD5 = "617a9471507f0eb608f3858291adb70f"  # md5("example.com/")


class TestUrlMD5(SignalTypeContract):
    signal_type = UrlMD5Signal
    content_types = frozenset({URL})
    valid = ((PYTX_URL_MD5, PYTX_URL_MD5), (f" {EXAMPLE_MD5.upper()} ", EXAMPLE_MD5))
    invalid = ("", PYTX_URL, PYTX_URL_MD5[:-1], "n" * 32)
    equal_pairs = ((EXAMPLE_MD5, EXAMPLE_MD5.upper()),)
    far_pairs = ((PYTX_URL_MD5, EXAMPLE_MD5, 1),)
    hash_cases = (
        (PYTX_URL, PYTX_URL_MD5),
        ("https://example.com", EXAMPLE_MD5),
        ("HTTP://Example.com/?utm_source=feed#x", EXAMPLE_MD5),
        ("hxxps://EXAMPLE.com./", EXAMPLE_MD5),
    )


@pytest.mark.parametrize(
    "url",
    [
        PYTX_URL,
        "https://example.com/",
        "https://example.com/Path?q=1",
        "http://xn--bcher-kva.example/",
        "ftp://files.example.org/pub/a.zip",
    ],
)
def test_canonical_urls_hash_as_pytx_does(url: str) -> None:
    assert url_md5_signal(url).value == PytxUrlMD5.hash_from_str(url)
    assert pytx_normalize_url(url) == url.lower().split("://", 1)[1].encode()


def test_name_is_pytx_s() -> None:
    assert PytxUrlMD5.get_name() == UrlMD5Signal.name


def test_a_non_url_cannot_be_hashed() -> None:
    with pytest.raises(InvalidSignalError):
        url_md5_signal("mailto:someone@example.com")
