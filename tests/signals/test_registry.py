"""The registry holds every built-in type, and every registered type has contract tests."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import ClassVar

import pytest

from tvec.errors import UsageError
from tvec.signals import BUILTIN_SIGNAL_TYPES, SignalType, build_registry, registry
from tvec.signals.exact import MD5Signal

from .contract import SignalTypeContract

EXPECTED_NAMES = {
    "md5",
    "sha256",
    "pdq",
    "text",
    "url",
    "video_md5",
    "text_tlsh",
    "raw_text",
    "url_md5",
    "vpdq",
}


def _contract_classes() -> set[type[SignalTypeContract]]:
    """Every subclass of the contract in this folder's test modules (imported here)."""
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        importlib.import_module(f"{__package__}.{path.stem}")
    found: set[type[SignalTypeContract]] = set()
    todo = list(SignalTypeContract.__subclasses__())
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_registry_holds_every_builtin_type_by_name() -> None:
    assert set(registry()) == EXPECTED_NAMES
    assert {t.name for t in BUILTIN_SIGNAL_TYPES} == EXPECTED_NAMES
    for cls in BUILTIN_SIGNAL_TYPES:
        assert type(registry()[cls.name]) is cls


def test_every_registered_type_has_a_contract_test() -> None:
    tested = {cls.signal_type for cls in _contract_classes()}
    missing = sorted(name for name, t in registry().items() if type(t) not in tested)
    assert not missing, f"signal types without a SignalTypeContract subclass: {missing}"


def test_two_types_with_one_name_fail_when_the_registry_is_built() -> None:
    class OtherMD5(MD5Signal):
        name: ClassVar[str] = "md5"

    types: tuple[type[SignalType], ...] = (MD5Signal, OtherMD5)
    with pytest.raises(UsageError, match="two signal types are named 'md5'"):
        build_registry(types)
