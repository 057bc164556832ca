"""Time for delivery: an injectable clock, retry policy, backoff and rate limit.

Everything that waits or reads the time takes a :class:`Clock`, so tests
advance a fake clock instead of sleeping for a minute.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections import deque
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Clock(Protocol):
    """Reads the unix time and waits."""

    def time(self) -> float:
        """Seconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        """``time.time()``."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """``time.sleep()``."""
        time.sleep(max(0.0, seconds))


class RetryPolicy(BaseModel):
    """How long to wait for an answer and how to retry.

    Timeouts, connection errors, HTTP 408, 429 and 5xx, and the robots'
    "too fast" error codes are retried up to ``max_attempts`` attempts in
    all, waiting ``base_delay * 2**(n-1)`` seconds (at most ``max_delay``)
    with jitter: a random wait between half and all of it. A ``Retry-After``
    header is honoured exactly, unless it asks for more than
    ``max_retry_after`` seconds (then the message fails and is left for the
    next run).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    timeout: float = Field(default=20.0, gt=0, le=300, description="Seconds to wait for an answer.")
    max_attempts: int = Field(
        default=5, ge=1, le=20, description="Attempts per message, the first included."
    )
    base_delay: float = Field(
        default=1.0, ge=0, description="Seconds before the first retry (doubled each time)."
    )
    max_delay: float = Field(default=60.0, ge=0, description="Longest wait between two attempts.")
    throttle_delay: float = Field(
        default=30.0, ge=0, description="Shortest wait after a robot says it is sent too fast."
    )
    max_retry_after: float = Field(
        default=300.0,
        ge=0,
        description="Longest Retry-After honoured; a longer one fails the message.",
    )

    @model_validator(mode="after")
    def _delays_ordered(self) -> RetryPolicy:
        if self.base_delay > self.max_delay:
            raise ValueError("base_delay must not exceed max_delay")
        return self

    def backoff(self, attempt: int, rng: random.Random, *, floor: float = 0.0) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based), at least ``floor``."""
        cap = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return max(floor, cap / 2 + rng.uniform(0, cap / 2))


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay seconds or an HTTP date), or None."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


class RateLimiter:
    """At most ``limit`` messages in any ``period`` seconds (a sliding window).

    Parameters
    ----------
    limit
        Messages allowed per window (20 per minute for DingTalk and WeCom robots).
    period
        The window, in seconds.
    clock
        Where the time comes from.
    """

    def __init__(self, limit: int, period: float, clock: Clock) -> None:
        self.limit = limit
        self.period = period
        self.clock = clock
        self._sent: deque[float] = deque()

    def _expire(self) -> None:
        now = self.clock.time()
        while self._sent and now - self._sent[0] >= self.period:
            self._sent.popleft()

    def available(self) -> int:
        """How many messages may go now."""
        self._expire()
        return self.limit - len(self._sent)

    def wait(self) -> float:
        """Sleep until one message may go, then count it as sent; return the seconds slept."""
        slept = 0.0
        while self.available() <= 0:
            pause = self.period - (self.clock.time() - self._sent[0])
            self.clock.sleep(pause)
            slept += pause
        self._sent.append(self.clock.time())
        return slept
