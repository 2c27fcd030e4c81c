"""Cases: opening them from matches and flags, priority, the queue, decisions, appeals and
the decision webhook. Pure core: no web or CLI imports."""

from tvec.cases.priority import SEVERITIES, score
from tvec.cases.queue import QueueFilter, QueuePage, queue_page
from tvec.cases.service import (
    GROUND_KINDS,
    OUTCOMES,
    DecisionRequest,
    OpenReport,
    bulk_decide,
    decide,
    file_appeal,
    flag_item,
    get_case,
    open_cases_for_matches,
    open_cases_for_scan,
    resolve_appeal,
)

__all__ = [
    "GROUND_KINDS",
    "OUTCOMES",
    "SEVERITIES",
    "DecisionRequest",
    "OpenReport",
    "QueueFilter",
    "QueuePage",
    "bulk_decide",
    "decide",
    "file_appeal",
    "flag_item",
    "get_case",
    "open_cases_for_matches",
    "open_cases_for_scan",
    "queue_page",
    "resolve_appeal",
    "score",
]
