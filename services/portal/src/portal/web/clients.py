"""Who is asking: the client's IP address (behind the gateway too) and user agent."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ClientAddresses:
    """The client's IP: the peer's, or — when the peer is a trusted proxy (the gateway) and
    ``trust_forwarded_for`` is on — the rightmost ``X-Forwarded-For`` address that is not
    itself a trusted proxy. Rightmost, because each proxy appends what it saw: the leftmost
    values are whatever the client chose to send."""

    def __init__(self, *, trust_forwarded_for: bool, trusted_proxies: Iterable[str]) -> None:
        self._trust = trust_forwarded_for
        self._proxies: tuple[Network, ...] = tuple(
            ipaddress.ip_network(network, strict=False) for network in trusted_proxies
        )
        self._seen: dict[str, bool] = {}
        """Addresses already told apart (parsing one costs more than the rest of a lookup)."""

    def _is_proxy(self, address: str) -> bool:
        known = self._seen.get(address)
        if known is None:
            try:
                ip = ipaddress.ip_address(address)
                known = any(ip in network for network in self._proxies)
            except ValueError:
                known = False
            if len(self._seen) >= 4096:
                self._seen.clear()
            self._seen[address] = known
        return known

    def of(self, request: Request) -> str:
        peer = request.client.host if request.client else ""
        if not self._trust or not self._is_proxy(peer):
            return peer
        hops = [
            hop.strip()
            for header in request.headers.getlist("x-forwarded-for")
            for hop in header.split(",")
            if hop.strip()
        ]
        for hop in reversed(hops):
            if not _valid(hop):
                break  # whatever lies left of a malformed value cannot be trusted either
            if not self._is_proxy(hop):
                return hop
            peer = hop
        return peer

    def scheme(self, request: Request) -> str:
        """``https`` or ``http`` as the client used it: a trusted proxy says so in
        ``X-Forwarded-Proto``."""
        peer = request.client.host if request.client else ""
        forwarded = request.headers.get("x-forwarded-proto", "")
        if self._trust and forwarded and self._is_proxy(peer):
            return forwarded.split(",")[-1].strip().lower()
        return request.scope.get("scheme", "http")


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True
