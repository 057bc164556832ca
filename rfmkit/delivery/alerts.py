"""Alerts and owners as plain data: what the delivery code sends and to whom.

The history module evaluates alert rules into a table with the columns
``customer_id, owner, rule, reason, value_at_stake, alert_key``; delivery
takes those rows as :class:`Alert` objects, so it depends on no dataframe
library and can be fed from any source (a DataFrame, a CSV, a test).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rfmkit.errors import ConfigError

ALERT_COLUMNS = ("customer_id", "owner", "rule", "reason", "value_at_stake", "alert_key")


@dataclass(frozen=True)
class Alert:
    """One warning about one customer.

    Parameters
    ----------
    customer_id
        The customer, as text.
    owner
        The key of the salesperson who owns the customer (None when unowned).
    rule
        The alert rule's name.
    reason
        Why, in words (already in the user's language).
    value_at_stake
        The customer's monetary (or CLV) at risk.
    alert_key
        A stable key of this alert: the same customer, rule and period give
        the same key, so the delivery log can refuse to send it twice.
    """

    customer_id: str
    owner: str | None
    rule: str
    reason: str
    value_at_stake: float
    alert_key: str

    def to_json(self) -> dict[str, Any]:
        """The alert as a JSON object (the ``data.alerts`` items of a webhook)."""
        return {
            "alert_key": self.alert_key,
            "customer_id": self.customer_id,
            "owner": self.owner,
            "rule": self.rule,
            "reason": self.reason,
            "value_at_stake": self.value_at_stake,
        }


@dataclass(frozen=True)
class Owner:
    """A salesperson or account manager who receives alerts about their customers.

    Parameters
    ----------
    name
        The name shown in messages.
    mobile
        The mobile number robots mention (``at.atMobiles``, ``mentioned_mobile_list``).
    dingtalk_user_id, wecom_user_id
        The user ids in DingTalk and WeCom, when known (mentioned by id).
    """

    name: str
    mobile: str | None = None
    dingtalk_user_id: str | None = None
    wecom_user_id: str | None = None


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def alert_from_record(record: Mapping[str, Any], row: int | None = None) -> Alert:
    """Build an :class:`Alert` from one row (a mapping with the alert columns)."""
    missing = [c for c in ALERT_COLUMNS if c not in record]
    if missing:
        raise ConfigError(
            f"An alert lacks the columns {', '.join(missing)}.",
            row=row,
            fix=f"Alerts need the columns {', '.join(ALERT_COLUMNS)}.",
        )
    key = _text(record["alert_key"])
    customer = _text(record["customer_id"])
    if key is None or customer is None:
        raise ConfigError(
            "An alert has no alert_key or no customer_id.",
            row=row,
            fix="Every alert needs a customer and a stable alert_key.",
        )
    try:
        value = float(record["value_at_stake"])
    except (TypeError, ValueError):
        value = math.nan
    return Alert(
        customer_id=customer,
        owner=_text(record["owner"]),
        rule=_text(record["rule"]) or "",
        reason=_text(record["reason"]) or "",
        value_at_stake=0.0 if math.isnan(value) else value,
        alert_key=key,
    )


def alerts_from_records(records: Iterable[Mapping[str, Any]]) -> list[Alert]:
    """Alerts from rows, duplicates (same ``alert_key``) dropped, in input order.

    A pandas DataFrame is passed as ``frame.to_dict(orient="records")``.
    """
    seen: set[str] = set()
    alerts = []
    for row, record in enumerate(records, start=1):
        alert = alert_from_record(record, row=row)
        if alert.alert_key not in seen:
            seen.add(alert.alert_key)
            alerts.append(alert)
    return alerts


def owners_from_records(records: Iterable[Mapping[str, Any]]) -> dict[str, Owner]:
    """Owners keyed by ``owner`` from rows with ``owner, name, mobile, dingtalk_user_id, wecom_user_id``.

    Only ``owner`` is required; ``name`` defaults to the key.
    """
    owners = {}
    for row, record in enumerate(records, start=1):
        key = _text(record.get("owner"))
        if key is None:
            raise ConfigError(
                "An owner row has no owner key.", row=row, fix="Fill the owner column."
            )
        owners[key] = Owner(
            name=_text(record.get("name")) or key,
            mobile=_text(record.get("mobile")),
            dingtalk_user_id=_text(record.get("dingtalk_user_id")),
            wecom_user_id=_text(record.get("wecom_user_id")),
        )
    return owners
