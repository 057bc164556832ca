"""The Standard Webhooks sender against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import email.utils
import random
import socket

import pytest

from rfmkit.delivery import MemoryDeliveryLog, deliver, push_items, webhook_destination
from rfmkit.delivery.alerts import alerts_from_records
from rfmkit.errors import DeliveryError
from tests.delivery.endpoint import FakeClock, FakeEndpoint, Reply
from tests.delivery.helpers import SECRET, alert, destination


@pytest.fixture
def hook(endpoint: FakeEndpoint) -> FakeEndpoint:
    endpoint.webhook_secret = SECRET
    return endpoint


def test_alerts_arrive_signed_with_the_standard_body(hook: FakeEndpoint, clock: FakeClock) -> None:
    alerts = [alert(1, value=500.0), alert(2, owner=None, value=20.5)]
    log = MemoryDeliveryLog()
    report = deliver(alerts, [destination("webhook", hook.url)], log, clock=clock)
    assert report.ok and report.skipped == {"webhook": 0}
    [req] = hook.requests
    assert req.signature_ok is True
    assert req.path == "/hooks/rfm"
    assert req.headers["webhook-timestamp"] == str(int(clock.time()))
    assert req.headers["webhook-id"].startswith("msg_")
    body = req.json
    assert body["type"] == "rfmkit.alerts"
    assert body["timestamp"].endswith("Z")
    assert body["data"]["chunk"] == {"index": 1, "count": 1}
    assert body["data"]["alerts"][1] == {
        "alert_key": "vip_lapsed:C0002:2025Q1",
        "customer_id": "C0002",
        "owner": None,
        "rule": "vip_lapsed",
        "reason": "原重要价值客户,已 92 天未购买",
        "value_at_stake": 20.5,
    }
    assert [(e.key, e.status) for e in log.entries] == [
        ("vip_lapsed:C0001:2025Q1", "delivered"),
        ("vip_lapsed:C0002:2025Q1", "delivered"),
    ]


def test_large_lists_are_chunked_with_stable_ids(hook: FakeEndpoint, clock: FakeClock) -> None:
    alerts = [alert(i) for i in range(25)]
    dest = destination("webhook", hook.url, max_items=10)
    report = deliver(alerts, [dest], MemoryDeliveryLog(), clock=clock)
    assert [r.status for r in report.results] == ["delivered"] * 3
    sizes = [len(r.json["data"]["alerts"]) for r in hook.requests]
    assert sizes == [10, 10, 5]
    assert [r.json["data"]["chunk"]["index"] for r in hook.requests] == [1, 2, 3]
    ids = [r.headers["webhook-id"] for r in hook.requests]
    assert len(set(ids)) == 3
    # The same content gives the same ids on another run with a fresh log.
    deliver(alerts, [dest], MemoryDeliveryLog(), clock=clock)
    assert [r.headers["webhook-id"] for r in hook.requests[3:]] == ids


def test_byte_limit_splits_chunks(hook: FakeEndpoint, clock: FakeClock) -> None:
    alerts = [alert(i, reason="说明" * 300) for i in range(6)]  # ~1.9 kB per alert
    dest = destination("webhook", hook.url, max_bytes=4096)
    assert deliver(alerts, [dest], MemoryDeliveryLog(), clock=clock).ok
    assert [len(r.json["data"]["alerts"]) for r in hook.requests] == [1, 1, 1, 1, 1, 1]
    assert all(len(r.body) <= 4096 for r in hook.requests)


def test_500_then_200_is_retried_with_the_same_id(hook: FakeEndpoint, clock: FakeClock) -> None:
    hook.reply(Reply(500, {}), Reply(503, {}))
    report = deliver(
        [alert(1)], [destination("webhook", hook.url)], MemoryDeliveryLog(),
        clock=clock, rng=random.Random(1),
    )  # fmt: skip
    assert report.ok and report.results[0].attempts == 3
    assert len({r.headers["webhook-id"] for r in hook.requests}) == 1
    assert all(r.signature_ok for r in hook.requests)
    # Exponential backoff with jitter: between half and all of 1 s, then of 2 s.
    assert len(clock.sleeps) == 2
    assert 0.5 <= clock.sleeps[0] <= 1.0 and 1.0 <= clock.sleeps[1] <= 2.0
    # Each attempt is signed at its own time.
    stamps = [int(r.headers["webhook-timestamp"]) for r in hook.requests]
    assert stamps == sorted(stamps) and stamps[0] < stamps[2]


def test_429_retry_after_seconds_and_http_date(hook: FakeEndpoint, clock: FakeClock) -> None:
    later = email.utils.formatdate(clock.time() + 42, usegmt=True)
    hook.reply(
        Reply(429, {}, headers={"Retry-After": "7"}),
        Reply(429, {}, headers={"Retry-After": later}),
    )
    report = deliver(
        [alert(1)], [destination("webhook", hook.url)], MemoryDeliveryLog(), clock=clock
    )
    assert report.ok
    assert clock.sleeps[0] == 7.0
    assert 34.0 <= clock.sleeps[1] <= 35.0  # 42 s from the start, 7 s already waited


def test_retry_after_longer_than_allowed_fails_now(hook: FakeEndpoint, clock: FakeClock) -> None:
    hook.reply(Reply(503, {}, headers={"Retry-After": "3600"}))
    log = MemoryDeliveryLog()
    report = deliver([alert(1)], [destination("webhook", hook.url)], log, clock=clock)
    assert [r.status for r in report.results] == ["failed"]
    assert "asks to wait 3600 s" in report.results[0].detail
    assert len(hook.requests) == 1 and clock.sleeps == []
    assert log.entries[0].status == "failed"


def test_a_timeout_is_retried(hook: FakeEndpoint, clock: FakeClock) -> None:
    hook.reply(Reply(200, {}, delay=1.5))
    dest = destination("webhook", hook.url)
    assert dest.retry.timeout == 0.5
    report = deliver([alert(1)], [dest], MemoryDeliveryLog(), clock=clock)
    assert report.ok and report.results[0].attempts == 2
    assert len(hook.requests) == 2
    assert hook.requests[0].headers["webhook-id"] == hook.requests[1].headers["webhook-id"]


def test_attempts_are_bounded_and_failures_recorded(hook: FakeEndpoint, clock: FakeClock) -> None:
    hook.reply(*[Reply(500, {})] * 10)
    log = MemoryDeliveryLog()
    dest = destination("webhook", hook.url, max_items=1)
    report = deliver([alert(1), alert(2)], [dest], log, clock=clock)
    assert [(r.status, r.attempts) for r in report.results] == [("failed", 4), ("not_sent", 0)]
    assert "HTTP 500 (gave up after 4 attempts)" in report.results[0].detail
    assert len(hook.requests) == 4
    assert [e.status for e in log.entries] == ["failed", "not_sent"]
    with pytest.raises(
        DeliveryError, match="2 of 2 messages were not delivered; first: webhook: HTTP 500"
    ):
        report.raise_for_failures()


@pytest.mark.parametrize("status", [400, 401, 404, 410])
def test_client_errors_are_not_retried(hook: FakeEndpoint, clock: FakeClock, status: int) -> None:
    hook.reply(Reply(status, {}))
    report = deliver(
        [alert(1)], [destination("webhook", hook.url)], MemoryDeliveryLog(), clock=clock
    )
    assert report.results[0].status in ("failed", "config_error")
    assert report.results[0].detail.startswith(f"HTTP {status}")
    assert len(hook.requests) == 1


def test_bad_signature_is_refused_by_the_receiver(endpoint: FakeEndpoint, clock: FakeClock) -> None:
    endpoint.webhook_secret = "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
    report = deliver(
        [alert(1)], [destination("webhook", endpoint.url)], MemoryDeliveryLog(), clock=clock
    )
    assert endpoint.requests[0].signature_ok is False
    assert report.results[0].status == "config_error"


def test_rerun_never_delivers_twice(hook: FakeEndpoint, clock: FakeClock) -> None:
    log = MemoryDeliveryLog()
    dest = destination("webhook", hook.url, max_items=2)
    alerts = [alert(i) for i in range(3)]
    first = deliver(alerts, [dest], log, clock=clock)
    assert first.ok and len(hook.requests) == 2
    second = deliver(alerts, [dest], log, clock=clock)
    assert second.results == [] and second.skipped == {"webhook": 3}
    assert len(hook.requests) == 2
    # A new alert goes alone; the old ones stay delivered.
    third = deliver([*alerts, alert(9)], [dest], log, clock=clock)
    assert third.skipped == {"webhook": 3}
    assert [a["customer_id"] for a in hook.requests[2].json["data"]["alerts"]] == ["C0009"]


def test_rerun_after_failure_sends_only_what_is_missing(
    hook: FakeEndpoint, clock: FakeClock
) -> None:
    log = MemoryDeliveryLog()
    dest = destination("webhook", hook.url, max_items=1)
    hook.reply(Reply(), Reply(400, {}))
    first = deliver([alert(1), alert(2), alert(3)], [dest], log, clock=clock)
    assert [r.status for r in first.results] == ["delivered", "failed", "not_sent"]
    second = deliver([alert(1), alert(2), alert(3)], [dest], log, clock=clock)
    assert second.ok and second.skipped == {"webhook": 1}
    sent = [r.json["data"]["alerts"][0]["customer_id"] for r in hook.requests]
    assert sent == ["C0001", "C0002", "C0002", "C0003"]


def test_ad_hoc_destination_and_records(hook: FakeEndpoint, clock: FakeClock) -> None:
    dest = webhook_destination(f"{hook.url}/adhoc", SECRET, allow_private=True)
    rows = [
        {"customer_id": 7, "owner": "zhang", "rule": "drop", "reason": "fell 2 tiers",
         "value_at_stake": "12.5", "alert_key": "drop:7"},
        {"customer_id": 7, "owner": "zhang", "rule": "drop", "reason": "fell 2 tiers",
         "value_at_stake": "12.5", "alert_key": "drop:7"},
    ]  # fmt: skip
    report = deliver(alerts_from_records(rows), [dest], MemoryDeliveryLog(), clock=clock)
    assert report.ok
    assert hook.requests[0].path == "/adhoc"
    assert hook.requests[0].json["data"]["alerts"] == [
        {"alert_key": "drop:7", "customer_id": "7", "owner": "zhang", "rule": "drop",
         "reason": "fell 2 tiers", "value_at_stake": 12.5}
    ]  # fmt: skip


def test_loopback_is_refused_unless_allowed(hook: FakeEndpoint, clock: FakeClock) -> None:
    dest = webhook_destination(f"{hook.url}/x", SECRET)
    log = MemoryDeliveryLog()
    report = deliver([alert(1)], [dest], log, clock=clock)
    assert report.results[0].status == "config_error"
    assert "non-public address (127.0.0.1)" in report.results[0].detail
    assert hook.requests == []
    assert log.entries[0].status == "config_error"


def test_connection_refused_is_retried_then_reported(clock: FakeClock) -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dest = destination("webhook", f"http://127.0.0.1:{port}")
    report = deliver([alert(1)], [dest], MemoryDeliveryLog(), clock=clock)
    assert [(r.status, r.attempts) for r in report.results] == [("failed", 4)]
    assert "ConnectionRefusedError" in report.results[0].detail
    assert len(clock.sleeps) == 3


def test_redirects_are_not_followed(hook: FakeEndpoint, clock: FakeClock) -> None:
    hook.reply(Reply(302, {}, headers={"Location": "http://169.254.169.254/latest"}))
    report = deliver(
        [alert(1)], [destination("webhook", hook.url)], MemoryDeliveryLog(), clock=clock
    )
    assert [(r.status, r.detail) for r in report.results] == [("failed", "HTTP 302")]
    assert len(hook.requests) == 1


def test_push_items_sends_each_customer_once(hook: FakeEndpoint, clock: FakeClock) -> None:
    dest = destination("webhook", hook.url, max_items=2)
    customers = [{"customer_id": f"C{i}", "segment": "at_risk"} for i in range(3)]
    keys = [f"winback:C{i}" for i in range(3)]
    log = MemoryDeliveryLog()
    first = push_items(
        dest, customers, keys, log, event_type="rfmkit.audience", field="customers", clock=clock
    )
    assert first.ok and [len(r.alert_keys) for r in first.results] == [2, 1]
    assert hook.requests[0].json["type"] == "rfmkit.audience"
    assert hook.requests[0].json["data"]["customers"] == customers[:2]
    assert all(r.signature_ok for r in hook.requests)
    again = push_items(dest, [*customers, {"customer_id": "C9"}], [*keys, "winback:C9"], log,
                       event_type="rfmkit.audience", field="customers", clock=clock)  # fmt: skip
    assert again.skipped == {"webhook": 3}
    assert hook.requests[2].json["data"]["customers"] == [{"customer_id": "C9"}]
    with pytest.raises(ValueError, match="same length"):
        push_items(dest, customers, keys[:1], log, event_type="x")
