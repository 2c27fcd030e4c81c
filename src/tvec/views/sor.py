"""Result models of statements of reasons (``tvec sor``, ``/reports/statements``)."""

from __future__ import annotations

from typing import Any

from tvec.views.base import Timestamp, View


class StatementView(View):
    """One statement of reasons and where its submission stands.

    ``state``: ``pending``, ``submitting`` (sent, answer not recorded), ``submitted`` or
    ``rejected``; ``errors`` holds field errors under ``"api"`` (the API's 422) or
    ``"local"`` (the local validator); ``uuid`` is the API's id once submitted.
    """

    puid: str
    decision_id: int | None
    state: str
    attempts: int
    uuid: str | None
    errors: dict[str, Any]
    last_error: str | None
    created_at: Timestamp
    sent_at: Timestamp | None
    submitted_at: Timestamp | None
    statement: dict[str, Any]


class StatementCountsView(View):
    """Statements per submission state."""

    pending: int = 0
    submitting: int = 0
    submitted: int = 0
    rejected: int = 0


class SubmitView(View):
    """What one ``tvec sor submit`` did.

    ``made``: statements made from new remove decisions; ``checked``: statements of an
    interrupted run asked about by puid (``found`` of them the API already held);
    ``batches``: batches sent; ``submitted``/``duplicates``/``rejected``: statements per
    outcome in this run; ``stopped``: why the run stopped early (``None`` when it finished);
    ``counts``: every statement per state afterwards.
    """

    environment: str
    endpoint: str
    made: int
    checked: int
    found: int
    batches: int
    submitted: int
    duplicates: int
    rejected: int
    stopped: str | None
    counts: StatementCountsView
