"""Signatures: Standard Webhooks (sign and verify) and the DingTalk robot's ``sign``.

Standard Webhooks (https://www.standardwebhooks.com): the signed content is
``"{webhook-id}.{webhook-timestamp}.{body}"``, the key is the base64-decoded
part of a ``whsec_...`` secret, and the ``webhook-signature`` header holds
space-separated ``v1,<base64 HMAC-SHA256>`` entries (several during a key
rotation). DingTalk: ``sign`` is the base64 HMAC-SHA256, keyed by the robot's
``SEC...`` secret, of ``"{timestamp_ms}\\n{secret}"``; it goes URL-encoded
into the query string next to ``timestamp``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import time
from collections.abc import Mapping

from rfmkit.errors import ConfigError, RfmError

SECRET_PREFIX = "whsec_"
#: Webhook timestamps further than this from now are refused (replay protection).
DEFAULT_TOLERANCE_S = 5 * 60


class WebhookVerificationError(RfmError):
    """A received webhook's headers or signature do not check out."""

    code = "webhook_verification"
    status = 400


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret (its base64 part, decoded).

    Raises
    ------
    ConfigError
        The secret lacks the prefix, is not base64, or is shorter than 16 bytes.
    """
    if not secret.startswith(SECRET_PREFIX):
        raise ConfigError(
            "A webhook secret must start with 'whsec_'.",
            fix="Use a secret such as the one `generate_secret()` makes: whsec_ + base64 bytes.",
        )
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(
            "The part of a webhook secret after 'whsec_' is not valid base64.",
            fix="Copy the whole secret; it looks like whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw.",
        ) from exc
    if len(key) < 16:
        raise ConfigError(
            f"A webhook secret must hold at least 16 bytes; this one holds {len(key)}.",
            fix="Generate a new secret of 24 to 64 random bytes.",
        )
    return key


def generate_secret(nbytes: int = 32) -> str:
    """A new random ``whsec_`` secret of ``nbytes`` bytes."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(nbytes)).decode("ascii")


def sign_webhook(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value ``v1,<base64>`` for one message."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: float = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> str:
    """Check a received Standard Webhooks message; return its ``webhook-id``.

    Parameters
    ----------
    secret
        The shared ``whsec_`` secret.
    headers
        The request headers (any capitalisation).
    body
        The raw request body, exactly as received.
    tolerance
        How far (seconds) the timestamp may be from ``now``.
    now
        The current unix time (defaults to the clock).

    Raises
    ------
    WebhookVerificationError
        A header is missing, the timestamp is too old or too new, or no
        ``v1`` signature matches.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id = lower["webhook-id"]
        stamp = lower["webhook-timestamp"]
        signatures = lower["webhook-signature"]
    except KeyError as exc:
        raise WebhookVerificationError(f"The header {exc.args[0]} is missing.") from exc
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise WebhookVerificationError(
            f"The webhook-timestamp {stamp!r} is not an integer."
        ) from exc
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError(
            f"The webhook-timestamp is {current - timestamp:.0f} s away from now "
            f"(more than {tolerance:g} s)."
        )
    expected = sign_webhook(secret, msg_id, timestamp, body).split(",", 1)[1]
    for entry in signatures.split():
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected.encode()):
            return msg_id
    raise WebhookVerificationError("No webhook-signature matches the body.")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The DingTalk robot ``sign`` (base64, not yet URL-encoded) for ``timestamp_ms``."""
    content = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), content, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_dingtalk(
    secret: str, timestamp_ms: int, sign: str, *, now_ms: int, tolerance_ms: int = 3_600_000
) -> bool:
    """Whether a DingTalk ``sign`` (URL-decoded) matches and its timestamp is within an hour."""
    if abs(now_ms - timestamp_ms) > tolerance_ms:
        return False
    return hmac.compare_digest(sign.encode(), dingtalk_sign(secret, timestamp_ms).encode())
