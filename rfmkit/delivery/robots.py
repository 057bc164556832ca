"""DingTalk and WeCom group robots: markdown grouped by owner, mentions, error codes.

Both robots answer HTTP 200 even when they refuse a message; the JSON body's
``errcode`` says what happened (0 = sent). "Too fast" codes are retried after
a back-off; configuration errors are reported and not retried.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from rfmkit.delivery.alerts import Alert, Owner
from rfmkit.delivery.compose import Batch, Message, digest_text, message_id, pack, sections
from rfmkit.delivery.destinations import DingTalkDestination, WeComDestination
from rfmkit.delivery.send import Outcome, Request, http_outcome
from rfmkit.delivery.signing import dingtalk_sign
from rfmkit.delivery.text import Language, t
from rfmkit.delivery.transport import Response

#: errcode -> meaning. Throttled codes are retried, configuration codes are not.
DINGTALK_THROTTLED = frozenset({130101})
DINGTALK_CONFIG = {
    310000: "the robot refused the message: keyword, signature or IP allow-list mismatch",
    300001: "the access_token is invalid",
    400013: "the robot's group was dissolved",
    410100: "the robot was disabled",
}
WECOM_THROTTLED = frozenset({45009})
WECOM_CONFIG = {
    93000: "the robot's key is invalid, or the robot was removed from its group",
    93008: "the robot is not in this group",
    40008: "the message type is not accepted",
}


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def errcode_outcome(
    response: Response, now: float, throttled: frozenset[int], config: Mapping[int, str]
) -> Outcome:
    """The outcome of a robot answer: HTTP status first, then ``errcode``."""
    early = http_outcome(response, now)
    if early is not None:
        return early
    data = response.json()
    if not isinstance(data, dict) or "errcode" not in data:
        return Outcome("fail", f"unexpected answer: {response.body[:200]!r}")
    code = data.get("errcode")
    message = str(data.get("errmsg", ""))
    if code == 0:
        return Outcome("ok")
    detail = f"errcode {code}: {message}"
    if code in throttled:
        return Outcome("throttled", f"{detail} (sent too fast)")
    if isinstance(code, int) and code in config:
        return Outcome("config", f"{detail} ({config[code]})")
    return Outcome("fail", detail)


class DingTalkChannel:
    """A DingTalk custom group robot: signed URL per attempt, markdown with ``at``.

    DingTalk only turns ``at.atMobiles`` into a mention when the text also
    contains ``@<mobile>``; both are written for every owner with a mobile
    (and ``@<userid>`` with ``at.atUserIds`` for owners with a DingTalk id).
    """

    def __init__(self, destination: DingTalkDestination, language: Language) -> None:
        self.destination = destination
        self.language = language

    @staticmethod
    def mention(owner: Owner | None) -> str:
        """The ``@`` text of an owner in a DingTalk message."""
        if owner is None:
            return ""
        marks = [f"@{x}" for x in (owner.mobile, owner.dingtalk_user_id) if x]
        return (" " + " ".join(marks)) if marks else ""

    def _message(self, batch: Batch, title: str, status: str) -> Message:
        mobiles = [o.mobile for o in batch.owners if o.mobile]
        user_ids = [o.dingtalk_user_id for o in batch.owners if o.dingtalk_user_id]
        payload = {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": batch.text},
            "at": {"atMobiles": mobiles, "atUserIds": user_ids, "isAtAll": False},
        }
        prefix = "dingtalk-digest" if status == "digest" else "dingtalk"
        return Message(message_id(prefix, batch.keys), tuple(batch.keys), payload, status)

    def plan(self, alerts: Sequence[Alert], owners: Mapping[str, Owner]) -> list[Message]:
        """Alerts as markdown messages grouped by owner."""
        title = t("title", self.language)
        header = f"### {t('title_count', self.language, count=len(alerts))}\n\n"
        parts = sections(alerts, owners, self.language, self.mention)
        batches = pack(header, parts, self.destination.max_bytes)
        return [self._message(b, title, "delivered") for b in batches]

    def digest(self, alerts: Sequence[Alert], owners: Mapping[str, Owner]) -> list[Message]:
        """One summary message for all ``alerts``."""
        batch = digest_text(alerts, owners, self.language, self.mention, self.destination.max_bytes)
        return [self._message(batch, t("digest_title", self.language), "digest")]

    def request(self, message: Message, now: float) -> Request:
        """The robot URL, with a fresh ``timestamp`` and ``sign`` when a secret is set."""
        url = self.destination.endpoint()
        if self.destination.secret is not None:
            stamp = int(now * 1000)
            sign = dingtalk_sign(self.destination.secret.get_secret_value(), stamp)
            url += "&" + urlencode({"timestamp": stamp, "sign": sign})
        headers = {"content-type": "application/json; charset=utf-8", "user-agent": "rfmkit"}
        return Request(url, _json(message.payload), headers)

    def outcome(self, response: Response, now: float) -> Outcome:
        """Reads ``errcode``: 130101 is retried; 310000, 300001 ... are configuration errors."""
        return errcode_outcome(response, now, DINGTALK_THROTTLED, DINGTALK_CONFIG)


class WeComChannel:
    """A WeCom group robot: markdown of at most 4096 bytes, then one text message to mention.

    WeCom's ``mentioned_mobile_list`` (and ``mentioned_list``) belong to the
    ``text`` message type only, and a text message holds at most 2048 bytes
    with no formatting. Markdown messages (up to 4096 bytes) can mention a
    member only by user id, with ``<@userid>`` in the content. So the alerts
    go as markdown (owners with a WeCom user id are mentioned in it), and when
    some owners are known only by mobile, one short ``text`` message follows
    with their mobiles in ``mentioned_mobile_list``; it counts against the
    robot's 20 messages per minute like any other.
    """

    def __init__(self, destination: WeComDestination, language: Language) -> None:
        self.destination = destination
        self.language = language

    @staticmethod
    def mention(owner: Owner | None) -> str:
        """``<@userid>`` for an owner with a WeCom user id, else nothing."""
        if owner is None or not owner.wecom_user_id:
            return ""
        return f" <@{owner.wecom_user_id}>"

    def _mentions(self, batches: Sequence[Batch]) -> list[Message]:
        mobiles: list[str] = []
        for batch in batches:
            for owner in batch.owners:
                if owner.mobile and not owner.wecom_user_id and owner.mobile not in mobiles:
                    mobiles.append(owner.mobile)
        if not mobiles:
            return []
        payload = {
            "msgtype": "text",
            "text": {"content": t("follow_up", self.language), "mentioned_mobile_list": mobiles},
        }
        keys = [k for b in batches for k in b.keys]
        return [Message(message_id("wecom-mention", keys), (), payload)]

    def _markdown(self, batch: Batch, status: str) -> Message:
        payload = {"msgtype": "markdown", "markdown": {"content": batch.text}}
        prefix = "wecom-digest" if status == "digest" else "wecom"
        return Message(message_id(prefix, batch.keys), tuple(batch.keys), payload, status)

    def plan(self, alerts: Sequence[Alert], owners: Mapping[str, Owner]) -> list[Message]:
        """Markdown messages grouped by owner (each at most ``max_bytes``), then the mention."""
        header = f"### {t('title_count', self.language, count=len(alerts))}\n"
        parts = sections(alerts, owners, self.language, self.mention)
        batches = pack(header, parts, self.destination.max_bytes)
        return [self._markdown(b, "delivered") for b in batches] + self._mentions(batches)

    def digest(self, alerts: Sequence[Alert], owners: Mapping[str, Owner]) -> list[Message]:
        """One summary markdown message, then the mention."""
        batch = digest_text(alerts, owners, self.language, self.mention, self.destination.max_bytes)
        return [self._markdown(batch, "digest"), *self._mentions([batch])]

    def request(self, message: Message, now: float) -> Request:
        """The robot URL with its key; the body as UTF-8 JSON."""
        headers = {"content-type": "application/json; charset=utf-8", "user-agent": "rfmkit"}
        return Request(self.destination.endpoint(), _json(message.payload), headers)

    def outcome(self, response: Response, now: float) -> Outcome:
        """Reads ``errcode``: 45009 is retried; 93000 ... are configuration errors."""
        return errcode_outcome(response, now, WECOM_THROTTLED, WECOM_CONFIG)
