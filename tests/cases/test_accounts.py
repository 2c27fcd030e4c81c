"""Accounts: roles table, Argon2id, API tokens stored hashed, first admin, wellbeing, CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.review_data import PASSWORD, fast_settings, make_users
from tvec.accounts import (
    PERMISSIONS,
    Role,
    add_user,
    allowed,
    authenticate,
    create_token,
    disable_user,
    ensure_first_admin,
    principal_for_token,
    reset_password,
)
from tvec.accounts.wellbeing import count_reveal, media_prefs, set_media_prefs
from tvec.errors import AuthError, UsageError
from tvec.store import Store
from tvec.store.models.accounts import Account

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_permission_table_is_the_one_in_the_docs() -> None:
    review = (DOCS / "review.md").read_text(encoding="utf-8")
    for permission, roles in PERMISSIONS.items():
        cells = " | ".join("yes" if r in roles else "no" for r in Role)
        assert f"| `{permission}` | {cells} |" in review, permission
    assert allowed("viewer", "case.view") and not allowed("viewer", "case.decide")
    assert not allowed("moderator", "appeal.resolve") and allowed("analyst", "appeal.resolve")
    assert not allowed("admin", "no.such.permission")


def test_passwords_are_argon2id_and_logins_are_logged(store: Store) -> None:
    with store.session() as session:
        account = add_user(session, "ana", "analyst", PASSWORD)
        assert account.password_hash.startswith("$argon2id$")
        with pytest.raises(UsageError, match="12 characters"):
            add_user(session, "short", "viewer", "abc")
        with pytest.raises(UsageError, match="unknown role"):
            add_user(session, "x", "superuser", PASSWORD)
    with store.session() as session:
        assert authenticate(session, "ana", PASSWORD) is not None
        assert authenticate(session, "ana", "wrong password!!") is None
        assert authenticate(session, "nobody", PASSWORD) is None
        disable_user(session, "ana")
        assert authenticate(session, "ana", PASSWORD) is None
    with store.session() as session:
        kinds = list(session.scalars(text("SELECT kind FROM audit_event ORDER BY id")))
    assert kinds == [
        "user.add",
        "auth.login",
        "auth.login_failed",
        "auth.login_failed",
        "user.disable",
        "auth.login_failed",
    ]


def test_api_tokens_are_shown_once_and_stored_hashed(store: Store) -> None:
    make_users(store)
    with store.session() as session:
        token = create_token(session, "admin", "platform-x")
    assert token.startswith("tvec_") and len(token) > 40
    with store.session() as session:
        stored = session.execute(text("SELECT token_sha256, prefix FROM api_token")).one()
        assert token not in stored.token_sha256 and len(stored.token_sha256) == 64
        principal = principal_for_token(session, token)
        assert (principal.username, principal.via_token) == ("admin", "platform-x")
        with pytest.raises(AuthError):
            principal_for_token(session, token + "x")
        disable_user(session, "admin")
    with store.session() as session, pytest.raises(AuthError):
        principal_for_token(session, token)


def test_first_admin_once_with_generated_or_given_password(tmp_path: Path) -> None:
    from tvec.store import open_store

    given = open_store(fast_settings(tmp_path / "a"))
    with given.session() as session:
        assert ensure_first_admin(session, "from the environment 123") is None
        assert authenticate(session, "admin", "from the environment 123") is not None
        assert ensure_first_admin(session, None) is None  # users exist: nothing happens
    given.close()
    generated = open_store(fast_settings(tmp_path / "b"))
    with generated.session() as session:
        one_time = ensure_first_admin(session, None)
        assert one_time is not None and len(one_time) >= 20
        assert authenticate(session, "admin", one_time) is not None
        assert reset_password(session, "admin", "a brand new password") == "a brand new password"
        assert session.scalar(select(Account.role)) == "admin"
    generated.close()


def test_reveal_counter_suggests_a_break_and_prefs_stay_in_limits(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from tvec.store import open_store

    settings = fast_settings(
        tmp_path / "h", reveal_break_after=3, min_blur_px=10, greyscale_required=True
    )
    store = open_store(settings)
    users = make_users(store)
    day1 = datetime(2026, 5, 1, 23, 59, tzinfo=UTC)
    day2 = datetime(2026, 5, 2, 0, 1, tzinfo=UTC)
    with store.session() as session:
        counts = [
            count_reveal(session, users["moderator"].account_id, settings, day1) for _ in range(3)
        ]
        assert [(c.reveals, c.suggest_break) for c in counts] == [(1, False), (2, False), (3, True)]
        next_day = count_reveal(session, users["moderator"].account_id, settings, day2)
        assert (next_day.day, next_day.reveals, next_day.suggest_break) == ("2026-05-02", 1, False)
        with pytest.raises(UsageError, match="between 10 and 100"):
            set_media_prefs(session, users["moderator"].account_id, settings, 4, True)
        with pytest.raises(UsageError, match="greyscale is required"):
            set_media_prefs(session, users["moderator"].account_id, settings, 20, False)
        set_media_prefs(session, users["moderator"].account_id, settings, 20, True)
        account = session.get_one(Account, users["moderator"].account_id)
        prefs = media_prefs(account, settings)
        assert (prefs.blur_px, prefs.greyscale) == (20, True)
    store.close()


def test_user_cli(cli) -> None:  # type: ignore[no-untyped-def]
    added = cli("user", "add", "mo", "--role", "moderator")
    assert added.code == 0 and "one-time password (shown once): " in added.out
    password = added.out.rsplit("): ", 1)[1].strip()
    assert len(password) >= 20
    listed = cli("user", "list", "--json")
    assert '"username": "mo"' in listed.out and '"role": "moderator"' in listed.out
    assert cli("user", "add", "mo").code == 2  # taken
    assert cli("user", "add", "zed", "--role", "root").code == 2
    reset = cli("user", "reset-password", "mo")
    assert reset.code == 0 and password not in reset.out
    assert cli("user", "disable", "mo").code == 0
    assert '"disabled": true' in cli("user", "list", "--json").out
    assert cli("user", "disable", "ghost").code == 2
    token = cli("user", "token", "mo", "ci")
    assert token.code == 0 and token.out.strip().startswith("tvec_")
    assert cli("user", "enable", "mo").code == 0
    assert '"disabled": false' in cli("user", "list", "--json").out
    assert cli("user", "enable", "ghost").code == 2
    assert cli("user", "delete", "mo").code == 0
    assert '"username": "mo"' not in cli("user", "list", "--json").out
    assert cli("user", "delete", "mo").code == 2  # gone


@pytest.mark.parametrize("name", ["a\nb", "two words", "tab\there", "bell\x07"])
def test_usernames_are_one_printable_word(store: Store, name: str) -> None:
    with store.session() as session, pytest.raises(UsageError, match="printable"):
        add_user(session, name, "viewer", PASSWORD)
