"""Only tvec.net opens connections: no other module of src/tvec creates an HTTP client, sends
a request or opens a socket to another machine (checked on the source, with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "tvec"
NET = SRC / "net"

#: Calls that create a client or open a connection, by the dotted name they resolve to.
FORBIDDEN_CALLS = {
    *(f"httpx.{name}" for name in ("Client", "AsyncClient", "HTTPTransport", "AsyncHTTPTransport")),
    *(
        f"httpx.{verb}"
        for verb in (
            "request",
            "stream",
            "get",
            "post",
            "put",
            "patch",
            "delete",
            "head",
            "options",
        )
    ),
    "smtplib.SMTP",
    "smtplib.SMTP_SSL",
    "smtplib.LMTP",
    "socket.create_connection",
}
#: Modules whose mere import is a way out of the machine.
FORBIDDEN_MODULES = {"urllib.request", "http.client", "ftplib", "requests", "aiohttp", "urllib3"}


def violations(source: str) -> list[str]:
    """What in ``source`` opens a connection: ``"line: what"`` for each."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> dotted name it stands for
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in FORBIDDEN_MODULES:
                    found.append(f"{node.lineno}: import {alias.name}")
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if node.module in FORBIDDEN_MODULES or full in FORBIDDEN_MODULES:
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
                aliases[alias.asname or alias.name] = full
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            resolved = aliases.get(head, head) + (f".{rest}" if rest else "")
            if resolved in FORBIDDEN_CALLS:
                found.append(f"{node.lineno}: {resolved}()")
    return found


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def test_no_module_outside_net_opens_a_connection() -> None:
    offenders = {
        str(path.relative_to(SRC)): found
        for path in sorted(SRC.rglob("*.py"))
        if NET not in path.parents and (found := violations(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_net_package_is_where_connections_are_made() -> None:
    """The check sees the real ones (so it is not blind to the forms net uses)."""
    found = [
        hit for path in sorted(NET.rglob("*.py")) for hit in violations(path.read_text("utf-8"))
    ]
    assert any("httpx.Client()" in hit for hit in found)
    assert any("smtplib.SMTP()" in hit for hit in found)


def test_every_form_is_caught() -> None:
    source = """
import httpx
import httpx as h
import smtplib
import socket
import urllib.request
from http.client import HTTPSConnection
from httpx import Client as C, post
from smtplib import SMTP_SSL
from socket import create_connection
from urllib import request

httpx.Client()
h.AsyncClient()
httpx.get("http://x")
C()
post("http://x")
smtplib.SMTP("mail")
SMTP_SSL("mail")
socket.create_connection(("x", 80))
create_connection(("x", 80))
httpx.URL("http://x")  # not a connection
"""
    found = violations(source)
    assert [hit.split(": ", 1)[1] for hit in found] == [
        "import urllib.request",
        "from http.client import HTTPSConnection",
        "from urllib import request",
        "httpx.Client()",
        "httpx.AsyncClient()",
        "httpx.get()",
        "httpx.Client()",
        "httpx.post()",
        "smtplib.SMTP()",
        "smtplib.SMTP_SSL()",
        "socket.create_connection()",
        "socket.create_connection()",
    ]
