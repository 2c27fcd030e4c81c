"""``tvec source``, ``tvec outlinks``, ``tvec platform`` and ``tvec scan --json`` (CLI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .feeds import rss

VECTORS_TCAP = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "tcap"


def _export(folder: Path, count: int) -> Path:
    """A Telegram Desktop channel export with ``count`` messages, each with an out-link."""
    folder.mkdir(parents=True, exist_ok=True)
    messages = [
        {
            "id": n,
            "type": "message",
            "date": f"2026-11-0{n}T10:00:00",
            "date_unixtime": str(1793527200 + n),
            "text": [f"Release {n}: ", {"type": "link", "text": f"https://t.me/c/42/{n}"}],
        }
        for n in range(1, count + 1)
    ]
    document = {"name": "Beacon", "type": "public_channel", "id": 4242, "messages": messages}
    (folder / "result.json").write_text(json.dumps(document), encoding="utf-8")
    return folder


def test_source_lifecycle(cli: Any, tmp_path: Path) -> None:
    feed = tmp_path / "beacon.xml"
    feed.write_bytes(rss(2))
    added = cli(
        "source",
        "add",
        "beacon",
        "feed",
        feed,
        "--entity",
        "Group X",
        "--language",
        "ar",
        "--notes",
        "announces releases",
    )
    assert added.code == 0, added.err
    listed = json.loads(cli("source", "list", "--json").out)
    assert [s["name"] for s in listed] == ["beacon"]
    assert listed[0]["locator"] == str(feed.resolve())
    assert listed[0]["entity"] == "Group X" and listed[0]["language"] == "ar"
    assert cli("source", "poll").code == 0
    shown = json.loads(cli("source", "show", "beacon", "--json").out)
    assert shown["items"] == 2 and shown["state"]["last_status"] == "fetched"
    assert cli("source", "disable", "beacon").code == 0
    polled = json.loads(cli("source", "poll", "--json").out)
    assert polled == []  # disabled sources are not polled
    assert json.loads(cli("source", "poll", "beacon", "--json").out)[0]["status"] == "skipped"
    assert cli("source", "enable", "beacon").code == 0
    removed = cli("source", "remove", "beacon", "--yes")
    assert removed.code == 0, removed.err
    assert json.loads(cli("source", "list", "--json").out) == []
    # the items stay, without a source
    assert "removed source beacon (2 items kept)" in removed.out
    from tvec.cli import context
    from tvec.store.models import Item

    with context.store().session() as session:
        kept = session.query(Item).filter(Item.parent_id.is_(None)).all()
        assert len(kept) == 2
        assert {item.source_id for item in kept} == {None}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x", "rss", "a.xml"), "unknown source kind"),
        (("x", "feed", "/no/such/file.xml"), "no such file"),
        (("x", "telegram-export", "https://t.me/s/x"), "must be a local path"),
        (("x", "feed", "ftp://example.org/f.xml"), "only http(s) URLs"),
        (("x", "url-list", "https://example.org/l.txt", "--map", "text=a"), "--map is for"),
        (("x", "csv", "https://example.org/p.csv", "--map", "body"), "expected FIELD=COLUMN"),
        (("x", "csv", "https://example.org/p.csv", "--map", "colour=c"), "unknown field"),
        (("x", "csv", "https://example.org/p.csv"), "needs --map text="),
    ],
)
def test_bad_source_definitions_are_usage_errors(
    cli: Any, args: tuple[str, ...], message: str
) -> None:
    result = cli("source", "add", *args)
    assert result.code == 2
    assert message in result.err


def test_duplicate_and_unknown_names(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "l.txt").write_text("https://t.me/x\n")
    assert cli("source", "add", "l", "url-list", tmp_path / "l.txt").code == 0
    again = cli("source", "add", "l", "url-list", tmp_path / "l.txt")
    assert again.code == 2 and "already exists" in again.err
    missing = cli("source", "show", "nope")
    assert missing.code == 2 and "no source named 'nope'" in missing.err and "l" in missing.err
    assert cli("source", "poll", "nope").code == 2


def test_telegram_reimport_adds_only_new_messages(cli: Any, tmp_path: Path) -> None:
    export = _export(tmp_path / "export", 3)
    assert cli("source", "add", "chan", "telegram-export", export).code == 0
    first = json.loads(cli("source", "poll", "--json").out)[0]
    assert first["counts"]["new"] == 3
    assert json.loads(cli("source", "poll", "--json").out)[0]["status"] == "not_modified"
    _export(tmp_path / "export", 5)  # a newer export of the same channel
    again = json.loads(cli("source", "poll", "--json").out)[0]
    assert again["counts"]["new"] == 2 and again["counts"]["unchanged"] == 3
    links = json.loads(cli("outlinks", "--source", "chan", "--json").out)
    assert len(links) == 5
    assert all(link["platform"] == "Telegram" for link in links)
    assert all(len(link["sightings"]) == 1 for link in links)


def test_csv_posts_with_a_column_mapping(cli: Any, tmp_path: Path) -> None:
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "post_id,body,created,attachment,extra\n"
        "a1,New issue at files[.]fm/u/abc,2026-11-01T10:00:00Z,https://mega.nz/file/x,\n"
        "a2,no link here,not a time,,\n",
        encoding="utf-8",
    )
    result = cli(
        "source",
        "add",
        "posts",
        "csv",
        posts,
        "--map",
        "id=post_id",
        "--map",
        "text=body",
        "--map",
        "posted_at=created",
        "--map",
        "links=attachment",
    )
    assert result.code == 0, result.err
    polled = cli("source", "poll", "--json")
    outcome = json.loads(polled.out)[0]
    assert outcome["counts"]["new"] == 2
    assert polled.code == 1  # the bad time is reported
    assert any("posts.csv:3" in e["error"] and "created" in e["error"] for e in outcome["errors"])
    urls = {link["url"]: link for link in json.loads(cli("outlinks", "--json").out)}
    assert set(urls) == {"https://files.fm/u/abc", "https://mega.nz/file/x"}
    assert urls["https://files.fm/u/abc"]["seen_as"] == ["files[.]fm/u/abc"]
    assert urls["https://files.fm/u/abc"]["sightings"][0]["item"] == f"csv:{posts.resolve()}#a1"


def test_csv_with_a_missing_column_is_reported_by_name(cli: Any, tmp_path: Path) -> None:
    posts = tmp_path / "posts.csv"
    posts.write_text("id,message\n1,hello\n", encoding="utf-8")
    assert cli("source", "add", "p", "csv", posts, "--map", "text=body").code == 0
    outcome = json.loads(cli("source", "poll", "--json").out)[0]
    (error,) = outcome["errors"]
    assert "posts.csv" in error["error"] and "body" in error["error"]


def test_jsonl_posts_with_nested_keys(cli: Any, tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        '{"uid": 7, "msg": {"body": "see https://www.mediafire.com/file/abc"}}\nnot json\n',
        encoding="utf-8",
    )
    assert (
        cli("source", "add", "j", "jsonl", posts, "--map", "id=uid", "--map", "text=msg.body").code
        == 0
    )
    outcome = json.loads(cli("source", "poll", "--json").out)[0]
    assert outcome["counts"]["new"] == 2
    assert any("posts.jsonl:2" in e["error"] for e in outcome["errors"])
    (link,) = json.loads(cli("outlinks", "--json").out)
    assert link["url"] == "https://www.mediafire.com/file/abc"
    assert link["sightings"][0]["item"] == f"jsonl:{posts.resolve()}#7"


def test_url_list_with_comments(cli: Any, tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text(
        "# mirrors of issue 7\n"
        "https://archive.org/details/issue-7   # main copy\n"
        "\n"
        "https://example.com/page#section\n"
        "hxxps://files[.]fm/u/issue7\n"
        "https://archive.org/details/issue-7\n"
        "not a url\n",
        encoding="utf-8",
    )
    assert cli("source", "add", "mirrors", "url-list", urls).code == 0
    result = cli("source", "poll", "--json")
    outcome = json.loads(result.out)[0]
    assert outcome["counts"]["new"] == 4  # 3 distinct URLs + the bad line
    assert [e["item"] for e in outcome["errors"]] == [f"urls:{urls.resolve()}#line 7"]
    links = {link["url"]: link for link in json.loads(cli("outlinks", "--json").out)}
    assert set(links) == {
        "https://archive.org/details/issue-7",
        "https://example.com/page",
        "https://files.fm/u/issue7",
    }
    assert links["https://files.fm/u/issue7"]["seen_as"] == ["hxxps://files[.]fm/u/issue7"]


def test_tcap_export_becomes_verified_url_items(cli: Any, vectors: Path, tmp_path: Path) -> None:
    assert (
        cli("source", "add", "tcap", "tcap-csv", vectors / "tcap" / "fake_tcap_data.csv").code == 0
    )
    outcome = json.loads(cli("source", "poll", "--json").out)[0]
    assert outcome["counts"]["new"] >= 5 and outcome["errors"] == []
    from tvec.cli import context
    from tvec.store.models import Item

    with context.store().session() as session:
        item = session.query(Item).filter(Item.locator == "tcap:38965").one()
        assert item.meta["verified"] is True
        assert item.meta["entity"] == "Islamic State (IS)"
        assert item.meta["source"] == "TCAP"
        assert item.media_type == "text/uri-list"


def test_outlinks_filter_by_platform_and_unknown(cli: Any, tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("https://t.me/s/beacon\nhttps://unlisted-host.example.org/x\n")
    cli("source", "add", "u", "url-list", urls)
    cli("source", "poll")
    telegram = json.loads(cli("outlinks", "--platform", "telegram", "--json").out)
    assert [x["url"] for x in telegram] == ["https://t.me/s/beacon"]
    unknown = json.loads(cli("outlinks", "--platform", "unknown", "--json").out)
    assert [(x["url"], x["registrable_domain"]) for x in unknown] == [
        ("https://unlisted-host.example.org/x", "example.org")
    ]
    table = cli("outlinks")
    assert table.code == 0 and "unknown" in table.out


def test_platform_add_and_update_reresolve_outlinks(cli: Any, tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("https://drop.newlocker.example/f/1\n")
    cli("source", "add", "u", "url-list", urls)
    cli("source", "poll")
    added = cli(
        "platform",
        "add",
        "NewLocker",
        "--kind",
        "file_sharing",
        "--domain",
        "newlocker.example",
        "--abuse-email",
        "abuse@newlocker.example",
        "--source",
        "analyst note 2026-11",
    )
    assert added.code == 0, added.err
    (link,) = json.loads(cli("outlinks", "--json").out)
    assert link["platform"] == "NewLocker"
    shown = json.loads(cli("platform", "show", "newlocker", "--json").out)
    assert shown["domains"] == ["newlocker.example"] and shown["kind"] == "file_sharing"
    assert cli("platform", "update", "NewLocker", "--country", "DE").code == 0
    assert json.loads(cli("platform", "show", "NewLocker", "--json").out)["country"] == "DE"
    # a packaged platform can be updated too (the package file is not touched)
    assert cli("platform", "update", "Telegram", "--notes", "checked 2026-11").code == 0
    telegram = json.loads(cli("platform", "show", "telegram", "--json").out)
    assert telegram["notes"] == "checked 2026-11" and "t.me" in telegram["domains"]
    rows = json.loads(cli("platform", "list", "--json").out)
    assert len(rows) >= 150
    assert {r["name"] for r in rows if r["user_row"]} == {"NewLocker", "Telegram"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            (
                "Telegram",
                "--kind",
                "messaging",
                "--domain",
                "x.example",
                "--source",
                "s",
                "--abuse-email",
                "a@x.example",
            ),
            "exists",
        ),
        (
            (
                "Nope",
                "--kind",
                "spaceship",
                "--domain",
                "n.example",
                "--source",
                "s",
                "--abuse-email",
                "a@n.example",
            ),
            "kind 'spaceship'",
        ),
        (("Nope", "--kind", "forum", "--domain", "n.example", "--source", "s"), "at least one of"),
    ],
)
def test_bad_platform_rows(cli: Any, args: tuple[str, ...], message: str) -> None:
    result = cli("platform", "add", *args)
    assert result.code == 2
    assert message in result.err


def test_scan_json_outlinks_carry_the_platform(cli: Any, tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        '{"id": 1, "text": "https://t.me/beacon and hxxps://unlisted-host.example.org/a"}\n'
    )
    result = cli("scan", posts, "--json", "-")
    assert result.code == 0, result.err
    outlinks = {o["url"]: o for o in json.loads(result.out)["outlinks"]}
    assert outlinks["https://t.me/beacon"]["platform"] == "Telegram"
    assert outlinks["https://unlisted-host.example.org/a"]["platform"] == "unknown"
    assert outlinks["https://unlisted-host.example.org/a"]["registrable_domain"] == "example.org"
    # tvec scan records sightings too (without a source)
    (link,) = json.loads(cli("outlinks", "--platform", "Telegram", "--json").out)
    assert link["sightings"][0]["source"] is None


def test_poll_attributes_outlinks_of_items_a_scan_stored_first(cli: Any, tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        json.dumps({"id": "p1", "text": "mirror at hxxps://gofile[.]io/d/Abc123"}) + "\n",
        encoding="utf-8",
    )
    assert cli("scan", posts).code == 0
    assert cli("source", "add", "posts", "jsonl", str(posts)).code == 0
    assert cli("source", "poll", "posts").code == 0
    (link,) = json.loads(cli("outlinks", "--source", "posts", "--json").out)
    assert link["url"] == "https://gofile.io/d/Abc123"
    assert len(link["sightings"]) == 1
    # Polling again adds no second sighting.
    assert cli("source", "poll", "posts").code == 0
    (again,) = json.loads(cli("outlinks", "--source", "posts", "--json").out)
    assert len(again["sightings"]) == 1


def test_telegram_link_entity_ends_the_url_even_with_no_space_after_it(
    cli: Any, tmp_path: Path
) -> None:
    """Exports join entity texts with nothing between them: a ``link`` entity followed by a
    ``text_link`` reads "...issue7archive" in the plain text; the entity says where it ends."""
    export = tmp_path / "chan" / "result.json"
    export.parent.mkdir()
    entities = [
        {"type": "plain", "text": "Mirrors: "},
        {"type": "link", "text": "https://files.fm/u/clf-issue7"},
        {"type": "text_link", "text": "archive", "href": "https://archive.org/details/clf-7"},
        {"type": "plain", "text": " and https://justpaste.it/clf-note"},
    ]
    message = {
        "id": 5,
        "type": "message",
        "date": "2026-11-02T08:00:00",
        "text": entities,
        "text_entities": entities,
    }
    export.write_text(
        json.dumps({"name": "c", "type": "public_channel", "id": 9, "messages": [message]}),
        encoding="utf-8",
    )
    assert cli("scan", export.parent).code == 0
    urls = {link["url"] for link in json.loads(cli("outlinks", "--json").out)}
    assert urls == {
        "https://files.fm/u/clf-issue7",
        "https://archive.org/details/clf-7",
        "https://justpaste.it/clf-note",
    }
