"""Defanged URLs for display (:func:`tvec.urls.defang.defang`): no viewer makes them live
links, and tvec's link extraction (:func:`tvec.outlinks.extract_outlinks`) reads them back."""

from __future__ import annotations

import pytest

from tvec.outlinks import extract_outlinks
from tvec.urls import canonicalize_url
from tvec.urls.defang import defang


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://files.example/x.mp4", "hxxps://files[.]example/x.mp4"),
        ("http://a.b.example:8080/p.q?x=1.2#f.g", "hxxp://a[.]b[.]example:8080/p.q?x=1.2#f.g"),
        ("HTTPS://T.ME/chan", "HxxPS://T[.]ME/chan"),
        ("ftp://mirror.example/a.zip", "ftp://mirror[.]example/a.zip"),
        ("t.me/abc.def", "t[.]me/abc.def"),
        ("hxxps://files[.]fm/x", "hxxps://files[.]fm/x"),
    ],
)
def test_defang_brackets_host_dots_and_breaks_the_scheme(url: str, shown: str) -> None:
    assert defang(url) == shown
    assert defang(shown) == shown  # defanging twice changes nothing


def test_a_defanged_url_reads_back_as_the_same_canonical_url() -> None:
    url = "https://files.example/v/1.mp4"
    [found] = extract_outlinks(f"see {defang(url)} now")
    assert found.canonical == canonicalize_url(url)
