"""Bank pages and the lookup box (issue 14 part 6): the banks list, a bank's entries
(paginated, filtered, with the blurred thumbnails of entries added from files), adding
entries by uploading files, importing a hash list, and looking up a hash, a (defanged) URL
or a file. Writes are for analysts and admins, audited with the user as actor."""

from __future__ import annotations

import hashlib
import html
import io
import re
from typing import Any

from PIL import Image
from sqlalchemy import select

from tests.review_data import gradient_image
from tests.web.conftest import WebEnv
from tvec.outlinks.sightings import outlink_for
from tvec.store.models import Bank, BankEntry, Item, OutlinkSighting
from tvec.store.models.audit import AuditEvent
from tvec.store.models.exchanges import Exchange


def _events(web: WebEnv, kind: str) -> list[AuditEvent]:
    with web.store.session() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)
        ).all()
        session.expunge_all()
        return list(rows)


def _png(web: WebEnv, seed: int) -> bytes:
    return gradient_image(web.home / f"upload-{seed}.png", seed).read_bytes()


def _text(page: str) -> str:
    """The page's text without tags (entities decoded), white space collapsed; inline tags
    are removed, others stand for a space."""
    inline = re.sub(r"</?(?:bdi|span|a|small|em|strong|code)\b[^>]*>", "", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def test_banks_page_lists_counts_curation_and_source(web: WebEnv, client_for: Any) -> None:
    with web.store.session() as session:
        feed_bank = Bank(name="gifct-feed", description="fetched", matching_enabled_ratio=0.0)
        session.add(feed_bank)
        session.flush()
        session.add(Exchange(name="gifct", kind="threatexchange", bank_id=feed_bank.id))
    client, _ = client_for("viewer")
    page = client.get("/banks")
    assert page.status_code == 200
    text = _text(page.text)
    assert "tcap test bank md5 1, pdq 1, sha256 1 3 enabled local labels: TCAP" in text
    assert "gifct-feed fetched empty 0 disabled for HMA look-ups" in text
    assert "exchange gifct (threatexchange)" in text
    assert 'href="/banks/tcap"' in page.text
    assert 'id="new-bank"' not in page.text  # viewers may not create banks
    assert '<a href="/banks">Banks</a>' in page.text  # the nav link


def test_bank_page_shows_entries_with_thumbnails_filters_and_pages(
    web: WebEnv, client_for: Any
) -> None:
    client, _ = client_for("moderator")
    page = client.get("/banks/tcap").text
    assert page.count('class="entry-row"') == 3
    assert page.count('src="/banks/entries/') == 3  # each entry of known.png has its thumbnail
    assert "entity=<bdi>Islamic State</bdi>" in page and "file=<bdi>known.png</bdi>" in page
    assert 'id="add-files"' not in page and 'id="import-list"' not in page
    md5 = hashlib.md5(web.sample.known.read_bytes()).hexdigest()
    assert f'href="/lookup?q={md5}&amp;signal_type=md5"' in page  # each entry can be looked up
    pdq = client.get("/banks/tcap", params={"signal_type": "pdq"}).text
    assert pdq.count('class="entry-row"') == 1 and "1 matching entry" in pdq
    assert client.get("/banks/tcap", params={"label": "islamic"}).text.count("entry-row") == 3
    assert "No entry matches." in client.get("/banks/tcap", params={"label": "100%_"}).text
    # the thumbnail itself: a blurred grey JPEG from the evidence store
    thumb = client.get("/banks/entries/1/thumbnail")
    assert thumb.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.content)).mode == "L"
    # 120 more entries: pages of 50, newest first
    with web.store.session() as session:
        bank_id = session.scalars(select(Bank.id).where(Bank.name == "tcap")).one()
        session.add_all(
            BankEntry(bank_id=bank_id, signal_type="md5", value=f"{i:032x}", source="list")
            for i in range(120)
        )
    first = client.get("/banks/tcap").text
    assert "123 matching entries, page 1 of 3" in first
    assert first.count('class="entry-row"') == 50
    assert f"{119:032x}" in first and f"{0:032x}" not in first  # newest first
    assert 'id="prev-page"' not in first
    last = client.get("/banks/tcap", params={"page": 3}).text
    assert last.count('class="entry-row"') == 23 and 'id="next-page"' not in last
    assert 'href="/banks/tcap?page=2"' in last
    assert client.get("/banks/tcap", params={"page": 99}).text.count("entry-row") == 23
    assert client.get("/banks/nope").status_code == 404


def test_an_analyst_adds_entries_by_uploading_files(web: WebEnv, client_for: Any) -> None:
    client, token = client_for("analyst")
    picture = _png(web, 5)
    page = client.get("/banks/tcap").text
    assert 'id="add-files"' in page and 'id="import-list"' in page
    result = client.post(
        "/banks/add",
        data={"csrf_token": token, "bank": "tcap", "entity": "Example Front", "source": "web"},
        files=[
            ("files", ("C:\\Users\\a\\new.png", picture, "image/png")),
            ("files", ("broken.png", b"\x89PNG\r\n\x1a\nnot really", "image/png")),
        ],
    )
    assert result.status_code == 200, result.text
    text = _text(result.text)
    assert "Added 3 Skipped (already in the bank) 0 Rejected 1" in text
    assert "2 broken.png:" in text and "not added" in text
    with web.store.session() as session:
        added = session.scalars(
            select(BankEntry).where(BankEntry.entity == "Example Front").order_by(BankEntry.id)
        ).all()
        assert sorted(e.signal_type for e in added) == ["md5", "pdq", "sha256"]
        assert {e.extra["file"] for e in added} == {"new.png"}
        assert all(e.extra.get("thumbnail") for e in added)
        md5 = next(e for e in added if e.signal_type == "md5")
        assert md5.value == hashlib.md5(picture).hexdigest()
    (event,) = _events(web, "bank.add")[-1:]
    assert event.actor == "analyst" and event.target == "bank:tcap"
    assert event.data["added"] == 3 and event.data["files"] == 2
    assert event.data["labels"] == {"entity": "Example Front", "source": "web"}
    again = client.post(
        "/banks/add",
        data={"csrf_token": token, "bank": "tcap"},
        files=[("files", ("new.png", picture, "image/png"))],
    )
    assert "Added 0 Skipped (already in the bank) 3 Rejected 0" in _text(again.text)
    empty = client.post("/banks/add", data={"csrf_token": token, "bank": "tcap"})
    assert empty.status_code == 400 and "choose at least one file" in empty.text
    missing = client.post(
        "/banks/add",
        data={"csrf_token": token, "bank": "nope"},
        files=[("files", ("new.png", picture, "image/png"))],
    )
    assert missing.status_code == 404


HASH_LIST = (
    "signal_type,value,entity,ideology,note\n"
    "md5,0123456789abcdef0123456789abcdef,Example Front,,first\n"
    "md5,0123456789ABCDEF0123456789ABCDEF,Example Front,,same again\n"
    "md5,not-a-hash,,,bad\n"
    "bogus,abc,,,unknown type\n"
    "url,hxxps://www.example.org/propaganda/1,,,a URL\n"
)


def test_an_admin_imports_a_hash_list_and_sees_why_lines_were_rejected(
    web: WebEnv, client_for: Any
) -> None:
    client, token = client_for("admin")
    result = client.post(
        "/banks/import",
        data={"csrf_token": token, "bank": "tcap", "format": "auto"},
        files={"hash_list": ("list.csv", HASH_LIST.encode(), "text/csv")},
    )
    assert result.status_code == 200, result.text
    text = _text(result.text)
    assert "Added 2 Skipped (already in the bank) 1 Rejected 2" in text
    assert "4 'not-a-hash': a md5 value must be 32 hex digits, got 10" in text
    assert "5 unknown signal type 'bogus'" in text
    (event,) = _events(web, "bank.import")
    assert event.actor == "admin"
    assert event.data == {
        "file": "list.csv",
        "format": "csv",
        "added": 2,
        "existing": 1,
        "errors": 2,
    }
    latin1 = client.post(
        "/banks/import",
        data={"csrf_token": token, "bank": "tcap"},
        files={"hash_list": ("l.csv", "md5,caf\xe9".encode("latin-1"), "text/csv")},
    )
    assert latin1.status_code == 400
    assert "l.csv: bank file is not UTF-8 (byte " in latin1.text
    assert "tvec-bank-import" not in latin1.text  # no temporary path
    unknown = client.post(
        "/banks/import",
        data={"csrf_token": token, "bank": "tcap", "format": "xml"},
        files={"hash_list": ("l.csv", b"md5,x", "text/csv")},
    )
    assert unknown.status_code == 400 and "unknown format &#39;xml&#39;" in unknown.text
    assert len(_events(web, "bank.import")) == 1


def test_creating_a_bank_is_audited_and_a_taken_name_is_shown_inline(
    web: WebEnv, client_for: Any
) -> None:
    client, token = client_for("analyst")
    made = client.post(
        "/banks/new",
        data={"csrf_token": token, "name": "new/bank", "description": "d"},
        follow_redirects=False,
    )
    assert (made.status_code, made.headers["location"]) == (303, "/banks/new%2Fbank")
    assert "Bank <bdi>new/bank</bdi>" in client.get(made.headers["location"]).text
    (event,) = _events(web, "bank.create")[-1:]
    assert (event.actor, event.target) == ("analyst", "bank:new/bank")
    taken = client.post("/banks/new", data={"csrf_token": token, "name": "tcap"})
    assert taken.status_code == 400
    assert "a bank named &#39;tcap&#39; already exists" in taken.text
    assert 'value="tcap"' in taken.text


def test_a_viewer_sees_banks_but_every_write_is_refused(web: WebEnv, client_for: Any) -> None:
    client, token = client_for("viewer")
    before = len(_events(web, "bank.add")) + len(_events(web, "bank.import"))
    for path, files in (
        ("/banks/add", {"files": ("x.png", _png(web, 3), "image/png")}),
        ("/banks/import", {"hash_list": ("l.csv", HASH_LIST.encode(), "text/csv")}),
        ("/banks/new", None),
    ):
        response = client.post(
            path, data={"csrf_token": token, "bank": "tcap", "name": "v"}, files=files
        )
        assert response.status_code == 403, path
        assert "may not bank.write" in response.text
    assert len(_events(web, "bank.add")) + len(_events(web, "bank.import")) == before
    assert len(_events(web, "bank.create")) == 1  # the fixture's bank only
    with web.store.session() as session:
        assert session.scalars(select(Bank.name).order_by(Bank.name)).all() == ["tcap"]


def test_lookup_a_hash_finds_bank_entries_items_and_cases(web: WebEnv, client_for: Any) -> None:
    client, _ = client_for("viewer")
    md5 = hashlib.md5(web.sample.known.read_bytes()).hexdigest()
    page = client.get("/lookup", params={"q": f"  {md5.upper()} "})
    assert page.status_code == 200
    text = _text(page.text)
    assert (
        'Looked up as <span class="mono">md5</span>, <span class="mono">video_md5</span>, '
        '<span class="mono">url_md5</span>.'
    ) in page.text
    assert "tcap 2 md5 0 entity=Islamic State" in text
    assert "a-known.png #1 photo none md5 case #1 (open)" in text
    assert 'id="lookup-outlinks"' not in page.text  # a hash has no out-links
    # a PDQ hash of the near copy: the bank entry within the threshold, with its distance
    with web.store.session() as session:
        near = session.scalars(select(Item).where(Item.locator.like("%b-near.png"))).one()
        near_pdq = next(s.value for s in near.signals if s.signal_type == "pdq")
        bank_pdq = session.scalars(
            select(BankEntry.value).where(BankEntry.signal_type == "pdq")
        ).one()
    distance = sum(
        bin(a ^ b).count("1")
        for a, b in zip(bytes.fromhex(near_pdq), bytes.fromhex(bank_pdq), strict=True)
    )
    assert distance > 0
    near_page = client.get("/lookup", params={"q": near_pdq, "signal_type": "pdq"}).text
    assert f'<td class="num match-distance">{distance}</td>' in near_page
    assert "b-near.png #2 photo none pdq case #2 (open)" in _text(near_page)
    nothing = client.get("/lookup", params={"q": "f" * 32}).text
    assert "No bank entry matches." in nothing and "No stored item has this signal." in nothing


def test_lookup_a_defanged_url_finds_equivalent_out_links_and_bank_urls(
    web: WebEnv, client_for: Any
) -> None:
    with web.store.session() as session:
        post = Item(locator="tg:chan/9", media_type="text/plain", content_type="text")
        session.add(post)
        session.flush()
        for url in ("https://m.example.org/propaganda/1/", "https://example.org/other"):
            outlink = outlink_for(session, url)
            session.add(OutlinkSighting(outlink_id=outlink.id, item_id=post.id, seen=url))
    # look-ups see a bank change at once (not within TVEC_INDEX_CHECK_SECONDS, 1 s)
    context = web.app.state.ctx.app
    context.settings = context.settings.model_copy(update={"index_check_seconds": 0})
    client, token = client_for("analyst")
    client.post(
        "/banks/import",
        data={"csrf_token": token, "bank": "tcap"},
        files={"hash_list": ("l.csv", HASH_LIST.encode(), "text/csv")},
    )
    for pasted in (
        "hxxps[:]//www.example[.]org/propaganda/1",
        "example(.)org/propaganda/1",
        "http://www[dot]example[dot]org/propaganda/1/",
    ):
        page = client.get("/lookup", params={"q": pasted})
        assert page.status_code == 200, (pasted, page.text)
        text = _text(page.text)
        assert "tcap" in text and " url 0 note=a URL" in text, pasted
        assert "https://m.example.org/propaganda/1/" in text
        assert "example.org/other" not in text
        assert "tg:chan/9 #4 text none url no case" in text
        assert 'href="https://' not in page.text  # URLs are never links
    refused = client.get("/lookup", params={"q": "no such thing"})
    assert refused.status_code == 400
    assert "is neither a hash" in refused.text
    assert (
        "not a md5 value" in client.get("/lookup", params={"q": "abc", "signal_type": "md5"}).text
    )


def test_lookup_an_uploaded_file(web: WebEnv, client_for: Any) -> None:
    client, token = client_for("moderator")
    known = web.sample.known.read_bytes()
    page = client.post(
        "/lookup/file",
        data={"csrf_token": token},
        files={"file": ("../../etc/passwd.png", known, "image/png")},
    )
    assert page.status_code == 200, page.text
    text = _text(page.text)
    assert "File passwd.png" in text
    assert text.count("tcap") >= 3  # md5, sha256 and pdq entries
    assert "case #1 (open)" in text
    broken = client.post(
        "/lookup/file",
        data={"csrf_token": token},
        files={"file": ("x.png", b"\x89PNG\r\n\x1a\nbroken", "image/png")},
    )
    assert broken.status_code == 200
    assert "x.png:" in broken.text and "tvec-lookup" not in broken.text
    assert len(_events(web, "bank.add")) == 1  # a look-up writes nothing (the fixture's add)


def test_bank_values_with_bidi_controls_are_shown_visibly(web: WebEnv, client_for: Any) -> None:
    with web.store.session() as session:
        session.add(Bank(name="evil\u202ekcab", description="\u2067x\u2069"))
    client, _ = client_for("viewer")
    page = client.get("/banks").text
    assert "\u202e" not in page and "\u2067" not in page
    assert 'evil<span class="bidi-mark" title="U+202E right-to-left override">' in page
