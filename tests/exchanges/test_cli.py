"""``tvec exchange``: add, list, show, fetch, disable, remove from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .servers import pdq


def test_exchange_commands_end_to_end_with_a_file(cli: Any, tmp_path: Path) -> None:
    listing = tmp_path / "bank.txt"
    listing.write_text(f"pdq {pdq(1)}\npdq {pdq(2)}\nmd5 nothex\n", encoding="utf-8")
    added = cli("exchange", "add", "local", "--kind", "file", "--path", listing, "--format", "hma")
    assert added.code == 0, added.err
    assert "added exchange local (file) into bank local" in added.out

    fetched = cli("exchange", "fetch", "local", "--json")
    assert fetched.code == 1  # one line refused
    (result,) = json.loads(fetched.out)
    assert (result["added"], result["entries"], result["complete"]) == (2, 2, True)
    assert "bank.txt, line 3: 'nothex': a md5 value must be 32 hex digits" in result["errors"][0]

    shown = json.loads(cli("exchange", "show", "local", "--json").out)
    assert shown["state"] == "partial" and shown["entries"] == 2
    assert shown["checkpoint"]["sha256"]

    listing.write_text(f"pdq {pdq(2)}\n", encoding="utf-8")
    again = cli("exchange", "fetch", "local")
    assert again.code == 0 and "1 deleted" in again.out
    assert "pdq" in cli("bank", "list").out

    assert cli("exchange", "disable", "local").code == 0
    refused = cli("exchange", "fetch", "local")
    assert refused.code != 0 and "disabled" in refused.err
    assert json.loads(cli("exchange", "list", "--json").out)[0]["state"] == "disabled"
    assert cli("exchange", "remove", "local", "--yes").code == 0
    assert json.loads(cli("exchange", "list", "--json").out) == []


def test_a_credential_is_named_never_given(cli: Any) -> None:
    bad = cli("exchange", "add", "t", "--kind", "tat")
    assert bad.code != 0 and "--credential-env or --credential-file" in bad.err
    ok = cli("exchange", "add", "t", "--kind", "tat", "--credential-env", "MY_TAT", "--json")
    assert ok.code == 0
    view = json.loads(ok.out)
    assert view["config"] == {"credential_env": "MY_TAT"}
    failed = cli("exchange", "fetch", "t", "--json")
    assert failed.code == 1
    assert "environment variable MY_TAT" in json.loads(failed.out)[0]["errors"][0]
