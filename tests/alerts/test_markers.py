"""Removal markers as data: the packaged rows, an own file merged over them, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

import tvec.takedowns
from tvec.errors import ConfigError
from tvec.platforms import PlatformRegistry
from tvec.settings import load_settings
from tvec.takedowns.markers import (
    ALL_PLATFORMS,
    load_markers,
    packaged_markers,
    parse_rows,
    read_markers_file,
)

REGISTRY = PlatformRegistry.load_default()


def test_every_packaged_row_names_a_registry_platform() -> None:
    names = {p.name for p in REGISTRY.platforms}
    rows = packaged_markers().rows
    assert rows[0].platform == ALL_PLATFORMS
    assert {r.platform for r in rows[1:]} <= names
    # The major platforms of the brief all have a row.
    for name in (
        "YouTube",
        "X (Twitter)",
        "Facebook",
        "Instagram",
        "TikTok",
        "Telegram",
        "Internet Archive",
        "Google Drive",
        "Dropbox",
        "MEGA",
        "MediaFire",
        "Pastebin",
        "Rumble",
        "Odysee",
        "BitChute",
        "Files.fm",
        "VK",
        "JustPaste.it",
        "Gofile",
    ):
        assert packaged_markers().row(name) is not None, name
    # Re-reading against the registry changes nothing: the names are spelled as there.
    packaged_file = Path(tvec.takedowns.__file__).with_name("removal_markers.yaml")
    assert [r.platform for r in read_markers_file(packaged_file, REGISTRY)] == [
        r.platform for r in rows
    ]


def test_phrases_ignore_case_and_white_space_and_regexes_search() -> None:
    rules = packaged_markers().rules_for("YouTube")
    page = "<p>this VIDEO has been\n   removed by the uploader</p>"
    found = rules.marker_in(page)
    assert found is not None and found.text == "This video has been removed by the uploader"
    found = rules.marker_in('{"playabilityStatus":{"status":"ERROR","reason":"x"}}')
    assert found is not None and found.text.startswith("re:")
    assert rules.marker_in('{"playabilityStatus":{"status":"OK"}}') is None


def test_login_paths_match_whole_segments() -> None:
    rules = packaged_markers().rules_for(None)  # "*" only
    assert rules.is_login_path("/login")
    assert rules.is_login_path("/login/")
    assert rules.is_login_path("/LOGIN/next")
    assert rules.is_login_path("/accounts/login/")
    assert rules.is_login_path("/auth")
    assert not rules.is_login_path("/loginhelp")
    assert not rules.is_login_path("/author/jane")
    assert not rules.is_login_path("/")
    google = packaged_markers().rules_for("Google Drive")
    assert google.is_login_path("/ServiceLogin") and google.is_login_path("/v3/signin/identifier")


def test_rules_merge_the_platform_row_with_the_star_row() -> None:
    markers = packaged_markers()
    star = markers.row("*")
    facebook = markers.row("facebook")  # any case
    assert star is not None and facebook is not None
    rules = markers.rules_for("Facebook")
    assert rules.markers == facebook.markers + star.markers
    assert rules.login_paths == star.login_paths  # Facebook lists none of its own
    assert rules.login_redirect is False  # the Facebook row turns login redirects off
    assert rules.home_redirect is True
    unknown = markers.rules_for("No Such Platform")
    assert unknown.markers == star.markers and unknown.login_redirect is True


def test_an_own_file_is_merged_over_the_packaged_rows(tmp_path: Path) -> None:
    own = tmp_path / "markers.yaml"
    own.write_text(
        """
- platform: youtube
  markers: [Dieses Video wurde entfernt]
  home_redirect: false
- platform: "*"
  markers: ['re:content\\s+withdrawn']
- platform: Rumble
  markers: [This video is no longer available on Rumble]
  login_redirect: false
- platform: Pastebin
  replace: true
  markers: [Paste removed]
""",
        encoding="utf-8",
    )
    settings = load_settings(home=tmp_path / "home", removal_markers_file=own)
    markers = load_markers(settings, registry=REGISTRY)
    packaged = packaged_markers()

    youtube = markers.rules_for("YouTube")
    assert [m.text for m in youtube.markers][-3:] == [
        "Dieses Video wurde entfernt",
        "This Account has been suspended. Contact your hosting provider",
        "re:content\\s+withdrawn",
    ]
    assert len(youtube.markers) == len(packaged.rules_for("YouTube").markers) + 2
    assert youtube.home_redirect is False and youtube.login_redirect is True
    row = markers.row("YouTube")
    assert row is not None and row.platform == "YouTube"

    assert markers.rules_for("Rumble").login_redirect is False
    assert markers.rules_for("Rumble").marker_in("This video is no longer available on Rumble")
    pastebin = markers.row("Pastebin")
    assert pastebin is not None and [m.text for m in pastebin.markers] == ["Paste removed"]
    assert markers.rules_for(None).marker_in("Content   withdrawn by request") is not None
    # The packaged rows themselves are untouched.
    assert packaged_markers().rules_for(None).marker_in("content withdrawn") is None
    assert load_markers(None) is packaged


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- platform: YouTube\n  markers: [ok]\n- [not, a, row]\n", "row 2: expected a mapping"),
        ("- platform: YouTube\n- markers: [x]\n", "row 2: 'platform' is missing"),
        ("- platform: YouTube\n  marker: [x]\n", "row 1 (platform 'YouTube'): unknown keys"),
        ("- platform: YouTube\n  markers: 'one'\n", "'markers' must be a list"),
        ("- platform: YouTube\n  markers: ['re:(unclosed']\n", "not a valid regular expression"),
        ("- platform: YouTube\n  markers: ['re:']\n", "'markers' entry 1 ('re:') is empty"),
        ("- platform: YouTube\n  markers: [ok, 're:  ']\n", "'markers' entry 2 ('re:') is empty"),
        (
            "- platform: YouTube\n  markers: ['']\n",
            "row 1 (platform 'YouTube'): 'markers' entry 1 is empty",
        ),
        ("- platform: YouTube\n  markers: [ok, '  ']\n", "'markers' entry 2 is empty"),
        ("- platform: YouTube\n  login_paths: ['']\n", "'login_paths' entry 1 is empty"),
        ("- platform: YouTube\n  markers: [3]\n", "'markers' entry 1 must be text, not 3"),
        ("- platform: YouTube\n  login_paths: [login]\n", "login path 'login' must start with"),
        ("- platform: YouTube\n  login_paths: [/]\n", "login path '/' must start with"),
        ("- platform: YouTube\n  home_redirect: sometimes\n", "'home_redirect' must be true"),
        ("- platform: YouTube\n- platform: youtube\n", "row 2 (platform 'youtube'): a second"),
        ("- platform: Nowhere Video\n", "row 1 (platform 'Nowhere Video'): no platform"),
        ("- platform: YouTube\n  notes: [x]\n", "'notes' must be text"),
        ("platform: YouTube\n", "expected a list of marker rows"),
        ("- platform: [YouTube\n", "not valid YAML"),
    ],
)
def test_a_bad_markers_file_is_a_config_error_naming_file_and_row(
    tmp_path: Path, text: str, expected: str
) -> None:
    own = tmp_path / "bad-markers.yaml"
    own.write_text(text, encoding="utf-8")
    settings = load_settings(home=tmp_path / "home", removal_markers_file=own)
    with pytest.raises(ConfigError) as caught:
        load_markers(settings, registry=REGISTRY)
    message = str(caught.value)
    assert str(own) in message
    assert expected in message


@pytest.mark.parametrize(
    ("key", "entry"),
    [
        ("markers", "re:.*"),
        ("markers", "re:x*"),
        ("markers", "re:^"),
        ("markers", "re:(removed)?"),
        ("markers", "re:."),
        ("markers", "re:\\S"),
        ("markers", "re:[\\s\\S]"),
        ("login_paths", "re:.*"),
        ("login_paths", "re:/"),
        ("login_paths", "re:^/(login)?"),
    ],
)
def test_an_expression_matching_every_page_is_refused(tmp_path: Path, key: str, entry: str) -> None:
    own = tmp_path / "markers.yaml"
    own.write_text(f"- platform: Telegram\n  {key}: ['{entry}']\n", encoding="utf-8")
    settings = load_settings(home=tmp_path / "home", removal_markers_file=own)
    with pytest.raises(ConfigError) as caught:
        load_markers(settings, registry=REGISTRY)
    what = "path" if key == "login_paths" else "page"
    assert str(caught.value).startswith(
        f"{own}: row 1 (platform 'Telegram'): {key!r} entry {entry!r} is refused: "
        f"it would match every {what} ("
    )


def test_narrow_expressions_are_kept(tmp_path: Path) -> None:
    rows = parse_rows(
        [
            {
                "platform": "Telegram",
                "markers": ["re:channel (is|was) (blocked|removed)", "re:^\\s*gone\\s*$", "a"],
                "login_paths": ["re:^/v\\d+/signin", "/auth"],
            }
        ],
        "own.yaml",
    )
    assert [m.text for m in rows[0].markers][:2] == [
        "re:channel (is|was) (blocked|removed)",
        "re:^\\s*gone\\s*$",
    ]
    assert len(rows[0].login_paths) == 2


def test_a_missing_markers_file_is_a_config_error(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", removal_markers_file=tmp_path / "none.yaml")
    with pytest.raises(ConfigError, match=r"none\.yaml: cannot read it"):
        load_markers(settings)


def test_an_empty_file_adds_nothing() -> None:
    assert parse_rows([], "empty.yaml") == []
