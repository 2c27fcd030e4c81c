"""Result model of ``tvec settings --json``: one setting with its current value."""

from __future__ import annotations

from pydantic import Field

from tvec.views.base import View


class SettingView(View):
    """A setting: its environment variable, current value for display, and help."""

    env: str = Field(description="The environment variable (TVEC_...).")
    value: str = Field(
        description="The current value as text; secrets '***', a database URL's password "
        "hidden, '' when unset."
    )
    help: str
