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
