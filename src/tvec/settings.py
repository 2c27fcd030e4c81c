"""The one typed settings object, read from ``TVEC_*`` environment variables.

Every setting has a default and help text (the ``description``); ``tvec settings`` prints them
and a test fails when one lacks help. Secrets come only from the environment.
"""

from __future__ import annotations

import io
import ipaddress
import json
import os
import re
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tvec.errors import ConfigError

#: A host name: dot-separated labels of letters, digits and dashes (IDNA in ASCII form).
_HOST_NAME = re.compile(r"(?=.{1,253}$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.?)+")

#: A list setting: JSON (``["a", "b"]``) or comma-separated text (``a, b``) in the environment.
TextList = Annotated[list[str], NoDecode]


def _text_list(value: object) -> object:
    """``TextList`` values from the environment: JSON when it starts with ``[``, else split
    on commas (blanks dropped); lists pass through."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not a JSON list ({exc.msg} at character {exc.pos})") from None
    return [part.strip() for part in text.split(",") if part.strip()]


#: The EEA (EU 27, Iceland, Liechtenstein, Norway) as the DSA Transparency Database spells it
#: (``EuropeanCountriesService::EUROPEAN_COUNTRY_CODES``: Greece is ``GR``, not ``EL``); the
#: default territorial scope of statements of reasons (:mod:`tvec.sor.schema` checks against
#: it).
EEA_COUNTRY_CODES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip


class Settings(BaseSettings):
    """tvec's settings. Build with ``Settings()`` (environment) or with keyword overrides."""

    model_config = SettingsConfigDict(env_prefix="TVEC_", extra="ignore", frozen=True)

    home: Path = Field(
        default=Path(".tvec"),
        description="Folder holding the SQLite database and the evidence store.",
    )
    index_dir: Path | None = Field(
        default=None,
        description="Folder of the persisted match index (PDQ and exact-match files, "
        "memory-mapped by every process that matches). Default: HOME/index.",
    )
    index_check_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How often, in seconds, a matching process (scan, web worker) checks the "
        "bank change counter and moves to the newer index; 0 checks before every lookup.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy database URL. Default: SQLite at HOME/tvec.db. PostgreSQL: "
            "postgresql+psycopg://user@host:5432/dbname. The folder of a SQLite file named "
            "here must exist (tvec creates HOME, not the folders of a URL)."
        ),
    )
    pdq_threshold: int = Field(
        default=31,
        ge=0,
        le=256,
        description="Largest Hamming distance (bits of 256) at which two PDQ hashes match.",
    )
    pdq_min_quality: int = Field(
        default=50,
        ge=0,
        le=100,
        description="PDQ hashes of lower quality (0-100) are stored but never matched.",
    )
    pdq_dihedral: bool = Field(
        default=False,
        description="Also match rotated and mirrored copies of images: the seven other "
        "dihedral PDQ hashes (rotate90/180/270, flipx/y, flipplus1/minus1) are looked up "
        "too; a match says which one in its found_by label. See docs/matching.md.",
    )
    pdq_unletterbox: bool = Field(
        default=True,
        description="Also match letterboxed copies of images: black borders (every channel "
        "<= 15, python-threatexchange's rule) are trimmed and the rest hashed; a match says "
        "found_by=unletterboxed. Costs a hash only for images with such borders.",
    )
    pdq_fast: bool = Field(
        default=False,
        description="Fast PDQ: decode JPEGs at a reduced size (short side >= 256 pixels) "
        "before hashing. Within 8 bits of the exact hash on posters and photo-like images "
        "(measured), up to 22 on fine texture; no longer bit-for-bit "
        "python-threatexchange's. See docs/matching.md.",
    )
    vpdq_distance: int = Field(
        default=31,
        ge=0,
        le=256,
        description="vPDQ: largest Hamming distance (bits of 256) at which two video frames "
        "match (python-threatexchange's 31). See docs/matching.md.",
    )
    vpdq_min_quality: int = Field(
        default=50,
        ge=0,
        le=100,
        description="vPDQ: video frames of lower quality (0-100) are not compared "
        "(python-threatexchange's 50).",
    )
    vpdq_query_match_percent: float = Field(
        default=80.0,
        ge=0,
        le=100,
        description="vPDQ: a video matches a bank video when at least this percentage of its "
        "own usable frames match a frame of the bank video (python-threatexchange's 80).",
    )
    vpdq_bank_match_percent: float = Field(
        default=0.0,
        ge=0,
        le=100,
        description="vPDQ: and when at least this percentage of the bank video's usable "
        "frames match (python-threatexchange's 0: no requirement).",
    )
    max_image_pixels: int = Field(
        default=89_478_485,
        gt=0,
        description="Images declaring more pixels than this are refused as decompression bombs.",
    )
    max_file_bytes: int = Field(
        default=2 * 1024**3,
        gt=0,
        description="Files larger than this many bytes are recorded as errors and not read.",
    )
    max_upload_bytes: int = Field(
        default=50 * 1024**2,
        gt=0,
        description="Largest request body the web app accepts, in bytes (uploads to "
        "/h/hash and /m/lookup, forms, JSON); larger bodies are refused with 413 before or "
        "while they are read. Never more than max_file_bytes: the smaller of the two applies.",
    )
    workers: int = Field(
        default=0,
        ge=0,
        le=256,
        description="Processes that read and hash files during a scan; 0 = one per CPU core.",
    )
    media_isolation: bool = Field(
        default=True,
        description="Scans hash videos (vPDQ) and run OCR in a helper process per scan "
        "worker, so a crash or a hang there is an error on that file and the scan goes on.",
    )
    media_timeout_seconds: float = Field(
        default=900.0,
        gt=0,
        description="Most seconds the helper process may spend on one file (video hashing, "
        "or OCR of its images, frames or pages); then it is killed and the file gets a "
        "media_timeout error.",
    )
    media_memory_bytes: int = Field(
        default=4 * 1024**3,
        ge=0,
        description="Address-space limit (RLIMIT_AS) of the helper process, in bytes; a file "
        "that needs more gets a media_crash error. 0 = no limit.",
    )
    dask_scheduler: str | None = Field(
        default=None,
        description="Address of a Dask distributed scheduler (tcp://HOST:8786); when set, "
        "tvec scan prepares files and posts on that cluster (docs/scale.md).",
    )
    evidence_url: str | None = Field(
        default=None,
        description="fsspec URL of the evidence store (s3://bucket/evidence, gs://..., "
        "file:///shared/evidence) instead of HOME/evidence, so that Dask workers on other "
        "machines keep evidence in one place (docs/scale.md).",
    )
    keep_evidence: bool = Field(
        default=True,
        description="Keep the original bytes of every scanned file in the evidence store.",
    )
    progress: bool = Field(
        default=True, description="Show a Rich progress bar on long jobs when on a terminal."
    )
    # --- review (cases, web app, accounts, wellbeing, webhook); see docs/review.md ---
    priority_confidence_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description=(
            "Share (0-1) of a case's 0-10 priority that comes from confidence; severity "
            "gives the rest."
        ),
    )
    confidence_weights: dict[str, float] = Field(
        default={
            "exact_hash": 1.0,
            "near_hash": 0.9,
            "verified_source": 0.8,
            "trusted_flagger": 0.7,
            "flag": 0.4,
            "indicator": 0.3,
        },
        description=(
            "Confidence (0-1) of each kind of evidence, as JSON. A near hash scales from "
            "near_hash at distance 0 to half of it at the PDQ threshold."
        ),
    )
    severity_weights: dict[str, float] = Field(
        default={
            "threat_to_life": 1.0,
            "crisis": 0.9,
            "designated_propaganda": 0.6,
            "other": 0.3,
        },
        description="Severity (0-1) of each severity category, as JSON.",
    )
    secret_key: str | None = Field(
        default=None,
        description=(
            "Secret that signs session cookies and CSRF tokens (environment only). Unset: a "
            "random one per process, so sessions end when tvec serve restarts."
        ),
    )
    admin_password: str | None = Field(
        default=None,
        description=(
            "Password of the first admin, created when tvec serve starts with no users "
            "(environment only). Unset: a one-time password is printed."
        ),
    )
    session_max_age: int = Field(
        default=8 * 3600, gt=0, description="Seconds a login session lasts."
    )
    cookie_secure: bool = Field(
        default=False, description="Send session cookies only over HTTPS (set true behind TLS)."
    )
    login_max_attempts: int = Field(
        default=5,
        gt=0,
        description="Failed logins allowed per client address in the window, and per username "
        "before its backoff starts.",
    )
    login_window_seconds: int = Field(
        default=300, gt=0, description="Window (seconds) of the login rate limit."
    )
    login_backoff_seconds: float = Field(
        default=2.0,
        gt=0,
        description="After login_max_attempts failures for one username, each further failure "
        "makes the next attempt wait this many seconds, doubling (never a lockout of a known "
        "device or address that gives the right password).",
    )
    login_backoff_max_seconds: float = Field(
        default=900.0, gt=0, description="Longest wait (seconds) of the per-username backoff."
    )
    login_known_days: float = Field(
        default=30.0,
        gt=0,
        description="Days a successful login makes its browser (signed cookie) and its address "
        "known for that user: the right password from there passes the per-username backoff.",
    )
    trusted_proxies: TextList = Field(
        default=[],
        description="Addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto "
        "tvec serve believes (as uvicorn's --forwarded-allow-ips; '*' for any). Empty: the "
        "headers are ignored and the client address is the connection's.",
    )
    audit_key_file: Path | None = Field(
        default=None,
        description="File of the audit log's HMAC keys (environment only; created 0600 on "
        "first use; keep it out of the database's backups). Unset: HOME/audit.key.",
    )
    audit_anchor_file: Path | None = Field(
        default=None,
        description="Append-only JSON Lines file that receives the audit log's head (events, "
        "last id, last HMAC) at every verification and every tvec watch round; keep it on "
        "another machine or write-once storage. Unset: no anchor file unless given with "
        "--anchor.",
    )
    audit_anchor_webhook: bool = Field(
        default=False,
        description="Also send each audit anchor to TVEC_WEBHOOK_URL (signed event "
        "'audit.anchor').",
    )
    queue_page_size: int = Field(
        default=50, gt=0, le=500, description="Cases per page of the review queue."
    )
    undo_seconds: int = Field(
        default=30,
        ge=0,
        le=3600,
        description="Seconds after a decision in which its reviewer may undo it, as long as "
        "it has not left tvec (no out-link attributed from it); its webhook event is held "
        "until they have passed. 0: no undo.",
    )
    reveal_break_after: int = Field(
        default=50,
        gt=0,
        description="Media revealed by one reviewer in one UTC day after which a break is "
        "suggested.",
    )
    blur_px: int = Field(
        default=24, ge=0, le=100, description="Organisation default blur of media (CSS pixels)."
    )
    min_blur_px: int = Field(
        default=8,
        ge=0,
        le=100,
        description="Least blur (CSS pixels) a reviewer may choose as their own default.",
    )
    greyscale_required: bool = Field(
        default=False,
        description="Media always start in greyscale; reviewers cannot turn greyscale off.",
    )
    preview_max_px: int = Field(
        default=1024, gt=0, description="Longest side (pixels) of re-encoded media previews."
    )
    tos_grounds: TextList = Field(
        default=["ToS 4.1 terrorist content", "ToS 4.2 violent extremism"],
        description="Terms-of-service clauses offered as removal grounds (a list: JSON, or "
        "comma-separated when no clause holds a comma).",
    )
    hash_url_hosts: TextList = Field(
        default=[],
        description="Hosts (exact names) from which the HMA API's hashing by URL may fetch media, "
        "as a list; empty: hashing by URL is refused.",
    )
    webhook_url: str | None = Field(
        default=None,
        description="URL that receives each decision as a signed JSON POST (unset: none sent).",
    )
    webhook_secret: str | None = Field(
        default=None,
        description="HMAC-SHA256 key of the webhook's X-Tvec-Signature header (environment only).",
    )
    webhook_retries: int = Field(
        default=3,
        ge=0,
        le=10,
        description="Retries of a webhook delivery after a network error, 429 or 5xx "
        "(never after another 4xx).",
    )
    webhook_backoff_seconds: float = Field(
        default=1.0,
        ge=0,
        description="First retry delay of the webhook (seconds); doubles on each retry.",
    )
    outbound_allow_hosts: TextList = Field(
        default=[],
        description="Hosts that outbound connections (collection, status checks, webhooks, "
        "SMTP) may reach even when they resolve to private, loopback or link-local addresses, "
        "as a list (names, addresses or networks such as 10.0.0.0/8).",
    )
    http_user_agent: str = Field(
        default="tvec/0.1 (trust-and-safety collection; counter-terrorism research)",
        description="User-Agent header of every outbound HTTP request (say who you are).",
    )
    http_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Timeout (seconds) to connect, and between bytes read, per HTTP request.",
    )
    http_deadline_seconds: float = Field(
        default=120.0,
        gt=0,
        description="Overall deadline (seconds) of one HTTP request: connect, headers and "
        "body together; a server that drips bytes is cut off when it passes and the request "
        "fails (an error on that URL, not retried).",
    )
    http_max_bytes: int = Field(
        default=50 * 1024**2,
        gt=0,
        description="HTTP responses are cut after this many bytes (decoded); the rest is "
        "not read and the cut is reported as an error.",
    )
    feed_max_bytes: int = Field(
        default=10 * 1024**2,
        gt=0,
        description="Feed documents (RSS, Atom, JSON Feed) larger than this many bytes are not "
        "parsed: an error on the source, and the other sources are still polled.",
    )
    parse_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Most seconds the parsing of one document (a feed, a web-archive page) may "
        "take; documents over 16 KiB are parsed in a worker process that is stopped when it "
        "passes, and the document is an error on its source.",
    )
    http_retries: int = Field(
        default=3,
        ge=0,
        le=10,
        description="Retries of an HTTP request after a connection error, timeout, 429 or 5xx.",
    )
    http_backoff_seconds: float = Field(
        default=1.0,
        ge=0,
        description="First HTTP retry delay (seconds); doubles on each retry "
        "(a Retry-After header, in seconds or as an HTTP date, is honoured up to 60 s).",
    )
    http_host_interval_seconds: float = Field(
        default=1.0,
        ge=0,
        description="Least time (seconds) between two HTTP requests to the same host.",
    )
    http_max_redirects: int = Field(
        default=5, ge=0, le=20, description="Most HTTP redirects followed per fetch."
    )
    watch_interval_seconds: float = Field(
        default=900.0,
        gt=0,
        description="Default time (seconds) between two rounds of polls of 'tvec watch'.",
    )
    analysis_language: bool = Field(
        default=True,
        description="Analysis stage: identify the languages (ISO 639-3, with shares) of each "
        "new or changed item's text and OCR text during scans.",
    )
    analysis_ocr: bool = Field(
        default=True,
        description="Analysis stage: read text inside images, video keyframes and PDF pages "
        "(Tesseract OCR; PDF text layers directly) during scans. Turns itself off, with one "
        "log line, when Tesseract is not installed.",
    )
    analysis_indicators: bool = Field(
        default=True,
        description="Analysis stage: find entity and media-outlet names (disguised spellings "
        "included) in item text and OCR text during scans, and store the hits.",
    )
    tesseract_cmd: str = Field(
        default="tesseract",
        description="Tesseract OCR command: a name on PATH or a full path.",
    )
    ocr_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Most seconds one Tesseract call may take."
    )
    ocr_max_frames: int = Field(
        default=4, ge=1, description="Most keyframes of one video read by OCR."
    )
    ocr_max_pages: int = Field(
        default=20, ge=1, description="Most pages of one PDF read (text layer or OCR)."
    )

    entities_file: Path | None = Field(
        default=None,
        description="YAML file of your own entities and lists (shape of the packaged "
        "entities.yaml), added to the packaged entity registry (tvec.entities.load_entities).",
    )
    inclusion_policy: TextList = Field(
        default=["UN", "EU", "UK", "US", "CA", "AU"],
        description="Inclusion policy, as a list: jurisdictions (UN, EU, UK, US, CA, AU) and/or "
        "list keys (US-FTO) whose designations put an entity in scope; URLs are alerted only "
        "for entities in scope.",
    )
    alert_verified_banks: TextList = Field(
        default=[],
        description="Rule for verification without a person, as a list: bank names whose "
        "matches attribute the out-links of the matched post to the bank entry's entity "
        "(empty: only people and decisions attribute URLs).",
    )
    alert_from: str | None = Field(
        default=None,
        description="From address of alert e-mails (e.g. 'Trust & Safety <ts@example.org>'); "
        "required for the e-mail channel.",
    )
    alert_reply_to: str | None = Field(
        default=None, description="Reply-To address of alert e-mails (unset: the From address)."
    )
    alert_sender_name: str = Field(
        default="tvec user",
        description="Organisation named as the reporter in every alert.",
    )
    alert_batch_seconds: float = Field(
        default=0.0,
        ge=0,
        le=30 * 86400,
        description="Default batching window (seconds) per platform: a platform's queued alerts "
        "are sent together once the oldest has waited this long (0: at every 'tvec alert send').",
    )
    alert_max_attempts: int = Field(
        default=6, ge=1, le=50, description="Delivery attempts of an alert before it is 'failed'."
    )
    alert_backoff_seconds: float = Field(
        default=300.0,
        ge=0,
        description="Wait (seconds) after a failed alert delivery; doubles with each failure.",
    )
    alert_dry_run: bool = Field(
        default=False,
        description="Never deliver alerts: 'tvec alert send' writes what it would send and "
        "changes nothing.",
    )
    alert_csv_dir: Path | None = Field(
        default=None,
        description="Folder of CSV digest files for platforms that take bulk reports "
        "(unset: HOME/alerts).",
    )
    alert_webhook_secret: str | None = Field(
        default=None,
        description="Default HMAC-SHA256 key of alert webhooks (a route may name its own "
        "environment variable instead; environment only).",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for alert e-mails (unset: e-mail alerts wait)."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port.")
    smtp_starttls: bool = Field(
        default=True, description="Upgrade the SMTP connection with STARTTLS before sending."
    )
    smtp_username: str | None = Field(
        default=None, description="SMTP login name (unset: no login)."
    )
    smtp_password: str | None = Field(default=None, description="SMTP password (environment only).")
    smtp_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Timeout (seconds) of each SMTP operation."
    )
    check_interval_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="Status checks: wait (seconds) from an alert to the first check of its URL, "
        "and the first interval between checks.",
    )
    check_backoff_factor: float = Field(
        default=2.0,
        ge=1.0,
        description="Status checks: the interval is multiplied by this after each check that "
        "does not find the content removed.",
    )
    check_max_interval_seconds: float = Field(
        default=7 * 86400.0, gt=0, description="Status checks: longest interval (seconds)."
    )
    check_confirm_seconds: float = Field(
        default=900.0,
        gt=0,
        description="Status checks: wait (seconds) after a first 'removed' result before the "
        "confirming check (two consecutive 'removed' results at least this far apart confirm "
        "a removal).",
    )
    check_stop_after_days: float = Field(
        default=180.0,
        gt=0,
        description="Status checks: stop checking a URL still online this many days after "
        "tracking began.",
    )
    removal_markers_file: Path | None = Field(
        default=None,
        description="YAML file of your own 'content removed' markers, login paths and home "
        "redirects per platform, added to the packaged ones (format in docs/status-checks.md).",
    )
    legal_hold_days: int = Field(
        default=183,
        ge=1,
        le=36500,
        description="Days removed content and its data are preserved after a removal order "
        "(Regulation 2021/784, Article 6: six months).",
    )
    sor_environment: str = Field(
        default="sandbox",
        pattern="^(sandbox|production)$",
        description="Statements of reasons: which DSA Transparency Database to submit to, "
        "'sandbox' (TVEC_SOR_SANDBOX_URL) or 'production' (TVEC_SOR_PRODUCTION_URL).",
    )
    sor_sandbox_url: str | None = Field(
        default=None,
        description="Statements of reasons: base URL of the sandbox of the DSA Transparency "
        "Database your Digital Services Coordinator gave you (https://host, no path).",
    )
    sor_production_url: str = Field(
        default="https://transparency.dsa.ec.europa.eu",
        description="Statements of reasons: base URL of the production DSA Transparency "
        "Database; statements go to BASE/api/v1/statements.",
    )
    sor_token: str | None = Field(
        default=None,
        description="Statements of reasons: the API token of the DSA Transparency Database "
        "(environment only; or TVEC_SOR_AUTH_FILE).",
    )
    sor_auth_file: Path | None = Field(
        default=None,
        description="Statements of reasons: a file holding the API token (one line), used "
        "when TVEC_SOR_TOKEN is unset.",
    )
    sor_puid_prefix: str = Field(
        default="tvec",
        pattern="^[a-zA-Z0-9_-]{1,60}$",
        description="Statements of reasons: prefix of every puid (letters, digits, - and _), "
        "unique to this installation when several submit for one platform.",
    )
    sor_territorial_scope: TextList = Field(
        default=list(EEA_COUNTRY_CODES),
        description="Statements of reasons: territorial_scope, EEA country codes as the API "
        "spells them (Greece is GR); default: the whole EEA.",
    )
    sor_legal_ground: str = Field(
        default="Regulation (EU) 2021/784, Article 2(7) (terrorist content), and Directive "
        "(EU) 2017/541, Articles 3 to 12",
        max_length=500,
        description="Statements of reasons: illegal_content_legal_ground of removals on a "
        "designation ground.",
    )
    sor_terms_url: str | None = Field(
        default=None,
        description="Statements of reasons: decision_ground_reference_url, the public page of "
        "the terms of service relied on (optional).",
    )

    @field_validator(
        "tos_grounds",
        "hash_url_hosts",
        "outbound_allow_hosts",
        "inclusion_policy",
        "alert_verified_banks",
        "trusted_proxies",
        "sor_territorial_scope",
        mode="before",
    )
    @classmethod
    def _parse_text_list(cls, value: object) -> object:
        return _text_list(value)

    @field_validator("outbound_allow_hosts", "hash_url_hosts")
    @classmethod
    def _check_hosts(cls, value: list[str]) -> list[str]:
        """Each entry is a host name, an IP address or (allow-list only) a network."""
        for entry in value:
            text = entry.strip().strip("[]")
            try:
                ipaddress.ip_network(text, strict=False)
                continue
            except ValueError:
                pass
            if not _HOST_NAME.fullmatch(text) or text.replace(".", "").isdigit():
                raise ValueError(
                    f"{entry!r} is neither a host name nor an IP address or network "
                    "(such as files.example.org, 127.0.0.1 or 10.0.0.0/8)"
                )
        return value

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value:
            raise ValueError(f"TVEC_DATABASE_URL {value!r} is not a URL (expected scheme://...)")
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        """The database URL in force: ``database_url`` or SQLite inside ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'tvec.db').resolve()}"

    @property
    def upload_limit_bytes(self) -> int:
        """Largest request body the web app accepts, in bytes: the smaller of
        ``max_upload_bytes`` and ``max_file_bytes`` (an upload is never larger than a file
        tvec would hash)."""
        return min(self.max_upload_bytes, self.max_file_bytes)

    @property
    def alerts_dir(self) -> Path:
        """Folder of CSV digests and dry-run output: ``alert_csv_dir`` or ``HOME/alerts``."""
        return self.alert_csv_dir or self.home / "alerts"

    @property
    def holds_dir(self) -> Path:
        """Folder of content preserved under legal hold (``HOME/holds``)."""
        return self.home / "holds"

    @property
    def index_folder(self) -> Path:
        """Folder of the persisted match index: ``index_dir`` or ``HOME/index``."""
        return self.index_dir or self.home / "index"

    @property
    def evidence_dir(self) -> Path:
        """Folder of the content-addressed evidence store (``HOME/evidence``)."""
        return self.home / "evidence"

    @property
    def evidence_location(self) -> Path | str:
        """Where scans keep evidence: ``evidence_url`` (an fsspec URL) if set, else
        :attr:`evidence_dir` (see :func:`tvec.store.evidence.open_evidence`)."""
        return self.evidence_url or self.evidence_dir


#: Optional file of ``TVEC_*=value`` lines inside the home folder, read under the environment.
SETTINGS_FILE = "settings.env"


def settings_file(home: object = None) -> Path:
    """The settings file of ``home`` (default: ``TVEC_HOME`` or ``.tvec``)."""
    chosen = home if home is not None else os.environ.get("TVEC_HOME") or ".tvec"
    return Path(str(chosen)) / SETTINGS_FILE


#: Parts of setting names that mark secrets (never read from a file, never printed).
SECRET_MARKERS = ("secret", "password", "token", "key")


def _unknown_setting(name: str) -> str | None:
    """Why ``name`` cannot be set in a settings file, or None when it can."""
    import difflib

    if name == "TVEC_HOME":
        return "TVEC_HOME cannot be set inside the home folder it names"
    known = [f"TVEC_{field.upper()}" for field in Settings.model_fields]
    if name in known:
        return None
    close = difflib.get_close_matches(
        name if name.startswith("TVEC_") else f"TVEC_{name}", known, 1
    )
    hint = f" (did you mean {close[0]}?)" if close else " (see 'tvec settings')"
    if not name.startswith("TVEC_"):
        return f"{name} is not a setting: names start with TVEC_{hint}"
    return f"{name} is not a setting{hint}"


def _check_settings_file(env_file: Path) -> None:
    """Refuse a settings file with lines that are not ``NAME=value`` or that hold secrets.

    Raises:
        ConfigError: naming the file, the line and what is wrong with it.
    """
    from dotenv.parser import parse_stream

    try:
        text = env_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{env_file}: cannot read settings file: {exc}") from None
    for binding in parse_stream(io.StringIO(text)):
        line = binding.original.line
        if binding.error:
            shown = binding.original.string.strip()[:60]
            raise ConfigError(f"{env_file}, line {line}: not a NAME=value line: {shown!r}")
        if binding.key is None:
            continue  # a comment or a blank line
        name = binding.key.upper()
        problem = _unknown_setting(name)
        if problem:
            raise ConfigError(f"{env_file}, line {line}: {problem}")
        if any(m in name.lower() for m in SECRET_MARKERS):
            raise ConfigError(
                f"{env_file}, line {line}: {name} is a secret; set it in the environment, "
                "not in a file"
            )


def load_settings(**overrides: object) -> Settings:
    """Read settings from keyword overrides, the environment and ``HOME/settings.env``.

    Precedence, highest first: keyword overrides, ``TVEC_*`` environment variables, then the
    home folder's ``settings.env`` (dotenv lines such as ``TVEC_INCLUSION_POLICY=["UN"]``),
    then the defaults. The file lets a home folder (the demo's, a team's) carry its own
    configuration; secrets belong in the environment, not in it.

    Raises:
        ConfigError: a setting has an invalid value (the message names it).
    """
    from pydantic import ValidationError

    env_file = settings_file(overrides.get("home"))
    arguments = dict(overrides)
    if env_file.is_file():
        _check_settings_file(env_file)
        arguments["_env_file"] = env_file
    from pydantic_settings import SettingsError

    try:
        return Settings(**arguments)  # type: ignore[arg-type]
    except SettingsError as exc:
        raise ConfigError(
            f"invalid settings: {exc} (dict settings take JSON such as "
            "'{\"exact_hash\": 1.0}'; list settings JSON or comma-separated values)"
        ) from None
    except ValidationError as exc:
        where = f" (from the environment or {env_file})" if env_file.is_file() else ""
        problems = "; ".join(
            f"TVEC_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings{where}: {problems}") from exc
