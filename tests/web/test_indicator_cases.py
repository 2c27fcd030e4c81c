"""Indicator hits open cases (lower confidence than hash matches) and show on the case page."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.web.conftest import WebEnv
from tvec.scan import run_scan
from tvec.store.models import Item
from tvec.store.models.cases import ReviewCase

# A benign, news-style sentence that names a designated group with a disguised spelling.
NEWS = "Analysts said a statement attributed to the I.S.K.P media wing could not be verified.\n"


def _indicator_case(web: WebEnv, path: Path) -> ReviewCase:
    with web.store.session() as session:
        item = session.scalars(select(Item).where(Item.locator == path.resolve().as_uri())).one()
        return session.scalars(select(ReviewCase).where(ReviewCase.item_id == item.id)).one()


def test_indicator_hit_opens_a_lower_priority_case_once(web: WebEnv, tmp_path: Path) -> None:
    folder = tmp_path / "posts"
    folder.mkdir()
    path = folder / "report.txt"
    path.write_text(NEWS, encoding="utf-8")
    run_scan(web.store, [folder])
    case = _indicator_case(web, path)
    with web.store.session() as session:
        case = session.get_one(ReviewCase, case.id)
        evidence = [(e.kind, e.confidence, e.severity) for e in case.evidence]
        assert evidence == [("indicator", 0.3, "designated_propaganda")]
        detail = case.evidence[0].detail
        assert detail["labels"]["field"] == "text"
        start, end = (int(x) for x in detail["labels"]["span"].split("-"))
        assert NEWS[start:end] == "I.S.K.P"
        assert detail["labels"]["steps"]  # how the disguised spelling was undone
        exact = session.scalars(select(ReviewCase).where(ReviewCase.id == 1)).one()
        assert case.priority < exact.priority
    # Scanning again (the file changed: touched) adds no second piece of evidence.
    path.write_text(NEWS, encoding="utf-8")
    run_scan(web.store, [folder])
    with web.store.session() as session:
        assert len(session.get_one(ReviewCase, case.id).evidence) == 1


def test_case_page_shows_languages_and_hits(web: WebEnv, client_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "posts"
    folder.mkdir()
    path = folder / "report.txt"
    path.write_text(NEWS, encoding="utf-8")
    run_scan(web.store, [folder])
    case = _indicator_case(web, path)
    client, _ = client_for("moderator")
    page = client.get(f"/cases/{case.id}").text
    assert "<h2>Analysis</h2>" in page
    assert "language eng" in page
    start = NEWS.index("I.S.K.P")
    assert f"text {start}-{start + 7}" in page and "<td><bdi>I.S.K.P</bdi></td>" in page
    assert "indicator: &#39;I.S.K.P&#39; in text names" in page
