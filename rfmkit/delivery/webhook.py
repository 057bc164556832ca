"""The Standard Webhooks sender: signed JSON, chunked, one stable id per chunk.

Each message is ``{"type", "timestamp", "data": {<field>: [...], "chunk": {"index", "count"}}}``
with the headers ``webhook-id`` (derived from the keys of the items it
carries: the same across retries and re-runs, so a receiver can drop
duplicates), ``webhook-timestamp`` (unix seconds of the attempt) and
``webhook-signature`` (``v1,`` + base64 HMAC-SHA256, re-computed per attempt).
A 2xx answer means accepted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from rfmkit.delivery.alerts import Alert
from rfmkit.delivery.compose import Message, message_id
from rfmkit.delivery.destinations import WebhookDestination
from rfmkit.delivery.send import Outcome, Request, http_outcome
from rfmkit.delivery.signing import sign_webhook
from rfmkit.delivery.transport import Response

#: Bytes of a body besides its items (type, timestamp, chunk): a safe over-estimate.
_ENVELOPE_BYTES = 512


def _encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def chunk_items(
    items: Sequence[Mapping[str, Any]], *, max_items: int, max_bytes: int
) -> list[list[int]]:
    """Indices of ``items`` in chunks of at most ``max_items`` items and about ``max_bytes`` bytes.

    A single item larger than ``max_bytes`` goes alone in its chunk.
    """
    chunks: list[list[int]] = []
    current: list[int] = []
    size = _ENVELOPE_BYTES
    for index, item in enumerate(items):
        n = len(_encode(item)) + 1
        if current and (len(current) >= max_items or size + n > max_bytes):
            chunks.append(current)
            current, size = [], _ENVELOPE_BYTES
        current.append(index)
        size += n
    if current:
        chunks.append(current)
    return chunks


def plan_items(
    items: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    *,
    event_type: str,
    field: str,
    now: float,
    max_items: int = 100,
    max_bytes: int = 256 * 1024,
) -> list[Message]:
    """Webhook messages carrying ``items`` (any JSON objects) under ``data[field]``.

    ``keys`` are the items' idempotency keys (one per item): a message's id
    is derived from them. Used for alerts here and for audience pushes.
    """
    stamp = dt.datetime.fromtimestamp(now, dt.UTC).isoformat().replace("+00:00", "Z")
    chunks = chunk_items(items, max_items=max_items, max_bytes=max_bytes)
    messages = []
    for number, chunk in enumerate(chunks, start=1):
        chunk_keys = tuple(keys[i] for i in chunk)
        body = {
            "type": event_type,
            "timestamp": stamp,
            "data": {
                field: [dict(items[i]) for i in chunk],
                "chunk": {"index": number, "count": len(chunks)},
            },
        }
        messages.append(Message(message_id("msg", chunk_keys), chunk_keys, body))
    return messages


class WebhookChannel:
    """Builds signed requests for one :class:`WebhookDestination`."""

    def __init__(self, destination: WebhookDestination) -> None:
        self.destination = destination

    def plan(self, alerts: Sequence[Alert], now: float) -> list[Message]:
        """The alerts as chunked webhook messages."""
        d = self.destination
        return plan_items(
            [a.to_json() for a in alerts],
            [a.alert_key for a in alerts],
            event_type=d.event_type,
            field="alerts",
            now=now,
            max_items=d.max_items,
            max_bytes=d.max_bytes,
        )

    def request(self, message: Message, now: float) -> Request:
        """A request signed for this attempt."""
        body = _encode(message.payload)
        stamp = int(now)
        secret = self.destination.secret.get_secret_value()
        headers = {
            "content-type": "application/json; charset=utf-8",
            "user-agent": "rfmkit",
            "webhook-id": message.id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": sign_webhook(secret, message.id, stamp, body),
        }
        return Request(self.destination.endpoint(), body, headers)

    def outcome(self, response: Response, now: float) -> Outcome:
        """2xx is accepted; 408, 429 and 5xx are retried; others fail."""
        return http_outcome(response, now) or Outcome("ok")
