"""One HTTP POST, to the address the SSRF guard checked.

The standard library's :mod:`http.client` is used: it never reads proxy
settings from the environment and never follows redirects. The connection
goes to the resolved address returned by :func:`~rfmkit.delivery.guard.check_url`
(TLS still verifies the certificate for the host name).
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any

from rfmkit.delivery.guard import Target, check_url

#: Responses are read up to this size (a robot answers a few dozen bytes).
MAX_RESPONSE_BYTES = 1 << 20


class TransportError(Exception):
    """The request got no HTTP answer: refused connection, reset, or timeout."""

    def __init__(self, message: str, *, timeout: bool = False) -> None:
        super().__init__(message)
        self.timeout = timeout


@dataclass(frozen=True)
class Response:
    """An HTTP answer: status, headers (lower-cased names) and body bytes."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


def _connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    conn: http.client.HTTPConnection
    if target.scheme == "https":
        conn = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def pinned(address: tuple[str, int], timeout: Any = None, source: Any = None) -> socket.socket:
        return socket.create_connection((target.address, address[1]), timeout, source)

    conn._create_connection = pinned  # type: ignore[attr-defined]
    return conn


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    allow_private: bool = False,
) -> Response:
    """POST ``body`` to ``url`` after the SSRF check; raise :class:`TransportError` without an answer.

    Raises
    ------
    UnsafeURLError
        From the SSRF guard (not retried).
    TransportError
        Connection refused or reset, TLS failure, or no answer within ``timeout`` seconds.
    """
    target = check_url(url, allow_private=allow_private)
    conn = _connection(target, timeout)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        answer = conn.getresponse()
        data = answer.read(MAX_RESPONSE_BYTES)
        names = {k.lower(): v for k, v in answer.getheaders()}
        return Response(status=answer.status, headers=names, body=data)
    except TimeoutError as exc:
        raise TransportError(f"no answer within {timeout:g} s", timeout=True) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()
