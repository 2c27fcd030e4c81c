"""``tvec entity import``: each list format imports, a re-import changes nothing, changes and
removals are shown before they are written, malformed files write nothing, every import is
audited, and imported (and entities-file) names give indicator hits in scans and in
``tvec analyze`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tvec.app import entities as use
from tvec.app.context import AppContext, open_context
from tvec.entities.policy import check_inclusion_policy
from tvec.errors import ConflictError, InvalidFeedError
from tvec.scan import run_scan
from tvec.settings import load_settings
from tvec.store import open_store
from tvec.store.models import AuditEvent, EntityDesignation, ItemIndicatorHit

DATA = Path(__file__).parent.parent / "data" / "designations"
SAMPLES = {"un": "un.xml", "eu": "eu.xml", "uk": "uk.html", "us": "us.html"}
MALFORMED = {
    "un": ["un_no_reference.xml", "un_truncated.xml", "un_billion_laughs.xml"],
    "eu": ["eu_xxe.xml", "eu_no_name.xml"],
    "uk": ["uk_bad_date.html", "uk_not_govuk.html"],
    "us": ["us_bad_date.html", "us_no_table.html"],
}
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[AppContext]:
    settings = load_settings(home=tmp_path / "home", database_url=db_url, progress=False)
    store = open_store(settings)
    yield open_context(settings, store=store, clock=lambda: NOW)
    store.close()


def _rows(ctx: AppContext) -> list[tuple[str, str, str, str, dt.date | None]]:
    with ctx.read() as session:
        return [
            (r.format, r.list_key, r.reference, r.entity_id, r.listed_on)
            for r in session.scalars(select(EntityDesignation).order_by(EntityDesignation.id))
        ]


def _imports(ctx: AppContext) -> list[tuple[str | None, dict[str, object]]]:
    with ctx.read() as session:
        return [
            (e.target, e.data)
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.kind == "entity.import").order_by(AuditEvent.id)
            )
        ]


@pytest.mark.parametrize("fmt", list(SAMPLES))
def test_each_format_imports_and_a_reimport_changes_nothing(ctx: AppContext, fmt: str) -> None:
    path = DATA / SAMPLES[fmt]
    preview = use.preview_import(ctx, fmt, path)
    assert not preview.applied and _rows(ctx) == [] and _imports(ctx) == []
    expected = {"un": 4, "eu": 2, "uk": 5, "us": 5}[fmt]
    assert (preview.entries, preview.new, preview.changed, preview.gone) == (
        expected,
        expected,
        0,
        0,
    )
    done = use.import_list(ctx, fmt, path, "tester", expected_digest=preview.digest)
    assert done.applied and done.new == expected
    rows = _rows(ctx)
    assert len(rows) == expected and {r[0] for r in rows} == {fmt}
    with ctx.read() as session:
        stamps = [r.updated_at for r in session.scalars(select(EntityDesignation))]
    again = use.import_list(ctx, fmt, path, "tester")
    assert (again.new, again.changed, again.gone, again.unchanged) == (0, 0, 0, expected)
    assert again.changes == []
    assert _rows(ctx) == rows
    with ctx.read() as session:
        assert [r.updated_at for r in session.scalars(select(EntityDesignation))] == stamps
    events = _imports(ctx)
    assert [target for target, _ in events] == [f"entity-list:{fmt}"] * 2
    first, second = (data for _, data in events)
    assert (first["new"], first["changed"], first["gone"]) == (expected, 0, 0)
    assert (second["new"], second["changed"], second["gone"], second["unchanged"]) == (
        0, 0, 0, expected,
    )  # fmt: skip
    assert first["file"] == SAMPLES[fmt] and len(str(first["sha256"])) == 64


def test_imports_become_entities_with_designations(ctx: AppContext) -> None:
    for fmt, name in SAMPLES.items():
        use.import_list(ctx, fmt, DATA / name, "tester")
    # A group no registry had: a new entity with its names in every script.
    bukhari = use.show_entity(ctx, "Imam Bukhari Jamaat")
    assert (bukhari.id, bukhari.origin, bukhari.ideology) == (
        "katibat-al-imam-al-bukhari", "imported", "other",
    )  # fmt: skip
    assert ("كتيبة الإمام البخاري", "Arab") in [(n.text, n.script) for n in bukhari.names]
    [listing] = bukhari.designations
    assert (listing.jurisdiction, listing.list_key, listing.reference, listing.date) == (
        "UN", "UN-1267", "QDe.158", dt.date(2018, 3, 30),
    )  # fmt: skip
    # A group the packaged registry has: the listing is added to it, not a second entity.
    state = use.show_entity(ctx, "islamic-state")
    un = [d for d in state.designations if d.reference == "QDe.115"]
    assert [(d.list_key, d.date, d.imported) for d in un] == [
        ("UN-1267", dt.date(2004, 10, 6), True)
    ]
    assert use.show_entity(ctx, "Aum Shinrikyo").lists == ["US-FTO"]
    # The UN's Somalia list type is the Al-Shabaab list; the US lists the group too.
    shabaab = use.show_entity(ctx, "al-shabaab").designations
    assert [(d.list_key, d.reference) for d in shabaab if d.imported] == [
        ("UN-2713", "SOe.001"),
        ("US-FTO", "al-shabaab"),
    ]
    # Search finds imported aliases; the jurisdiction filter follows the imported listings.
    assert [e.id for e in use.list_entities(ctx, query="Jabhat Fath al-Sham")] == [
        "hayat-tahrir-al-sham"
    ]
    ulster = [e.id for e in use.list_entities(ctx, jurisdiction="UK") if e.origin == "imported"]
    assert ulster == ["ulster-freedom-fighters"]
    # The inclusion policy may name the imported lists.
    registry = ctx.entities()
    assert registry.in_policy("aum-shinrikyo", {"US"})
    assert not registry.in_policy("aum-shinrikyo", {"UK"})
    settings = ctx.settings.model_copy(update={"inclusion_policy": ["UN-1267", "US-FTO"]})
    assert check_inclusion_policy(registry, settings) == {"UN-1267", "US-FTO"}


def test_changes_and_removals_are_shown_then_applied(ctx: AppContext, tmp_path: Path) -> None:
    use.import_list(ctx, "un", DATA / "un.xml", "tester")
    edited = tmp_path / "un.xml"
    text = (DATA / "un.xml").read_text("utf-8")
    text = text.replace("<LISTED_ON>2018-03-30</LISTED_ON>", "<LISTED_ON>2018-04-02</LISTED_ON>")
    start = text.index("<ENTITY>\n      <DATAID>110404</DATAID>")
    end = text.index("</ENTITY>", start) + len("</ENTITY>")
    edited.write_text(text[:start] + text[end:], "utf-8")
    preview = use.preview_import(ctx, "un", edited)
    assert [(c.change, c.reference, c.fields) for c in preview.changes] == [
        ("changed", "QDe.158", ["listed_on"]),
        ("gone", "QDe.115", []),
    ]
    assert len(_rows(ctx)) == 4  # shown, not written
    use.import_list(ctx, "un", edited, "tester", expected_digest=preview.digest)
    rows = _rows(ctx)
    assert [(r[2], r[4]) for r in rows] == [
        ("QDe.137", dt.date(2014, 5, 14)),
        ("QDe.158", dt.date(2018, 4, 2)),
        ("SOe.001", dt.date(2010, 4, 12)),
    ]
    assert "QDe.115" not in {
        d.reference for d in use.show_entity(ctx, "islamic-state").designations
    }
    assert _imports(ctx)[-1][1]["changed"] == 1 and _imports(ctx)[-1][1]["gone"] == 1


def test_an_import_whose_changes_differ_from_the_preview_writes_nothing(ctx: AppContext) -> None:
    preview = use.preview_import(ctx, "us", DATA / "us.html")
    use.import_list(ctx, "us", DATA / "us.html", "someone-else")
    with pytest.raises(ConflictError, match="changed since the preview"):
        use.import_list(ctx, "us", DATA / "us.html", "tester", expected_digest=preview.digest)
    assert len(_imports(ctx)) == 1


@pytest.mark.parametrize(
    ("fmt", "name"), [(fmt, name) for fmt, names in MALFORMED.items() for name in names]
)
def test_malformed_files_write_nothing(ctx: AppContext, fmt: str, name: str) -> None:
    path = DATA / "malformed" / name
    with pytest.raises(InvalidFeedError) as caught:
        use.import_list(ctx, fmt, path, "tester")
    assert str(path) in str(caught.value)
    assert _rows(ctx) == [] and _imports(ctx) == []
    with ctx.read() as session:
        assert session.scalar(select(func.count(AuditEvent.id))) == 0


def _hits(ctx: AppContext) -> list[tuple[str, str]]:
    with ctx.read() as session:
        return sorted(
            (h.entity_id, h.matched_text) for h in session.scalars(select(ItemIndicatorHit))
        )


def test_imported_and_entities_file_names_give_hits_in_a_scan(
    ctx: AppContext, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "lists:\n"
        "  ORG-WATCH: {jurisdiction: ORG, name: Our watch list, source: https://example.org/w}\n"
        "entities:\n"
        "  - id: crimson-lantern-front\n"
        "    name: Crimson Lantern Front\n"
        "    ideology: other\n"
        "    source: https://example.org/clf\n"
        "    designations: [{list: ORG-WATCH}]\n",
        encoding="utf-8",
    )
    settings = ctx.settings.model_copy(update={"entities_file": mine})
    use.import_list(ctx, "us", DATA / "us.html", "tester")
    use.import_list(ctx, "un", DATA / "un.xml", "tester")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "A stand-in post naming Aum Shinrikyo and the Crimson Lantern Front.", "utf-8"
    )
    (folder / "b.txt").write_text("Another stand-in post: Katibat Imam al-Bukhari.", "utf-8")
    store = ctx.store
    original = store.settings
    store.settings = settings
    try:
        run_scan(store, [folder])
    finally:
        store.settings = original
    assert _hits(ctx) == [
        ("aum-shinrikyo", "Aum Shinrikyo"),
        ("crimson-lantern-front", "Crimson Lantern Front"),
        ("katibat-al-imam-al-bukhari", "Katibat Imam al-Bukhari"),
    ]


def test_cli_import_list_show_and_analyze(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    us = tmp_path / "us.html"
    shutil.copy(DATA / "us.html", us)
    result = cli("entity", "import", "--format", "us", us, "--dry-run")
    assert result.code == 0, result.err
    assert "5 entries: 5 new, 0 changed, 0 gone" in result.out
    assert "+ US-FTO aum-shinrikyo: Aum Shinrikyo -> aum-shinrikyo (new entity)" in result.out
    text = "A stand-in post about Aum Shinrikyo."
    before = cli("analyze", "--json", text)
    assert json.loads(before.out)[0]["hits"] == []
    # Without --yes and without a terminal, nothing is written.
    refused = cli("entity", "import", "--format", "us", us)
    assert refused.code == 2 and "pass --yes" in refused.err
    assert cli("entity", "import", "--format", "us", us, "--yes").code == 0
    again = cli("entity", "import", "--format", "us", us, "--yes", "--json")
    assert json.loads(again.out)["unchanged"] == 5 and json.loads(again.out)["changes"] == []
    after = cli("analyze", "--json", text)
    assert [h["entity_id"] for h in json.loads(after.out)[0]["hits"]] == ["aum-shinrikyo"]
    shown = cli("entity", "show", "aum-shinrikyo", "--json")
    [listing] = json.loads(shown.out)["designations"]
    assert (listing["list_key"], listing["date"]) == ("US-FTO", "1997-10-08")
    listed = cli("entity", "list", "--json", "--jurisdiction", "US")
    assert "aum-shinrikyo" in [e["id"] for e in json.loads(listed.out)]
    found = cli("entity", "search", "ASG")
    assert "abu-sayyaf" in found.out
    bad = cli(
        "entity", "import", "--format", "us", DATA / "malformed" / "us_no_table.html", "--yes"
    )
    assert bad.code != 0 and "us_no_table.html:1" in bad.err


def test_cli_analyze_finds_entities_file_names(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "lists:\n"
        "  ORG-WATCH: {jurisdiction: ORG, name: Our watch list, source: https://example.org/w}\n"
        "entities:\n"
        "  - {id: crimson-lantern-front, name: Crimson Lantern Front, ideology: other,\n"
        "     source: https://example.org/clf, designations: [{list: ORG-WATCH}]}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("TVEC_ENTITIES_FILE", str(mine))
    result = cli("analyze", "--json", "The Crimson Lantern Front posted again.")
    assert result.code == 0, result.err
    assert [h["entity_id"] for h in json.loads(result.out)[0]["hits"]] == ["crimson-lantern-front"]


def test_an_entities_file_entity_with_the_id_of_an_imported_one_gets_its_listings(
    ctx: AppContext, tmp_path: Path
) -> None:
    use.import_list(ctx, "un", DATA / "un.xml", "tester")
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "entities:\n"
        "  - {id: katibat-al-imam-al-bukhari, name: Katibat al-Imam al-Bukhari,\n"
        "     ideology: jihadist, source: https://example.org/kib}\n",
        encoding="utf-8",
    )
    ctx.settings = ctx.settings.model_copy(update={"entities_file": mine})
    shown = use.show_entity(ctx, "katibat-al-imam-al-bukhari")
    assert (shown.name, shown.ideology, shown.origin) == (
        "Katibat al-Imam al-Bukhari", "jihadist", "file",
    )  # fmt: skip
    assert [d.reference for d in shown.designations] == ["QDe.158"]
    assert "Imam Bukhari Jamaat" in [n.text for n in shown.names]
