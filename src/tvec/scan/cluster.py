"""Preparing a scan's files and posts on a Dask distributed cluster (issue 17, part 4).

``tvec scan --scheduler tcp://HOST:8786`` (or ``TVEC_DASK_SCHEDULER``) connects a Dask
``Client`` and sends each new or changed file and post of a batch to the cluster as one task
(:func:`tvec.scan.prepare.prepare_file` / :func:`~tvec.scan.prepare.prepare_post`: read,
decode, hash, keep evidence, analyse). The scan's process stores each batch in one
transaction and matches it with the persisted index, exactly as a local scan does.

- A lost worker costs nothing: Dask runs its tasks again on another worker; the tasks have
  no side effect but content-addressed evidence files (same name, same bytes), and only the
  scan's process stores, once per item (items are keyed by locator).
- A killed client leaves whole batches; the same scan run again skips what is stored
  (unchanged size and modification time) and goes on.
- Inputs are paths the workers can read at the same place (a shared mount) or ``file://``
  URLs; the evidence folder (``TVEC_EVIDENCE_DIR``) must be shared the same way.

``distributed`` is imported only here, when a scheduler is named.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tvec.errors import ConfigError


class DaskExecutor:
    """Submits work to a Dask cluster through a ``distributed.Client``.

    Raises:
        ConfigError: the scheduler cannot be reached (from the constructor).
    """

    def __init__(self, address: str, timeout: float = 10.0) -> None:
        from distributed import Client

        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise ConfigError(
                f"TVEC_DASK_SCHEDULER / --scheduler {address}: cannot reach the Dask "
                f"scheduler: {exc}"
            ) from exc

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """Run ``fn(*args)`` on the cluster (retried on another worker if one is lost)."""
        return self.client.submit(fn, *args, pure=False, retries=3)

    def workers(self) -> int:
        """How many workers the cluster has now."""
        return len(self.client.scheduler_info().get("workers", {}))

    def close(self) -> None:
        """Disconnect from the cluster (the cluster keeps running)."""
        self.client.close()  # type: ignore[no-untyped-call]
