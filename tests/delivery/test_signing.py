"""Signature test vectors: Standard Webhooks and the DingTalk robot sign."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus

import pytest

from rfmkit.delivery import (
    WebhookVerificationError,
    dingtalk_sign,
    generate_secret,
    sign_webhook,
    verify_dingtalk,
    verify_webhook,
)
from rfmkit.errors import ConfigError

# The example of the Standard Webhooks specification.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TS = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def _independent(secret: str, msg_id: str, ts: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def test_standard_webhooks_spec_vector() -> None:
    assert _independent(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY) == SPEC_SIGNATURE
    assert sign_webhook(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY) == SPEC_SIGNATURE


def test_sign_matches_independent_hmac_on_utf8_body() -> None:
    secret = "whsec_" + base64.b64encode(bytes(range(32))).decode()
    body = '{"type":"rfmkit.alerts","data":{"reason":"已 120 天未购买"}}'.encode()
    expected = _independent(secret, "msg_abc", 1700000000, body)
    assert sign_webhook(secret, "msg_abc", 1700000000, body) == expected


def test_verify_accepts_good_and_rotated_signatures() -> None:
    headers = {
        "Webhook-Id": SPEC_ID,
        "Webhook-Timestamp": str(SPEC_TS),
        "Webhook-Signature": f"v1,bm90LXRoaXMtb25l {SPEC_SIGNATURE}",
    }
    assert verify_webhook(SPEC_SECRET, headers, SPEC_BODY, now=SPEC_TS + 10) == SPEC_ID


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"body": b'{"test": 2432232315}'}, "No webhook-signature matches"),
        ({"webhook-id": "msg_other"}, "No webhook-signature matches"),
        ({"now": SPEC_TS + 301}, "away from now"),
        ({"now": SPEC_TS - 301}, "away from now"),
        ({"webhook-timestamp": "soon"}, "not an integer"),
        ({"drop": "webhook-signature"}, "webhook-signature is missing"),
        ({"webhook-signature": SPEC_SIGNATURE.replace("v1,", "v2,")}, "No webhook-signature"),
    ],
)
def test_verify_refuses(change: dict[str, object], message: str) -> None:
    headers = {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TS),
        "webhook-signature": SPEC_SIGNATURE,
    }
    body = SPEC_BODY
    now = float(SPEC_TS)
    for key, value in change.items():
        if key == "body":
            body = value  # type: ignore[assignment]
        elif key == "now":
            now = value  # type: ignore[assignment]
        elif key == "drop":
            del headers[str(value)]
        else:
            headers[key] = str(value)
    with pytest.raises(WebhookVerificationError, match=message):
        verify_webhook(SPEC_SECRET, headers, body, now=now)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with 'whsec_'"),
        ("whsec_not base64!", "not valid base64"),
        ("whsec_" + base64.b64encode(b"short").decode(), "at least 16 bytes; this one holds 5"),
    ],
)
def test_bad_secrets_are_config_errors(secret: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        sign_webhook(secret, "msg", 1, b"{}")


def test_generated_secret_round_trips() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:])) == 32
    sig = sign_webhook(secret, "msg_1", 5, b"x")
    headers = {"webhook-id": "msg_1", "webhook-timestamp": "5", "webhook-signature": sig}
    assert verify_webhook(secret, headers, b"x", now=5) == "msg_1"


def test_dingtalk_sign_vector() -> None:
    secret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
    stamp = 1700000000123
    mac = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256)
    expected = base64.b64encode(mac.digest()).decode()
    assert dingtalk_sign(secret, stamp) == expected
    # The URL form is the base64 text URL-encoded ('+', '/', '=' escaped).
    assert "%" in quote_plus(expected) or expected.isalnum()
    assert verify_dingtalk(secret, stamp, expected, now_ms=stamp + 1000)
    assert not verify_dingtalk(secret, stamp, expected, now_ms=stamp + 3_600_001)
    assert not verify_dingtalk(secret + "x", stamp, expected, now_ms=stamp)
