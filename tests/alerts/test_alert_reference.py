"""Finding an alert by its reference (tvec.alerts.listing.get_alert): references are
``TVEC-`` + 12 lower-case hex digits of the idempotency key (tvec.alerts.compose), and a
reference typed or pasted in any case finds the alert."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.alerts.removal_data import insert_removals
from tvec.alerts.compose import alert_reference
from tvec.alerts.listing import get_alert
from tvec.errors import NotFoundError
from tvec.store import Store
from tvec.store.models.alerts import Alert


def test_a_reference_with_hex_letters_is_found_in_any_case(any_store: Store) -> None:
    with any_store.session() as session:
        insert_removals(session)
    with any_store.session() as session:
        alert = session.scalars(select(Alert).order_by(Alert.id)).first()
        assert alert is not None
        alert.reference = alert_reference("0abcdef123456789" * 4)
        assert alert.reference == "TVEC-0abcdef12345"
    with any_store.session() as session:
        for typed in ("TVEC-0abcdef12345", "TVEC-0ABCDEF12345", " tvec-0AbCdEf12345 "):
            assert get_alert(session, typed).reference == "TVEC-0abcdef12345", typed
        with pytest.raises(NotFoundError, match="TVEC-0abcdef12346"):
            get_alert(session, "TVEC-0abcdef12346")
