"""The SSRF guard: only http(s), and only public addresses unless allowed."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from rfmkit.delivery import UnsafeURLError, check_url


def fake_resolver(*addresses: str) -> Any:
    """A stand-in for getaddrinfo answering ``addresses`` (no DNS traffic)."""

    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        family = socket.AF_INET6 if ":" in addresses[0] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.9/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[fc00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://224.0.0.1/hook",
        "http://localhost/hook",
    ],
)
def test_non_public_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURLError, match="non-public address"):
        check_url(url)


def test_host_names_are_checked_by_what_they_resolve_to() -> None:
    with pytest.raises(
        UnsafeURLError, match=r"'hooks\.internal' resolves to a non-public address \(10\.0\.0\.5\)"
    ):
        check_url("https://hooks.internal/x", resolver=fake_resolver("8.8.8.8", "10.0.0.5"))
    target = check_url("https://hooks.example/x?a=1", resolver=fake_resolver("8.8.8.8"))
    assert (target.host, target.port, target.address, target.path) == (
        "hooks.example",
        443,
        "8.8.8.8",
        "/x?a=1",
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x", "not 'ftp'"),
        ("file:///etc/passwd", "not 'file'"),
        ("gopher://127.0.0.1:25/", "not 'gopher'"),
        ("example.com/hook", "not 'no scheme'"),
        ("https://user:pw@example.com/", "must not carry a user name"),
        ("http:///nohost", "has no host"),
        ("http://example.com:99999/", "invalid port"),
    ],
)
def test_malformed_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(UnsafeURLError, match=message):
        check_url(url, allow_private=True, resolver=fake_resolver("8.8.8.8"))


def test_allow_private_lets_loopback_through() -> None:
    target = check_url("http://127.0.0.1:9/x", allow_private=True)
    assert (target.address, target.port) == ("127.0.0.1", 9)


def test_public_literal_address_passes_without_resolving_names() -> None:
    assert check_url("https://93.184.215.14/hook").address == "93.184.215.14"
