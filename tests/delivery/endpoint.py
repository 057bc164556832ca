"""A fake webhook / robot endpoint: a real HTTP server on 127.0.0.1.

It records every request, verifies Standard Webhooks and DingTalk
signatures with rfmkit's own verifiers (checked in turn against
independently computed vectors in test_signing.py), and answers from a
script of replies so tests can fail requests on purpose.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rfmkit.delivery.signing import WebhookVerificationError, verify_dingtalk, verify_webhook

OK = {"errcode": 0, "errmsg": "ok"}


@dataclass
class Reply:
    """One scripted answer: status, JSON body, headers, and a delay before answering."""

    status: int = 200
    body: Any = field(default_factory=lambda: dict(OK))
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Recorded:
    """One request as received."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    signature_ok: bool | None

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class FakeEndpoint:
    """Start with :meth:`start`, stop with :meth:`stop`; ``url`` is its base URL."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.script: deque[Reply] = deque()
        self.webhook_secret: str | None = None
        self.dingtalk_secret: str | None = None
        self.now: Callable[[], float] = time.time
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = str(self._server.server_address[0]), self._server.server_address[1]
        return f"http://{host!s}:{port}"

    def reply(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, then with 200 ok."""
        self.script.extend(replies)

    def _verify(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> bool | None:
        if self.webhook_secret is not None:
            try:
                verify_webhook(self.webhook_secret, headers, body, now=self.now())
            except WebhookVerificationError:
                return False
            return True
        if self.dingtalk_secret is not None:
            if "timestamp" not in query or "sign" not in query:
                return False
            return verify_dingtalk(
                self.dingtalk_secret,
                int(query["timestamp"]),
                query["sign"],
                now_ms=int(self.now() * 1000),
            )
        return None

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length", "0"))
        body = handler.rfile.read(length)
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        ok = self._verify(query, headers, body)
        with self._lock:
            self.requests.append(Recorded(parts.path, query, headers, body, ok))
            reply = self.script.popleft() if self.script else Reply()
        if ok is False:
            reply = Reply(401, {"error": "bad signature"})
        if reply.delay:
            time.sleep(reply.delay)
        data = json.dumps(reply.body).encode()
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass  # the client gave up (a timeout test)

    def start(self) -> FakeEndpoint:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                endpoint.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class FakeClock:
    """A clock that starts at the real time and moves only when slept on."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
