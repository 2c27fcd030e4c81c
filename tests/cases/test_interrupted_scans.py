"""A match always reaches a reviewer, whatever was interrupted on the way (issue 16, finding 1).

A scan interrupted after any item (Ctrl-C), or after storing every match but before opening
the cases, then run again, ends with the same cases and evidence as one uninterrupted scan:
the re-run sees the earlier items as unchanged, and cases are opened from the state of the
store, not from the re-run's own matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.review_data import fast_settings, gradient_image, near_copy
from tvec import banks
from tvec.scan import run as scan_run
from tvec.scan import run_scan
from tvec.store import Store, open_store
from tvec.store.models import CaseEvidence, Match, ReviewCase
from tvec.store.models.analysis import ItemIndicatorHit

#: Files of the scanned folder, in the order the scan reads them (sorted names).
MATCHING = 6
OTHERS = 2


def _content(folder: Path) -> tuple[Path, Path]:
    """A bank picture and a folder of its copies (exact and near) and unrelated pictures."""
    source = folder / "bank-src"
    source.mkdir(parents=True)
    known = gradient_image(source / "known.png", 1)
    content = folder / "content"
    content.mkdir()
    for index in range(MATCHING):
        target = content / f"{index:02d}-copy.png"
        if index % 2:
            near_copy(known, target)
        else:
            target.write_bytes(known.read_bytes() + bytes([index]))  # same pixels, new bytes
    for index in range(OTHERS):
        gradient_image(content / f"9{index}-other.png", 20 + index)
    return known, content


@pytest.fixture
def store_and_content(db_url: str, tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    store = open_store(fast_settings(tmp_path / "home", database_url=db_url))
    known, content = _content(tmp_path)
    banks.create_bank(store, "tcap", "test bank", actor="cli")
    banks.add_files(store, "tcap", [known], entity="Islamic State", source="TCAP", actor="cli")
    yield store, content
    store.close()


def _state(store: Store) -> tuple[int, int, int, int]:
    """(matches, matches on no case, open cases, match evidence)."""
    with store.session() as session:
        matches = session.scalar(select(func.count(Match.id))) or 0
        orphans = (
            session.scalar(
                select(func.count(Match.id)).where(
                    ~select(CaseEvidence.id).where(CaseEvidence.match_id == Match.id).exists()
                )
            )
            or 0
        )
        cases = session.scalar(select(func.count(ReviewCase.id))) or 0
        evidence = (
            session.scalar(
                select(func.count(CaseEvidence.id)).where(CaseEvidence.match_id.is_not(None))
            )
            or 0
        )
    return matches, orphans, cases, evidence


def _interrupt_after(count: int) -> scan_run.Progress:
    def progress(done: int, name: str) -> None:
        if done >= count:
            raise KeyboardInterrupt

    return progress


@pytest.mark.postgres
@pytest.mark.parametrize("kill_after", range(1, MATCHING + OTHERS))
def test_a_scan_interrupted_after_any_item_ends_with_every_case(
    store_and_content: tuple[Store, Path], kill_after: int
) -> None:
    store, content = store_and_content
    with pytest.raises(KeyboardInterrupt):
        run_scan(store, [content], progress=_interrupt_after(kill_after))
    stored = _state(store)
    assert 0 < stored[0] <= MATCHING  # some matches were stored before the interruption
    run_scan(store, [content])
    matches, orphans, cases, evidence = _state(store)
    assert (matches, orphans, cases, evidence) == (MATCHING, 0, MATCHING, MATCHING)


@pytest.mark.postgres
def test_a_scan_stopped_before_opening_its_cases_opens_them_on_the_next_run(
    store_and_content: tuple[Store, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst case: every match stored, the process gone before the cases were opened.
    Today's main left all of them without a case for ever (the re-run's items are unchanged,
    so it stores no new match)."""
    store, content = store_and_content

    def gone(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(scan_run, "open_cases_for_scan", gone)
        with pytest.raises(KeyboardInterrupt):
            run_scan(store, [content])
    assert _state(store) == (MATCHING, MATCHING, 0, 0)
    again = run_scan(store, [content])
    assert again.counts.new == 0  # nothing new was stored by the re-run
    assert _state(store) == (MATCHING, 0, MATCHING, MATCHING)


#: A benign, news-style sentence naming a designated group in a disguised spelling.
NEWS = "Analysts said a statement attributed to the I.S.K.P media wing could not be verified.\n"


@pytest.mark.postgres
def test_indicator_hits_of_a_scan_stopped_before_its_cases_get_them_in_any_next_run(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The killed scan's items are not seen again (the next run scans another folder): their
    indicator hits still get their cases (today's main opened them only for the items the
    run itself saw)."""
    store = open_store(fast_settings(tmp_path / "home", database_url=db_url))
    try:
        posts = tmp_path / "posts"
        posts.mkdir()
        for index in range(3):
            (posts / f"report-{index}.txt").write_text(f"{index}. {NEWS}", encoding="utf-8")
        other = tmp_path / "other"
        other.mkdir()
        (other / "note.txt").write_text("Nothing to see here.\n", encoding="utf-8")

        def gone(*args: object, **kwargs: object) -> object:
            raise KeyboardInterrupt

        with monkeypatch.context() as patch:
            patch.setattr(scan_run, "open_cases_for_scan", gone)
            with pytest.raises(KeyboardInterrupt):
                run_scan(store, [posts])
        with store.session() as session:
            assert session.scalar(select(func.count(ItemIndicatorHit.id))) == 3
            assert session.scalar(select(func.count(ReviewCase.id))) == 0
        run_scan(store, [other])
        with store.session() as session:
            cases = session.scalars(select(ReviewCase)).all()
            kinds = sorted(e.kind for case in cases for e in case.evidence)
            assert (len(cases), kinds) == (3, ["indicator"] * 3)
        run_scan(store, [other])  # nothing more the run after
        with store.session() as session:
            assert session.scalar(select(func.count(CaseEvidence.id))) == 3
    finally:
        store.close()
