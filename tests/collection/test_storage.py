"""Out-links stored once with sightings, platform overrides and migration 0003, on SQLite
and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tvec.collection.registry import add_source, remove_source
from tvec.outlinks.sightings import list_outlinks
from tvec.platforms.overrides import add_platform, load_registry, update_platform
from tvec.scan import run_scan
from tvec.sources.base import RawItem
from tvec.store import Store
from tvec.store.db import current_revision, make_engine, migrate
from tvec.store.models import Outlink, OutlinkSighting
from tvec.views.outlinks import OutlinkView


def _outlinks(store: Store, source_id: int | None = None) -> list[OutlinkView]:
    with store.session() as session:
        return list_outlinks(session, source_id=source_id)


def _posts(tmp_path: Path) -> Path:
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        '{"id": 1, "text": "get it: https://files.fm/u/clf7?utm_source=tg"}\n'
        '{"id": 2, "text": "mirror hxxps://files[.]fm/u/clf7 and https://t.me/s/beacon"}\n',
        encoding="utf-8",
    )
    return posts


def test_each_canonical_url_is_stored_once_with_each_sighting(
    any_store: Store, tmp_path: Path
) -> None:
    posts = _posts(tmp_path)
    run_scan(any_store, [posts])
    run_scan(any_store, [posts])  # again: nothing new
    with any_store.session() as session:
        assert session.scalar(select(func.count(Outlink.id))) == 2
        assert session.scalar(select(func.count(OutlinkSighting.id))) == 3
    (files, telegram) = _outlinks(any_store)
    assert files.url == "https://files.fm/u/clf7"
    assert files.platform == "Files.fm"
    assert files.seen_as == ["https://files.fm/u/clf7?utm_source=tg", "hxxps://files[.]fm/u/clf7"]
    assert [s.item.rsplit("#", 1)[1] for s in files.sightings] == ["1", "2"]
    assert telegram.platform == "Telegram" and len(telegram.sightings) == 1


def test_sightings_keep_their_source_and_survive_its_removal(
    any_store: Store, tmp_path: Path
) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("https://t.me/s/beacon\n")
    with any_store.session() as session:
        view = add_source(session, "list", "url-list", str(urls), actor="cli")
    with any_store.session() as session:
        from tvec.collection.registry import get_source

        source_id = get_source(session, view.name).id
    item = RawItem(
        "urls:test#1", "test", links=["https://t.me/s/beacon"], media_type="text/uri-list"
    )
    run_scan(any_store, [], items=[item], source_id=source_id)
    with any_store.session() as session:
        list_id = get_source(session, "list").id
    (link,) = _outlinks(any_store, source_id=list_id)
    assert link.sightings[0].source == "list"
    with any_store.session() as session:
        remove_source(session, "list", actor="cli")
    (link,) = _outlinks(any_store)
    assert link.sightings[0].source is None


def test_platform_overrides_on_both_backends(any_store: Store, tmp_path: Path) -> None:
    run_scan(any_store, [_posts(tmp_path)])
    with any_store.session() as session:
        add_platform(
            session,
            {
                "name": "Mirror Locker",
                "kind": "file_sharing",
                "domains": ["files.fm"],  # taken over from the packaged row
                "abuse_email": "abuse@example.org",
                "source": "test",
            },
            actor="cli",
        )
    assert {o.url: o.platform for o in _outlinks(any_store)}["https://files.fm/u/clf7"] == (
        "Mirror Locker"
    )
    with any_store.session() as session:
        update_platform(session, "mirror locker", {"country": "LV"}, actor="cli")
    with any_store.session() as session:
        registry = load_registry(session)
        platform = registry.resolve("https://files.fm/x").platform
        assert platform is not None and platform.country == "LV"
        assert session.scalars(select(Outlink.platform).where(Outlink.host == "t.me")).one() == (
            "Telegram"
        )


def test_database_at_0002_upgrades_with_its_sources(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine, "0002")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO source (name, kind, locator, enabled, state, created_at) "
                "VALUES ('old', 'feed', '/tmp/f.xml', true, '{}', CURRENT_TIMESTAMP)"
            )
        )
    migrate(engine, "0003")
    assert current_revision(engine) == "0003"
    with engine.connect() as conn:
        row = conn.execute(text("SELECT name, options FROM source")).one()
        assert row[0] == "old" and row[1] in ({}, "{}")
        assert conn.execute(text("SELECT count(*) FROM outlink")).scalar_one() == 0
    migrate(engine)
    engine.dispose()


def test_a_source_language_must_be_a_language_tag(any_store: Store) -> None:
    from tvec.collection.registry import check_language
    from tvec.errors import UsageError

    for tag in ("ar", "prs", "ps-AF", "uz-Cyrl", "so", " en "):
        assert check_language(tag) == tag.strip()
    assert check_language(None) is None and check_language("  ") is None
    for bad in ("arabic", "xx", "ar\u202ene", "zz-QQ", "ar SA", "ب"):
        with pytest.raises(UsageError, match="is not a language tag"):
            check_language(bad)
    with any_store.session() as session, pytest.raises(UsageError, match="'pashto'"):
        add_source(
            session, "b", "url-list", "https://x.example/l.txt", language="pashto", actor="t"
        )
