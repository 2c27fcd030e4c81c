"""axe-core for the browser tests' accessibility checks: one install, one pinned version.

``scripts/axe-core.sh`` (run by ``scripts/system-packages.sh browser``, so by ``make`` and
``.ci/run``) installs the version it pins into ``.cache/axe/`` (never committed);
``TVEC_AXE_JS`` may name another ``axe.min.js``. Without it the accessibility tests skip,
unless ``TVEC_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = Path(os.environ.get("TVEC_AXE_JS", ROOT / ".cache/axe/node_modules/axe-core/axe.min.js"))


def need_axe() -> None:
    """Skip the test without axe-core (fail instead with ``TVEC_REQUIRE_BROWSER=1``)."""
    if AXE_JS.exists():
        return
    if os.environ.get("TVEC_REQUIRE_BROWSER") == "1":
        pytest.fail(f"TVEC_REQUIRE_BROWSER=1 but {AXE_JS} is missing (sh scripts/axe-core.sh)")
    pytest.skip(f"axe-core missing at {AXE_JS} (sh scripts/axe-core.sh)")


def serious_violations(page: Any) -> list[str]:
    """Serious and critical axe-core violations of the page shown, as ``id: targets``
    lines (axe is evaluated through the DevTools protocol, which the page's CSP allows)."""
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
