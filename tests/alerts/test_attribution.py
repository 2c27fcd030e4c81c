"""Verification before alerting: attributions by a person, by a remove decision and by the
verified-bank rule, each recorded in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.alerts.conftest import PostMaker
from tvec.accounts import Principal, add_user
from tvec.cases import DecisionRequest, decide, file_appeal, flag_item, resolve_appeal
from tvec.entities.resolve import entity_for_label, entity_registry
from tvec.errors import UsageError
from tvec.settings import Settings, load_settings
from tvec.store import Store, open_store
from tvec.store.models import Bank, BankEntry, Item, Match, Outlink
from tvec.store.models.alerts import Alert, Attribution
from tvec.store.models.audit import AuditEvent
from tvec.verification.attribution import attribute_url
from tvec.verification.kinds import infer_content_kind, item_content_kind
from tvec.verification.sync import sync_attributions
from tvec.verification.trees import is_home_page

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
REMOVE = DecisionRequest(
    outcome="remove", ground_kind="designated_entity", ground="Islamic State: UK (UK)"
)


def _settings(home: Path, **overrides: object) -> Settings:
    base: dict[str, object] = {"analysis_ocr": False}
    base.update(overrides)
    return load_settings(home=home, progress=False, **base)


@pytest.fixture
def alert_settings(tmp_path: Path) -> Settings:
    return _settings(tmp_path / "home")


@pytest.fixture
def db(alert_settings: Settings) -> Iterator[Store]:
    opened = open_store(alert_settings)
    yield opened
    opened.close()


def _events(session: Session, kind: str = "url.attribute") -> list[AuditEvent]:
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id))
    )


def _attribution(session: Session, url: str) -> Attribution:
    return session.scalars(select(Attribution).join(Outlink).where(Outlink.url == url)).one()


def _reviewer(session: Session, name: str, role: str = "moderator") -> Principal:
    account = add_user(session, name, role, "correct horse battery staple")
    return Principal(account.id, account.username, account.role)


# --- by a person ---------------------------------------------------------------------------


def test_person_attributes_a_url_and_the_audit_log_keeps_old_and_new(
    db: Store, alert_settings: Settings
) -> None:
    with db.session() as session:
        made = attribute_url(
            session,
            "HXXPS://T.ME/somechannel/42?utm_source=x",
            "ISIS",
            actor="alice",
            content_kind="video",
            graphic=True,
            note="beheading video",
            now=T0,
            settings=alert_settings,
        )
        assert made.outlink.url == "https://t.me/somechannel/42"
        assert made.outlink.platform == "Telegram"
        assert made.outlink.first_seen_at == T0
        assert (made.entity, made.content_kind, made.graphic, made.method) == (
            "islamic-state",
            "video",
            True,
            "person",
        )
        assert made.attributed_by == "alice"
    with db.session() as session:
        again = attribute_url(
            session,
            "https://t.me/somechannel/42",
            "al-shabaab",
            actor="bob",
            content_kind="image",
            settings=alert_settings,
        )
        assert again.id == made.id
        events = _events(session)
    assert len(events) == 2
    first, second = events
    assert first.actor == "alice" and first.target == f"outlink:{made.outlink_id}"
    assert first.data["old"] is None
    assert first.data["new"]["entity"] == "islamic-state"
    assert first.data["new"]["graphic"] is True
    assert second.actor == "bob"
    assert second.data["old"]["entity"] == "islamic-state"
    assert second.data["new"]["entity"] == "al-shabaab"
    assert second.data["new"]["content_kind"] == "image"
    assert second.data["url"] == "https://t.me/somechannel/42"


@pytest.mark.parametrize(
    ("url", "entity", "kind", "message"),
    [
        ("https://t.me/x/1", "Crescent Liberation Front", "video", "no entity 'Crescent"),
        ("https://t.me/x/1", "islamic-state", "hologram", "unknown content kind 'hologram'"),
        ("mailto:someone@example.org", "islamic-state", "video", "is not a URL"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(
    db: Store, alert_settings: Settings, url: str, entity: str, kind: str, message: str
) -> None:
    with db.session() as session, pytest.raises(UsageError, match=message):
        attribute_url(
            session, url, entity, actor="alice", content_kind=kind, settings=alert_settings
        )
    with db.session() as session:
        assert session.scalars(select(Attribution)).all() == []
        assert _events(session) == []


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://t.me/", "t.me"),
        ("https://youtube.com", "youtube.com"),
        ("HTTPS://YOUTUBE.COM/?utm_source=x", "youtube.com"),
    ],
)
def test_a_persons_verification_refuses_a_sites_home_page(
    db: Store, alert_settings: Settings, url: str, host: str
) -> None:
    """A home page names a whole site (all of Telegram), not a piece of content."""
    with db.session() as session, pytest.raises(UsageError) as refused:
        attribute_url(session, url, "ISKP", actor="alice", settings=alert_settings)
    message = str(refused.value)
    assert message.startswith(f"{url!r} is the home page of {host}: ")
    assert "not a whole site" in message and "--whole-site" in message
    with db.session() as session:
        assert session.scalars(select(Attribution)).all() == []
        assert session.scalars(select(Outlink)).all() == []
        assert _events(session) == []


def test_a_groups_own_website_is_attributed_as_a_whole_site(
    db: Store, alert_settings: Settings
) -> None:
    with db.session() as session:
        made = attribute_url(
            session,
            "https://crescent-front.example/",
            "islamic-state",
            actor="alice",
            settings=alert_settings,
            whole_site=True,
            now=T0,
        )
        assert made.outlink.url == "https://crescent-front.example/"
        # Not a home page: whole_site changes nothing and is not recorded.
        attribute_url(
            session,
            "https://t.me/somechannel/42",
            "islamic-state",
            actor="alice",
            settings=alert_settings,
            whole_site=True,
        )
    with db.session() as session:
        site, post = _events(session)
    assert site.data["whole_site"] is True
    assert site.data["url"] == "https://crescent-front.example/"
    assert "whole_site" not in post.data


def test_entity_labels_map_to_registry_ids(alert_settings: Settings) -> None:
    registry = entity_registry(alert_settings)
    assert entity_for_label(registry, "islamic-state") == registry.get("islamic-state")
    assert entity_for_label(registry, "Islamic State").id == "islamic-state"  # type: ignore[union-attr]
    assert entity_for_label(registry, "al shabaab").id == "al-shabaab"  # type: ignore[union-attr]
    assert entity_for_label(registry, "داعش").id == "islamic-state"  # type: ignore[union-attr]
    assert entity_for_label(registry, "Amaq News Agency").id == "islamic-state"  # type: ignore[union-attr]
    assert entity_for_label(registry, "Islamic") is None  # only partial matches
    assert entity_for_label(registry, "Crescent Liberation Front (fictional)") is None
    assert entity_for_label(registry, "") is None


def test_content_kind_comes_from_the_item_trees_media() -> None:
    def item(content_type: str, media_type: str) -> Item:
        return Item(locator="x", content_type=content_type, media_type=media_type)

    post = item("text", "text/plain")
    assert item_content_kind(item("photo", "image/png")) == "image"
    assert item_content_kind(item("video", "video/mp4")) == "video"
    assert item_content_kind(item("file", "audio/ogg")) == "audio"
    assert item_content_kind(item("file", "application/pdf")) == "document"
    assert item_content_kind(item("file", "application/zip")) == "archive"
    assert item_content_kind(item("file", "application/octet-stream")) == "other"
    assert infer_content_kind(post, [post]) == "text"
    photo, video = item("photo", "image/jpeg"), item("video", "video/mp4")
    assert infer_content_kind(post, [post, photo, video]) == "video"
    assert infer_content_kind(photo, [photo, post, video]) == "image"  # the anchor's own media
    blob = item("file", "application/octet-stream")
    assert infer_content_kind(blob, [blob]) == "other"


# --- from a reviewer's remove decision ---------------------------------------------------------


def test_a_remove_decision_attributes_every_url_of_the_item_tree(
    db: Store, alert_settings: Settings, add_post: PostMaker
) -> None:
    with db.session() as session:
        moderator = _reviewer(session, "mo")
        _, photo = add_post(
            session, "tg:chan/7", ["https://t.me/mirror/1", "https://archive.org/details/x7"]
        )
        _, other = add_post(session, "tg:chan/8", ["https://t.me/unrelated/2"])
        assert photo is not None and other is not None
        case = flag_item(session, photo.id, moderator, alert_settings, entity="Islamic State")
        decide(session, case.id, moderator, REMOVE, alert_settings)
        undecided = flag_item(session, other.id, moderator, alert_settings, entity="ISIS")
    with db.session() as session:
        assert sync_attributions(session, alert_settings, T0) == 2
    with db.session() as session:
        rows = {o.url: a for a, o in session.execute(select(Attribution, Outlink).join(Outlink))}
        assert set(rows) == {"https://t.me/mirror/1", "https://archive.org/details/x7"}
        for attribution in rows.values():
            assert attribution.entity == "islamic-state"
            assert attribution.method == "decision"
            assert attribution.attributed_by == "mo"
            assert attribution.case_id == case.id
            assert attribution.content_kind == "image"  # the case's item is a photo
            assert attribution.created_at == T0
        events = _events(session)
        assert [e.actor for e in events] == ["tvec", "tvec"]
        assert {e.data["url"] for e in events} == set(rows)
        assert all(e.data["old"] is None for e in events)
        assert {e.data["new"]["method"] for e in events} == {"decision"}
        assert {e.data["new"]["case_id"] for e in events} == {case.id}
        assert undecided.id not in {a.case_id for a in rows.values()}
    with db.session() as session:
        assert sync_attributions(session, alert_settings, T0) == 0  # nothing new
        assert len(_events(session)) == 2


def test_a_persons_attribution_is_never_overwritten(
    db: Store, alert_settings: Settings, add_post: PostMaker
) -> None:
    with db.session() as session:
        moderator = _reviewer(session, "mo")
        _, photo = add_post(session, "tg:chan/7", ["https://t.me/mirror/1"])
        assert photo is not None
        attribute_url(
            session,
            "https://t.me/mirror/1",
            "al-shabaab",
            actor="alice",
            content_kind="video",
            settings=alert_settings,
        )
        case = flag_item(session, photo.id, moderator, alert_settings, entity="Islamic State")
        decide(session, case.id, moderator, REMOVE, alert_settings)
    with db.session() as session:
        assert sync_attributions(session, alert_settings, T0) == 0
        kept = _attribution(session, "https://t.me/mirror/1")
        assert (kept.entity, kept.method, kept.attributed_by) == ("al-shabaab", "person", "alice")


def test_an_overturned_removal_withdraws_its_attributions_and_unsent_alert(
    db: Store, alert_settings: Settings, add_post: PostMaker
) -> None:
    from tvec.alerts.queue import queue_alerts

    with db.session() as session:
        moderator = _reviewer(session, "mo")
        analyst = _reviewer(session, "an", "analyst")
        _, photo = add_post(session, "tg:chan/7", ["https://t.me/mirror/1"])
        assert photo is not None
        case = flag_item(session, photo.id, moderator, alert_settings, entity="Islamic State")
        decision = decide(session, case.id, moderator, REMOVE, alert_settings)
    with db.session() as session:
        assert sync_attributions(session, alert_settings, T0) == 1
        assert len(queue_alerts(session, alert_settings, T0)) == 1  # Telegram: abuse e-mail
    with db.session() as session:
        appeal = file_appeal(session, decision.id, moderator, "it is a news report")
        resolve_appeal(session, appeal.id, analyst, "overturn")
    with db.session() as session:
        assert sync_attributions(session, alert_settings, T0) == 1
    with db.session() as session:
        assert session.scalars(select(Attribution)).all() == []
        assert session.scalars(select(Alert)).all() == []
        last = _events(session)[-1]
        assert last.data["old"]["method"] == "decision"
        assert last.data["new"] is None
        assert "no longer in force" in last.data["reason"]


# --- from the verified-bank rule -----------------------------------------------------------------


def _bank_match(session: Session, item: Item, bank: str, entity: str | None) -> Match:
    row = Bank(name=bank)
    session.add(row)
    session.flush()
    entry = BankEntry(
        bank_id=row.id, signal_type="md5", value=f"{item.id:032x}", entity=entity, source="TCAP"
    )
    session.add(entry)
    session.flush()
    match = Match(
        item_id=item.id,
        bank_entry_id=entry.id,
        signal_type="md5",
        value=entry.value,
        distance=0,
    )
    session.add(match)
    session.flush()
    return match


def test_the_verified_bank_rule_attributes_urls_of_matched_posts(
    tmp_path: Path, add_post: PostMaker
) -> None:
    ruled = _settings(tmp_path / "home", alert_verified_banks=["tcap-verified"])
    db = open_store(ruled)
    try:
        with db.session() as session:
            _, video = add_post(
                session, "tg:chan/1", ["https://t.me/mirror/1"], media=("video", "video/mp4")
            )
            _, photo = add_post(session, "tg:chan/2", ["https://t.me/mirror/2"])
            _, unlabelled = add_post(session, "tg:chan/3", ["https://t.me/mirror/3"])
            assert video is not None and photo is not None and unlabelled is not None
            match = _bank_match(session, video, "tcap-verified", "Islamic State")
            _bank_match(session, photo, "unverified", "Islamic State")
            _bank_match(session, unlabelled, "other-verified", None)
        with db.session() as session:
            assert sync_attributions(session, ruled, T0) == 1
        with db.session() as session:
            only = session.scalars(select(Attribution)).one()
            assert only.outlink.url == "https://t.me/mirror/1"
            assert (only.entity, only.method, only.rule, only.attributed_by) == (
                "islamic-state",
                "rule",
                "verified-bank:tcap-verified",
                "rule",
            )
            assert only.content_kind == "video"
            assert only.note == f"match {match.id} in verified bank tcap-verified"
            (event,) = _events(session)
            assert event.actor == "tvec"
            assert event.data["new"]["rule"] == "verified-bank:tcap-verified"
            assert event.data["new"]["method"] == "rule"
        # Without the rule enabled, the same data attributes nothing.
        with db.session() as session:
            assert sync_attributions(session, _settings(tmp_path / "home"), T0) == 0
        # A reviewer's removal replaces the rule's attribution (audit-logged).
        with db.session() as session:
            moderator = _reviewer(session, "mo")
            case = flag_item(session, video.id, moderator, ruled, entity="ISKP")
            decide(session, case.id, moderator, REMOVE, ruled)
        with db.session() as session:
            assert sync_attributions(session, ruled, T0) == 1
        with db.session() as session:
            now = _attribution(session, "https://t.me/mirror/1")
            assert (now.entity, now.method, now.case_id) == (
                "islamic-state-khorasan",
                "decision",
                case.id,
            )
            last = _events(session)[-1]
            assert last.data["old"]["method"] == "rule"
            assert last.data["new"]["method"] == "decision"
    finally:
        db.close()


def test_rules_never_attribute_a_sites_home_page(tmp_path: Path, add_post: PostMaker) -> None:
    """ "Mirror on rumble dot com" yields https://rumble.com/ as an out-link: the matched
    post's real content link is attributed, the bare home page is not."""
    ruled = _settings(tmp_path / "home", alert_verified_banks=["tcap-verified"])
    db = open_store(ruled)
    try:
        with db.session() as session:
            _, photo = add_post(
                session,
                "tg:chan/9",
                ["https://rumble.com/", "https://rumble.com/v-clf.html", "https://t.me/"],
            )
            assert photo is not None
            _bank_match(session, photo, "tcap-verified", "Islamic State")
        with db.session() as session:
            assert sync_attributions(session, ruled, T0) == 1
            only = session.scalars(select(Attribution)).one()
            assert only.outlink.url == "https://rumble.com/v-clf.html"
    finally:
        db.close()
    assert is_home_page("https://rumble.com/")
    assert is_home_page("https://rumble.com")
    assert not is_home_page("https://rumble.com/?v=1")
    assert not is_home_page("https://t.me/clf_backup")


def test_notes_refuse_control_characters_and_a_repeat_changes_nothing(
    db: Store, alert_settings: Settings
) -> None:
    url = "https://t.me/somechannel/7"
    with db.session() as session:
        with pytest.raises(UsageError, match="control character U\\+001B"):
            attribute_url(
                session, url, "ISIS", actor="alice", note="a\x1b[31mRED", settings=alert_settings
            )
        first = attribute_url(
            session, url, "ISIS", actor="alice", note="line one\nline two", now=T0,
            settings=alert_settings,
        )  # fmt: skip
        again = attribute_url(
            session, url, "ISIS", actor="alice", note="line one\nline two", now=T0,
            settings=alert_settings,
        )  # fmt: skip
        assert again is first
        assert first.note == "line one\nline two"
        assert len(_events(session)) == 1
