"""The one typed settings object, read from ``TVEC_*`` environment variables.

Every setting has a default and help text (the ``description``); ``tvec settings`` prints them
and a test fails when one lacks help. Secrets come only from the environment.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tvec.errors import ConfigError


class Settings(BaseSettings):
    """tvec's settings. Build with ``Settings()`` (environment) or with keyword overrides."""

    model_config = SettingsConfigDict(env_prefix="TVEC_", extra="ignore", frozen=True)

    home: Path = Field(
        default=Path(".tvec"),
        description="Folder holding the SQLite database and the evidence store.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy database URL. Default: SQLite at HOME/tvec.db. PostgreSQL: "
            "postgresql+psycopg://user@host:5432/dbname."
        ),
    )
    pdq_threshold: int = Field(
        default=31,
        ge=0,
        le=256,
        description="Largest Hamming distance (bits of 256) at which two PDQ hashes match.",
    )
    pdq_min_quality: int = Field(
        default=50,
        ge=0,
        le=100,
        description="PDQ hashes of lower quality (0-100) are stored but never matched.",
    )
    max_image_pixels: int = Field(
        default=89_478_485,
        gt=0,
        description="Images declaring more pixels than this are refused as decompression bombs.",
    )
    max_file_bytes: int = Field(
        default=2 * 1024**3,
        gt=0,
        description="Files larger than this many bytes are recorded as errors and not read.",
    )
    keep_evidence: bool = Field(
        default=True,
        description="Keep the original bytes of every scanned file in the evidence store.",
    )
    progress: bool = Field(
        default=True, description="Show a Rich progress bar on long jobs when on a terminal."
    )

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value:
            raise ValueError(f"TVEC_DATABASE_URL {value!r} is not a URL (expected scheme://...)")
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        """The database URL in force: ``database_url`` or SQLite inside ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'tvec.db').resolve()}"

    @property
    def evidence_dir(self) -> Path:
        """Folder of the content-addressed evidence store (``HOME/evidence``)."""
        return self.home / "evidence"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with keyword overrides on top.

    Raises:
        ConfigError: a ``TVEC_*`` variable has an invalid value (the message names it).
    """
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"TVEC_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from exc
