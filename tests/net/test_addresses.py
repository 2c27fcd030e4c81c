"""Issue 16, finding 12: address classification by the ``ipaddress`` module's rules plus the
deprecated site-local range and the 6to4 and Teredo forms of IPv4 addresses. Each address is
judged by :func:`is_public_address` and refused (or not) by the policy before any request."""

from __future__ import annotations

import pytest

from tvec.errors import BlockedAddressError
from tvec.net.addresses import AddressPolicy, is_public_address

REFUSED = [
    # deprecated site-local (fec0::/10, RFC 3879)
    "fec0::1",
    "feff:ffff::1",
    # 6to4 (2002::/16) of 127.0.0.1, 10.0.0.1, 169.254.169.254, 192.168.1.1, 100.64.0.1
    "2002:7f00:1::1",
    "2002:0a00:0001::1",
    "2002:a9fe:a9fe::1",
    "2002:c0a8:0101::1",
    "2002:6440:0001::1",
    # Teredo (2001::/32): server 10.0.0.1, client 93.184.216.34 (obfuscated a247:27dd)
    "2001:0:a00:1:8000:63bf:a247:27dd",
    # Teredo: server 65.54.227.120, client 127.0.0.1 (obfuscated 80ff:fffe)
    "2001:0:4136:e378:8000:63bf:80ff:fffe",
    # Teredo: server 65.54.227.120, client 192.168.1.1 (obfuscated 3f57:fefe)
    "2001:0:4136:e378:8000:63bf:3f57:fefe",
    # Teredo with both ends public: 2001::/23 is not globally reachable (IANA)
    "2001:0:4136:e378:8000:63bf:a247:27dd",
    # IPv4-mapped and IPv4-compatible forms of loopback
    "::ffff:7f00:1",
    "::127.0.0.1",
]

PUBLIC = [
    # 6to4 of a public IPv4 address (93.184.216.34, 8.8.8.8)
    "2002:5db8:d822::1",
    "2002:0808:0808::1",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
]


@pytest.mark.parametrize("address", REFUSED)
def test_embedded_and_site_local_forms_of_private_addresses_are_refused(address: str) -> None:
    assert is_public_address(address) is False
    policy = AddressPolicy([], resolver=lambda host, port: [address])
    with pytest.raises(BlockedAddressError, match=address):
        policy.check("http://rebind.example/", "rebind.example", 80)
    with pytest.raises(BlockedAddressError):
        policy.check(f"http://[{address}]/", f"[{address}]", 80)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_ipv6_and_6to4_of_a_public_ipv4_address_stay_public(address: str) -> None:
    assert is_public_address(address) is True
    policy = AddressPolicy([], resolver=lambda host, port: [address])
    assert policy.check("http://site.example/", "site.example", 80) == address


def test_an_allow_listed_network_still_admits_an_embedded_form() -> None:
    policy = AddressPolicy(["2002::/16"], resolver=lambda host, port: ["2002:7f00:1::1"])
    assert policy.check("http://lab.example/", "lab.example", 80) == "2002:7f00:1::1"
