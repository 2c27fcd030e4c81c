"""Address rules of outbound connections: which hosts and addresses tvec may reach.

A host is resolved and every address it resolves to must be public (see
:func:`is_public_address`), unless ``TVEC_OUTBOUND_ALLOW_HOSTS`` lists its name, or lists an
address or network holding every address it resolves to. :meth:`AddressPolicy.check`
returns the address that was checked, and the caller connects to that address (pinning), so
a second DNS answer cannot swap in another one.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from tvec.errors import BlockedAddressError, FetchError

#: host, port -> the IP addresses (as text) the host resolves to. Raises OSError.
Resolver = Callable[[str, int], list[str]]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (``socket.getaddrinfo``), in the resolver's order.

    Raises:
        OSError: the name does not resolve.
    """
    found: list[str] = []
    for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(info[4][0]).split("%", 1)[0]
        if address not in found:
            found.append(address)
    return found


def _is_public(ip: IPAddress) -> bool:
    """The ``ipaddress`` module's rules, deprecated site-local IPv6 (fec0::/10) refused."""
    site_local = isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or site_local
    )


def is_public_address(address: str) -> bool:
    """True when ``address`` is a public unicast address tvec may connect to.

    Refused, by the ``ipaddress`` module's rules (its tables of IANA special-purpose
    registries): private, loopback, link-local, multicast, reserved, unspecified and shared
    (carrier-grade NAT) addresses, and the deprecated IPv6 site-local ones (``fec0::/10``,
    RFC 3879). IPv6 forms that carry an IPv4 address are judged by it:

    * IPv4-mapped (``::ffff:a.b.c.d``): public when the IPv4 address is.
    * 6to4 (``2002::/16``, RFC 3056; ``2002:7f00:1::1`` is 127.0.0.1): public when the
      embedded IPv4 address is (on any Python version: newer ones class all of
      ``2002::/16`` as not global).
    * Teredo (``2001::/32``, RFC 4380): refused when its server or its (de-obfuscated)
      client IPv4 address is not public, else by the module's rules (``2001::/23`` is not
      globally reachable, so in practice every Teredo address is refused).

    Raises:
        ValueError: ``address`` is not an IP address.
    """
    ip: IPAddress = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return _is_public(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            return _is_public(ip.sixtofour)
        if ip.teredo is not None and not all(_is_public(part) for part in ip.teredo):
            return False
    return _is_public(ip)


class AddressPolicy:
    """Decides which hosts and addresses outbound connections may reach.

    Args:
        allow: host names (exact, case-insensitive) and IP addresses or networks exempt from
            the public-address rule (``TVEC_OUTBOUND_ALLOW_HOSTS``).
        resolver: turns a host into addresses (default: the system resolver).
    """

    def __init__(self, allow: Iterable[str], resolver: Resolver | None = None) -> None:
        self.resolver = resolver or system_resolver
        self.hosts: set[str] = set()
        self.networks: list[IPNetwork] = []
        for entry in allow:
            entry = entry.strip().lower().strip("[]")
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.hosts.add(entry.rstrip("."))

    def _allowed_address(self, address: str) -> bool:
        ip = ipaddress.ip_address(address)
        return any(ip in network for network in self.networks) or is_public_address(address)

    def check(self, url: str, host: str, port: int) -> str | None:
        """Return the address to connect to (``None``: connect by name, host allow-listed).

        Args:
            url: what the error names (the URL asked for, or ``smtp://host:port``).
            host: the host name or IP address literal.
            port: the port (passed to the resolver).

        Raises:
            BlockedAddressError: the host resolves to an address that is not allowed.
            FetchError: the host does not resolve.
        """
        name = host.lower().rstrip(".")
        if name in self.hosts:
            return None
        try:
            addresses = [str(ipaddress.ip_address(name.strip("[]")))]
        except ValueError:
            try:
                addresses = self.resolver(name, port)
            except OSError as exc:
                raise FetchError(url, f"cannot resolve host {host!r}: {exc}") from exc
        if not addresses:
            raise FetchError(url, f"host {host!r} resolves to no address")
        for address in addresses:
            if not self._allowed_address(address):
                raise BlockedAddressError(
                    url,
                    f"refused: host {host!r} resolves to {address}, a private, loopback, "
                    "link-local, multicast or reserved address (allow it with "
                    "TVEC_OUTBOUND_ALLOW_HOSTS)",
                )
        return addresses[0]


@dataclass(frozen=True)
class Target:
    """Where one request goes after the address check.

    Attributes:
        url: the URL as asked (host name kept: ``Host`` header, TLS name).
        host: its host name (lower case).
        connect_url: the URL connected to: ``url`` with the host replaced by the checked
            address (``url`` itself when allow-listed by name or an address literal).
        sni: the TLS server name to send when ``connect_url`` holds an address
            (``https`` only), else ``None``.
        host_header: the ``Host`` header to send when ``connect_url`` differs from ``url``.
    """

    url: str
    host: str
    connect_url: str
    sni: str | None
    host_header: str | None


def resolve_target(policy: AddressPolicy, original: str, url: str) -> Target:
    """Check ``url`` under ``policy`` and say where to connect (see :class:`Target`).

    Args:
        original: the URL the caller asked for (named by errors).
        url: the URL of this hop (``original`` or a redirect target).

    Raises:
        FetchError: not an http(s) URL with a host, a malformed URL, or the host does not
            resolve.
        BlockedAddressError: the host resolves to an address that is not allowed.
    """
    import httpx

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
        parsed = httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise FetchError(original, f"not a valid URL {url!r}: {exc}") from exc
    if parts.scheme not in ("http", "https") or not host or not parsed.host:
        raise FetchError(original, f"only http(s) URLs with a host can be fetched: {url!r}")
    port = port or (443 if parts.scheme == "https" else 80)
    address = policy.check(original, host, port)
    if address is None or address == host.strip("[]"):
        return Target(url, host, url, None, None)
    pinned = str(parsed.copy_with(host=address))
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return Target(url, host, pinned, host if parts.scheme == "https" else None, host_header)
