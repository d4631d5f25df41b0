"""Where the platform's own outbound requests (webhooks, audit anchors) may go.

A destination is resolved and every address it resolves to is checked, when a webhook is
added and again at each delivery; the delivery then connects to the address checked (no
second lookup a DNS answer could change in between). Loopback, private, link-local
(169.254.169.254: cloud metadata), shared, multicast, reserved and unspecified addresses are
refused in any notation a resolver accepts (2130706433, 0177.0.0.1, 0x7f.1, ::ffff:127.0.0.1),
unless a network of the allow-list holds them: LOWCODE_WEBHOOK_ALLOW, comma-separated
networks or addresses (e.g. `10.20.0.0/16,127.0.0.1`) for systems inside the government
network that must be reached.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOW_ENV = "LOWCODE_WEBHOOK_ALLOW"
SCHEMES = {"http": 80, "https": 443}

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RefusedDestination(ValueError):
    """The URL may not be sent to: its scheme, its host or an address it resolves to."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Destination:
    """A checked URL: where to connect (`address`, `port`) and what to ask for there."""

    scheme: str
    host: str
    port: int
    address: str
    target: str  # path and query


def allow_list(setting: str | None = None) -> tuple[Network, ...]:
    """The networks `setting` (else LOWCODE_WEBHOOK_ALLOW) names; raises ValueError on a
    value that is not a network."""
    text = os.environ.get(ALLOW_ENV, "") if setting is None else setting
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in text.split(",") if part.strip())


def check(url: str, allowed: Iterable[Network] | None = None) -> Destination:
    """Resolve `url`'s host and check every address; the first one to connect to. Raises
    RefusedDestination, with the reason in its message (for the person adding a hook; a
    failed delivery shows none of it)."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise RefusedDestination("URL 须以 http:// 或 https:// 开头",
                                 "the URL must start with http:// or https://")
    try:
        port = parts.port or SCHEMES[parts.scheme]
    except ValueError:
        raise RefusedDestination("URL 的端口无效", "the URL's port is not valid") from None
    networks = tuple(allow_list() if allowed is None else allowed)
    addresses = resolve(parts.hostname, port)
    for address in addresses:
        if not permitted(address, networks):
            raise RefusedDestination(
                f"{parts.hostname} 指向内部地址 {address}（回环、私有、链路本地等），"
                f"不在 {ALLOW_ENV} 允许的网络中",
                f"{parts.hostname} is an internal address {address} (loopback, private, "
                f"link-local...) outside the networks {ALLOW_ENV} allows")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(parts.scheme, parts.hostname, port, str(addresses[0]), target)


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` stands for: a literal in any notation the C library reads
    (decimal, octal, hex, IPv6), read here without a lookup; else what the resolver says."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        infos = []
    found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not found:
        raise RefusedDestination(f"无法解析主机 {host}", f"the host {host} does not resolve")
    return found


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    try:  # 2130706433, 0177.0.0.1, 0x7f.1: what inet_aton (and so a connect) accepts
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, UnicodeError, ValueError):
        return None


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def permitted(address: Address, allowed: Iterable[Network]) -> bool:
    """A public unicast address, or one an allowed network holds. An IPv4-mapped IPv6
    address is its IPv4 address; one that carries an IPv4 address otherwise (6to4, NAT64)
    must pass as itself and as that IPv4 address."""
    allowed = tuple(allowed)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address.version == net.version and address in net for net in allowed):
        return True
    if not address.is_global or address.is_multicast:
        return False
    embedded = _embedded(address)
    return embedded is None or permitted(embedded, allowed)


def _embedded(address: Address) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour
