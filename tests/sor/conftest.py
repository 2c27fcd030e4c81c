"""Fixtures of the statements-of-reasons tests: a local DSA API, seeded decisions, contexts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tvec.app.context import AppContext, open_context
from tvec.settings import Settings, load_settings
from tvec.store import Store, open_store
from tvec.store.models import (
    Bank,
    BankEntry,
    CaseEvidence,
    Decision,
    Item,
    Match,
    ReviewCase,
)

from .dsa_server import TOKEN, DsaApi

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
#: Words that must never reach a statement (reviewer, note, item text, locator, entity name).
PERSONAL = ("alice.reviewer", "Jane Example", "secret-channel", "Example Front", "+44 7700")

#: (ground_kind, ground, evidence kinds, content_type, media_type, language) of every kind.
KINDS = [
    (
        "designated_entity",
        "Example Front: UN-QDe (UN, 2014-05-22)",
        ["match"],
        "photo",
        "image/png",
        "en",
    ),
    ("designated_entity", "Example Front", ["indicator"], "text", "text/plain", "ar"),
    ("tos", "ToS 4.1 terrorist content", ["match", "flag"], "video", "video/mp4", "fr"),
    ("tos", "ToS 4.2 violent extremism", ["trusted_flagger"], "file", "audio/mpeg", None),
    ("tos", "ToS 4.1 terrorist content", ["verified_source"], "file", "application/pdf", "xx"),
    ("designated_entity", "Example Front: EU-TL (EU)", ["flag"], "photo", "image/jpeg", "de"),
]


def sor_settings(home: Path, **overrides: object) -> Settings:
    """Settings that allow-list 127.0.0.1, do not wait, and carry the test token."""
    values: dict[str, object] = {
        "home": home,
        "progress": False,
        "outbound_allow_hosts": ["127.0.0.1"],
        "http_host_interval_seconds": 0,
        "http_backoff_seconds": 0,
        "http_timeout_seconds": 10,
        "http_retries": 2,
        "sor_token": TOKEN,
    }
    values.update(overrides)
    return load_settings(**values)


def seed_decisions(store: Store, count: int, *, others: bool = True, start: int = 0) -> list[int]:
    """``count`` remove decisions cycling through :data:`KINDS` (and, with ``others``, a
    no_violation and an escalate decision that must produce nothing); returns the remove
    decisions' ids."""
    ids: list[int] = []
    with store.session() as session:
        bank = Bank(name=f"tcap-test-{start}")
        session.add(bank)
        session.flush()
        for i in range(count + (2 if others else 0)):
            ground_kind, ground, kinds, ctype, mtype, language = KINDS[i % len(KINDS)]
            item = Item(
                locator=f"https://t.me/secret-channel/{start + i}",
                media_type=mtype,
                content_type=ctype,
                text="Contact Jane Example at +44 7700 900123",
                posted_at=NOW - timedelta(days=30 + i) if i % 2 else None,
                collected_at=NOW - timedelta(days=20),
                meta={"author": "Jane Example"},
            )
            session.add(item)
            session.flush()
            case = ReviewCase(
                item_id=item.id,
                status="decided",
                entity="Example Front",
                language=language,
                opened_at=NOW - timedelta(days=10),
            )
            session.add(case)
            session.flush()
            for kind in kinds:
                match_id = None
                if kind == "match":
                    entry = BankEntry(bank_id=bank.id, signal_type="pdq", value=f"{start + i:064x}")
                    session.add(entry)
                    session.flush()
                    match = Match(
                        item_id=item.id,
                        bank_entry_id=entry.id,
                        signal_type="pdq",
                        value=f"{start + i:064x}",
                        distance=0,
                    )
                    session.add(match)
                    session.flush()
                    match_id = match.id
                session.add(
                    CaseEvidence(
                        case_id=case.id,
                        kind=kind,
                        match_id=match_id,
                        confidence=1.0,
                        severity="high",
                        detail={"by": "alice.reviewer"},
                    )
                )
            outcome = "remove" if i < count else ("no_violation", "escalate")[i - count]
            decision = Decision(
                case_id=case.id,
                reviewer="alice.reviewer",
                outcome=outcome,
                ground_kind=ground_kind if outcome == "remove" else None,
                ground=ground if outcome == "remove" else None,
                note="Posted by Jane Example, see secret-channel",
                decided_at=NOW - timedelta(days=5, minutes=i),
            )
            session.add(decision)
            session.flush()
            if outcome == "remove":
                ids.append(decision.id)
    return ids


@pytest.fixture
def dsa_api() -> Iterator[DsaApi]:
    """A local DSA Transparency Database API."""
    server = DsaApi()
    yield server
    server.close()


@pytest.fixture
def sor_ctx(db_url: str, tmp_path: Path, dsa_api: DsaApi) -> Iterator[AppContext]:
    """A context on SQLite and PostgreSQL whose sandbox is :func:`dsa_api`."""
    settings = sor_settings(tmp_path / "home", database_url=db_url, sor_sandbox_url=dsa_api.url)
    ctx = open_context(settings, store=open_store(settings), clock=lambda: NOW)
    yield ctx
    ctx.store.close()
