"""The PostgreSQL load sends each chunk's COPY from a thread (WriteBehind) while the next
chunk is read: calls run in order, an error reaches the caller, and an import failing half
way leaves nothing behind and no thread running (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from tvec.banks import service
from tvec.banks.bulkread import WriteBehind
from tvec.errors import UsageError
from tvec.matching.pdq_hash import pdq_bytes_to_hex
from tvec.store import Store
from tvec.store.models import Bank, BankEntry


def _threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == name]


def test_write_behind_runs_calls_in_order_and_hands_errors_over() -> None:
    done: list[int] = []
    sender = WriteBehind("tvec-test-sender", depth=2)
    for n in range(5):
        sender.submit(lambda n=n: done.append(n))
    sender.close()
    assert done == [0, 1, 2, 3, 4]
    assert not _threads("tvec-test-sender")

    failing = WriteBehind("tvec-test-sender")

    def fail() -> None:
        raise UsageError("server gone")

    failing.submit(fail)
    failing.submit(lambda: done.append(99))  # dropped after the error
    with pytest.raises(UsageError, match="server gone"):
        for _ in range(100):  # raised by a later submit, or else by close
            failing.submit(lambda: done.append(99))
        failing.close()
    failing.close()  # raised once
    assert 99 not in done
    assert not _threads("tvec-test-sender")


def test_write_behind_abandon_drops_the_queue_and_waits_for_the_running_call() -> None:
    started, release = threading.Event(), threading.Event()
    done: list[str] = []

    def slow() -> None:
        started.set()
        release.wait(5)
        done.append("slow")

    sender = WriteBehind("tvec-test-sender", depth=1)
    sender.submit(slow)
    started.wait(5)
    sender.submit(lambda: done.append("queued"))
    threading.Timer(0.05, release.set).start()
    sender.abandon()
    assert done == ["slow"]
    assert not _threads("tvec-test-sender")


def test_an_import_failing_half_way_leaves_nothing(
    any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(5)
    hashes = [pdq_bytes_to_hex(bytes(r)) for r in rng.integers(0, 256, (5000, 32), np.uint8)]
    path = tmp_path / "bank.csv"
    path.write_text("".join(f"pdq,{h}\n" for h in hashes), encoding="utf-8")
    monkeypatch.setattr(service, "IMPORT_CHUNK", 1000)
    original = service.read_chunks

    def failing(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for n, chunk in enumerate(original(*args, **kwargs)):
            if n == 3:
                time.sleep(0.05)  # the sender is busy with earlier chunks meanwhile
                raise UsageError("the file went away")
            yield chunk

    monkeypatch.setattr(service, "read_chunks", failing)
    with pytest.raises(UsageError, match="went away"):
        service.import_bank(any_store, "b", path, "csv", create=True, actor="test")
    assert not _threads("tvec-bank-copy")
    with any_store.session() as session:
        assert session.scalar(select(func.count()).select_from(BankEntry)) == 0
        assert session.scalar(select(func.count()).select_from(Bank)) == 0
    monkeypatch.setattr(service, "read_chunks", original)
    report = service.import_bank(any_store, "b", path, "csv", create=True, actor="test")
    assert (report.added, report.already_present) == (5000, 0)
    assert not _threads("tvec-bank-copy")
