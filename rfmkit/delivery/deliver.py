"""Deliver alerts to destinations, once each, with a delivery log.

For every destination: drop the alerts the log says were delivered there,
plan the messages (chunks for a webhook, markdown grouped by owner for a
robot), switch to one digest when more messages are due than the robot's
rate allows (or wait, as the destination says), send them in order and
record every alert's outcome. After a message fails, the rest to that
destination are recorded ``not_sent`` and left for the next run.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rfmkit.delivery.alerts import Alert, Owner
from rfmkit.delivery.compose import Message
from rfmkit.delivery.destinations import (
    DingTalkDestination,
    WebhookDestination,
    WeComDestination,
)
from rfmkit.delivery.log import DeliveryLog
from rfmkit.delivery.robots import DingTalkChannel, WeComChannel
from rfmkit.delivery.send import Channel, MessageResult, send_message
from rfmkit.delivery.text import Language
from rfmkit.delivery.timing import Clock, RateLimiter, SystemClock
from rfmkit.delivery.webhook import WebhookChannel, plan_items
from rfmkit.errors import DeliveryError

AnyDestination = WebhookDestination | DingTalkDestination | WeComDestination


@dataclass
class DeliveryReport:
    """What a delivery run did: one result per message, and alerts skipped as already delivered."""

    results: list[MessageResult] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every message was accepted."""
        return all(r.ok for r in self.results)

    @property
    def failures(self) -> list[MessageResult]:
        """The messages that were not accepted (failed, config_error, not_sent)."""
        return [r for r in self.results if not r.ok]

    def to_records(self) -> list[dict[str, Any]]:
        """One row per message, for a table or JSON output."""
        return [
            {
                "destination": r.destination,
                "message_id": r.message_id,
                "alerts": len(r.alert_keys),
                "status": r.status,
                "attempts": r.attempts,
                "detail": r.detail,
            }
            for r in self.results
        ]

    def raise_for_failures(self) -> None:
        """Raise :class:`~rfmkit.errors.DeliveryError` when any message was not accepted."""
        failures = self.failures
        if not failures:
            return
        first = failures[0]
        config = any(r.status == "config_error" for r in failures)
        raise DeliveryError(
            f"{len(failures)} of {len(self.results)} messages were not delivered; "
            f"first: {first.destination}: {first.detail}.",
            fix=(
                "Check the destination's URL, token and secret."
                if config
                else "Run again later: delivered alerts are not sent twice."
            ),
            details={
                "failures": [r.__dict__ | {"alert_keys": list(r.alert_keys)} for r in failures]
            },
        )


def _plan(
    destination: AnyDestination,
    alerts: Sequence[Alert],
    owners: Mapping[str, Owner],
    language: Language,
    now: float,
    available: int | None,
) -> tuple[Channel, list[Message]]:
    if isinstance(destination, WebhookDestination):
        webhook = WebhookChannel(destination)
        return webhook, webhook.plan(alerts, now)
    robot: DingTalkChannel | WeComChannel
    if isinstance(destination, DingTalkDestination):
        robot = DingTalkChannel(destination, language)
    else:
        robot = WeComChannel(destination, language)
    messages = robot.plan(alerts, owners)
    if available is not None and len(messages) > available and destination.overflow == "digest":
        messages = robot.digest(alerts, owners)
    return robot, messages


def send_all(
    destination: AnyDestination,
    channel: Channel,
    messages: Sequence[Message],
    log: DeliveryLog,
    *,
    clock: Clock,
    rng: random.Random,
    limiter: RateLimiter | None,
) -> list[MessageResult]:
    """Send planned messages in order, recording each key's outcome; stop trying after a failure."""
    name = destination.name
    results: list[MessageResult] = []
    done: set[str] = set()
    failed: MessageResult | None = None
    for message in messages:
        if failed is not None:
            note = f"not tried after message {failed.message_id} failed"
            result = MessageResult(name, message.id, message.alert_keys, "not_sent", 0, note)
        else:
            result = send_message(
                name, channel, message,
                policy=destination.retry, allow_private=destination.allow_private,
                clock=clock, rng=rng, limiter=limiter,
            )  # fmt: skip
            if not result.ok:
                failed = result
        results.append(result)
        for key in message.alert_keys:
            if key not in done:
                log.record_delivery(name, key, result.status, result.detail)
            if result.ok:
                done.add(key)
    return results


def _limiter(destination: AnyDestination, clock: Clock) -> RateLimiter | None:
    if destination.rate_per_minute is None:
        return None
    return RateLimiter(destination.rate_per_minute, 60.0, clock)


def deliver_to(
    destination: AnyDestination,
    alerts: Sequence[Alert],
    log: DeliveryLog,
    *,
    owners: Mapping[str, Owner] | None = None,
    language: Language = "en",
    clock: Clock | None = None,
    rng: random.Random | None = None,
    limiter: RateLimiter | None = None,
) -> tuple[list[MessageResult], int]:
    """Deliver ``alerts`` to one destination; return the message results and the number skipped."""
    clock = clock or SystemClock()
    limiter = limiter or _limiter(destination, clock)
    pending = [a for a in alerts if not log.delivered(destination.name, a.alert_key)]
    skipped = len(alerts) - len(pending)
    if not pending:
        return [], skipped
    available = limiter.available() if limiter is not None else None
    channel, messages = _plan(destination, pending, owners or {}, language, clock.time(), available)
    results = send_all(
        destination, channel, messages, log,
        clock=clock, rng=rng or random.Random(), limiter=limiter,
    )  # fmt: skip
    return results, skipped


def push_items(
    destination: WebhookDestination,
    items: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    log: DeliveryLog,
    *,
    event_type: str,
    field: str = "items",
    clock: Clock | None = None,
    rng: random.Random | None = None,
) -> DeliveryReport:
    """Push any JSON objects (e.g. an audience's customers) to a webhook, each key at most once.

    Parameters
    ----------
    destination
        The Standard Webhooks receiver (its ``max_items`` and ``max_bytes`` chunk the items).
    items
        JSON-ready objects.
    keys
        One idempotency key per item (e.g. ``"{audience}:{customer_id}"``):
        items whose key the log holds as delivered are not sent again.
    log
        The delivery log.
    event_type, field
        The body's ``type`` and the ``data`` key holding the items.
    clock, rng
        Time and randomness (tests pass a fake clock).
    """
    if len(items) != len(keys):
        raise ValueError("items and keys must have the same length")
    clock = clock or SystemClock()
    pending = [i for i, key in enumerate(keys) if not log.delivered(destination.name, key)]
    messages = plan_items(
        [items[i] for i in pending], [keys[i] for i in pending],
        event_type=event_type, field=field, now=clock.time(),
        max_items=destination.max_items, max_bytes=destination.max_bytes,
    )  # fmt: skip
    results = send_all(
        destination, WebhookChannel(destination), messages, log,
        clock=clock, rng=rng or random.Random(), limiter=_limiter(destination, clock),
    )  # fmt: skip
    return DeliveryReport(results, {destination.name: len(keys) - len(pending)})


def deliver(
    alerts: Sequence[Alert],
    destinations: Sequence[AnyDestination],
    log: DeliveryLog,
    *,
    owners: Mapping[str, Owner] | None = None,
    language: Language = "en",
    clock: Clock | None = None,
    rng: random.Random | None = None,
    limiters: dict[str, RateLimiter] | None = None,
) -> DeliveryReport:
    """Deliver alerts to every destination, each alert at most once per destination.

    Parameters
    ----------
    alerts
        The alerts (see :func:`~rfmkit.delivery.alerts.alerts_from_records`).
    destinations
        Where to send them.
    log
        The delivery log, checked before and written after sending.
    owners
        Owner key -> :class:`Owner` (names and mobiles for mentions).
    language
        ``"zh"`` or ``"en"`` for the robots' text.
    clock, rng
        Time and randomness (tests pass a fake clock and a seeded generator).
    limiters
        Rate limiters by destination name, kept across calls when the same
        dict is passed again (created as needed).

    Returns
    -------
    DeliveryReport
        Every message's outcome; :meth:`DeliveryReport.raise_for_failures`
        turns failures into a :class:`~rfmkit.errors.DeliveryError`.
    """
    clock = clock or SystemClock()
    limiters = {} if limiters is None else limiters
    report = DeliveryReport()
    for destination in destinations:
        limiter = limiters.get(destination.name) or _limiter(destination, clock)
        if limiter is not None:
            limiters[destination.name] = limiter
        results, skipped = deliver_to(
            destination, alerts, log,
            owners=owners, language=language, clock=clock, rng=rng, limiter=limiter,
        )  # fmt: skip
        report.results.extend(results)
        report.skipped[destination.name] = skipped
    return report
