"""DingTalk and WeCom robots against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest

from rfmkit.delivery import MemoryDeliveryLog, deliver
from tests.delivery.endpoint import FakeClock, FakeEndpoint, Reply
from tests.delivery.helpers import DING_SECRET, OWNERS, alert, destination


def test_dingtalk_markdown_grouped_by_owner_with_mentions(
    endpoint: FakeEndpoint, clock: FakeClock
) -> None:
    alerts = [
        alert(1, "zhang", 300.0),
        alert(2, "li", 5000.0),
        alert(3, "zhang", 900.0),
        alert(4, None, 1.0),
    ]
    dest = destination("dingtalk", endpoint.url)
    report = deliver(alerts, [dest], MemoryDeliveryLog(), owners=OWNERS, language="zh", clock=clock)
    assert report.ok
    [req] = endpoint.requests
    assert req.path == "/robot/send" and req.query == {"access_token": "tok123"}
    body = req.json
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "客户流失预警"
    assert body["at"] == {
        "atMobiles": ["13800000002", "13800000001"],
        "atUserIds": ["lina01"],
        "isAtAll": False,
    }
    assert body["markdown"]["text"] == (
        "### 客户流失预警(4 条)\n\n"
        "#### 负责人:李娜 @13800000002 @lina01(1 位客户,风险金额 5,000.00)\n"
        "- 客户 C0002:原重要价值客户,已 92 天未购买(风险金额 5,000.00)\n"
        "#### 负责人:张伟 @13800000001(2 位客户,风险金额 1,200.00)\n"
        "- 客户 C0003:原重要价值客户,已 93 天未购买(风险金额 900.00)\n"
        "- 客户 C0001:原重要价值客户,已 91 天未购买(风险金额 300.00)\n"
        "#### 负责人:未分配(1 位客户,风险金额 1.00)\n"
        "- 客户 C0004:原重要价值客户,已 94 天未购买(风险金额 1.00)\n"
    )


def test_dingtalk_english_text(endpoint: FakeEndpoint, clock: FakeClock) -> None:
    dest = destination("dingtalk", endpoint.url)
    deliver([alert(1, "zhang", 1234.5, reason="no order for 120 days")], [dest], MemoryDeliveryLog(),
            owners=OWNERS, language="en", clock=clock)  # fmt: skip
    text = endpoint.requests[0].json["markdown"]["text"]
    assert "#### Owner: 张伟 @13800000001 (1 customers, 1,234.50 at stake)\n" in text
    assert "- Customer C0001: no order for 120 days (1,234.50 at stake)\n" in text


def test_dingtalk_signed_and_resigned_on_retry(endpoint: FakeEndpoint, clock: FakeClock) -> None:
    endpoint.dingtalk_secret = DING_SECRET
    endpoint.reply(Reply(200, {"errcode": 130101, "errmsg": "send too fast"}))
    dest = destination("dingtalk", endpoint.url, secret=DING_SECRET)
    report = deliver([alert(1)], [dest], MemoryDeliveryLog(), owners=OWNERS, clock=clock)
    assert report.ok and report.results[0].attempts == 2
    first, second = endpoint.requests
    assert first.signature_ok is True and second.signature_ok is True
    assert first.query["timestamp"] != second.query["timestamp"]
    assert first.query["sign"] != second.query["sign"]
    # "Too fast" waits the throttle delay (30 s), longer than the usual backoff (<= 8 s).
    assert clock.sleeps == [30.0]


def test_dingtalk_wrong_secret_is_caught_by_the_receiver(
    endpoint: FakeEndpoint, clock: FakeClock
) -> None:
    endpoint.dingtalk_secret = DING_SECRET
    dest = destination("dingtalk", endpoint.url, secret=DING_SECRET[:-1] + "0")
    report = deliver([alert(1)], [dest], MemoryDeliveryLog(), clock=clock)
    assert endpoint.requests[0].signature_ok is False
    assert report.results[0].status == "config_error"


@pytest.mark.parametrize("code", [310000, 300001])
def test_dingtalk_config_errors_are_not_retried(
    endpoint: FakeEndpoint, clock: FakeClock, code: int
) -> None:
    endpoint.reply(Reply(200, {"errcode": code, "errmsg": "refused"}))
    log = MemoryDeliveryLog()
    report = deliver([alert(1)], [destination("dingtalk", endpoint.url)], log, clock=clock)
    assert [(r.status, r.attempts) for r in report.results] == [("config_error", 1)]
    assert report.results[0].detail.startswith(f"errcode {code}: refused (")
    assert len(endpoint.requests) == 1 and clock.sleeps == []
    assert log.entries[0].status == "config_error"
    assert not log.delivered("dingtalk", alert(1).alert_key)


def test_dingtalk_full_url_form(endpoint: FakeEndpoint, clock: FakeClock) -> None:
    dest = destination("dingtalk", endpoint.url, access_token=None,
                       url=f"{endpoint.url}/robot/send?access_token=fromurl")  # fmt: skip
    assert deliver([alert(1)], [dest], MemoryDeliveryLog(), clock=clock).ok
    assert endpoint.requests[0].query == {"access_token": "fromurl"}


def test_wecom_throttled_then_ok(endpoint: FakeEndpoint, clock: FakeClock) -> None:
    endpoint.reply(Reply(200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    dest = destination("wecom", endpoint.url)
    report = deliver([alert(2, "li")], [dest], MemoryDeliveryLog(), owners=OWNERS, clock=clock)
    assert report.ok and report.results[0].attempts == 2
    assert endpoint.requests[0].query == {"key": "key-abc"}
    assert clock.sleeps == [30.0]


def test_wecom_93000_is_reported_not_retried(endpoint: FakeEndpoint, clock: FakeClock) -> None:
    endpoint.reply(Reply(200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    report = deliver(
        [alert(1), alert(2)], [destination("wecom", endpoint.url)], MemoryDeliveryLog(), clock=clock
    )
    assert report.results[0].status == "config_error"
    assert "93000" in report.results[0].detail and "key is invalid" in report.results[0].detail
    assert len(endpoint.requests) == 1


def test_wecom_mentions_by_user_id_in_markdown_and_by_mobile_in_text(
    endpoint: FakeEndpoint, clock: FakeClock
) -> None:
    alerts = [alert(1, "zhang"), alert(2, "li", 700.0)]
    dest = destination("wecom", endpoint.url)
    report = deliver(alerts, [dest], MemoryDeliveryLog(), owners=OWNERS, language="zh", clock=clock)
    assert report.ok
    markdown, text = (r.json for r in endpoint.requests)
    assert markdown["msgtype"] == "markdown"
    assert "#### 负责人:李娜 <@LiNa>(1 位客户" in markdown["markdown"]["content"]
    assert "#### 负责人:张伟(1 位客户" in markdown["markdown"]["content"]
    assert text == {
        "msgtype": "text",
        "text": {
            "content": "请以上负责人跟进各自的预警客户。",
            "mentioned_mobile_list": ["13800000001"],
        },
    }
    assert report.results[1].alert_keys == ()


def test_wecom_splits_chinese_markdown_by_bytes(endpoint: FakeEndpoint, clock: FakeClock) -> None:
    reason = "原重要价值客户,近三个季度消费持续下降,已超过一百二十天未购买,请尽快电话回访"
    alerts = [alert(i, "zhang" if i % 2 else "li", float(i), reason=reason) for i in range(150)]
    log = MemoryDeliveryLog()
    report = deliver(
        alerts, [destination("wecom", endpoint.url)], log, owners=OWNERS, language="zh", clock=clock
    )
    assert report.ok
    contents = [
        r.json["markdown"]["content"] for r in endpoint.requests if r.json["msgtype"] == "markdown"
    ]
    assert len(contents) > 3
    for content in contents:
        data = content.encode("utf-8")
        assert len(data) <= 4096
        assert data.decode("utf-8") == content
        assert content.endswith("\n")  # split between lines
    lines = "".join(contents)
    for a in alerts:
        assert lines.count(f"客户 {a.customer_id}:") == 1
    assert all(log.delivered("wecom", a.alert_key) for a in alerts)
