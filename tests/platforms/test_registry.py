"""The platform registry: data-file checks, resolution, overrides and row validation."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources
from typing import Any

import pytest
import yaml

from tvec.errors import ConfigError, InvalidSignalError
from tvec.platforms import (
    Platform,
    PlatformKind,
    PlatformRegistry,
    PlatformResolution,
    platform_from_row,
)


@pytest.fixture(scope="module")
def registry() -> PlatformRegistry:
    return PlatformRegistry.load_default()


def _raw_rows() -> list[dict[str, Any]]:
    text = resources.files("tvec.platforms").joinpath("platforms.yaml").read_text("utf-8")
    rows = yaml.safe_load(text)
    assert isinstance(rows, list)
    return rows


# --- the data file ----------------------------------------------------------------------------


def test_data_file_ships_in_the_package() -> None:
    assert resources.files("tvec.platforms").joinpath("platforms.yaml").is_file()


def test_at_least_150_platforms(registry: PlatformRegistry) -> None:
    assert len(registry.platforms) >= 150


def test_every_row_has_kind_route_and_source(registry: PlatformRegistry) -> None:
    for platform in registry.platforms:
        assert isinstance(platform.kind, PlatformKind), platform.name
        assert platform.abuse_email or platform.report_url or platform.api, platform.name
        assert platform.source, platform.name
        assert platform.domains, platform.name


def test_no_two_rows_claim_one_domain() -> None:
    counts = Counter(domain.lower() for row in _raw_rows() for domain in row["domains"])
    assert [domain for domain, count in counts.items() if count > 1] == []


def test_names_are_unique() -> None:
    counts = Counter(str(row["name"]).casefold() for row in _raw_rows())
    assert [name for name, count in counts.items() if count > 1] == []


def test_every_kind_is_used(registry: PlatformRegistry) -> None:
    assert {platform.kind for platform in registry.platforms} == set(PlatformKind)


def test_countries_are_alpha_2_or_unknown(registry: PlatformRegistry) -> None:
    for platform in registry.platforms:
        assert platform.country is None or (
            len(platform.country) == 2 and platform.country.isupper()
        ), platform.name


@pytest.mark.parametrize(
    ("domain", "name"),
    [
        ("t.me", "Telegram"),
        ("telegram.me", "Telegram"),
        ("telegra.ph", "Telegraph"),
        ("x.com", "X (Twitter)"),
        ("twitter.com", "X (Twitter)"),
        ("facebook.com", "Facebook"),
        ("instagram.com", "Instagram"),
        ("youtube.com", "YouTube"),
        ("tiktok.com", "TikTok"),
        ("whatsapp.com", "WhatsApp"),
        ("rumble.com", "Rumble"),
        ("odysee.com", "Odysee"),
        ("vk.com", "VK"),
        ("ok.ru", "OK.ru (Odnoklassniki)"),
        ("reddit.com", "Reddit"),
        ("discord.gg", "Discord"),
        ("drive.google.com", "Google Drive"),
        ("dropbox.com", "Dropbox"),
        ("1drv.ms", "OneDrive"),
        ("mega.nz", "MEGA"),
        ("mediafire.com", "MediaFire"),
        ("archive.org", "Internet Archive"),
        ("archive.ph", "archive.today"),
        ("files.fm", "Files.fm"),
        ("gofile.io", "Gofile"),
        ("pixeldrain.com", "Pixeldrain"),
        ("krakenfiles.com", "KrakenFiles"),
        ("1fichier.com", "1fichier"),
        ("catbox.moe", "Catbox"),
        ("justpaste.it", "JustPaste.it"),
        ("pastebin.com", "Pastebin"),
        ("rentry.co", "Rentry"),
        ("dump.to", "Dump.to"),
        ("ufile.io", "Ufile"),
        ("top4top.io", "Top4top"),
        ("sendvid.com", "Sendvid"),
        ("streamable.com", "Streamable"),
        ("vimeo.com", "Vimeo"),
        ("dailymotion.com", "Dailymotion"),
        ("bitchute.com", "BitChute"),
        ("gab.com", "Gab"),
        ("minds.com", "Minds"),
        ("matrix.org", "Matrix.org homeserver"),
        ("chirpwire.net", "Chirpwire"),
        ("tamtam.chat", "TamTam"),
        ("ipfs.io", "IPFS public gateway (ipfs.io)"),
        ("sites.google.com", "Google Sites"),
        ("blogspot.com", "Blogger"),
        ("wordpress.com", "WordPress.com"),
        ("medium.com", "Medium"),
        ("substack.com", "Substack"),
        ("bit.ly", "Bitly"),
        ("t.co", "X (t.co)"),
        ("tinyurl.com", "TinyURL"),
        ("is.gd", "is.gd"),
        ("cutt.ly", "Cuttly"),
        ("shorturl.at", "ShortURL.at"),
    ],
)
def test_named_platforms_are_present(registry: PlatformRegistry, domain: str, name: str) -> None:
    platform = registry.by_domain(domain)
    assert platform is not None and platform.name == name


# --- resolution -------------------------------------------------------------------------------

RESOLVE_CASES: list[tuple[str, str | None, str, str]] = [
    # (url, platform name or None, registrable domain, host)
    ("https://www.youtube.com/watch?v=x", "YouTube", "youtube.com", "www.youtube.com"),
    ("https://m.youtube.com/watch?v=x", "YouTube", "youtube.com", "m.youtube.com"),
    ("https://youtu.be/x", "YouTube", "youtu.be", "youtu.be"),
    ("https://www.t.me/channel", "Telegram", "t.me", "www.t.me"),
    ("t.me/channel", "Telegram", "t.me", "t.me"),
    ("hxxps://T.ME/channel", "Telegram", "t.me", "t.me"),
    ("https://telegra.ph/Post-01-01", "Telegraph", "telegra.ph", "telegra.ph"),
    ("https://x.blogspot.com/2024/01/p.html", "Blogger", "x.blogspot.com", "x.blogspot.com"),
    ("https://foo.github.io/page", "GitHub Pages", "foo.github.io", "foo.github.io"),
    ("https://github.com/foo/bar", "GitHub", "github.com", "github.com"),
    (
        "https://raw.githubusercontent.com/a/b/c",
        "GitHub",
        "raw.githubusercontent.com",
        "raw.githubusercontent.com",
    ),
    ("https://sites.google.com/view/x", "Google Sites", "google.com", "sites.google.com"),
    ("https://drive.google.com/file/d/1/view", "Google Drive", "google.com", "drive.google.com"),
    ("https://docs.google.com/document/d/1", "Google Drive", "google.com", "docs.google.com"),
    ("https://www.google.com/search?q=x", None, "google.com", "www.google.com"),
    ("https://onedrive.live.com/?id=1", "OneDrive", "live.com", "onedrive.live.com"),
    ("https://outlook.live.com/", None, "live.com", "outlook.live.com"),
    ("https://litter.catbox.moe/abc.mp4", "Catbox", "catbox.moe", "litter.catbox.moe"),
    (
        "https://web.archive.org/web/2020/https://t.me/x",
        "Internet Archive",
        "archive.org",
        "web.archive.org",
    ),
    ("https://i.imgur.com/a.png", "Imgur", "imgur.com", "i.imgur.com"),
    ("https://ＹＯＵＴＵ．ＢＥ/x", "YouTube", "youtu.be", "youtu.be"),
    ("https://foo.example.co.uk/a", None, "example.co.uk", "foo.example.co.uk"),
    ("https://a.b.example.com.au/", None, "example.com.au", "a.b.example.com.au"),
    ("https://пример.рф/путь", None, "xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd.xn--p1ai"),
    ("https://bücher.de/", None, "xn--bcher-kva.de", "xn--bcher-kva.de"),
    (
        "https://a.unknown-platform-tvec.org/",
        None,
        "unknown-platform-tvec.org",
        "a.unknown-platform-tvec.org",
    ),
    ("https://unknown-host.example/", None, "", "unknown-host.example"),
    ("http://192.0.2.1/x", None, "192.0.2.1", "192.0.2.1"),
    ("http://localhost:8000/", None, "", "localhost"),
]


@pytest.mark.parametrize(("url", "name", "registrable", "host"), RESOLVE_CASES)
def test_resolve(
    registry: PlatformRegistry, url: str, name: str | None, registrable: str, host: str
) -> None:
    resolution = registry.resolve(url)
    assert isinstance(resolution, PlatformResolution)
    assert (resolution.platform.name if resolution.platform else None) == name
    assert resolution.registrable_domain == registrable
    assert resolution.host == host


def test_resolve_does_not_climb_past_the_registrable_domain() -> None:
    registry = PlatformRegistry.from_rows(
        [
            {
                "name": "Suffix claimer",
                "kind": "blog",
                "domains": ["co.uk"],
                "report_url": "https://example.org/",
                "source": "test",
            }
        ]
    )
    assert registry.resolve("https://bbc.co.uk/").platform is None
    assert registry.resolve("https://co.uk/").platform is not None


def test_resolve_rejects_non_urls(registry: PlatformRegistry) -> None:
    with pytest.raises(InvalidSignalError):
        registry.resolve("mailto:abuse@example.com")


def test_idna_domain_in_rows_is_normalised() -> None:
    registry = PlatformRegistry.from_rows(
        [
            {
                "name": "Bücher",
                "kind": "blog",
                "domains": ["BÜCHER.de"],
                "abuse_email": "abuse@xn--bcher-kva.de",
                "source": "test",
            }
        ]
    )
    (platform,) = registry.platforms
    assert platform.domains == ("xn--bcher-kva.de",)
    assert registry.resolve("https://shop.bücher.de/x").platform == platform


# --- overrides --------------------------------------------------------------------------------


def _row(name: str, domains: list[str], **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "name": name,
        "kind": "file_sharing",
        "domains": domains,
        "abuse_email": "abuse@example.org",
        "source": "added by an analyst",
    }
    row.update(extra)
    return row


def test_override_adds_a_platform(registry: PlatformRegistry) -> None:
    updated = registry.with_overrides([_row("New Locker", ["newlocker.example"])])
    assert registry.resolve("https://newlocker.example/f/1").platform is None
    resolved = updated.resolve("https://cdn.newlocker.example/f/1").platform
    assert resolved is not None and resolved.name == "New Locker"
    assert len(updated.platforms) == len(registry.platforms) + 1


def test_override_replaces_a_row_by_name(registry: PlatformRegistry) -> None:
    updated = registry.with_overrides(
        [_row("telegram", ["t.me", "telegram.org"], kind="messaging", country="AE")]
    )
    platform = updated.resolve("https://t.me/x").platform
    assert platform is not None and platform.abuse_email == "abuse@example.org"
    assert updated.resolve("https://telegram.me/x").platform is None  # the old row is gone
    original = registry.resolve("https://t.me/x").platform
    assert original is not None and original.abuse_email == "abuse@telegram.org"


def test_override_takes_a_domain_from_another_row(registry: PlatformRegistry) -> None:
    updated = registry.with_overrides([_row("Litterbox", ["litter.catbox.moe"])])
    litter = updated.resolve("https://litter.catbox.moe/a").platform
    files = updated.resolve("https://files.catbox.moe/a").platform
    assert litter is not None and litter.name == "Litterbox"
    assert files is not None and files.name == "Catbox"
    updated = registry.with_overrides([_row("Catbox v2", ["catbox.moe"])])
    assert all(platform.name != "Catbox" for platform in updated.platforms)


def test_override_accepts_platform_objects(registry: PlatformRegistry) -> None:
    platform = platform_from_row(_row("Obj", ["obj.example"]))
    assert registry.with_overrides([platform]).resolve("obj.example/x").platform == platform


def test_overrides_sharing_a_domain_fail(registry: PlatformRegistry) -> None:
    with pytest.raises(ConfigError, match="already claimed"):
        registry.with_overrides([_row("A", ["same.example"]), _row("B", ["same.example"])])


def test_invalid_override_row_names_the_row(registry: PlatformRegistry) -> None:
    with pytest.raises(ConfigError, match="'Broken'"):
        registry.with_overrides([_row("Broken", ["broken.example"], kind="torrent")])


# --- row validation ---------------------------------------------------------------------------

INVALID_ROWS: list[tuple[str, dict[str, object], str]] = [
    ("no name", {"kind": "blog", "domains": ["a.example"], "source": "s"}, "'name' is missing"),
    ("bad kind", _row("K", ["k.example"], kind="torrent"), "kind 'torrent' is not one of"),
    ("no kind", {**_row("K", ["k.example"]), "kind": None}, "kind None"),
    ("no route", {**_row("R", ["r.example"]), "abuse_email": None}, "at least one of"),
    ("no source", {**_row("S", ["s.example"]), "source": None}, "'source' is missing"),
    ("empty source", _row("S", ["s.example"], source="  "), "'source' is missing"),
    ("no domains", _row("D", []), "non-empty list"),
    ("domains as text", {**_row("D", ["x"]), "domains": "d.example"}, "non-empty list"),
    ("domain with path", _row("D", ["d.example/x"]), "not a host name"),
    ("bad domain", _row("D", ["d..example"]), "not a host name"),
    ("repeated domain", _row("D", ["d.example", "D.example"]), "listed twice"),
    ("bad country", _row("C", ["c.example"], country="Germany"), "ISO 3166"),
    ("bad e-mail", _row("E", ["e.example"], abuse_email="abuse"), "not an e-mail"),
    ("http report url", _row("U", ["u.example"], report_url="http://u.example/"), "https://"),
    ("unknown key", _row("X", ["x.example"], abuse_mail="a@x.example"), "unknown keys"),
    ("non-text field", _row("T", ["t.example"], country=49), "must be text"),
]


@pytest.mark.parametrize(
    ("row", "message"),
    [(row, message) for _case, row, message in INVALID_ROWS],
    ids=[case for case, _row, _message in INVALID_ROWS],
)
def test_invalid_rows_raise_config_error(row: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        PlatformRegistry.from_rows([_row("Fine", ["fine.example"]), row])


def test_error_names_the_row() -> None:
    with pytest.raises(ConfigError, match="platform 'Named'"):
        platform_from_row(_row("Named", ["n.example"], kind="nope"))
    with pytest.raises(ConfigError, match="platform row 2"):
        PlatformRegistry.from_rows([_row("Fine", ["fine.example"]), {"kind": "blog"}])


def test_two_rows_claiming_one_domain_fail() -> None:
    with pytest.raises(ConfigError, match=re.escape("'b.example' is already claimed by 'A'")):
        PlatformRegistry.from_rows(
            [_row("A", ["b.example"]), _row("B", ["x.example", "b.example"])]
        )


def test_duplicate_names_fail() -> None:
    with pytest.raises(ConfigError, match="name is used by two rows"):
        PlatformRegistry.from_rows([_row("Same", ["a.example"]), _row("same", ["b.example"])])


def test_platform_is_frozen(registry: PlatformRegistry) -> None:
    platform: Platform = registry.platforms[0]
    with pytest.raises(AttributeError):
        platform.name = "changed"  # type: ignore[misc]
