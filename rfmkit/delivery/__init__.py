"""Delivery: the only networking code of rfmkit.

Alerts go to Standard Webhooks receivers, DingTalk and WeCom group robots,
each at most once per destination (a delivery log), with retries, a rate
limit per robot and an SSRF guard on every outbound URL.

Examples
--------
>>> from rfmkit.delivery import MemoryDeliveryLog, alerts_from_records, deliver, parse_destinations
>>> destinations = parse_destinations({"sales": {"kind": "wecom", "key": "..."}})  # doctest: +SKIP
>>> report = deliver(alerts, list(destinations.values()), MemoryDeliveryLog(), language="zh")  # doctest: +SKIP
"""

from rfmkit.delivery.alerts import (
    ALERT_COLUMNS,
    Alert,
    Owner,
    alerts_from_records,
    owners_from_records,
)
from rfmkit.delivery.compose import split_utf8
from rfmkit.delivery.deliver import DeliveryReport, deliver, deliver_to, push_items
from rfmkit.delivery.destinations import (
    DingTalkDestination,
    WebhookDestination,
    WeComDestination,
    parse_destination,
    parse_destinations,
    webhook_destination,
)
from rfmkit.delivery.guard import UnsafeURLError, check_url
from rfmkit.delivery.log import DeliveryLog, MemoryDeliveryLog
from rfmkit.delivery.send import MessageResult
from rfmkit.delivery.signing import (
    WebhookVerificationError,
    dingtalk_sign,
    generate_secret,
    sign_webhook,
    verify_dingtalk,
    verify_webhook,
)
from rfmkit.delivery.timing import RateLimiter, RetryPolicy, SystemClock

__all__ = [
    "ALERT_COLUMNS",
    "Alert",
    "DeliveryLog",
    "DeliveryReport",
    "DingTalkDestination",
    "MemoryDeliveryLog",
    "MessageResult",
    "Owner",
    "RateLimiter",
    "RetryPolicy",
    "SystemClock",
    "UnsafeURLError",
    "WeComDestination",
    "WebhookDestination",
    "WebhookVerificationError",
    "alerts_from_records",
    "check_url",
    "deliver",
    "deliver_to",
    "dingtalk_sign",
    "generate_secret",
    "owners_from_records",
    "parse_destination",
    "parse_destinations",
    "push_items",
    "sign_webhook",
    "split_utf8",
    "verify_dingtalk",
    "verify_webhook",
    "webhook_destination",
]
