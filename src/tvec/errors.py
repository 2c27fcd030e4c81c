"""tvec's one root error and its subtypes.

The tree (CLI exit codes and HTTP statuses in brackets; the mappings live only in
:data:`EXIT_CODES` and :data:`HTTP_STATUSES`)::

    TvecError                      root of every error tvec raises on purpose [1]
    ├── UsageError                 bad command-line use or arguments [2]
    │   ├── NotFoundError          a named bank, scan, item or file does not exist [2; HTTP 404]
    │   ├── AuthError              not logged in, bad credentials or token [2; HTTP 401]
    │   ├── PermissionDeniedError  the user's role does not allow the action [2; HTTP 403]
    │   │   └── PasswordChangeRequiredError  a one-time password must be changed first
    │   │                          [2; HTTP 403; pages redirect to /me/password]
    │   ├── CsrfError              a state-changing request without a valid CSRF token
    │   │                          [2; HTTP 403]
    │   ├── RateLimitedError       too many failed logins [2; HTTP 429]
    │   └── ConflictError          the action does not fit the object's state [2; HTTP 409]
    ├── ConfigError                invalid settings or environment [2]
    ├── StoreError                 the database or evidence store failed [3]
    └── InputError                 one input (file, row, message) is unusable; a scan records
        │                          it on the item and goes on [1]
        ├── CorruptMediaError      image/video bytes cannot be decoded (corrupt, truncated, empty)
        ├── DecompressionBombError an image declares more pixels than the configured limit
        ├── TypeMismatchError      the bytes are not what the file extension says
        ├── InvalidJsonError       a JSON document or JSON Lines line does not parse or has the
        │                          wrong shape
        ├── EncodingError          text is not valid UTF-8
        ├── MissingMediaError      an export names media that is absent or only a placeholder
        ├── UnsafePathError        a path in an export points outside the export folder, or a
        │                          symlink loop
        ├── InvalidSignalError     a hash value that is not valid for its signal type
        ├── InvalidRowError        a bank import row that cannot be read
        ├── InvalidFeedError       a feed (RSS, Atom, JSON Feed) is malformed; readable
        │                          entries are still read
        ├── InvalidArchiveError    a WARC/ARC record cannot be read (names file and offset)
        └── FetchError             an HTTP fetch failed (status, timeout, size cap)
            └── BlockedAddressError  a URL resolves to a private, loopback, link-local,
                                     multicast or reserved address that is not allow-listed

Every :class:`InputError` carries a stable ``kind`` string (stored with item errors and written
to ``--json`` output) and a message that names the input and what is wrong.
"""

from __future__ import annotations


class TvecError(Exception):
    """Root of every error tvec raises on purpose."""

    kind = "error"


class UsageError(TvecError):
    """The command line or API call is wrong (unknown option value, bad argument)."""

    kind = "usage"


class NotFoundError(UsageError):
    """A named object (bank, scan, file, source) does not exist."""

    kind = "not_found"


class AuthError(UsageError):
    """Not logged in, wrong username or password, disabled account, or unknown API token."""

    kind = "auth"


class PermissionDeniedError(UsageError):
    """The user's role does not allow the action (see ``tvec.accounts.roles``)."""

    kind = "permission_denied"


class PasswordChangeRequiredError(PermissionDeniedError):
    """The account still has a one-time password: it must be changed before anything else
    (the web pages redirect to ``/me/password``)."""

    kind = "password_change_required"


class CsrfError(UsageError):
    """A state-changing web request came without a valid CSRF token."""

    kind = "csrf"


class RateLimitedError(UsageError):
    """Too many failed logins for one username or client address; try again later."""

    kind = "rate_limited"


class ConflictError(UsageError):
    """The action does not fit the object's current state (e.g. deciding a closed case)."""

    kind = "conflict"


class ConfigError(TvecError):
    """Settings or environment are invalid (for example an unparsable database URL)."""

    kind = "config"


class StoreError(TvecError):
    """The database or the evidence store could not be read or written."""

    kind = "store"


class InputError(TvecError):
    """One input (file, message, row) cannot be used; the job records it and goes on.

    Args:
        source: what the input is, as the user would recognise it (a path, ``path:line``,
            ``result.json#message 12``).
        problem: what is wrong with it, in plain words.
    """

    kind = "input"

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str]]:
        # Keep (source, problem) across processes: scans hash files in worker processes.
        return (type(self), (self.source, self.problem))


class CorruptMediaError(InputError):
    """Image or video bytes cannot be decoded: corrupt, truncated or zero bytes."""

    kind = "corrupt_media"


class MediaCrashError(InputError):
    """Reading a video or an image's text crashed the helper process (a signal such as
    ``SIGSEGV``, or memory over ``TVEC_MEDIA_MEMORY_BYTES``); the scan goes on."""

    kind = "media_crash"


class MediaTimeoutError(InputError):
    """Reading a video or an image's text took longer than ``TVEC_MEDIA_TIMEOUT_SECONDS``."""

    kind = "media_timeout"


class DecompressionBombError(InputError):
    """An image declares more pixels than ``TVEC_MAX_IMAGE_PIXELS``."""

    kind = "decompression_bomb"


class TypeMismatchError(InputError):
    """The file's bytes are not of the type its extension claims."""

    kind = "type_mismatch"


class InvalidJsonError(InputError):
    """A JSON document or a JSON Lines line does not parse, or has the wrong shape."""

    kind = "invalid_json"


class EncodingError(InputError):
    """Text is not valid UTF-8."""

    kind = "encoding"


class MissingMediaError(InputError):
    """Media named by an export is absent, or the export holds a placeholder sentence."""

    kind = "missing_media"


class UnsafePathError(InputError):
    """A path escapes its export folder, or a symlink loops."""

    kind = "unsafe_path"


class InvalidSignalError(InputError):
    """A value is not a valid hash for its signal type."""

    kind = "invalid_signal"


class InvalidRowError(InputError):
    """A row of a bank import file cannot be read."""

    kind = "invalid_row"


class InvalidFeedError(InputError):
    """A feed is malformed (feedparser's ``bozo``); its readable entries are still read."""

    kind = "invalid_feed"


class InvalidArchiveError(InputError):
    """A WARC/ARC record cannot be read; the message names the file and the byte offset."""

    kind = "invalid_archive"


class ReaderFailedError(InputError):
    """A reader raised an unexpected exception on one input: that input stops there, with
    the items it yielded before kept, and the job goes on with the next input."""

    kind = "reader_failed"


class FetchError(InputError):
    """An HTTP fetch failed: connection, timeout, HTTP status, too many redirects, size cap."""

    kind = "fetch"


class BlockedAddressError(FetchError):
    """A URL (or a redirect) leads to a non-public address that is not allow-listed."""

    kind = "blocked_address"


EXIT_OK = 0
EXIT_ITEM_ERRORS = 1
EXIT_USAGE = 2
EXIT_STORE = 3
#: Interrupted by the user (SIGINT / Ctrl-C), as shells report it (128 + 2).
EXIT_INTERRUPTED = 130

#: The one place where error types map to CLI exit codes (first match wins, most specific first).
EXIT_CODES: tuple[tuple[type[TvecError], int], ...] = (
    (UsageError, EXIT_USAGE),
    (ConfigError, EXIT_USAGE),
    (StoreError, EXIT_STORE),
    (InputError, EXIT_ITEM_ERRORS),
    (TvecError, EXIT_ITEM_ERRORS),
)


#: The one place where error types map to HTTP statuses (first match wins, most specific first).
HTTP_STATUSES: tuple[tuple[type[TvecError], int], ...] = (
    (AuthError, 401),
    (PermissionDeniedError, 403),
    (CsrfError, 403),
    (RateLimitedError, 429),
    (ConflictError, 409),
    (NotFoundError, 404),
    (UsageError, 400),
    (InputError, 400),
    (ConfigError, 500),
    (StoreError, 503),
    (TvecError, 500),
)


def http_status_for(error: TvecError) -> int:
    """Return the HTTP status for ``error`` (see :data:`HTTP_STATUSES`)."""
    for error_type, status in HTTP_STATUSES:
        if isinstance(error, error_type):
            return status
    return 500


def exit_code_for(error: TvecError) -> int:
    """Return the CLI exit code for ``error`` (see the module docstring's tree)."""
    for error_type, code in EXIT_CODES:
        if isinstance(error, error_type):
            return code
    return EXIT_ITEM_ERRORS
