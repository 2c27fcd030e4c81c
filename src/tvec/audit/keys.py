"""The audit log's key file: the HMAC-SHA256 keys of the keyed chain, kept outside the database.

The file (``TVEC_AUDIT_KEY_FILE``, default ``HOME/audit.key``) is created with mode 0600 on
first use. It holds one key a line, ``<key id> <key as 64 hex characters>``, oldest first;
the last line is the key new events are signed with. A key's id is the first 16 hex
characters of the SHA-256 of the key bytes, so an event can name the key without holding it.
Rotation (:func:`add_key`, ``tvec audit rotate-key``) appends a line: old keys stay, because
the events they signed are verified with them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from tvec.errors import ConfigError
from tvec.settings import Settings

#: Bytes of a new key (256 bits, the size of an HMAC-SHA256 block's output).
KEY_BYTES = 32


def key_id(key: bytes) -> str:
    """The public id of ``key``: 16 hex characters of its SHA-256."""
    return hashlib.sha256(key).hexdigest()[:16]


def key_file(settings: Settings) -> Path:
    """The key file in force: ``TVEC_AUDIT_KEY_FILE`` or ``HOME/audit.key``."""
    return settings.audit_key_file or settings.home / "audit.key"


@dataclass(frozen=True)
class Keyring:
    """The keys of a key file by id, and the id of the current (last) one."""

    keys: dict[str, bytes]
    current_id: str

    @property
    def current(self) -> bytes:
        """The key new events are signed with."""
        return self.keys[self.current_id]


def _parse(path: Path, text: str) -> Keyring:
    keys: dict[str, bytes] = {}
    last = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        try:
            if len(parts) != 2:
                raise ValueError
            key = bytes.fromhex(parts[1])
        except ValueError:
            raise ConfigError(
                f"audit key file {path}, line {number}: expected '<key id> <64 hex characters>'"
            ) from None
        if len(key) < 16 or key_id(key) != parts[0]:
            raise ConfigError(
                f"audit key file {path}, line {number}: the key does not match its id "
                f"{parts[0]!r} (or is shorter than 16 bytes)"
            )
        keys[parts[0]] = key
        last = parts[0]
    if last is None:
        raise ConfigError(f"audit key file {path} holds no key")
    return Keyring(keys, last)


def _line(key: bytes) -> str:
    return f"{key_id(key)} {key.hex()}\n"


def load_keyring(settings: Settings, *, create: bool = True) -> Keyring:
    """The keys of the audit key file, creating the file (mode 0600, one new key) when it is
    missing and ``create`` is true.

    Raises:
        ConfigError: the file cannot be read or created, or a line is not a key with its id;
            the file is missing and ``create`` is false.
    """
    path = key_file(settings)
    try:
        return _parse(path, path.read_text(encoding="ascii"))
    except FileNotFoundError:
        if not create:
            raise ConfigError(f"audit key file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"audit key file {path}: cannot read: {exc}") from exc
    _create(path)
    return _parse(path, path.read_text(encoding="ascii"))


def _create(path: Path) -> None:
    """Write a new key file atomically: a temporary 0600 file hard-linked into place, so
    two processes starting together keep one key."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(_line(secrets.token_bytes(KEY_BYTES)))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs
            os.link(temporary, path)
    except OSError as exc:
        raise ConfigError(f"audit key file {path}: cannot create: {exc.strerror}") from exc
    finally:
        temporary.unlink(missing_ok=True)


def add_key(settings: Settings) -> tuple[Keyring, bytes]:
    """Append a new key to the key file (it becomes the current one); return the keyring
    as it was before and the new key.

    Raises:
        ConfigError: the file cannot be read or written.
    """
    before = load_keyring(settings)
    key = secrets.token_bytes(KEY_BYTES)
    path = key_file(settings)
    try:
        with path.open("a", encoding="ascii") as handle:
            handle.write(_line(key))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise ConfigError(f"audit key file {path}: cannot write: {exc.strerror}") from exc
    return before, key


def drop_key(settings: Settings, key: bytes) -> None:
    """Remove ``key``'s line from the key file (undo of :func:`add_key` whose event could not
    be stored)."""
    path = key_file(settings)
    kept = [
        line for line in path.read_text(encoding="ascii").splitlines(True) if line != _line(key)
    ]
    path.write_text("".join(kept), encoding="ascii")
