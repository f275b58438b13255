"""Refuse to contact private addresses, because channel URLs are typed in by users."""

from __future__ import annotations

import ipaddress
import socket

from planner.connectors.errors import TransientError, UnsafeDestinationError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str) -> Address:
    """Parse an address as ``getaddrinfo`` returns it, dropping any IPv6 zone suffix."""
    return ipaddress.ip_address(text.split("%", 1)[0])


# IPv6 ranges whose low 32 bits are an IPv4 address: NAT64 (RFC 6052, well-known prefix) and
# the deprecated IPv4-compatible form (::a.b.c.d). The local-use NAT64 prefix is never public.
_LOW_32_BITS_IPV4 = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("::/96"),
)
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Return the IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64, compatible).

    A packet to such an address can end up at the embedded IPv4 host, so that host is what
    must be public.
    """
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    if any(address in net for net in _LOW_32_BITS_IPV4):
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    return []


def is_public(address: Address) -> bool:
    """Tell whether *address* is globally routable, looking through IPv6 forms that embed IPv4."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return False
        inner = embedded_ipv4(address)
        if address.ipv4_mapped is not None:
            return is_public(inner[0])
        if inner and not all(is_public(v4) for v4 in inner):
            return False
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Resolve *host* once and return its addresses, all of which must be public.

    The caller connects to these exact addresses so that a second DNS answer
    (DNS rebinding) cannot swap in a private one after the check.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TransientError(f"Could not resolve {host}: {exc.strerror}") from exc
    addresses: list[str] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        text = str(sockaddr[0])
        if not allow_private and not is_public(parse_address(text)):
            raise UnsafeDestinationError(
                f"Refusing to connect to {host}: it resolves to the non-public address {text}"
            )
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise TransientError(f"Could not resolve {host}")
    return addresses
