"""Where vPDQ frame lists live: one row per distinct video hash, found by its SHA-256.

A ``vpdq`` value (python-threatexchange's JSON list of frames, about 75 bytes a frame) grows
with the video's length: an hour at one frame a second is some 270 kB. ``signal.value``,
``bank_entry.value`` and ``match.value`` are in B-tree indexes, whose entries PostgreSQL
limits to about 2,700 bytes, so they hold a fixed-size reference instead,
``sha256:<64 hex digits>`` (the SHA-256 of the canonical JSON), and the frames are kept once
in ``vpdq_features`` (migration 0006), however many items and bank entries share them.

Rows are content-addressed and never change; a row no signal or entry refers to any more is
harmless and is left in place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from tvec.signals.base import SignalValue

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

#: The signal type stored by reference.
VPDQ = "vpdq"
#: Prefix of a stored reference.
REF_PREFIX = "sha256:"


def vpdq_ref(canonical: str) -> str:
    """The stored reference of a canonical vpdq value: ``sha256:`` and 64 hex digits."""
    return REF_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def is_ref(value: str) -> bool:
    """Whether ``value`` is a stored reference rather than a frame list."""
    return value.startswith(REF_PREFIX)


def store_value(session: Session, signal_type: str, value: str) -> str:
    """The form of ``value`` to write into a signal, bank entry or match row.

    A ``vpdq`` frame list is saved in ``vpdq_features`` (once) and its reference returned;
    any other value (and a reference) is returned as it is. ``value`` must be canonical.
    """
    if signal_type != VPDQ or is_ref(value):
        return value
    from tvec.store.models.vpdq import VPDQFeatures  # the ORM: only when writing

    ref = vpdq_ref(value)
    digest = ref.removeprefix(REF_PREFIX)
    if session.get(VPDQFeatures, digest) is None:
        frames = value.count('"') // 2
        session.add(VPDQFeatures(digest=digest, frame_count=frames, features=value))
        session.flush()
    return ref


def store_signal(session: Session, signal: SignalValue) -> SignalValue:
    """``signal`` with its value in stored form (see :func:`store_value`)."""
    value = store_value(session, signal.signal_type, signal.value)
    return (
        signal if value == signal.value else SignalValue(signal.signal_type, value, signal.quality)
    )


def load_values(session: Session | Connection, refs: Iterable[str]) -> dict[str, str]:
    """Reference -> frame list (canonical JSON) for the ``refs`` that are stored (read in
    ``session``, or a Core connection)."""
    from sqlalchemy import select

    from tvec.store.tables import VPDQ_FEATURES

    digests = {ref.removeprefix(REF_PREFIX) for ref in refs if is_ref(ref)}
    found: dict[str, str] = {}
    ordered = sorted(digests)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        rows = session.execute(
            select(VPDQ_FEATURES.c.digest, VPDQ_FEATURES.c.features).where(
                VPDQ_FEATURES.c.digest.in_(chunk)
            )
        )
        for digest, features in rows:
            found[REF_PREFIX + digest] = features
    return found


def load_signal(session: Session, signal: SignalValue) -> SignalValue:
    """``signal`` with a stored ``vpdq`` reference replaced by its frame list.

    Other signals, and a reference whose row is missing, are returned unchanged.
    """
    if signal.signal_type != VPDQ or not is_ref(signal.value):
        return signal
    features = load_values(session, [signal.value]).get(signal.value)
    if features is None:
        return signal
    return SignalValue(signal.signal_type, features, signal.quality)
