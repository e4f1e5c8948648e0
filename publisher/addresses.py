"""Which network addresses a request may go to: a pure decision over IP addresses.

    parse_host      a URL's host as an IP address, in every form the resolver reads
                    (``2130706433``, ``0x7f.1``, ``017700000001``, ``[::ffff:127.0.0.1]``)
    classify        the address's kind: public, private, loopback, or one of the kinds
                    that are never fetched (link-local, metadata, multicast, ...)
    AddressPolicy   what one request may reach: the operator's ``allow_addresses``
                    always; private and loopback addresses only with ``allow_private``

The check runs on the address a connection is actually made to (see
:mod:`publisher.netguard`), after the name was resolved once, so that a name resolving
to a public address for a check and to an internal one for the connection (DNS
rebinding) gets nowhere.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from .errors import AddressRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata services: refused even when private addresses are allowed.
METADATA = (
    ipaddress.ip_network("169.254.169.254/32"),  # AWS, GCP, Azure, OpenStack, ...
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS over IPv6
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud
)
NEVER = ("metadata", "link-local", "multicast", "unspecified", "reserved")
PRIVATE = ("private", "loopback")


def parse_host(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is one in any form ``inet_aton`` reads
    (decimal, octal, hex, shortened dotted forms) or IPv6; None for a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if not host or not all(c in "0123456789abcdefxABCDEFX." for c in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped or -compatible IPv6 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        packed = address.packed
        if packed[:12] == bytes(12) and int(address) > 1:  # ::a.b.c.d (deprecated form)
            return ipaddress.IPv4Address(packed[12:])
    return address


def classify(address: IPAddress) -> str:
    """One word for the address: public, private, loopback, or one of :data:`NEVER`."""
    address = _unwrap(address)
    if any(address in network for network in METADATA):
        return "metadata"
    if address.is_unspecified or (
        isinstance(address, ipaddress.IPv4Address) and address.packed[0] == 0
    ):
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_reserved:  # 240.0.0.0/4 with the broadcast address, IPv6's unassigned
        return "reserved"
    if address.is_global:
        return "public"
    return "private"  # RFC 1918, unique local, shared (CGNAT), documentation ranges


@dataclass(frozen=True, slots=True, kw_only=True)
class AddressPolicy:
    """What a request may reach. ``allow`` (``site.allow_addresses``) wins over all."""

    allow_private: bool = False
    allow: tuple[Network, ...] = ()
    setting: str = "allow_private"  # named in refusals: where the operator would allow it

    def check(self, address: IPAddress, *, url: str) -> str:
        """The address's kind, or :class:`AddressRefused` naming it and the setting."""
        kind = classify(address)
        plain = _unwrap(address)
        if any(plain in net or address in net for net in self.allow):
            return kind
        if kind in NEVER:
            raise AddressRefused(
                url,
                f"refused to connect to {address} ({kind} address); list it in "
                "site.allow_addresses if this is really wanted",
                address=str(address),
            )
        if kind in PRIVATE and not self.allow_private:
            raise AddressRefused(
                url,
                f"refused to connect to {address} ({kind} address); set "
                f"'{self.setting}: true' on the site or the source to fetch from your own "
                "network (a redirect from a public page is never followed there)",
                address=str(address),
            )
        return kind


def networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    """``allow_addresses`` as networks (each value checked by the configuration)."""
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)
