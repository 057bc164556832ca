"""Alert rules, delivery destinations and delivering alerts from the web app.

* **Rules** are data (YAML validated by :func:`rfmkit.history.parse_alert_rules`):
  the rules in effect for a scheme are the ones saved in the store
  (``alert_rules``) when there are, else the shipped ones. Only shipped
  schemes can be edited here (a scheme path in a request would read files
  on the server).
* **Destinations** (Standard Webhooks, DingTalk and WeCom robots) are
  validated like the config file's (:func:`rfmkit.delivery.parse_destination`),
  their URLs go through the SSRF guard, and they are stored encrypted in
  ``secrets`` (:mod:`rfmkit.web.vault`): listed by name and kind only.
* **Delivering** is the ``alerts`` verb's work on the server's open store:
  evaluate the rules in effect on the latest snapshots, deliver the customer
  alerts once per destination (the store is the delivery log), audit it.
  The network is used outside the store's lock (:class:`LockedLog`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from rfmkit import i18n
from rfmkit.errors import ConfigError
from rfmkit.history.rules import AlertRules, load_alert_rules, parse_alert_rules
from rfmkit.scheme import shipped_schemes
from rfmkit.store import Store, accounts
from rfmkit.web.errors import NotFound
from rfmkit.web.people import Actor
from rfmkit.web.state import WebState

#: Kinds of the ``secrets`` table that are delivery destinations.
DESTINATION_KINDS = ("webhook", "dingtalk", "wecom")
#: The fields each kind of destination takes from a form (the rest are defaults).
FIELDS = {
    "webhook": ("url", "secret"),
    "dingtalk": ("url", "access_token", "secret"),
    "wecom": ("url", "key"),
}
#: Entries of the delivery log shown.
LOG_ROWS = 100


# -- rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSet:
    """The rules in effect for one scheme, and where they come from."""

    scheme: str
    source: str  # "stored" or "shipped"
    text: str
    rules: AlertRules | None
    updated_by: str | None = None
    updated_at: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "source": self.source,
            "rules": self.text,
            "parsed": self.rules.model_dump(mode="json") if self.rules else None,
            "updated_by": self.updated_by,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def rules_in_effect(store: Store, scheme: str) -> AlertRules | None:
    """The stored rules of ``scheme``, else the shipped ones (None when there are neither)."""
    stored = accounts.alert_rules_text(store).get(scheme)
    if stored is not None:
        return parse_alert_rules(stored["rules"], source=f"{scheme} (store)")
    return _shipped(scheme)


def _shipped(scheme: str) -> AlertRules | None:
    from rfmkit.history.rules import shipped_alert_rules

    return load_alert_rules(scheme) if scheme in shipped_alert_rules() else None


def _shipped_text(scheme: str) -> str:
    from rfmkit import datafiles
    from rfmkit.history.rules import shipped_alert_rules

    return datafiles.shipped_text("alerts", scheme) if scheme in shipped_alert_rules() else ""


def rule_sets(state: WebState) -> list[RuleSet]:
    """The rules of the latest snapshot's scheme first, then every other shipped scheme's."""
    from rfmkit.history.rules import shipped_alert_rules

    with state.db() as store:
        stored = accounts.alert_rules_text(store)
        latest = store.latest(1)
    first = [latest[0].scheme] if latest and latest[0].scheme in shipped_schemes() else []
    schemes = dict.fromkeys([*first, *shipped_alert_rules(), *sorted(stored)])
    found = []
    for scheme in schemes:
        if scheme in stored:
            row = stored[scheme]
            rules = parse_alert_rules(row["rules"], source=f"{scheme} (store)")
            found.append(
                RuleSet(scheme, "stored", row["rules"], rules, row["updated_by"], row["updated_at"])
            )
        else:
            found.append(RuleSet(scheme, "shipped", _shipped_text(scheme), _shipped(scheme)))
    return found


def check_scheme(scheme: str) -> None:
    """Rules are kept for shipped schemes only (a :class:`NotFound` for any other name)."""
    if scheme not in shipped_schemes():
        raise NotFound(
            f"Unknown scheme {scheme!r}.",
            fix="Rules are edited for shipped schemes: " + ", ".join(shipped_schemes()) + ".",
        )


def check_rules(scheme: str, text: str) -> AlertRules:
    """Validate YAML ``text`` as the rules of the shipped ``scheme`` (a :class:`ConfigError`)."""
    check_scheme(scheme)
    source = f"{scheme} (web)"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None  # parse_alert_rules names the line
    named = data.get("scheme") if isinstance(data, dict) else None
    if isinstance(data, dict) and named != scheme:
        raise ConfigError(
            f"These rules name the scheme {named!r}; they are saved for {scheme}.",
            file=source,
            fix=f"Write scheme: {scheme} at the top.",
        )
    return parse_alert_rules(text, source=source)


def save_rules(state: WebState, scheme: str, text: str, by: Actor) -> AlertRules:
    """Validate and keep the rules of ``scheme``; the alerts shown change with them."""
    rules = check_rules(scheme, text)
    with state.db() as store:
        accounts.put_alert_rules(store, scheme, text, by.who.name)
        accounts.audit(
            store, by.who.name, "alert_rules.save", ip=by.ip, obj=f"alert rules {scheme}",
            row_count=len(rules.rules),
        )  # fmt: skip
    state.cache.clear()
    return rules


def reset_rules(state: WebState, scheme: str, by: Actor) -> None:
    """Forget the stored rules of ``scheme``: the shipped ones apply again."""
    check_scheme(scheme)
    with state.db() as store:
        accounts.delete_alert_rules(store, scheme)
        accounts.audit(
            store, by.who.name, "alert_rules.reset", ip=by.ip, obj=f"alert rules {scheme}"
        )
    state.cache.clear()


# -- destinations ------------------------------------------------------------------------


def destinations(state: WebState) -> list[dict[str, Any]]:
    """Defined destinations: name, kind, who and when (never an address or a secret)."""
    with state.db() as store:
        found = accounts.list_secrets(store)
    return [s for s in found if s["kind"] in DESTINATION_KINDS]


def define_destination(
    state: WebState, name: str, kind: str, given: Mapping[str, str | None], by: Actor
) -> None:
    """Validate a destination, check its URL (SSRF guard), keep it encrypted and audit it."""
    from rfmkit.delivery import check_url, parse_destination
    from rfmkit.web.vault import require

    vault = require(state.vault)
    if kind not in DESTINATION_KINDS:
        raise ConfigError(
            f"Unknown destination kind {kind!r}.", fix="Use webhook, dingtalk or wecom."
        )
    data = {k: v.strip() for k, v in given.items() if k in FIELDS[kind] and v and v.strip()}
    parse_destination(name, {"kind": kind, **data})
    if data.get("url"):
        check_url(data["url"], allow_private=state.config.allow_private)
    with state.db() as store:
        taken = accounts.get_secret(store, name)
        if taken is not None and taken[0] not in DESTINATION_KINDS:
            raise ConfigError(f"{name!r} names a database connection.", fix="Choose another name.")
        accounts.put_secret(store, name, kind, vault.seal({"kind": kind, **data}), by.who.name)
        accounts.audit(store, by.who.name, "destination.define", ip=by.ip, obj=f"{kind} {name}")


def remove_destination(state: WebState, name: str, by: Actor) -> None:
    with state.db() as store:
        found = accounts.get_secret(store, name)
        if found is None or found[0] not in DESTINATION_KINDS:
            raise NotFound(f"No destination {name!r}.")
        accounts.delete_secret(store, name)
        accounts.audit(store, by.who.name, "destination.delete", ip=by.ip, obj=f"{found[0]} {name}")


def load_destinations(state: WebState, names: list[str]) -> list[Any]:
    """The named destinations, decrypted and validated (only to be used, never shown)."""
    from rfmkit.delivery import parse_destination
    from rfmkit.web.vault import require

    vault = require(state.vault)
    chosen = []
    with state.db() as store:
        for name in dict.fromkeys(names):
            found = accounts.get_secret(store, name)
            if found is None or found[0] not in DESTINATION_KINDS:
                raise NotFound(f"No destination {name!r}.", fix="An admin defines destinations.")
            data = {k: v for k, v in vault.open(found[1]).items() if v is not None}
            data.setdefault("kind", found[0])
            data["allow_private"] = state.config.allow_private
            chosen.append(parse_destination(name, data))
    return chosen


def send_test_message(state: WebState, name: str, by: Actor, lang: str) -> dict[str, Any]:
    """Send a test message to ``name``; its outcome (the delivery log is left alone)."""
    from rfmkit.delivery.probe import send_test

    [destination] = load_destinations(state, [name])
    text = i18n.t("web.alerts.test_message", lang, name=name)
    result = send_test(destination, text)
    with state.db() as store:
        accounts.audit(
            store, by.who.name, "destination.test", ip=by.ip, obj=f"{destination.kind} {name}",
            detail=f"{result.status}: {result.detail}",
        )  # fmt: skip
    return {"destination": name, "ok": result.ok, "status": result.status, "detail": result.detail}


# -- alerts and their delivery -----------------------------------------------------------


class LockedLog:
    """The store as a delivery log, borrowed one statement at a time (no lock while sending)."""

    def __init__(self, state: WebState) -> None:
        self.state = state

    def delivered(self, destination: str, key: str) -> bool:
        with self.state.db() as store:
            return store.delivered(destination, key)

    def record_delivery(self, destination: str, key: str, status: str, detail: str) -> None:
        with self.state.db() as store:
            store.record_delivery(destination, key, status, detail)


def deliver_alerts(state: WebState, names: list[str], by: Actor, lang: str) -> dict[str, Any]:
    """Deliver the customer alerts of the latest snapshots to ``names``, each alert once."""
    from rfmkit.delivery import alerts_from_records, deliver
    from rfmkit.history import evaluate_alerts

    if not names:
        raise ConfigError("Choose at least one destination.", fix="Tick the destinations to use.")
    chosen = load_destinations(state, names)
    with state.db() as store:
        latest = store.latest(1)
        if not latest:
            raise NotFound("The store holds no snapshot yet.", fix="Upload data and run a scoring.")
        frame = evaluate_alerts(store, rules_in_effect(store, latest[0].scheme), lang=lang)
    rows = frame[frame.customer_id.notna()].to_dict(orient="records")
    alerts = alerts_from_records([{str(k): v for k, v in r.items()} for r in rows])
    report = deliver(alerts, chosen, LockedLog(state), language="en" if lang == "en" else "zh")
    sent = sum(len(r.alert_keys) for r in report.results if r.ok)
    with state.db() as store:
        accounts.audit(
            store, by.who.name, "alerts.deliver", ip=by.ip, obj=", ".join(d.name for d in chosen),
            row_count=sent, detail=f"{len(report.failures)} messages failed",
        )  # fmt: skip
    return {
        "alerts": len(alerts),
        "sent": sent,
        "skipped": report.skipped,
        "ok": report.ok,
        "messages": report.to_records(),
    }


def delivery_log(state: WebState, limit: int = LOG_ROWS) -> list[dict[str, Any]]:
    """The newest entries of the delivery log."""
    import ibis

    with state.db() as store:
        table = store.deliveries()
        rows = table.order_by(ibis.desc("recorded_at")).limit(limit).to_pyarrow().to_pylist()
    return [
        {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in r.items()} for r in rows
    ]
