"""The settings in force, for ``tvec settings``: every setting with its value for display.

Secrets (names holding :data:`tvec.settings.SECRET_MARKERS`) are masked, and the password in
the database URL is hidden (SQLAlchemy's URL rendering, kept here so the adapters import no
SQLAlchemy).
"""

from __future__ import annotations

from tvec.settings import SECRET_MARKERS, Settings
from tvec.views.settings import SettingView


def shown_value(name: str, value: object) -> str:
    """A setting's value for display: ``""`` when unset, ``***`` for a secret, a database
    URL without its password (``***`` if it cannot be parsed)."""
    if value is None:
        return ""
    if any(marker in name for marker in SECRET_MARKERS):
        return "***"
    if name == "database_url":
        from sqlalchemy.engine import make_url

        try:
            return make_url(str(value)).render_as_string(hide_password=True)
        except Exception:
            return "***"
    return str(value)


def list_settings(settings: Settings) -> list[SettingView]:
    """Every setting in declaration order with its variable, shown value and help."""
    return [
        SettingView(
            env=f"TVEC_{name.upper()}",
            value=shown_value(name, getattr(settings, name)),
            help=info.description or "",
        )
        for name, info in type(settings).model_fields.items()
    ]
