"""HMAC signing of outbound webhook bodies.

The body is the UTF-8 JSON of the event, keys sorted, no spaces (:func:`encode_body`). The
``X-Tvec-Signature`` header is ``sha256=`` + the hex HMAC-SHA256 of those exact bytes under
the shared key (:func:`sign`); a receiver checks it with a constant-time comparison
(:func:`verify_signature`) before acting.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

#: The header that carries the signature.
SIGNATURE_HEADER = "X-Tvec-Signature"


def sign(body: bytes, secret: str) -> str:
    """The ``X-Tvec-Signature`` value for ``body``: ``sha256=`` + HMAC-SHA256 hex."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, secret: str, header: str) -> bool:
    """Whether ``header`` is the signature of ``body`` (constant-time comparison)."""
    return hmac.compare_digest(sign(body, secret), header)


def encode_body(event: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed) for ``event``: sorted keys, no spaces, UTF-8."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
