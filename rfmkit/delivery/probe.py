"""A test message: does a destination accept what rfmkit sends it?

:func:`send_test` sends one short text through the destination's own
channel (signed like every webhook message, the DingTalk signature and the
WeCom key as configured), through the SSRF guard, with one attempt and a
short timeout, and records nothing in the delivery log: no alert is marked
as delivered by a test.

- Standard Webhooks: ``{"type": "rfmkit.test", "timestamp", "data": {"message": text}}``.
- DingTalk and WeCom robots: a ``text`` message with ``text`` as content
  (a DingTalk robot secured by keywords needs one of them in ``text``).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from typing import Any

from rfmkit.delivery.compose import Message
from rfmkit.delivery.deliver import AnyDestination
from rfmkit.delivery.destinations import DingTalkDestination, WebhookDestination
from rfmkit.delivery.robots import DingTalkChannel, WeComChannel
from rfmkit.delivery.send import Channel, MessageResult, send_message
from rfmkit.delivery.timing import Clock, RetryPolicy, SystemClock
from rfmkit.delivery.webhook import WebhookChannel

#: Seconds a test waits for the answer (one attempt).
TIMEOUT = 10.0
#: The ``type`` of a test message to a webhook.
EVENT_TYPE = "rfmkit.test"


def send_test(
    destination: AnyDestination, text: str, *, clock: Clock | None = None
) -> MessageResult:
    """Send ``text`` once to ``destination``; its outcome (never raises for a failed delivery)."""
    clock = clock or SystemClock()
    once = destination.model_copy(
        update={
            "retry": RetryPolicy(max_attempts=1, timeout=min(TIMEOUT, destination.retry.timeout))
        }
    )
    channel, payload = _channel(once, text, clock.time())
    message = Message(f"test_{secrets.token_hex(12)}", (), payload)
    return send_message(
        once.name,
        channel,
        message,
        policy=once.retry,
        allow_private=once.allow_private,
        clock=clock,
        rng=random.Random(),
    )


def _channel(destination: AnyDestination, text: str, now: float) -> tuple[Channel, dict[str, Any]]:
    if isinstance(destination, WebhookDestination):
        stamp = dt.datetime.fromtimestamp(now, dt.UTC).isoformat().replace("+00:00", "Z")
        body = {"type": EVENT_TYPE, "timestamp": stamp, "data": {"message": text}}
        return WebhookChannel(destination), body
    robot: Channel
    if isinstance(destination, DingTalkDestination):
        robot = DingTalkChannel(destination, "en")
    else:
        robot = WeComChannel(destination, "en")
    return robot, {"msgtype": "text", "text": {"content": text}}
