"""Fixtures of the review core tests: a fast store (no OCR) on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.review_data import fast_settings
from tvec.store import Store, open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A migrated SQLite store in a fresh home, OCR off."""
    opened = open_store(fast_settings(tmp_path / "home"))
    yield opened
    opened.close()
