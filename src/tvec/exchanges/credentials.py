"""Credentials of an exchange: read from an environment variable or a file that the
exchange's configuration names, at fetch time, never stored in the database or settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tvec.errors import ConfigError

#: Largest credential file read, in bytes.
MAX_CREDENTIAL_BYTES = 64 * 1024


def read_credential(
    name: str, config: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> str | None:
    """The credential of exchange ``name``: the value of the environment variable
    ``config["credential_env"]`` or the text of the file ``config["credential_file"]``
    (surrounding whitespace removed); ``None`` when the configuration names neither.

    Raises:
        ConfigError: the variable is unset or empty, or the file is unreadable, empty or
            over 64 KiB.
    """
    env = environ if environ is not None else os.environ
    variable = config.get("credential_env")
    if variable:
        value = env.get(str(variable), "").strip()
        if not value:
            raise ConfigError(
                f"exchange {name!r}: environment variable {variable} (its credential) is "
                "unset or empty"
            )
        return value
    path = config.get("credential_file")
    if path:
        file = Path(str(path)).expanduser()
        try:
            if file.stat().st_size > MAX_CREDENTIAL_BYTES:
                raise ConfigError(f"exchange {name!r}: credential file {file} is over 64 KiB")
            value = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"exchange {name!r}: cannot read credential file {file}: {exc.strerror}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"exchange {name!r}: credential file {file} is not UTF-8") from exc
        if not value:
            raise ConfigError(f"exchange {name!r}: credential file {file} is empty")
        return value
    return None
