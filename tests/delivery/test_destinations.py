"""Destinations as validated data."""

from __future__ import annotations

import pytest

from rfmkit.delivery import (
    DingTalkDestination,
    WebhookDestination,
    WeComDestination,
    parse_destinations,
    webhook_destination,
)
from rfmkit.errors import ConfigError
from tests.delivery.helpers import DING_SECRET, SECRET


def test_config_section_builds_each_kind() -> None:
    parsed = parse_destinations(
        {
            "crm": {"kind": "webhook", "url": "https://crm.example/hooks", "secret": SECRET},
            "sales-ding": {"kind": "dingtalk", "access_token": "abc", "secret": DING_SECRET},
            "sales-wecom": {"kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1",
                            "retry": {"timeout": 15, "max_attempts": 3}},
        }
    )  # fmt: skip
    crm, ding, wecom = parsed.values()
    assert isinstance(crm, WebhookDestination) and crm.name == "crm" and crm.rate_per_minute is None
    assert isinstance(ding, DingTalkDestination) and ding.rate_per_minute == 20
    assert ding.endpoint() == "https://oapi.dingtalk.com/robot/send?access_token=abc"
    assert isinstance(wecom, WeComDestination) and wecom.retry.timeout == 15
    assert wecom.endpoint().endswith("?key=k1") and wecom.max_bytes == 4096
    assert WeComDestination(name="w", key="k 2").endpoint() == (  # type: ignore[arg-type]
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k+2"
    )


def test_secrets_never_show_in_repr() -> None:
    dest = webhook_destination("https://crm.example/h", SECRET)
    ding = parse_destinations(
        {"d": {"kind": "dingtalk", "access_token": "tok-secret", "secret": DING_SECRET}}
    )
    for text in (repr(dest), str(dest), repr(ding)):
        assert "MfKQ9r8" not in text and "tok-secret" not in text and DING_SECRET not in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "email"}, "does not match any of the expected tags"),
        ({"kind": "webhook", "url": "https://x.example"}, "secret: Field required"),
        ({"kind": "webhook", "url": "https://x.example", "secret": "abc"}, "must start with 'whsec_'"),
        ({"kind": "webhook", "url": "https://x.example", "secret": SECRET, "colour": 1}, "colour: Extra inputs"),
        ({"kind": "dingtalk"}, "exactly one of access_token and url"),
        ({"kind": "dingtalk", "access_token": "a", "url": "https://oapi.dingtalk.com/robot/send?access_token=b"},
         "exactly one of access_token and url"),
        ({"kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send"}, "must carry \\?access_token"),
        ({"kind": "dingtalk", "access_token": "a", "secret": "abc"}, "starts with 'SEC'"),
        ({"kind": "wecom", "url": "https://qyapi.weixin.qq.com/x"}, "must carry \\?key"),
        ({"kind": "wecom", "key": "k", "max_bytes": 5000}, "max_bytes: Input should be less than or equal to 4096"),
        ({"kind": "wecom", "key": "k", "retry": {"timeout": 0}}, "retry.timeout: Input should be greater than 0"),
        ({"kind": "wecom", "key": "k", "retry": {"base_delay": 9, "max_delay": 2}}, "base_delay must not exceed"),
        ({"kind": "wecom", "key": "k", "overflow": "drop"}, "overflow: Input should be 'digest' or 'wait'"),
    ],
)  # fmt: skip
def test_invalid_destinations_are_config_errors(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=f"The destination 'bad' is invalid: .*{message}"):
        parse_destinations({"bad": data})


def test_ad_hoc_webhook_checks_its_secret() -> None:
    with pytest.raises(ConfigError, match=r"'webhook' is invalid: secret: .*not valid base64"):
        webhook_destination("https://crm.example/h", "whsec_%%%")
