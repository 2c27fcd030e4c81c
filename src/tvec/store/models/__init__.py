"""tvec's tables: SQLAlchemy 2 models, one module per area, all on one ``Base.metadata``.

Importing this package registers every table (Alembic's environment and the schema test rely
on it). Modules: :mod:`~tvec.store.models.core` (sources, items, signals, banks, matches,
scans, out-links), :mod:`~tvec.store.models.analysis`, :mod:`~tvec.store.models.cases`,
:mod:`~tvec.store.models.accounts`, :mod:`~tvec.store.models.audit`,
:mod:`~tvec.store.models.alerts` (attributions, alerts, takedowns, status checks),
:mod:`~tvec.store.models.orders`, :mod:`~tvec.store.models.entities`,
:mod:`~tvec.store.models.sor` (statements of reasons), :mod:`~tvec.store.models.exchanges`,
:mod:`~tvec.store.models.vpdq` and :mod:`~tvec.store.models.index` (the bank change counter).
"""

from tvec.clock import utcnow
from tvec.store.models.accounts import (
    Account,
    ApiToken,
    LoginThrottle,
    ReviewerDay,
    WebSession,
)
from tvec.store.models.alerts import (
    Alert,
    AlertDelivery,
    AlertRoute,
    Attribution,
    StatusCheck,
    Takedown,
)
from tvec.store.models.analysis import ItemAnalysis, ItemIndicatorHit
from tvec.store.models.audit import AuditEvent
from tvec.store.models.cases import Appeal, CaseEvidence, Decision, DecisionWebhook, ReviewCase
from tvec.store.models.core import (
    Bank,
    BankEntry,
    Base,
    Item,
    ItemError,
    Match,
    Outlink,
    OutlinkSighting,
    PlatformOverride,
    Scan,
    ScanItem,
    Signal,
    SignalTypeSetting,
    Source,
    UTCDateTime,
)
from tvec.store.models.entities import EntityDesignation
from tvec.store.models.exchanges import Exchange, ExchangeEntry, ExchangeFeedback
from tvec.store.models.index import BankChange, BankVersion
from tvec.store.models.orders import LegalHold, RemovalOrder, RemovalOrderUrl
from tvec.store.models.sor import StatementOfReasons
from tvec.store.models.vpdq import VPDQFeatures

__all__ = [
    "Account",
    "Alert",
    "AlertDelivery",
    "AlertRoute",
    "ApiToken",
    "Appeal",
    "Attribution",
    "AuditEvent",
    "Bank",
    "BankChange",
    "BankEntry",
    "BankVersion",
    "Base",
    "CaseEvidence",
    "Decision",
    "DecisionWebhook",
    "EntityDesignation",
    "Exchange",
    "ExchangeEntry",
    "ExchangeFeedback",
    "Item",
    "ItemAnalysis",
    "ItemError",
    "ItemIndicatorHit",
    "LegalHold",
    "LoginThrottle",
    "Match",
    "Outlink",
    "OutlinkSighting",
    "PlatformOverride",
    "RemovalOrder",
    "RemovalOrderUrl",
    "ReviewCase",
    "ReviewerDay",
    "Scan",
    "ScanItem",
    "Signal",
    "SignalTypeSetting",
    "Source",
    "StatementOfReasons",
    "StatusCheck",
    "Takedown",
    "UTCDateTime",
    "VPDQFeatures",
    "WebSession",
    "utcnow",
]
