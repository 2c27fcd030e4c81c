"""tvec's one root error and its subtypes.

The tree (exit codes of the CLI in brackets; the mapping lives only in :data:`EXIT_CODES`)::

    TvecError                      root of every error tvec raises on purpose [1]
    ├── UsageError                 bad command-line use or arguments [2]
    │   └── NotFoundError          a named bank, scan, item or file does not exist [2]
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
        └── InvalidRowError        a bank import row that cannot be read

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


class CorruptMediaError(InputError):
    """Image or video bytes cannot be decoded: corrupt, truncated or zero bytes."""

    kind = "corrupt_media"


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


EXIT_OK = 0
EXIT_ITEM_ERRORS = 1
EXIT_USAGE = 2
EXIT_STORE = 3

#: The one place where error types map to CLI exit codes (first match wins, most specific first).
EXIT_CODES: tuple[tuple[type[TvecError], int], ...] = (
    (UsageError, EXIT_USAGE),
    (ConfigError, EXIT_USAGE),
    (StoreError, EXIT_STORE),
    (InputError, EXIT_ITEM_ERRORS),
    (TvecError, EXIT_ITEM_ERRORS),
)


def exit_code_for(error: TvecError) -> int:
    """Return the CLI exit code for ``error`` (see the module docstring's tree)."""
    for error_type, code in EXIT_CODES:
        if isinstance(error, error_type):
            return code
    return EXIT_ITEM_ERRORS
