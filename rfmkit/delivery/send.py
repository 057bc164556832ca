"""Sending one message: rate limit, re-built request per attempt, retries.

A channel (webhook, DingTalk, WeCom) builds the request of each attempt
(so signatures and timestamps are fresh) and reads the answer into an
:class:`Outcome`; :func:`send_message` does the waiting and retrying.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal, Protocol

from rfmkit.delivery.compose import Message
from rfmkit.delivery.guard import UnsafeURLError
from rfmkit.delivery.timing import Clock, RateLimiter, RetryPolicy, parse_retry_after
from rfmkit.delivery.transport import Response, TransportError, post

OutcomeKind = Literal["ok", "retry", "throttled", "config", "fail"]


@dataclass(frozen=True)
class Outcome:
    """What an answer means: accepted, worth retrying, a configuration error, or a failure."""

    kind: OutcomeKind
    detail: str = ""
    retry_after: float | None = None


@dataclass(frozen=True)
class Request:
    """One attempt's URL, body and headers."""

    url: str
    body: bytes
    headers: dict[str, str]


class Channel(Protocol):
    """How one kind of destination builds requests and reads answers."""

    def request(self, message: Message, now: float) -> Request:
        """The request of one attempt at time ``now`` (signed afresh)."""
        ...

    def outcome(self, response: Response, now: float) -> Outcome:
        """What the answer means."""
        ...


@dataclass(frozen=True)
class MessageResult:
    """How one message went.

    ``status`` is ``delivered`` or ``digest`` (accepted), ``failed`` (after
    its attempts, or refused), ``config_error`` (the destination is set up
    wrongly: not retried) or ``not_sent`` (an earlier message to the same
    destination failed, so this one was not tried).
    """

    destination: str
    message_id: str
    alert_keys: tuple[str, ...]
    status: str
    attempts: int
    detail: str

    @property
    def ok(self) -> bool:
        """Whether the message was accepted."""
        return self.status in ("delivered", "digest")


def http_outcome(response: Response, now: float) -> Outcome | None:
    """The outcome of an HTTP status alone, or None for a 2xx answer."""
    status = response.status
    if 200 <= status < 300:
        return None
    detail = f"HTTP {status}"
    if status in (408, 429) or status >= 500:
        wait = parse_retry_after(response.headers.get("retry-after"), now)
        return Outcome("retry", detail, retry_after=wait)
    if status in (401, 403, 404):
        return Outcome("config", f"{detail}: the URL, token or secret is not accepted")
    return Outcome("fail", detail)


def send_message(
    destination: str,
    channel: Channel,
    message: Message,
    *,
    policy: RetryPolicy,
    allow_private: bool,
    clock: Clock,
    rng: random.Random,
    limiter: RateLimiter | None = None,
) -> MessageResult:
    """Send ``message``, retrying as ``policy`` says; never raises for a delivery failure."""
    outcome = Outcome("fail", "not attempted")
    attempt = 0
    for attempt in range(1, policy.max_attempts + 1):
        if limiter is not None:
            limiter.wait()
        now = clock.time()
        request = channel.request(message, now)
        try:
            response = post(
                request.url,
                request.body,
                request.headers,
                timeout=policy.timeout,
                allow_private=allow_private,
            )
        except UnsafeURLError as exc:
            outcome = Outcome("config", exc.message)
        except TransportError as exc:
            outcome = Outcome("retry", str(exc))
        else:
            outcome = channel.outcome(response, clock.time())
        if outcome.kind in ("ok", "config", "fail") or attempt == policy.max_attempts:
            break
        floor = policy.throttle_delay if outcome.kind == "throttled" else 0.0
        delay = outcome.retry_after
        if delay is None:
            delay = policy.backoff(attempt, rng, floor=floor)
        elif delay > policy.max_retry_after:
            outcome = Outcome("fail", f"{outcome.detail}; the server asks to wait {delay:.0f} s")
            break
        clock.sleep(delay)
    status = {"ok": message.status, "config": "config_error"}.get(outcome.kind, "failed")
    detail = message.id if outcome.kind == "ok" else outcome.detail
    if outcome.kind in ("retry", "throttled"):
        detail = f"{detail} (gave up after {attempt} attempts)"
    return MessageResult(destination, message.id, message.alert_keys, status, attempt, detail)
