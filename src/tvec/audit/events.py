"""Typed audit events: one class per kind of thing a person, an API client or tvec does.

Each event is a frozen pydantic model whose class names its :class:`~tvec.audit.log.AuditKind`
(``KIND``) and whose fields are what the audit log keeps of it. Fields marked
``Field(exclude=True)`` name the target (``case:12``, ``bank:tcap``) and are not repeated in
the event's data; :meth:`AuditEventData.target` builds the target from them. Append one with
:func:`record_event` (in the caller's transaction); the stored form (``kind``, ``target``,
``data``) and its hash chain are those of :func:`tvec.audit.log.record`, so logs written
before these classes existed verify unchanged.

This follows datasette's ``events.py``: an action is a typed value, so a new one cannot be
logged with a misspelt kind or a missing field, and the audit page can list every kind.

Every change a person makes through tvec is one of these events: review (cases, decisions,
appeals, media), accounts (users, passwords, tokens, preferences, logins), banks (create,
delete, import, add), sources (add, change, remove), platforms (add, update) and alert
routes, URL attributions, alerts, status checks, removal orders and legal holds, and imports
of designation lists.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from tvec.audit.log import AuditKind, record
from tvec.store.models.audit import AuditEvent


class AuditEventData(BaseModel):
    """Base of every typed audit event: ``KIND`` and the fields of its data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    KIND: ClassVar[AuditKind]

    def target(self) -> str | None:
        """What the event was done to (``case:12``); ``None`` when nothing in particular."""
        return None

    def data(self) -> dict[str, Any]:
        """The event's data as stored, JSON-ready: its fields, but the target's and the
        optional ones (default ``None``) that were not given."""
        fields = type(self).model_fields
        unset = {
            name
            for name, info in fields.items()
            if name not in self.model_fields_set and info.default is None
        }
        return self.model_dump(mode="json", by_alias=True, exclude=unset)


def record_event(session: Session, actor: str, event: AuditEventData) -> AuditEvent:
    """Append ``event`` by ``actor`` to the audit log in the caller's transaction.

    Args:
        actor: a username, ``token:<name>`` for an API client, ``cli`` for the command line,
            or ``tvec`` for tvec itself.

    Raises:
        StoreError: another writer appended at the same moment (see
            :func:`tvec.audit.log.record`).
    """
    return record(session, actor, event.KIND, event.target(), event.data())


#: Every typed event class by its kind (filled by :func:`_register` below).
EVENT_TYPES: dict[AuditKind, type[AuditEventData]] = {}


# --- accounts --------------------------------------------------------------------------------


class _UserEvent(AuditEventData):
    username: str = Field(exclude=True)

    def target(self) -> str:
        return f"user:{self.username}"


class Login(_UserEvent):
    """A successful login (web form)."""

    KIND = AuditKind.LOGIN


class LoginFailed(_UserEvent):
    """A failed login: unknown user, wrong password or disabled account."""

    KIND = AuditKind.LOGIN_FAILED


class Logout(_UserEvent):
    """A logout."""

    KIND = AuditKind.LOGOUT


class UserAdded(_UserEvent):
    """A user account created with its role."""

    KIND = AuditKind.USER_ADD
    role: str


class UserDisabled(_UserEvent):
    """A user account disabled (its sessions and tokens stop working)."""

    KIND = AuditKind.USER_DISABLE


class PasswordReset(_UserEvent):
    """A user's password set anew by an admin (the password is never logged)."""

    KIND = AuditKind.USER_RESET_PASSWORD


class TokenCreated(_UserEvent):
    """An API token created for a user (its name; the token is never logged)."""

    KIND = AuditKind.TOKEN_CREATE
    name: str


class TokenRevoked(_UserEvent):
    """An API token of a user revoked (its name and id; it stops working at once)."""

    KIND = AuditKind.TOKEN_REVOKE
    name: str
    token_id: int


class UserEnabled(_UserEvent):
    """A disabled user account enabled again (it may log in; old sessions stay ended)."""

    KIND = AuditKind.USER_ENABLE


class UserDeleted(_UserEvent):
    """A user account deleted with its sessions and tokens (its role at the time); the
    audit log keeps its name."""

    KIND = AuditKind.USER_DELETE
    role: str


class PasswordChanged(_UserEvent):
    """A user changed their own password (``forced``: the one-time password had to be
    changed at first login); the password is never logged."""

    KIND = AuditKind.PASSWORD_CHANGE
    forced: bool


class SettingChanged(_UserEvent):
    """A user's own settings changed: media blur (CSS pixels) and greyscale."""

    KIND = AuditKind.SETTING_CHANGE
    blur_px: int
    greyscale: bool


# --- review ----------------------------------------------------------------------------------


class _CaseEvent(AuditEventData):
    case_id: int | None = Field(exclude=True)

    def target(self) -> str:
        return f"case:{self.case_id}"


class CaseOpened(_CaseEvent):
    """A case opened for an item (``by``: what opened it, e.g. ``indicator``; absent for a
    bank match)."""

    KIND = AuditKind.CASE_OPEN
    item_id: int
    priority: float
    by: str | None = None


class CaseFlagged(_CaseEvent):
    """An item flagged for review by a person."""

    KIND = AuditKind.CASE_FLAG
    item_id: int
    kind: str
    severity: str
    note: str | None


class DecisionRecorded(_CaseEvent):
    """A reviewer's decision on a case."""

    KIND = AuditKind.DECISION
    decision_id: int
    outcome: str
    ground_kind: str | None
    ground: str | None
    duplicate_of: int | None
    bank: str | None
    signals_added: int
    note: str | None


class DecisionUndone(_CaseEvent):
    """A decision taken back by its reviewer within ``TVEC_UNDO_SECONDS``, before it left
    tvec: the case is back to ``status`` (``open`` or ``escalated``)."""

    KIND = AuditKind.DECISION_UNDO
    decision_id: int
    outcome: str
    status: str


class AppealFiled(_CaseEvent):
    """An appeal against a decision."""

    KIND = AuditKind.APPEAL_FILE
    appeal_id: int
    decision_id: int
    on_behalf_of: str | None


class AppealResolved(_CaseEvent):
    """An appeal upheld or overturned."""

    KIND = AuditKind.APPEAL_RESOLVE
    appeal_id: int
    outcome: str
    note: str | None


class _ItemEvent(AuditEventData):
    item_id: int = Field(exclude=True)

    def target(self) -> str:
        return f"item:{self.item_id}"


class MediaRevealed(_ItemEvent):
    """A reviewer revealed (unblurred) an item's media; ``revealed_today`` counts theirs."""

    KIND = AuditKind.MEDIA_REVEAL
    revealed_today: int


class MediaDownloaded(_ItemEvent):
    """A reviewer downloaded an item's original bytes."""

    KIND = AuditKind.MEDIA_DOWNLOAD


class AuditExported(AuditEventData):
    """The audit log exported (to a file, or ``stdout``)."""

    KIND = AuditKind.AUDIT_EXPORT
    destination: str = Field(exclude=True)

    def target(self) -> str:
        return self.destination


class AuditKeyRotated(AuditEventData):
    """The audit key rotated: this event is the first one signed with the new key (ids only;
    keys never leave the key file)."""

    KIND = AuditKind.AUDIT_KEY_ROTATE
    old_key_id: str
    new_key_id: str


class AuditKeyed(AuditEventData):
    """The keyed chain begins: the events before this one were written before tvec had an
    audit key (``unkeyed_events`` of them) and are checked by their SHA-256 links only.
    Appended by :func:`tvec.audit.log.record`, never by hand."""

    KIND = AuditKind.AUDIT_KEYED
    key_id: str
    unkeyed_events: int


class SessionsRevoked(_UserEvent):
    """Login sessions of a user ended at once (``why``: logout, password, disabled,
    signout); ``count`` sessions were open."""

    KIND = AuditKind.SESSION_REVOKE
    why: str
    count: int


class WebhookDelivered(AuditEventData):
    """One webhook event sent (or not) about a case or an order: its outcome."""

    KIND = AuditKind.WEBHOOK
    subject: str = Field(exclude=True, description="case:<id> or order:<reference>")
    event: str | None
    delivered: bool | None = None
    attempts: int | None = None
    status: int | None = None
    error: str | None = None
    skipped: bool | None = None

    def target(self) -> str:
        return self.subject


# --- banks -----------------------------------------------------------------------------------


class _BankEvent(AuditEventData):
    bank: str = Field(exclude=True)

    def target(self) -> str:
        return f"bank:{self.bank}"


class BankCreated(_BankEvent):
    """A bank created."""

    KIND = AuditKind.BANK_CREATE
    description: str | None


class BankDeleted(_BankEvent):
    """A bank deleted, with how many entries it held."""

    KIND = AuditKind.BANK_DELETE
    entries: int


class BankImported(_BankEvent):
    """A file of hashes imported into a bank: what was added, already there or refused."""

    KIND = AuditKind.BANK_IMPORT
    file: str
    format: str
    added: int
    existing: int
    errors: int


class BankAdded(_BankEvent):
    """Signals added to a bank: from a case's item (``case_id``) or from files."""

    KIND = AuditKind.BANK_ADD
    added: int
    case_id: int | None = None
    files: int | None = None
    labels: dict[str, Any] | None = None


class BankUpdated(_BankEvent):
    """A bank renamed (``renamed_from``) or its HMA matching ratio changed."""

    KIND = AuditKind.BANK_UPDATE
    matching_enabled_ratio: float
    renamed_from: str | None = None


class BankRemoved(_BankEvent):
    """Entries removed from a bank (one HMA bank content: its signals' entry ids)."""

    KIND = AuditKind.BANK_REMOVE
    content_id: int
    entries: list[int]


class BankEntryUpdated(_BankEvent):
    """An HMA bank content's ``disable_until_ts`` or note changed (what was given)."""

    KIND = AuditKind.BANK_ENTRY_UPDATE
    content_id: int
    disable_until_ts: int | None = None
    note: str | None = None


class SignalTypeChanged(AuditEventData):
    """A signal type's HMA ``enabled_ratio`` set (``PUT /c/signal_type/<name>``)."""

    KIND = AuditKind.SIGNAL_TYPE_CHANGE
    signal_type: str = Field(exclude=True)
    enabled_ratio: float

    def target(self) -> str:
        return f"signal_type:{self.signal_type}"


# --- exchanges -------------------------------------------------------------------------------


class _ExchangeEvent(AuditEventData):
    exchange: str = Field(exclude=True)

    def target(self) -> str:
        return f"exchange:{self.exchange}"


class ExchangeAdded(_ExchangeEvent):
    """An exchange configured: its kind, its bank and where its credential is read from
    (the name of an environment variable or a file, never the credential)."""

    KIND = AuditKind.EXCHANGE_ADD
    kind: str
    bank: str
    config: dict[str, Any]


class ExchangeChanged(_ExchangeEvent):
    """An exchange enabled or disabled, or its feedback setting changed."""

    KIND = AuditKind.EXCHANGE_CHANGE
    changes: dict[str, Any]


class ExchangeRemoved(_ExchangeEvent):
    """An exchange removed, with its bank and how many entries the bank held."""

    KIND = AuditKind.EXCHANGE_REMOVE
    bank: str
    entries: int


class ExchangeFetched(_ExchangeEvent):
    """One fetch of an exchange: pages read, entries added, changed and deleted, errors."""

    KIND = AuditKind.EXCHANGE_FETCH
    pages: int
    added: int
    updated: int
    deleted: int
    errors: int
    complete: bool


class ExchangeFeedbackSent(_ExchangeEvent):
    """An opinion sent back to an exchange's API about one of its entries."""

    KIND = AuditKind.EXCHANGE_FEEDBACK
    source_id: str
    opinion: str
    case_id: int | None = None
    attempts: int


class ExchangeCredentialsSet(AuditEventData):
    """The credential of an HMA exchange API set or cleared (``POST /c/exchanges/api/<api>``
    with ``credential_json``): the file it is kept in, never the credential."""

    KIND = AuditKind.EXCHANGE_CREDENTIALS
    api: str = Field(exclude=True)
    file: str
    cleared: bool

    def target(self) -> str:
        return f"exchange_api:{self.api}"


# --- sources, platforms, routes ----------------------------------------------------------------


class _SourceEvent(AuditEventData):
    source: str = Field(exclude=True)

    def target(self) -> str:
        return f"source:{self.source}"


class SourceAdded(_SourceEvent):
    """A source added: its kind, locator and what was given about it."""

    KIND = AuditKind.SOURCE_ADD
    kind: str
    locator: str
    platform: str | None
    entity: str | None
    language: str | None
    notes: str | None
    options: dict[str, Any]


class SourceChanged(_SourceEvent):
    """A source enabled or disabled."""

    KIND = AuditKind.SOURCE_CHANGE
    enabled: bool


class SourceRemoved(_SourceEvent):
    """A source removed (its items and sightings stay)."""

    KIND = AuditKind.SOURCE_REMOVE
    kind: str
    locator: str


class SourcePollRequested(_SourceEvent):
    """A poll of a source asked for by a person (the web app's "poll now"); what the poll
    did is kept in the source's poll history."""

    KIND = AuditKind.SOURCE_POLL


class CsvExported(AuditEventData):
    """A CSV export downloaded: which one, with which filters, and how many rows it held."""

    KIND = AuditKind.CSV_EXPORT
    export: str = Field(exclude=True)
    filters: dict[str, str]
    rows: int

    def target(self) -> str:
        return f"export:{self.export}"


class _PlatformEvent(AuditEventData):
    platform: str = Field(exclude=True)

    def target(self) -> str:
        return f"platform:{self.platform}"


class PlatformChanged(_PlatformEvent):
    """A platform row added or updated (``action``), with the row before and after (the
    abuse address, where alerts go, included)."""

    KIND = AuditKind.PLATFORM_CHANGE
    action: str
    old: dict[str, Any] | None
    new: dict[str, Any]
    outlinks_moved: int


class AlertRouteChanged(_PlatformEvent):
    """A platform's alert route set or removed (``action``), before and after."""

    KIND = AuditKind.ALERT_ROUTE
    action: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None


# --- verification, alerts, takedowns -----------------------------------------------------------


class UrlAttributed(AuditEventData):
    """A URL's attribution to an entity created, changed or withdrawn (``new`` null)."""

    KIND = AuditKind.ATTRIBUTION
    outlink_id: int = Field(exclude=True)
    url: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    reason: str | None = None
    whole_site: bool | None = None

    def target(self) -> str:
        return f"outlink:{self.outlink_id}"


class AlertsDelivered(_PlatformEvent):
    """One delivery attempt of a platform's batch of alerts, and its outcome."""

    KIND = AuditKind.ALERT_DELIVERY
    delivery_id: int
    batch_reference: str
    channel: str
    recipient: str
    alerts: list[str]
    ok: bool
    detail: str | None
    error: str | None
    given_up: list[str]


class AlertsRetried(_PlatformEvent):
    """Waiting alerts made due now and failed ones put back in the queue (``tvec alert
    retry``; kind ``alert.delivery`` with ``action: retry``)."""

    KIND = AuditKind.ALERT_DELIVERY
    action: str = "retry"
    made_due: list[dict[str, Any]]
    requeued: list[dict[str, Any]]


class RemovalConfirmed(AuditEventData):
    """A status check confirmed that alerted content was removed."""

    KIND = AuditKind.CHECK_REMOVED
    outlink_id: int = Field(exclude=True)
    url: str
    platform: str | None
    route: str | None
    last_online_at: str | None
    removed_at: str | None
    confirmed_at: str | None

    def target(self) -> str:
        return f"outlink:{self.outlink_id}"


# --- removal orders and legal holds ------------------------------------------------------------


class _OrderEvent(AuditEventData):
    reference: str = Field(exclude=True)

    def target(self) -> str:
        return f"order:{self.reference}"


class OrderReceived(_OrderEvent):
    """A removal order recorded; its hour runs from ``received_at``."""

    KIND = AuditKind.ORDER_RECEIVE
    authority: str
    member_state: str
    received_at: str
    deadline_at: str
    urls: dict[str, str | None] = Field(description="Each URL -> the item it names, if any.")


class OrderOverdue(_OrderEvent):
    """A removal order's hour passed with URLs pending."""

    KIND = AuditKind.ORDER_OVERDUE
    deadline_at: str
    overdue_at: str
    pending_urls: list[str]


class OrderActedOn(_OrderEvent):
    """URLs of an order removed or disabled (``action``), their holds, the time left."""

    KIND = AuditKind.ORDER_ACTION
    action: str
    acted_at: str
    urls: list[str]
    holds: list[int]
    seconds_left: float


class OrderRejected(_OrderEvent):
    """An order that cannot be executed (Article 3(7) or 3(8))."""

    KIND = AuditKind.ORDER_ACTION
    action: str = "reject"
    ground: str
    article: str
    explanation: str
    clarification: str | None
    rejected_at: str
    deadline_at: str
    seconds_left: float


class OrderResumed(_OrderEvent):
    """A rejected order's clock restarted."""

    KIND = AuditKind.ORDER_ACTION
    action: str = "resume"
    ground: str
    article: str
    resumed_at: str
    previous_deadline_at: str
    deadline_at: str


class OrderReplied(_OrderEvent):
    """The provider's reply filled in: Annex II once done (``on_time``, ``acted_at``) or
    Annex III on a rejection (``action``, ``form``, ``ground``, ``article``)."""

    KIND = AuditKind.ORDER_REPLY
    on_time: bool | None = None
    acted_at: str | None = None
    action: str | None = None
    form: str | None = None
    ground: str | None = None
    article: str | None = None


class _HoldEvent(AuditEventData):
    hold_id: int = Field(exclude=True)

    def target(self) -> str:
        return f"hold:{self.hold_id}"


class HoldAccessed(_HoldEvent):
    """A legal hold read or exported (``access``), with the purpose given."""

    KIND = AuditKind.HOLD_ACCESS
    access: str
    purpose: str
    url: str
    to: str | None = None


class HoldExtended(_HoldEvent):
    """A legal hold kept longer: when, by whom, from and until, why."""

    KIND = AuditKind.HOLD_EXTEND
    at: str
    by: str
    from_: str = Field(alias="from")
    until: str
    reason: str

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class HoldPurged(_HoldEvent):
    """A legal hold's bytes deleted at its end (the record stays)."""

    KIND = AuditKind.HOLD_PURGE
    access: str = "purge"
    purpose: str
    url: str
    held_until: str
    deleted: bool


# --- entities --------------------------------------------------------------------------------


class EntityListImported(AuditEventData):
    """A designation list imported (``tvec entity import``): the file and its SHA-256, and
    how many entries were new, changed, gone and unchanged (a re-import of the same file
    records 0 changes)."""

    KIND = AuditKind.ENTITY_IMPORT
    format: str = Field(exclude=True)
    file: str
    sha256: str
    entries: int
    new: int
    changed: int
    gone: int
    unchanged: int
    skipped: int

    def target(self) -> str:
        return f"entity-list:{self.format}"


class StatementsSent(AuditEventData):
    """A batch of statements of reasons sent to the DSA Transparency Database and what it
    answered: ``status`` (``None``: no answer), statements ``submitted``, already held
    (``duplicates``), ``rejected`` (422) and sent back to pending."""

    KIND = AuditKind.SOR_SUBMIT
    batch: str
    environment: str
    endpoint: str
    status: int | None
    statements: int
    submitted: int
    duplicates: int
    rejected: int
    pending: int

    def target(self) -> str:
        return f"sor-batch:{self.batch}"


def _register() -> None:
    """Fill :data:`EVENT_TYPES` (one class per kind; the order events share ``order.action``:
    the class that names it first is listed)."""
    stack: list[type[AuditEventData]] = list(AuditEventData.__subclasses__())
    while stack:
        cls = stack.pop(0)
        stack.extend(cls.__subclasses__())
        if not cls.__name__.startswith("_") and "KIND" in cls.__dict__:
            EVENT_TYPES.setdefault(cls.KIND, cls)


_register()
