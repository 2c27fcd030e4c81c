"""Scans of fsspec inputs (``memory://``, ``s3://`` on a local moto server) and the evidence
store at an fsspec URL (issue 17, part 4)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest
from sqlalchemy import select

from tests.core.test_scan import make_images
from tests.review_data import fast_settings
from tvec.app.scan import local_path
from tvec.banks import add_files, create_bank
from tvec.errors import NotFoundError, StoreError, UsageError
from tvec.scan import run_scan
from tvec.sources import read_path
from tvec.sources.remote import RemoteFile, normalised_url
from tvec.store import Store, open_store
from tvec.store.evidence import EvidenceStore, RemoteEvidenceStore, open_evidence
from tvec.store.models import Item, Match

BUCKET = "tvec-test"


def _signals(store: Store) -> list[tuple[object, ...]]:
    """(file name, sha256, media type, signals, matched entries) of every item, by name."""
    with store.session() as session:
        rows = []
        for item in session.scalars(select(Item)):
            matched = sorted(
                (m.signal_type, m.distance)
                for m in session.scalars(select(Match).where(Match.item_id == item.id))
            )
            rows.append(
                (
                    item.locator.rsplit("/", 1)[1],
                    item.sha256,
                    item.media_type,
                    sorted((s.signal_type, s.value) for s in item.signals),
                    matched,
                )
            )
    return sorted(rows, key=lambda row: str(row[0]))


def _store(home: Path, known: list[Path], **overrides: object) -> Store:
    store = open_store(fast_settings(home, workers=1, **overrides))
    create_bank(store, "known", actor="cli")
    add_files(store, "known", known, actor="cli")
    return store


def test_urls_are_read_as_fsspec_inputs_or_refused_by_name() -> None:
    assert local_path("file:///srv/drop/a.png") == Path("/srv/drop/a.png")
    assert local_path("/srv/drop") == Path("/srv/drop")
    folded = local_path(Path("s3://bucket/drop"))  # pathlib makes s3:/bucket/drop of it
    assert isinstance(folded, RemoteFile) and folded.url == "s3://bucket/drop"
    assert str(folded) == "s3://bucket/drop" and folded.name == "drop"
    assert normalised_url("gs:/b/k.png") == "gs://b/k.png"
    with pytest.raises(UsageError, match="nosuch://x/y"):
        local_path("nosuch://x/y")


def test_a_memory_folder_scans_like_the_same_local_folder(tmp_path: Path) -> None:
    images = make_images(tmp_path / "in", 6)
    (tmp_path / "in" / "note.txt").write_text("a note, https://example.org/x\n", encoding="utf-8")
    (tmp_path / "in" / ".hidden").write_bytes(b"skipped")
    fs = fsspec.filesystem("memory")
    for path in sorted((tmp_path / "in").iterdir()):
        fs.pipe_file(f"/scan-in/{path.name}", path.read_bytes())
    local = _store(tmp_path / "local", images[:2])
    run_scan(local, [tmp_path / "in"])
    expected = _signals(local)
    local.close()

    store = _store(tmp_path / "mem", images[:2])
    result = run_scan(store, [local_path("memory://scan-in")])
    assert result.counts.new == 7 and not result.errors
    assert _signals(store) == expected
    assert len([row for row in expected if row[4]]) == 2  # both bank pictures matched
    with store.session() as session:
        locators = sorted(session.scalars(select(Item.locator)))
    assert locators[0] == "memory:///scan-in/img-0000.png"  # fsspec's own spelling
    again = run_scan(store, [local_path("memory://scan-in")])
    assert again.counts.unchanged == 7 and again.counts.new == 0
    fs.pipe_file("/scan-in/note.txt", b"another note, longer than before\n")
    changed = run_scan(store, [local_path("memory://scan-in")])
    assert changed.counts.changed == 1 and changed.counts.unchanged == 6
    store.close()
    fs.rm("/scan-in", recursive=True)


def test_an_unlistable_url_is_an_error_on_its_item_not_a_failed_scan(tmp_path: Path) -> None:
    items = list(read_path(RemoteFile("memory://nothing-here/at-all")))
    assert len(items) == 1 and items[0].error is not None
    assert "memory://nothing-here/at-all" in str(items[0].error)


def test_the_remote_evidence_store_writes_each_key_once() -> None:
    store = open_evidence("memory://evidence-test")
    assert isinstance(store, RemoteEvidenceStore)
    digest = store.put(b"stand-in bytes")
    assert digest == hashlib.sha256(b"stand-in bytes").hexdigest()
    key = store.key_for(digest)
    assert key.endswith(f"/{digest[:2]}/{digest[2:4]}/{digest}")
    first = store.fs.info(key)
    assert store.put(b"stand-in bytes", digest) == digest  # a retried task: same key, no-op
    assert store.fs.info(key) == first and store.get(digest) == b"stand-in bytes"
    assert digest in store and "0" * 64 not in store
    with pytest.raises(NotFoundError):
        store.get("0" * 64)
    with pytest.raises(StoreError, match="mismatch"):
        store.put(b"other", digest)
    with pytest.raises(StoreError, match="evidence store nosuch://x"):
        open_evidence("nosuch://x")
    assert isinstance(open_evidence("file:///tmp/ev"), EvidenceStore)
    store.fs.rm("/evidence-test", recursive=True)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 (random port), with the environment s3fs reads."""
    from moto.server import ThreadedMotoServer
    from s3fs import S3FileSystem

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    S3FileSystem.clear_instance_cache()  # none made for another module's server
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = {k: os.environ.get(k) for k in S3_ENV}
    os.environ.update(s3_env(endpoint))
    try:
        yield endpoint
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.stop()
        S3FileSystem.clear_instance_cache()


S3_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION")


def s3_env(endpoint: str) -> dict[str, str]:
    """The environment that points s3fs (botocore) at a local S3 server."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def upload(folder: Path, prefix: str) -> None:
    """Copy every file of ``folder`` to ``s3://BUCKET/prefix/`` (the bucket is made once)."""
    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    if not fs.exists(BUCKET):
        fs.mkdir(BUCKET)
    for path in sorted(folder.iterdir()):
        fs.pipe_file(f"{BUCKET}/{prefix}/{path.name}", path.read_bytes())


def test_an_s3_folder_scans_like_the_local_one_with_evidence_in_s3(
    s3_endpoint: str, tmp_path: Path
) -> None:
    images = make_images(tmp_path / "in", 5)
    (tmp_path / "in" / "post.txt").write_text("see https://example.org/y\n", encoding="utf-8")
    upload(tmp_path / "in", "drop")
    local = _store(tmp_path / "local", images[:1])
    run_scan(local, [tmp_path / "in"])
    expected = _signals(local)
    local.close()

    evidence = f"s3://{BUCKET}/evidence"
    store = _store(tmp_path / "s3", images[:1], evidence_url=evidence)
    result = run_scan(store, [local_path(f"s3://{BUCKET}/drop")])
    assert result.counts.new == 6 and not result.errors
    assert _signals(store) == expected
    kept = open_evidence(evidence)
    local_evidence = EvidenceStore(tmp_path / "s3" / "evidence")
    for path in sorted((tmp_path / "in").iterdir()):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        assert kept.get(digest) == data and digest not in local_evidence
    again = run_scan(store, [local_path(f"s3://{BUCKET}/drop/")])
    assert again.counts.unchanged == 6 and again.counts.new == 0
    store.close()


def test_bank_thumbnails_and_video_keyframes_use_the_evidence_url(tmp_path: Path) -> None:
    """With ``TVEC_EVIDENCE_URL`` a bank entry's thumbnail is kept in that store (web workers
    on other machines show it), and a video's keyframes are made from the bytes kept there."""
    from tests.web.test_review_flow import make_video
    from tvec.accounts.service import add_user, principal_for
    from tvec.app.context import AppContext
    from tvec.app.review import bank_entry_thumbnail, keyframe_preview
    from tvec.store.models import BankEntry

    images = make_images(tmp_path / "in", 2)
    make_video(tmp_path / "in" / "clip.mp4")
    evidence = "memory://tvec-evidence-ui/kept"
    store = _store(tmp_path / "home", images[:1], evidence_url=evidence)
    run_scan(store, [tmp_path / "in"])
    ctx = AppContext(store.settings, store)
    kept = open_evidence(evidence)
    local = EvidenceStore(store.settings.evidence_dir)
    with store.session() as session:
        entries = session.scalars(select(BankEntry).order_by(BankEntry.id)).all()
        with_thumbnail = [e for e in entries if (e.extra or {}).get("thumbnail")]
        assert len(with_thumbnail) == len(entries) >= 2  # pdq and md5 of the one image
        entry, key = entries[0], entries[0].extra["thumbnail"]
        video = session.scalars(
            select(Item).where(Item.locator.like("%clip.mp4"), Item.parent_id.is_(None))
        ).one()
        video_id, video_sha = video.id, video.sha256
        principal = principal_for(session, add_user(session, "mod", "moderator", "pw-" * 4).id)
    assert key in kept and key not in local
    thumbnail = bank_entry_thumbnail(ctx, entry.id)
    assert thumbnail == kept.get(key) and thumbnail[:3] == b"\xff\xd8\xff"
    assert video_sha is not None and video_sha in kept and video_sha not in local
    frame = keyframe_preview(ctx, video_id, 0, principal)
    assert frame[:3] == b"\xff\xd8\xff"
    with pytest.raises(NotFoundError, match="no keyframe 9"):
        keyframe_preview(ctx, video_id, 9, principal)
    store.close()
