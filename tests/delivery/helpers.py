"""Builders of alerts, owners and destinations for the delivery tests."""

from __future__ import annotations

from typing import Any

from rfmkit.delivery import Alert, Owner, RetryPolicy, parse_destination

#: Fast retries for tests: small timeout; the fake clock makes waits instant.
FAST: dict[str, Any] = {
    "timeout": 0.5,
    "max_attempts": 4,
    "base_delay": 1.0,
    "max_delay": 8.0,
    "throttle_delay": 30.0,
}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DING_SECRET = "SECb6e8c5f6e1a24c0f9d2b7c3e4a5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7"


def alert(i: int, owner: str | None = "zhang", value: float = 100.0, reason: str = "") -> Alert:
    return Alert(
        customer_id=f"C{i:04d}",
        owner=owner,
        rule="vip_lapsed",
        reason=reason or f"原重要价值客户,已 {90 + i} 天未购买",
        value_at_stake=value,
        alert_key=f"vip_lapsed:C{i:04d}:2025Q1",
    )


OWNERS = {
    "zhang": Owner(name="张伟", mobile="13800000001"),
    "li": Owner(name="李娜", mobile="13800000002", dingtalk_user_id="lina01", wecom_user_id="LiNa"),
}


def destination(kind: str, base: str, **extra: Any) -> Any:
    data: dict[str, Any] = {"kind": kind, "allow_private": True, "retry": RetryPolicy(**FAST)}
    if kind == "webhook":
        data |= {"url": f"{base}/hooks/rfm", "secret": SECRET}
    elif kind == "dingtalk":
        data |= {"access_token": "tok123", "base_url": f"{base}/robot/send"}
    else:
        data |= {"key": "key-abc", "base_url": f"{base}/cgi-bin/webhook/send"}
    data.update(extra)
    return parse_destination(extra.pop("name", kind), data)
