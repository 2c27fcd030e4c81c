"""Bad input and misuse found by trying tvec as a new user: each gets a clear error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tvec.errors import StoreError
from tvec.scan import run_scan
from tvec.store import Store
from tvec.store.models import Bank, Scan


def test_nul_byte_in_media_paths_is_an_item_error(store: Store, tmp_path: Path) -> None:
    posts = tmp_path / "p.jsonl"
    posts.write_text(
        json.dumps({"id": "a", "text": "t", "media": ["x\u0000y.jpg"]})
        + "\n"
        + json.dumps({"id": "b", "text": "second post"})
        + "\n",
        encoding="utf-8",
    )
    export = tmp_path / "export"
    export.mkdir()
    (export / "result.json").write_text(
        json.dumps(
            {
                "name": "c",
                "type": "public_channel",
                "id": 5,
                "messages": [
                    {"id": 1, "type": "message", "text": "x", "photo": "photos/\u0000bad"},
                    {"id": None, "type": "message", "text": "no id"},
                    {"id": 3, "type": "message", "text": "fine"},
                ],
            }
        ),
        encoding="utf-8",
    )
    result = run_scan(store, [posts, export])
    kinds = sorted((e.item.rsplit("#", 1)[-1], e.kind) for e in result.errors)
    assert kinds == [
        ("a/media/0", "unsafe_path"),
        ("tg:5/1/photo", "unsafe_path"),
        ("tg:5/index-1", "invalid_json"),
    ]
    assert all("NUL byte" in e.error for e in result.errors if e.kind == "unsafe_path")
    assert result.counts.items == 7  # 2 posts + 1 medium, 3 messages + 1 medium


def test_scan_json_into_missing_folder_fails_before_scanning(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "in").mkdir()
    result = cli("scan", tmp_path / "in", "--json", tmp_path / "nowhere" / "x.json")
    assert result.code == 2
    assert "nowhere" in result.err and "does not exist" in result.err


def test_home_that_cannot_be_created_is_a_config_error(
    cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("TVEC_HOME", str(blocker / "home"))
    from tvec.cli import context
    from tvec.cli.app import run

    context.reset()
    assert run(["bank", "list"]) == 2


def test_settings_never_print_secrets(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TVEC_SECRET_KEY", "topsecretkey123")
    monkeypatch.setenv("TVEC_ADMIN_PASSWORD", "adminpass12345")
    monkeypatch.setenv("TVEC_DATABASE_URL", "postgresql+psycopg://u:hunter2pass@h/db")
    result = cli("settings", "--json")
    assert result.code == 0
    values = {row["env"]: row["value"] for row in json.loads(result.out)}
    assert values["TVEC_SECRET_KEY"] == "***" and values["TVEC_ADMIN_PASSWORD"] == "***"
    assert "hunter2pass" not in result.out and values["TVEC_DATABASE_URL"].startswith(
        "postgresql+psycopg://u:***@h/db"
    )


def test_bank_add_skips_files_that_fail(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    assert cli("bank", "create", "b").code == 0
    result = cli("bank", "add", "b", empty)
    assert result.code == 1 and "not added" in result.err
    assert "0 added" in result.out


def test_store_errors_do_not_print_sql_parameters(store: Store) -> None:
    with store.session() as session:
        session.add(Bank(name="dup", description="first"))
    with pytest.raises(StoreError) as caught, store.session() as session:
        session.add(Bank(name="dup", description="secret-looking-parameter"))
    message = str(caught.value)
    assert "UNIQUE constraint failed: bank.name" in message
    assert "secret-looking-parameter" not in message and "[SQL" not in message


def test_interrupted_scan_is_marked_and_resumes(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tvec.scan import run as scan_run

    monkeypatch.setattr(scan_run, "BATCH", 1)  # one item per transaction: stop after the first
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(3):
        (folder / f"note-{n}.txt").write_text(f"note number {n} for the test", encoding="utf-8")

    def stop(done: int, name: str) -> None:
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_scan(store, [folder], progress=stop)
    with store.session() as session:
        assert [s.status for s in session.scalars(select(Scan))] == ["interrupted"]
    again = run_scan(store, [folder])
    assert (again.counts.unchanged, again.counts.new) == (1, 2)


def test_hash_of_a_missing_file_is_a_usage_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("hash", tmp_path / "missing.jpg")
    assert result.code == 2 and "missing.jpg: no such file" in result.err


def test_ctrl_c_in_any_command_says_interrupted_and_exits_130(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typer turns KeyboardInterrupt into exit code 130 without a word; tvec says what
    happened (the scan has its own test with a real SIGINT)."""
    import tvec.cli.hashing as app_module

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(app_module, "hash_file", interrupted)
    picture = tmp_path / "a.txt"
    picture.write_text("hello", encoding="utf-8")
    result = cli("hash", picture)
    assert result.code == 130
    assert "interrupted: what was stored is kept" in result.err


def test_serve_on_a_port_in_use_exits_2_and_says_so(cli) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--host", "127.0.0.1", "--port", str(port))
    assert result.code == 2
    assert f"error: port {port} on 127.0.0.1 is in use" in result.err
    assert "one-time password" not in result.err  # refused before the first admin is made
    assert "Address already in use" not in result.err and "ERROR" not in result.err


def test_arguments_that_are_not_utf8_are_usage_errors(cli: Any) -> None:
    """Bytes that are not UTF-8 reach Python as lone surrogates; storing them would crash."""
    result = cli("bank", "create", "posters\udcff")
    assert result.code == 2
    assert "argument 3 is not valid UTF-8: posters\\udcff" in result.err


def test_serve_says_when_the_admin_password_is_not_used(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    started: list[int] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options["port"]))
    monkeypatch.setenv("TVEC_ADMIN_PASSWORD", "first-admin-password-1")
    assert cli("user", "add", "ana", "--role", "analyst").code == 0
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli("serve", "--host", "127.0.0.1", "--port", str(port))
    assert result.code == 0, result.err
    assert started == [port]
    assert "TVEC_ADMIN_PASSWORD is not used: users exist already" in result.err
