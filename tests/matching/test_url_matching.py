"""URL signals match across equivalent spellings (issue 15 part 8), end to end: a bank URL
matches a scanned out-link written with another scheme, ``www.``, a mobile host or a
trailing slash; the persisted index and the in-memory matcher agree; an index saved with
the older raw-value keys is rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

from tvec.app.context import AppContext, open_context
from tvec.app.scan import scan
from tvec.banks import service
from tvec.matching.matcher import Matcher, _Entry
from tvec.matching.shared import EXACT_KEY_FORMAT, IndexFiles, match_value
from tvec.settings import load_settings
from tvec.signals import SignalValue
from tvec.store import open_store


def _context(tmp_path: Path, db_url: str) -> AppContext:
    settings = load_settings(
        home=tmp_path / "home", database_url=db_url, progress=False, index_check_seconds=0
    )
    return open_context(settings, store=open_store(settings))


def _bank(ctx: AppContext, tmp_path: Path, urls: list[str]) -> None:
    path = tmp_path / "bank.csv"
    path.write_text("".join(f"url,{u}\n" for u in urls), encoding="utf-8")
    service.import_bank(ctx.store, "tcap", path, "csv", create=True, actor="test")


def _url_hits(ctx: AppContext, value: str) -> list[str]:
    with ctx.read() as session:
        matcher = ctx.matcher(session)
    return sorted(h.entry_value for h in matcher.match(SignalValue("url", value)))


def test_scanned_variants_match_a_bank_url(db_url: str, tmp_path: Path) -> None:
    ctx = _context(tmp_path, db_url)
    _bank(ctx, tmp_path, ["http://t.me/x", "https://www.facebook.com/p/1"])
    post = tmp_path / "post.txt"
    post.write_text(
        "join https://t.me/x/ now, mirror https://m.facebook.com/p/1/ and "
        "http://facebook.com/p/1 but not https://t.me/xy or https://t.me/X\n",
        encoding="utf-8",
    )
    result = scan(ctx, [tmp_path / "post.txt"])
    urls = sorted((m.value, m.entry_value) for m in result.matches if m.signal_type == "url")
    assert urls == [
        ("http://facebook.com/p/1", "https://www.facebook.com/p/1"),
        ("https://m.facebook.com/p/1/", "https://www.facebook.com/p/1"),
        ("https://t.me/x/", "http://t.me/x"),
    ]
    ctx.close()


def test_persisted_index_keys_urls_by_their_match_key(db_url: str, tmp_path: Path) -> None:
    ctx = _context(tmp_path, db_url)
    _bank(ctx, tmp_path, ["http://t.me/x"])
    (stored,) = _url_hits(ctx, "https://t.me/x/")
    for variant in ("http://t.me/x", "https://www.t.me/x", "https://t.me/x", "http://t.me/x/"):
        assert _url_hits(ctx, variant) == [stored], variant
    for other in ("https://t.me/x/y", "https://t.me/X", "https://t.me/x?a=1", "ftp://t.me/x"):
        assert _url_hits(ctx, other) == [], other
    meta = json.loads((IndexFiles(ctx.settings.index_folder).exact_dir / "meta.json").read_text())
    assert meta["extra"]["keys"] == EXACT_KEY_FORMAT
    ctx.close()


def test_an_index_with_older_keys_is_rebuilt(db_url: str, tmp_path: Path) -> None:
    ctx = _context(tmp_path, db_url)
    _bank(ctx, tmp_path, ["https://m.facebook.com/p/1"])
    assert _url_hits(ctx, "https://facebook.com/p/1") == ["https://m.facebook.com/p/1"]
    files = IndexFiles(ctx.settings.index_folder)
    meta_path = files.exact_dir / "meta.json"
    meta = json.loads(meta_path.read_text())
    del meta["extra"]["keys"]  # as written before url equivalence
    meta_path.write_text(json.dumps(meta))
    assert files.load() is None
    other = _context(tmp_path, db_url)
    assert _url_hits(other, "http://www.facebook.com/p/1/") == ["https://m.facebook.com/p/1"]
    assert files.load() is not None
    other.close()
    ctx.close()


def test_in_memory_matcher_uses_the_same_keys() -> None:
    entries = [
        _Entry(1, "b", "url", "http://t.me/x", {}),
        _Entry(2, "b", "md5", "d41d8cd98f00b204e9800998ecf8427e", {}),
    ]
    matcher = Matcher(entries)
    assert [h.entry_id for h in matcher.match(SignalValue("url", "https://m.t.me/x/"))] == [1]
    assert matcher.match(SignalValue("url", "https://t.me/x/z")) == []
    # other exact types are compared as they are
    assert matcher.match(SignalValue("md5", "D41D8CD98F00B204E9800998ECF8427E")) == []
    assert match_value("md5", "http://t.me/x") == "http://t.me/x"
    assert match_value("url", "http://t.me/x") == "//t.me/x"
