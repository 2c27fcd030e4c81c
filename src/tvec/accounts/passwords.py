"""Password hashing with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tvec.errors import UsageError

_HASHER = PasswordHasher()
#: Shortest password accepted (characters).
MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    """An Argon2id hash string (``$argon2id$...``) of ``password``.

    Raises:
        UsageError: the password is shorter than :data:`MIN_PASSWORD_LENGTH` characters.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (False for malformed hashes)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random one-time password (24 URL-safe characters, about 143 bits)."""
    return secrets.token_urlsafe(18)


@cache
def dummy_hash() -> str:
    """A hash that never verifies: checked for unknown usernames so they take as long."""
    return _HASHER.hash(secrets.token_urlsafe(18))
