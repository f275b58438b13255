"""The private-address check looks through every IPv6 form that embeds an IPv4 address."""

from __future__ import annotations

import ipaddress

import pytest

from planner.connectors.errors import UnsafeDestinationError
from planner.connectors.ssrf import embedded_ipv4, is_public, resolve


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b:1::a00:1", False),  # local-use NAT64 prefix
        ("2002:a00:1::", False),  # 6to4 of 10.0.0.1
        ("2002:c0a8:101::1", False),  # 6to4 of 192.168.1.1
        ("::a00:1", False),  # IPv4-compatible 10.0.0.1
        ("::7f00:1", False),  # IPv4-compatible 127.0.0.1
        ("::ffff:a00:1", False),  # IPv4-mapped 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
        ("::ffff:8.8.8.8", True),
        ("2a00:1450:4001::1", True),
    ],
)
def test_ipv6_forms_are_judged_by_the_ipv4_address_they_carry(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


def test_embedded_ipv4_names_the_carried_address() -> None:
    ten = ipaddress.IPv4Address("10.0.0.1")
    for text in ("64:ff9b::a00:1", "2002:a00:1::", "::a00:1", "::ffff:10.0.0.1"):
        assert embedded_ipv4(ipaddress.IPv6Address(text)) == [ten]
    assert embedded_ipv4(ipaddress.IPv6Address("2a00:1450:4001::1")) == []


@pytest.mark.parametrize("address", ["64:ff9b::a00:1", "2002:a00:1::", "::a00:1"])
def test_resolving_to_an_embedded_private_address_is_refused(address: str) -> None:
    with pytest.raises(UnsafeDestinationError, match="non-public"):
        resolve(address, 443, allow_private=False)
