"""Refuse to contact private addresses, because channel URLs are typed in by users."""

from __future__ import annotations

import ipaddress
import socket

from planner.connectors.errors import TransientError, UnsafeDestinationError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str) -> Address:
    """Parse an address as ``getaddrinfo`` returns it, dropping any IPv6 zone suffix."""
    return ipaddress.ip_address(text.split("%", 1)[0])


def is_public(address: Address) -> bool:
    """Tell whether *address* is globally routable, looking through IPv4-mapped IPv6."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
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
