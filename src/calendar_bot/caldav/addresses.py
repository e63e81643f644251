"""Which addresses a CalDAV request may reach.

A user types the "Other server" URL, and the bot then connects there with that user's
password: without a rule it would probe the bot's own network for anyone (loopback, the
cloud metadata service, private ranges). A CalDAV server must therefore have public
addresses, unless the operator allows it by name, address or network
(`CALDAV_ALLOWED_HOSTS`). The rule is checked where the connection is made: on the address
a name resolves to (so a public name pointing inside is refused, also after a redirect or
a DNS change), and on a URL's literal IP address, which is never resolved.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from calendar_bot.ports import ServerUnreachable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressNotAllowed(ServerUnreachable):
    """The server's address is not public and the operator did not allow it."""


def parse_allowed_hosts(value: str) -> tuple[str, ...]:
    """`CALDAV_ALLOWED_HOSTS`: comma-separated host names, IP addresses or networks (CIDR).
    Raises ValueError naming the first entry that is none of these."""
    entries = tuple(e.strip().lower() for e in value.split(",") if e.strip())
    for entry in entries:
        if _network(entry) is None and not _is_host_name(entry):
            raise ValueError(
                f"{entry!r} is not a host name, IP address or network, "
                "e.g. caldav.internal, 10.0.0.5 or 10.0.0.0/8"
            )
    return entries


def _network(entry: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        return None


def _is_host_name(entry: str) -> bool:
    labels = entry.rstrip(".").split(".")
    return all(
        0 < len(label) <= 63 and label.replace("-", "").isalnum() and label.isascii()
        for label in labels
    )


def _address(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return mapped or address


def is_public(address: IPAddress) -> bool:
    return address.is_global and not address.is_multicast


class AddressPolicy:
    """Public addresses, plus the hosts and networks the operator allows."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self._names: set[str] = set()
        self._networks: list[IPNetwork] = []
        for entry in allowed:
            network = _network(entry)
            if network is not None:
                self._networks.append(network)
            else:
                self._names.add(entry.lower().rstrip("."))

    def allows_name(self, host: str) -> bool:
        return host.lower().rstrip(".") in self._names

    def allows_address(self, address: IPAddress) -> bool:
        return is_public(address) or any(address in network for network in self._networks)

    def check_url(self, url: str) -> None:
        """Refuse a URL whose host is a literal address that is not allowed (a name is
        checked when it is resolved)."""
        host = urlsplit(url).hostname or ""
        address = _address(host)
        if address is not None and not (self.allows_name(host) or self.allows_address(address)):
            raise AddressNotAllowed("the server's address is not allowed")


class GuardedResolver(AbstractResolver):
    """Name resolution for the CalDAV transport that refuses a host any of whose addresses
    is not allowed (all of them: the connection may use any)."""

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if self._policy.allows_name(host):
            return results
        for result in results:
            address = _address(result["host"])
            if address is None or not self._policy.allows_address(address):
                # An OSError is what aiohttp expects of a resolver: it becomes a connection
                # error, which the transport reports as "unreachable", like any other.
                raise OSError(f"the address of {host} is not allowed")
        return results

    async def close(self) -> None:
        await self._inner.close()
