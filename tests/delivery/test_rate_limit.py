"""At most 20 messages per minute per robot: a digest, or a wait on the (fake) clock."""

from __future__ import annotations

from rfmkit.delivery import MemoryDeliveryLog, Owner, RateLimiter, deliver
from tests.delivery.endpoint import FakeClock, FakeEndpoint
from tests.delivery.helpers import alert, destination

LONG = "连续三个季度未复购,历史客单价高于同类客户的平均水平,近期也没有任何互动记录" * 2


def many_owners(n: int) -> tuple[list, dict[str, Owner]]:
    owners = {f"o{i:02d}": Owner(name=f"销售{i:02d}", mobile=f"139{i:08d}") for i in range(n)}
    alerts = [alert(i, f"o{i:02d}", 1000.0 - i, reason=LONG) for i in range(n)]
    return alerts, owners


def test_limiter_slides_over_the_window() -> None:
    clock = FakeClock(start=1000.0)
    limiter = RateLimiter(3, 60.0, clock)
    for _ in range(3):
        assert limiter.wait() == 0.0
        clock.now += 10
    assert limiter.available() == 0
    assert limiter.wait() == 30.0  # the first slot (t=1000) frees at t=1060
    assert clock.now == 1060.0 and limiter.available() == 0


def test_twenty_messages_go_without_waiting(endpoint: FakeEndpoint, clock: FakeClock) -> None:
    alerts, owners = many_owners(20)
    dest = destination("dingtalk", endpoint.url, max_bytes=512)
    report = deliver(alerts, [dest], MemoryDeliveryLog(), owners=owners, language="zh", clock=clock)
    assert [r.status for r in report.results] == ["delivered"] * 20
    assert clock.sleeps == []


def test_twenty_one_messages_become_one_digest(endpoint: FakeEndpoint, clock: FakeClock) -> None:
    alerts, owners = many_owners(21)
    dest = destination("dingtalk", endpoint.url, max_bytes=512)
    log = MemoryDeliveryLog()
    report = deliver(alerts, [dest], log, owners=owners, language="zh", clock=clock)
    assert [r.status for r in report.results] == ["digest"]
    [req] = endpoint.requests
    text = req.json["markdown"]["text"]
    assert len(text.encode()) <= 512
    assert text.startswith("### 客户流失预警汇总\n\n共 21 条预警,风险金额合计 20,790.00;")
    assert "- 销售00 @13900000000:1 位客户,风险金额 1,000.00\n" in text
    assert text.rstrip().endswith("位负责人")
    listed = [m for m in req.json["at"]["atMobiles"]]
    assert listed and all(f"@{m}" in text for m in listed)
    assert [e.status for e in log.entries] == ["digest"] * 21
    # Re-running sends nothing: the digest counts as delivered.
    assert deliver(alerts, [dest], log, owners=owners, clock=clock).skipped == {"dingtalk": 21}
    assert len(endpoint.requests) == 1


def test_wait_mode_sends_all_after_a_minute(endpoint: FakeEndpoint, clock: FakeClock) -> None:
    alerts, owners = many_owners(21)
    dest = destination("dingtalk", endpoint.url, max_bytes=512, overflow="wait")
    report = deliver(alerts, [dest], MemoryDeliveryLog(), owners=owners, clock=clock)
    assert [r.status for r in report.results] == ["delivered"] * 21
    assert len(endpoint.requests) == 21
    assert clock.sleeps == [60.0]


def test_limit_is_shared_across_runs(endpoint: FakeEndpoint, clock: FakeClock) -> None:
    alerts, owners = many_owners(25)
    dest = destination("wecom", endpoint.url, max_bytes=512)
    limiters: dict[str, RateLimiter] = {}
    log = MemoryDeliveryLog()
    # 15 markdown messages and one text message mentioning the owners by mobile.
    first = deliver(alerts[:15], [dest], log, owners=owners, clock=clock, limiters=limiters)
    assert [r.status for r in first.results] == ["delivered"] * 15 + ["delivered"]
    assert endpoint.requests[-1].json["text"]["mentioned_mobile_list"][:2] == [
        "13900000000",
        "13900000001",
    ]
    # 10 more do not fit in the 4 left this minute: one digest and its mention.
    second = deliver(alerts, [dest], log, owners=owners, clock=clock, limiters=limiters)
    assert second.skipped == {"wecom": 15}
    assert [r.status for r in second.results] == ["digest", "delivered"]
    assert clock.sleeps == []
    assert len(endpoint.requests) == 18
