"""Scans and polls killed with SIGKILL at points chosen from a seed end as if never killed
(issue 16: "a test kills scans and polls at random points").

Each backend (SQLite, PostgreSQL) runs the same content twice:

* uninterrupted: ``tvec scan FOLDER`` then ``tvec source poll`` (a JSON Lines source), each
  once, in a real subprocess;
* killed: each command is started again and again and killed with SIGKILL after its k-th
  committed item (read from the database while it runs) plus a few milliseconds, at
  :data:`KILLS` points per command, k and the delay drawn from :data:`SEED`; then run once
  more to the end.

The two stores must hold the same items, signals, matches, item errors, analyses and
indicator hits, out-links, sightings, cases, case evidence and audit events (normalised:
compared by locators, URLs and values, never by ids or times). Kill points are counted only
when the process really died of the signal (not when it finished first); together the two
backends kill at least 20 times (:func:`test_kill_points_cover_both_backends`).

``TVEC_KILL_SEED`` picks another seed (a failure prints the kill points it used).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

import tvec
from tests.review_data import fast_settings
from tvec import banks
from tvec.collection import registry
from tvec.store import open_store
from tvec.store.models import (
    AuditEvent,
    Bank,
    BankEntry,
    CaseEvidence,
    Item,
    ItemError,
    Match,
    Outlink,
    OutlinkSighting,
    ReviewCase,
    Signal,
    Source,
)
from tvec.store.models.analysis import ItemAnalysis, ItemIndicatorHit

SEED = int(os.environ.get("TVEC_KILL_SEED", "16"))
#: Kill points per command (scan, poll) per backend: 2 x 2 x 5 = 20 in all.
KILLS = 5
#: Text files scanned and posts polled.
FILES = 24
POSTS = 24
#: The longest one command may run before the test gives up on it (a hang is a failure).
RUN_LIMIT = 300.0
SRC = Path(tvec.__file__).resolve().parent.parent

#: Kill points that really killed, by backend (read by the coverage test at the end).
KILLED: dict[str, list[str]] = {}

NEWS = "Analysts said a statement attributed to the I.S.K.P media wing could not be verified."


@dataclass
class Content:
    """The scanned folder, the polled posts file and the bank file (one copy for all runs)."""

    folder: Path
    posts: Path
    bank: Path


def _text(kind: str, index: int) -> str:
    """Benign text: an out-link each, a banked out-link every third, the disguised group name
    every fourth."""
    lines = [f"{kind} {index}: release notes at https://files.fm/u/{kind}-{index}"]
    if index % 3 == 0:
        lines.append(f"mirror: hxxps://archive[.]org/details/{kind}-banked-{index}")
    if index % 4 == 0:
        lines.append(NEWS)
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Content:
    root = tmp_path_factory.mktemp("kill-content")
    folder = root / "files"
    folder.mkdir()
    rows = ["signal_type,value,entity,ideology,note"]
    for index in range(FILES):
        body = _text("file", index).encode()
        (folder / f"{index:03d}.txt").write_bytes(body)
        if index % 5 == 0:  # the file itself is banked
            rows.append(f"sha256,{hashlib.sha256(body).hexdigest()},Islamic State,,")
        if index % 3 == 0:
            rows.append(f"url,https://archive.org/details/file-banked-{index},Islamic State,,")
    posts = root / "posts.jsonl"
    lines = []
    for index in range(POSTS):
        text_ = _text("post", index).replace("\n", " ").strip()
        lines.append(f'{{"id": "p{index}", "text": "{text_}", "url": "https://t.me/c/{index}"}}')
        if index % 3 == 0:
            rows.append(f"url,https://archive.org/details/post-banked-{index},Islamic State,,")
    posts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bank = root / "bank.csv"
    bank.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return Content(folder, posts, bank)


def _reset(db_url: str, home: Path) -> None:
    """An empty database at ``db_url`` (PostgreSQL: a fresh schema) and a new home."""
    if db_url.startswith("postgresql"):
        engine = create_engine(db_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    home.mkdir(parents=True)


def _prepare(db_url: str, home: Path, content: Content) -> dict[str, str]:
    """Bank and source in a new store; returns the environment of the commands."""
    _reset(db_url, home)
    store = open_store(fast_settings(home, database_url=db_url))
    try:
        banks.import_bank(store, "kb", content.bank, "csv", create=True, actor="cli")
        with store.session() as session:
            registry.add_source(session, "posts", "jsonl", str(content.posts), actor="cli")
    finally:
        store.close()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TVEC_") or key == "TVEC_TEST_POSTGRES_URL"
    }
    env.update(
        TVEC_HOME=str(home),
        TVEC_DATABASE_URL=db_url,
        TVEC_PROGRESS="false",
        TVEC_ANALYSIS_OCR="false",
        TVEC_WORKERS="1",
        PYTHONPATH=os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    return env


def _commands(content: Content) -> list[tuple[str, list[str]]]:
    tvec_ = [sys.executable, "-m", "tvec"]
    return [
        ("scan", [*tvec_, "scan", str(content.folder), "--bank", "kb"]),
        ("poll", [*tvec_, "source", "poll"]),
    ]


def _committed(engine: Engine, after: int) -> int:
    """Items committed by scans newer than scan ``after`` (0 while the database is busy)."""
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT count(*) FROM scan_item WHERE scan_id > :after"), {"after": after}
            ).scalar()
    except OperationalError:
        return 0
    return int(found or 0)


def _last_scan(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT max(id) FROM scan")).scalar() or 0)


def _run(command: list[str], env: dict[str, str]) -> int:
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=RUN_LIMIT, check=False
    )
    assert done.returncode == 0, f"{command[3:]} exited {done.returncode}: {done.stderr[-2000:]}"
    return done.returncode


def _run_and_kill(
    command: list[str], env: dict[str, str], engine: Engine, k: int, delay: float
) -> bool:
    """Start ``command``, SIGKILL it ``delay`` seconds after its ``k``-th committed item;
    True when it died of the signal (False: it finished first)."""
    before = _last_scan(engine)
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    started = time.monotonic()
    try:
        while process.poll() is None:
            if _committed(engine, before) >= k:
                time.sleep(delay)
                break
            assert time.monotonic() - started < RUN_LIMIT, f"{command[3:]} hangs"
            time.sleep(0.005)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=RUN_LIMIT)
    return process.returncode == -signal.SIGKILL


def _strip(detail: Any) -> Any:
    """A JSON value without ids (they differ from store to store)."""
    if isinstance(detail, dict):
        return {k: _strip(v) for k, v in sorted(detail.items()) if not k.endswith("_id")}
    if isinstance(detail, list):
        return [_strip(v) for v in detail]
    return detail


def _state(db_url: str) -> dict[str, list[Any]]:
    """The store's content, normalised (see the module docstring)."""
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            locator = {i.id: i.locator for i in session.scalars(select(Item))}
            source = {s.id: s.name for s in session.scalars(select(Source))}
            case_item = {c.id: locator[c.item_id] for c in session.scalars(select(ReviewCase))}
            items = [
                (
                    i.locator,
                    i.media_type,
                    i.content_type,
                    i.sha256,
                    i.size,
                    i.text,
                    i.posted_at,
                    locator.get(i.parent_id) if i.parent_id else None,
                    source.get(i.source_id) if i.source_id else None,
                    _strip(i.meta),
                )
                for i in session.scalars(select(Item))
            ]
            signals = [
                (locator[s.item_id], s.signal_type, s.value, s.quality)
                for s in session.scalars(select(Signal))
            ]
            matches = [
                (
                    locator[m.item_id],
                    bank,
                    entry.signal_type,
                    entry.value,
                    m.signal_type,
                    m.value,
                    m.distance,
                )
                for m, entry, bank in session.execute(
                    select(Match, BankEntry, Bank.name)
                    .join(BankEntry, Match.bank_entry_id == BankEntry.id)
                    .join(Bank, BankEntry.bank_id == Bank.id)
                )
            ]
            errors = sorted(
                {(e.locator, e.kind, e.message) for e in session.scalars(select(ItemError))}
            )
            analyses = [
                (locator[a.item_id], a.primary_language, _strip(a.languages), a.ocr_text, a.errors)
                for a in session.scalars(select(ItemAnalysis))
            ]
            hits = [
                (
                    locator[h.item_id],
                    h.entity_id,
                    h.outlet_id,
                    h.alias,
                    h.field,
                    h.span_start,
                    h.span_end,
                    h.matched_text,
                    h.steps,
                )
                for h in session.scalars(select(ItemIndicatorHit))
            ]
            outlinks = [
                (o.url, o.registrable_domain, o.host, o.platform)
                for o in session.scalars(select(Outlink))
            ]
            sightings = [
                (
                    o.url,
                    locator[s.item_id],
                    source.get(s.source_id) if s.source_id else None,
                    s.seen,
                    s.posted_at,
                )
                for s, o in session.execute(
                    select(OutlinkSighting, Outlink).join(
                        Outlink, OutlinkSighting.outlink_id == Outlink.id
                    )
                )
            ]
            cases = [
                (
                    locator[c.item_id],
                    c.status,
                    c.priority,
                    _strip(c.priority_parts),
                    c.entity,
                    c.signal_type,
                    c.source,
                    c.platform,
                    c.language,
                )
                for c in session.scalars(select(ReviewCase))
            ]
            evidence = [
                (case_item[e.case_id], e.kind, e.confidence, e.severity, repr(_strip(e.detail)))
                for e in session.scalars(select(CaseEvidence))
            ]
            audit = [
                (a.actor, a.kind, repr(_strip(_named(a.data, locator, case_item))))
                for a in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
            ]
            unclosed = session.scalar(
                select(func.count()).select_from(ReviewCase).where(ReviewCase.status != "open")
            )
    finally:
        engine.dispose()
    state: dict[str, list[Any]] = {
        "items": items,
        "signals": signals,
        "matches": matches,
        "item errors": errors,
        "analyses": analyses,
        "indicator hits": hits,
        "out-links": outlinks,
        "sightings": sightings,
        "cases": cases,
        "case evidence": evidence,
        "audit (as a multiset)": audit,
    }
    assert unclosed == 0
    return {name: sorted(rows, key=repr) for name, rows in state.items()}


def _named(
    data: dict[str, Any], locator: dict[int, str], case_item: dict[int, str]
) -> dict[str, Any]:
    """Audit data with item and case ids replaced by the item's locator."""
    named = dict(data)
    if isinstance(named.get("item_id"), int):
        named["item"] = locator.get(named["item_id"])
    if isinstance(named.get("case_id"), int):
        named["case_item"] = case_item.get(named["case_id"])
    return named


@pytest.mark.postgres
@pytest.mark.slow
def test_killed_scans_and_polls_end_as_if_never_killed(
    db_url: str, tmp_path: Path, content: Content
) -> None:
    backend = "postgres" if db_url.startswith("postgresql") else "sqlite"
    reference_url = db_url if backend == "postgres" else f"sqlite:///{tmp_path / 'reference.db'}"
    killed_url = db_url if backend == "postgres" else f"sqlite:///{tmp_path / 'killed.db'}"

    env = _prepare(reference_url, tmp_path / "reference", content)
    for _, command in _commands(content):
        _run(command, env)
    expected = _state(reference_url)
    assert len(expected["items"]) == FILES + POSTS
    assert expected["matches"] and expected["cases"] and expected["sightings"]
    assert any(e[1] == "indicator" for e in expected["case evidence"])

    env = _prepare(killed_url, tmp_path / "killed", content)
    rng = random.Random(f"{SEED}-{backend}")
    engine = create_engine(killed_url, poolclass=NullPool)
    points: list[str] = []
    try:
        for name, command in _commands(content):
            total = FILES if name == "scan" else POSTS
            kills = attempts = 0
            while kills < KILLS and attempts < 3 * KILLS:
                attempts += 1
                # the last kill point falls after the last item: storing the cases
                k = total if kills == KILLS - 1 else rng.randint(1, total - 1)
                delay = rng.uniform(0.0, 0.03)
                if _run_and_kill(command, env, engine, k, delay):
                    kills += 1
                    points.append(f"{name}: item {k} + {delay * 1000:.0f} ms")
            _run(command, env)
    finally:
        engine.dispose()
    KILLED[backend] = points
    print(f"{backend}: {len(points)} kill points (seed {SEED}): {points}")
    assert _state(killed_url) == expected, f"kill points (seed {SEED}): {points}"


def test_kill_points_cover_both_backends() -> None:
    """At least 20 kill points, on SQLite and on PostgreSQL (runs after the test above)."""
    assert set(KILLED) == {"sqlite", "postgres"}, KILLED
    assert sum(len(points) for points in KILLED.values()) >= 20, KILLED
