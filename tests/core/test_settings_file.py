"""``HOME/settings.env``: a home folder's own settings, under the environment and overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from tvec.errors import ConfigError
from tvec.settings import load_settings


def test_home_settings_file_is_read_under_environment_and_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.env").write_text(
        'TVEC_INCLUSION_POLICY=["DEMO"]\nTVEC_PDQ_THRESHOLD=20\nTVEC_ALERT_SENDER_NAME=Demo desk\n',
        encoding="utf-8",
    )
    monkeypatch.delenv("TVEC_PDQ_THRESHOLD", raising=False)
    settings = load_settings(home=home)
    assert settings.inclusion_policy == ["DEMO"]
    assert settings.pdq_threshold == 20
    assert settings.alert_sender_name == "Demo desk"
    monkeypatch.setenv("TVEC_PDQ_THRESHOLD", "25")
    assert load_settings(home=home).pdq_threshold == 25
    assert load_settings(home=home, pdq_threshold=3).pdq_threshold == 3
    monkeypatch.setenv("TVEC_HOME", str(home))
    assert load_settings().inclusion_policy == ["DEMO"]
    assert load_settings(home=tmp_path).inclusion_policy == ["UN", "EU", "UK", "US", "CA", "AU"]


def test_bad_value_in_settings_file_names_the_setting(tmp_path: Path) -> None:
    (tmp_path / "settings.env").write_text("TVEC_PDQ_THRESHOLD=lots\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TVEC_PDQ_THRESHOLD"):
        load_settings(home=tmp_path)


def test_secrets_are_refused_in_the_settings_file(tmp_path: Path) -> None:
    (tmp_path / "settings.env").write_text("TVEC_SMTP_PASSWORD=hunter2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TVEC_SMTP_PASSWORD is a secret"):
        load_settings(home=tmp_path)


def test_a_junk_line_in_the_settings_file_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "settings.env").write_text(
        "# comment\nTVEC_PDQ_THRESHOLD=20\nthis is junk\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"settings.env, line 3: not a NAME=value line"):
        load_settings(home=tmp_path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1", ["127.0.0.1"]),
        ("127.0.0.1, 10.0.0.0/8,", ["127.0.0.1", "10.0.0.0/8"]),
        ('["files.example", "10.0.0.1"]', ["files.example", "10.0.0.1"]),
        ("", []),
    ],
)
def test_list_settings_take_json_or_comma_separated_values(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str, expected: list[str]
) -> None:
    monkeypatch.setenv("TVEC_OUTBOUND_ALLOW_HOSTS", value)
    monkeypatch.setenv("TVEC_INCLUSION_POLICY", value)
    settings = load_settings(home=tmp_path)
    assert settings.outbound_allow_hosts == expected
    assert settings.inclusion_policy == expected


def test_bad_structured_settings_are_config_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TVEC_OUTBOUND_ALLOW_HOSTS", "[not json")
    with pytest.raises(ConfigError, match=r"TVEC_OUTBOUND_ALLOW_HOSTS: .*not a JSON list"):
        load_settings(home=tmp_path)
    monkeypatch.delenv("TVEC_OUTBOUND_ALLOW_HOSTS")
    monkeypatch.setenv("TVEC_CONFIDENCE_WEIGHTS", "heavy")
    with pytest.raises(ConfigError, match="confidence_weights"):
        load_settings(home=tmp_path)
    monkeypatch.delenv("TVEC_CONFIDENCE_WEIGHTS")
    monkeypatch.setenv("TVEC_ALERT_BATCH_SECONDS", "1e300")
    with pytest.raises(ConfigError, match="TVEC_ALERT_BATCH_SECONDS"):
        load_settings(home=tmp_path)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (
            "TVEC_PDQ_THRESHOLDD=26",
            "TVEC_PDQ_THRESHOLDD is not a setting (did you mean TVEC_PDQ_THRESHOLD?)",
        ),
        ("PDQ_THRESHOLD=27", "PDQ_THRESHOLD is not a setting: names start with TVEC_"),
        ("TVEC_HOME=/elsewhere", "TVEC_HOME cannot be set inside the home folder it names"),
    ],
)
def test_settings_file_names_must_be_settings(tmp_path: Path, line: str, problem: str) -> None:
    (tmp_path / "settings.env").write_text(f"# mine\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(home=tmp_path)
    assert f"settings.env, line 2: {problem}" in str(caught.value)


def test_settings_file_syntax_and_where_a_bad_value_came_from(tmp_path: Path) -> None:
    (tmp_path / "settings.env").write_text(
        '\ufeffexport TVEC_PDQ_THRESHOLD = 12\r\nTVEC_ALERT_SENDER_NAME="Org #1"  # ours\r\n',
        encoding="utf-8",
    )
    settings = load_settings(home=tmp_path)
    assert (settings.pdq_threshold, settings.alert_sender_name) == (12, "Org #1")
    (tmp_path / "settings.env").write_text("TVEC_PDQ_THRESHOLD=abc\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"from the environment or .*settings.env"):
        load_settings(home=tmp_path)


@pytest.mark.parametrize("entry", ["not a host!", "999.1.1.1/99", "999.1.1.1", "a/b"])
def test_allow_lists_refuse_what_is_not_a_host_or_network(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, entry: str
) -> None:
    monkeypatch.setenv("TVEC_OUTBOUND_ALLOW_HOSTS", f"127.0.0.1, {entry}")
    with pytest.raises(ConfigError, match="is neither a host name nor an IP address"):
        load_settings(home=tmp_path)
    monkeypatch.setenv(
        "TVEC_OUTBOUND_ALLOW_HOSTS", "localhost, files.example.org, 10.0.0.0/8, ::1, [::1]"
    )
    assert len(load_settings(home=tmp_path).outbound_allow_hosts) == 5
