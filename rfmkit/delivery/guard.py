"""The SSRF guard: outbound URLs may only reach public addresses.

A destination URL is refused when its scheme is not http or https, or when
its host resolves to any private, loopback, link-local, shared, reserved,
multicast or unspecified address — unless ``allow_private`` is given (an
administrator's explicit choice; the tests allow loopback). The addresses
checked are the ones connected to (:mod:`rfmkit.delivery.transport` pins
them), so a DNS answer cannot change between the check and the connection.
Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from rfmkit.errors import ConfigError

Resolver = Callable[..., Sequence[tuple[Any, ...]]]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURLError(ConfigError):
    """An outbound URL is malformed or would reach a private address."""

    code = "unsafe_url"


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to ask for."""

    scheme: str
    host: str
    port: int
    address: str
    path: str


def _is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURLError(
            f"The host {host!r} cannot be resolved: {exc}.",
            fix="Check the destination URL.",
        ) from exc
    addresses = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]
        addresses.append(ipaddress.ip_address(text))
    if not addresses:
        raise UnsafeURLError(f"The host {host!r} has no address.", fix="Check the destination URL.")
    return addresses


def check_url(
    url: str, *, allow_private: bool = False, resolver: Resolver = socket.getaddrinfo
) -> Target:
    """Check an outbound URL and return where to connect.

    Parameters
    ----------
    url
        An http or https URL.
    allow_private
        Allow hosts that resolve to non-public addresses (loopback, private
        networks, link-local ...).
    resolver
        ``socket.getaddrinfo`` or a stand-in with the same signature.

    Raises
    ------
    UnsafeURLError
        The scheme is not http(s), the URL has no host or credentials in it,
        or a resolved address is not public while ``allow_private`` is False.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURLError(
            f"Only http and https URLs can receive messages, not {scheme or 'no scheme'!r}.",
            fix="Use an https:// URL.",
        )
    if parts.username or parts.password:
        raise UnsafeURLError(
            "A destination URL must not carry a user name or password.",
            fix="Put credentials in the destination's secret fields.",
        )
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise UnsafeURLError(f"The URL has an invalid port: {exc}.", fix="Check the URL.") from exc
    if not host:
        raise UnsafeURLError(
            "The URL has no host.", fix="Use a full URL such as https://host/path."
        )
    port = port or (443 if scheme == "https" else 80)
    addresses = _resolve(host, port, resolver)
    refused = [str(ip) for ip in addresses if not _is_public(ip)]
    if refused and not allow_private:
        raise UnsafeURLError(
            f"The host {host!r} resolves to a non-public address ({', '.join(refused)}); "
            "messages are not sent to private, loopback or link-local addresses.",
            fix="Use a public URL, or allow private addresses for this destination "
            "(allow_private) if you trust it.",
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port, address=str(addresses[0]), path=path)
