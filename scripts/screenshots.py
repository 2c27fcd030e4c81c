"""Screenshots of the review app's main pages on the demo data, for docs/screenshots/.

Generates the demo data (``examples/make_demo.py``) in a temporary folder, loads the demo
bank, scans the demo channel, records the demo's removal order, adds an admin, starts
``tvec serve`` and has Playwright drive Debian's headless Chromium over the pages. Run it
from the repository root after changing a page::

    python scripts/screenshots.py [OUT_DIR]     # default docs/screenshots

Needs ``/usr/bin/chromium`` (``scripts/system-packages.sh browser``) and the ``playwright``
package (never ``playwright install``). The pictures are made by this script, not by hand;
the demo's media are benign stand-ins and show blurred, as a reviewer first sees them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "screenshots-password-0123"  # noqa: S105 - a throwaway demo home
#: (file name, path) of each page shot, as the admin.
PAGES = (
    ("queue.png", "/queue"),
    ("case.png", "/cases/1"),
    ("orders.png", "/orders?status=all"),
    ("order.png", None),  # the demo's order, found on the orders page
    ("order-new.png", "/orders-new"),
    ("users.png", "/users"),
    ("audit.png", "/audit"),
    ("takedowns.png", "/takedowns"),
    ("reports.png", "/reports"),
    ("entities.png", "/entities"),
    ("me.png", "/me"),
    ("banks.png", "/banks"),
    ("bank.png", "/banks/demo-posters"),
    ("lookup.png", "/lookup?q=hxxps%5B%3A%5D%2F%2Ffiles%5B.%5Dfm%2Fu%2Fclf-issue7"),
    ("sources.png", "/sources"),
    ("scans.png", "/scans"),
    ("scan.png", "/scans/1"),
    ("outlinks.png", "/outlinks"),
    ("alerts.png", "/alerts"),
)


def _tvec(home: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "tvec", *args],
        check=True,
        env={**os.environ, "TVEC_HOME": str(home), "TVEC_PROGRESS": "false", **(env or {})},
        stdout=subprocess.DEVNULL,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(out: Path) -> None:
    """Make the demo home, serve it and write one PNG per page of :data:`PAGES` to ``out``."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tvec-shots-") as tmp:
        demo = Path(tmp) / "demo"
        subprocess.run(
            [sys.executable, str(ROOT / "examples" / "make_demo.py"), str(demo)], check=True
        )
        home = demo / ".tvec"
        _tvec(home, "bank", "import", "demo-posters", str(demo / "bank.csv"), "--create")
        _tvec(
            home,
            "scan",
            str(demo / "channel"),
            str(demo / "posts" / "posts.jsonl"),
            str(demo / "unrelated"),
            "--bank",
            "demo-posters",
        )
        _tvec(home, "order", "add", "--file", str(demo / "removal-order.json"))
        _tvec(
            home,
            "user",
            "add",
            "reviewer",
            "--role",
            "admin",
            "--password-from-env",
            env={"TVEC_NEW_PASSWORD": PASSWORD},
        )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "TVEC_HOME": str(home),
            "TVEC_SECRET_KEY": "screenshots-0123456789",
            "TVEC_PROGRESS": "false",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "tvec", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"]
                )
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(f"{base}/login")
                page.screenshot(path=str(out / "login.png"))
                page.fill("#username", "reviewer")
                page.fill("#password", PASSWORD)
                page.click("#login")
                for name, path in PAGES:
                    if path is None:
                        page.goto(f"{base}/orders?status=all")
                        page.locator("#orders a").first.click()
                    else:
                        page.goto(base + path)
                    page.screenshot(path=str(out / name), full_page=True)
                    print(out / name)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
