"""Result models of the platform registry in force (packaged rows plus user rows).

``tvec platform list --json`` answers with a list of :class:`PlatformView`, ``tvec
platform show --json`` with one.
"""

from __future__ import annotations

from pydantic import Field

from tvec.views.base import View


class PlatformView(View):
    """A platform as a data-file row, with whether a user row defines it."""

    name: str
    kind: str = Field(description="messaging, file_sharing, video, image_host...")
    domains: list[str] = Field(description="Domains it claims (registrable or host names).")
    country: str | None = Field(description="ISO 3166-1 alpha-2 code of its seat.")
    abuse_email: str | None = Field(description="Abuse report address (where alerts go).")
    report_url: str | None
    api: str | None
    source: str = Field(description="Where the facts come from.")
    notes: str = Field(description="Caveats ('' if none).")
    content_fragment: bool = Field(
        default=False, description="The URL fragment names the content (kept in canonical URLs)."
    )
    user_row: bool = Field(description="Defined or changed by a user ('tvec platform add').")
