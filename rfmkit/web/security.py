"""Secrets of the web app: password hashes, API tokens, session ids, CSRF tokens, throttling.

* Passwords are hashed with argon2id (``argon2-cffi``'s defaults).
* API tokens read ``rfk_<id>_<secret>``: the id finds the row, the SHA-256 of
  the whole token is what is stored and compared (in constant time). A token
  is shown once, when it is made.
* Session ids and CSRF tokens are 32 random bytes; the store keeps only the
  session id's SHA-256.
* :class:`Throttle` slows password guessing: after ``limit`` failures for one
  user name or one address within ``window`` seconds, logins from it are
  refused until the window has passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rfmkit.errors import ConfigError

TOKEN_PREFIX = "rfk_"
_TOKEN = re.compile(r"^rfk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_EXPIRY = re.compile(r"^(\d{1,5})([dwmy]?)$")
_DAYS = {"": 1, "d": 1, "w": 7, "m": 30, "y": 365}
#: The shortest password accepted.
MIN_PASSWORD = 8


def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (a :class:`ConfigError` when it is too short)."""
    if len(password) < MIN_PASSWORD:
        raise ConfigError(
            f"The password is shorter than {MIN_PASSWORD} characters.",
            fix="Choose a longer password.",
        )
    return _hasher().hash(password)


def verify_password(hashed: str | None, password: str) -> bool:
    """Whether ``password`` matches ``hashed`` (a dummy hash is checked when there is none)."""
    try:
        return _hasher().verify(hashed or _DUMMY.value, password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass
class _Dummy:
    """A hash to verify against for unknown users, so that timing does not tell them apart."""

    _value: str | None = None

    @property
    def value(self) -> str:
        if self._value is None:
            self._value = _hasher().hash(secrets.token_urlsafe(16))
        return self._value


_DUMMY = _Dummy()


def digest(text: str) -> str:
    """The hex SHA-256 of ``text`` (tokens and session ids are long random strings)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A new API token: ``(token_id, token)``."""
    token_id = secrets.token_hex(6)
    return token_id, f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"


def token_id_of(token: str) -> str | None:
    """The id part of a well-formed token, else None."""
    found = _TOKEN.match(token.strip())
    return found.group(1) if found else None


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def new_secret() -> str:
    """A random session id or CSRF token."""
    return secrets.token_urlsafe(32)


def expiry(text: str | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """When a token given ``--expires 90d`` (d, w, m, y; ``never`` or None: no expiry) ends."""
    if text is None or text.strip().lower() in ("", "never"):
        return None
    found = _EXPIRY.match(text.strip().lower())
    if not found or int(found.group(1)) == 0:
        raise ConfigError(
            f"Invalid expiry {text!r}.", fix="Write a duration such as 90d, 12w, 6m, 1y or never."
        )
    days = int(found.group(1)) * _DAYS[found.group(2)]
    start = now or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    return start + dt.timedelta(days=days)


@dataclass
class Throttle:
    """Refuse logins for a key (user name, address) after too many recent failures."""

    limit: int = 5
    window: float = 300.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(key, now)) >= self.limit for key in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times


def mask_phone(value: str | None) -> str | None:
    """``+8613800138000`` -> ``+86138****8000`` (the last four digits kept)."""
    if not value:
        return value
    text = str(value)
    keep = 4 if len(text) > 8 else 2
    return text[: max(len(text) - keep - 4, 1)] + "****" + text[-keep:]


def mask_email(value: str | None) -> str | None:
    """``ann.lee@example.com`` -> ``a***@example.com``."""
    if not value or "@" not in str(value):
        return "***" if value else value
    local, domain = str(value).split("@", 1)
    return f"{local[:1]}***@{domain}"
