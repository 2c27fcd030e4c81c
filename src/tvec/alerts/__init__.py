"""Alerts and takedown tracking: attribution, alert delivery, status checks, removal metrics."""

from tvec.alerts.attribution import (
    alertable_reason,
    attribute_url,
    check_inclusion_policy,
    entity_for_label,
    sync_attributions,
)
from tvec.alerts.channels import DeliveryResult, deliver
from tvec.alerts.checks import CheckReport, run_checks
from tvec.alerts.classify import CheckOutcome, classify
from tvec.alerts.compose import AlertView, Batch, alert_reference, idempotency_key
from tvec.alerts.markers import RemovalMarkers, load_markers
from tvec.alerts.metrics import (
    DIMENSIONS,
    RemovalFigures,
    UrlTimeline,
    group_figures,
    metrics_document,
    removal_figures,
    url_timelines,
)
from tvec.alerts.routes import Route, RouteBook, list_routes, remove_route, set_route
from tvec.alerts.service import (
    RetryReport,
    SendReport,
    list_alerts,
    preview,
    queue_alerts,
    retry_alerts,
    send_alerts,
)

__all__ = [
    "DIMENSIONS",
    "AlertView",
    "Batch",
    "CheckOutcome",
    "CheckReport",
    "DeliveryResult",
    "RemovalFigures",
    "RemovalMarkers",
    "RetryReport",
    "Route",
    "RouteBook",
    "SendReport",
    "UrlTimeline",
    "alert_reference",
    "alertable_reason",
    "attribute_url",
    "check_inclusion_policy",
    "classify",
    "deliver",
    "entity_for_label",
    "group_figures",
    "idempotency_key",
    "list_alerts",
    "list_routes",
    "load_markers",
    "metrics_document",
    "preview",
    "queue_alerts",
    "removal_figures",
    "remove_route",
    "retry_alerts",
    "run_checks",
    "send_alerts",
    "set_route",
    "sync_attributions",
    "url_timelines",
]
