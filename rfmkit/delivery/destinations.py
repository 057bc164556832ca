"""Destinations as data: where alerts go, validated by pydantic.

Three kinds, told apart by ``kind``:

- ``webhook``: any receiver of Standard Webhooks (``url``, ``secret`` ``whsec_...``).
- ``dingtalk``: a DingTalk custom group robot (``access_token`` or the full
  webhook ``url``, optional signing ``secret`` ``SEC...``).
- ``wecom``: a WeCom (企业微信) group robot (``key`` or the full webhook ``url``).

A config file lists them by name (:func:`parse_destinations`); the CLI's
``--webhook URL --secret whsec_...`` makes one ad hoc (:func:`webhook_destination`).
Secrets are :class:`pydantic.SecretStr`: they never show in a repr or a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from rfmkit.delivery.signing import secret_key
from rfmkit.delivery.timing import RetryPolicy
from rfmkit.errors import ConfigError, RfmError

DINGTALK_URL = "https://oapi.dingtalk.com/robot/send"
WECOM_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
#: Messages per minute a DingTalk or WeCom robot accepts.
ROBOT_RATE_PER_MINUTE = 20


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="The destination's name (the delivery log's key).")
    allow_private: bool = Field(
        default=False, description="Allow URLs on private, loopback or link-local addresses."
    )
    retry: RetryPolicy = Field(
        default_factory=lambda: RetryPolicy(), description="Timeout and retries."
    )
    rate_per_minute: int | None = Field(
        default=None, ge=1, description="At most this many messages per minute (None: no limit)."
    )
    overflow: Literal["digest", "wait"] = Field(
        default="digest",
        description="When more messages are due than the rate allows: send one digest, or wait.",
    )

    @field_validator("name")
    @classmethod
    def _name_is_plain(cls, value: str) -> str:
        if value != value.strip():
            raise ValueError("a destination name has no leading or trailing spaces")
        return value


class WebhookDestination(_Base):
    """A Standard Webhooks receiver."""

    kind: Literal["webhook"] = "webhook"
    url: str = Field(description="The receiver's http(s) URL.")
    secret: SecretStr = Field(description="The shared secret, whsec_ + base64.")
    event_type: str = Field(default="rfmkit.alerts", description="The ``type`` of the JSON body.")
    max_items: int = Field(default=100, ge=1, description="At most this many alerts per message.")
    max_bytes: int = Field(
        default=256 * 1024, ge=1024, description="At most this many body bytes per message."
    )

    @field_validator("secret")
    @classmethod
    def _secret_is_whsec(cls, value: SecretStr) -> SecretStr:
        try:
            secret_key(value.get_secret_value())
        except RfmError as exc:
            raise ValueError(exc.message) from None
        return value

    def endpoint(self) -> str:
        """The URL messages are posted to."""
        return self.url


def _query_value(url: str, name: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


class DingTalkDestination(_Base):
    """A DingTalk custom group robot (自定义机器人)."""

    kind: Literal["dingtalk"] = "dingtalk"
    access_token: SecretStr | None = Field(default=None, description="The robot's access_token.")
    url: str | None = Field(
        default=None, description="The full webhook URL (instead of access_token)."
    )
    base_url: str = Field(
        default=DINGTALK_URL, description="The robot API (tests point it at 127.0.0.1)."
    )
    secret: SecretStr | None = Field(
        default=None, description="The signing secret SEC... (加签), if set."
    )
    rate_per_minute: int | None = Field(default=ROBOT_RATE_PER_MINUTE, ge=1)
    max_bytes: int = Field(
        default=18_000,
        ge=512,
        le=20_000,
        description="At most this many bytes of markdown per message.",
    )

    @model_validator(mode="after")
    def _one_address(self) -> DingTalkDestination:
        if (self.access_token is None) == (self.url is None):
            raise ValueError("give exactly one of access_token and url")
        if self.url is not None and not _query_value(self.url, "access_token"):
            raise ValueError("a DingTalk robot url must carry ?access_token=...")
        if self.secret is not None and not self.secret.get_secret_value().startswith("SEC"):
            raise ValueError("a DingTalk signing secret starts with 'SEC'")
        return self

    def endpoint(self) -> str:
        """The robot URL with the access token (unsigned)."""
        if self.url is not None:
            return self.url
        assert self.access_token is not None
        return (
            f"{self.base_url}?{urlencode({'access_token': self.access_token.get_secret_value()})}"
        )


class WeComDestination(_Base):
    """A WeCom (企业微信) group robot (群机器人)."""

    kind: Literal["wecom"] = "wecom"
    key: SecretStr | None = Field(default=None, description="The robot's key.")
    url: str | None = Field(default=None, description="The full webhook URL (instead of key).")
    base_url: str = Field(
        default=WECOM_URL, description="The robot API (tests point it at 127.0.0.1)."
    )
    rate_per_minute: int | None = Field(default=ROBOT_RATE_PER_MINUTE, ge=1)
    max_bytes: int = Field(
        default=4096,
        ge=256,
        le=4096,
        description="At most this many bytes of markdown per message.",
    )

    @model_validator(mode="after")
    def _one_address(self) -> WeComDestination:
        if (self.key is None) == (self.url is None):
            raise ValueError("give exactly one of key and url")
        if self.url is not None and not _query_value(self.url, "key"):
            raise ValueError("a WeCom robot url must carry ?key=...")
        return self

    def endpoint(self) -> str:
        """The robot URL with its key."""
        if self.url is not None:
            return self.url
        assert self.key is not None
        return f"{self.base_url}?{urlencode({'key': self.key.get_secret_value()})}"


Destination = Annotated[
    WebhookDestination | DingTalkDestination | WeComDestination, Field(discriminator="kind")
]
_ADAPTER: TypeAdapter[Destination] = TypeAdapter(Destination)


def _problem(err: Any) -> str:
    loc = [str(p) for p in err["loc"]]
    if loc and loc[0] in ("webhook", "dingtalk", "wecom"):
        loc = loc[1:]  # the union's tag, not a field
    text = str(err["msg"]).removeprefix("Value error, ").rstrip(".")
    return f"{'.'.join(loc)}: {text}" if loc else text


def _config_error(exc: ValidationError, name: str) -> ConfigError:
    problems = "; ".join(_problem(e) for e in exc.errors(include_url=False, include_input=False))
    return ConfigError(
        f"The destination {name!r} is invalid: {problems}.",
        fix="Each destination needs kind (webhook, dingtalk or wecom) and its address and secret.",
        details={"destination": name},
    )


def parse_destination(name: str, data: Mapping[str, Any]) -> Destination:
    """Validate one destination from config data (its ``name`` is the config key)."""
    try:
        return _ADAPTER.validate_python({**data, "name": name})
    except ValidationError as exc:
        raise _config_error(exc, name) from None


def parse_destinations(section: Mapping[str, Mapping[str, Any]]) -> dict[str, Destination]:
    """Validate a config file's ``destinations`` section: ``{name: {kind: ..., ...}}``."""
    return {name: parse_destination(name, data) for name, data in section.items()}


def webhook_destination(
    url: str,
    secret: str,
    *,
    name: str = "webhook",
    allow_private: bool = False,
    retry: RetryPolicy | None = None,
) -> WebhookDestination:
    """The ad hoc destination of ``--webhook URL --secret whsec_...``."""
    data: dict[str, Any] = {"kind": "webhook", "url": url, "secret": secret}
    data["allow_private"] = allow_private
    if retry is not None:
        data["retry"] = retry
    return parse_destination(name, data)  # type: ignore[return-value]
