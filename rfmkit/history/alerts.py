"""Evaluate alert rules on the latest two snapshots, inside the engine.

:func:`evaluate_alerts` returns one row per alert, columns
:data:`ALERT_COLUMNS`, sorted by value at stake (largest first):

``alert_key``       stable per (rule, customer or segment, as_of): delivery
                    uses it so that re-running never sends an alert twice
``as_of``           the latest snapshot's date
``rule``            the rule's key
``customer_id``     the customer (null for a ``segment_size`` alert)
``owner``           the customer's owner when stored (null otherwise)
``segment``         the customer's latest segment (the segment of a size alert)
``reason``          why, in words (zh or en)
``value_at_stake``  the customer's latest ``monetary``; for a segment, the change
                    of the segment's revenue between the two snapshots
``clv``             the customer's latest ``clv`` when predictions were stored
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from rfmkit import glossary as g
from rfmkit.errors import ConfigError
from rfmkit.history.common import check_lang, label_expr, labels, latest_two, position_expr
from rfmkit.history.render import render
from rfmkit.history.rules import (
    AlertRules,
    FellRule,
    PAliveRule,
    Rule,
    SegmentSizeRule,
    SilentRule,
    load_alert_rules,
)
from rfmkit.history.text import text
from rfmkit.store.base import SnapshotInfo, SnapshotStore

ALERT_COLUMNS = (
    "alert_key",
    "as_of",
    "rule",
    "customer_id",
    "owner",
    "segment",
    "reason",
    "value_at_stake",
    "clv",
)


def evaluate_alerts(
    store: SnapshotStore,
    rules: AlertRules | str | Path | None = None,
    *,
    lang: str = "zh",
    as_of: dt.date | str | None = None,
) -> pd.DataFrame:
    """The alerts of ``rules`` on the snapshot of ``as_of`` (default: the latest) and the one before.

    Parameters
    ----------
    rules
        Validated rules, a shipped scheme key or a rules file path; default
        the shipped rules of the latest snapshot's scheme.
    lang
        Language of the reasons and labels.

    Raises
    ------
    ConfigError
        When the rules are for another scheme than the snapshots.
    """
    check_lang(lang)
    pair = latest_two(store, None if as_of is None else _day(store, as_of))
    latest = pair[-1]
    chosen = _rules(rules, latest)
    base = _base(store, pair, lang)
    previous = pair[0] if len(pair) == 2 else None
    parts = [
        part
        for index, rule in enumerate(chosen.rules)
        if (part := _evaluate(rule, index, base, store, pair, lang, previous)) is not None
    ]
    if not parts:
        return pd.DataFrame({c: [] for c in ALERT_COLUMNS})
    union = parts[0]
    for part in parts[1:]:
        union = union.union(part)
    union = union.mutate(alert_key=_key(union, latest.as_of), as_of=ibis.literal(latest.as_of))
    ordered = union.order_by(
        [ibis.desc("value_at_stake"), "rule_order", "customer_id", "segment"]
    ).select(*ALERT_COLUMNS)
    frame = ordered.to_pandas()
    frame["as_of"] = pd.to_datetime(frame.as_of).dt.date
    return frame


def _day(store: SnapshotStore, as_of: dt.date | str) -> dt.date:
    return store.snapshot(as_of).as_of


def _rules(rules: AlertRules | str | Path | None, latest: SnapshotInfo) -> AlertRules:
    chosen = (
        load_alert_rules(latest.scheme if rules is None else rules)
        if not isinstance(rules, AlertRules)
        else rules
    )
    if chosen.scheme != latest.scheme:
        raise ConfigError(
            f"The alert rules are for scheme {chosen.scheme!r}, the snapshots use "
            f"{latest.scheme!r}.",
            fix=f"Use rules written for {latest.scheme} (rfmkit/alerts/{latest.scheme}.yaml "
            "is an example).",
        )
    return chosen


def _base(store: SnapshotStore, pair: list[SnapshotInfo], lang: str) -> ir.Table:
    """Latest rows left-joined with the previous snapshot's, per customer."""
    latest = pair[-1]
    rows = store.rows()
    names = labels(latest, lang)
    cur = rows.view()
    cur = cur.filter(cur.snapshot_id == latest.snapshot_id)
    has = set(latest.columns)
    cur = cur.select(
        customer_id=cur[g.CUSTOMER_ID],
        segment=cur[g.SEGMENT],
        label=label_expr(cur[g.SEGMENT], cur[g.SEGMENT_LABEL], names),
        recency_days=cur[g.RECENCY_DAYS],
        monetary=cur[g.MONETARY],
        owner=cur.owner if "owner" in has else ibis.null("string"),
        p_alive=cur.p_alive if "p_alive" in has else ibis.null("float64"),
        clv=cur.clv if "clv" in has else ibis.null("float64"),
    )
    if len(pair) == 1:
        joined = cur.mutate(
            prev_segment=ibis.null("string"),
            prev_label=ibis.null("string"),
            prev_p_alive=ibis.null("float64"),
            prev_owner=ibis.null("string"),
        )
    else:
        old = rows.view()
        old = old.filter(old.snapshot_id == pair[0].snapshot_id)
        had = set(pair[0].columns)
        old = old.select(
            old_id=old[g.CUSTOMER_ID],
            prev_segment=old[g.SEGMENT],
            prev_label=label_expr(old[g.SEGMENT], old[g.SEGMENT_LABEL], names),
            prev_p_alive=old.p_alive if "p_alive" in had else ibis.null("float64"),
            prev_owner=old.owner if "owner" in had else ibis.null("string"),
        )
        joined = cur.left_join(old, cur.customer_id == old.old_id).drop("old_id")
    order = latest.segment_order
    return joined.mutate(
        owner=ibis.coalesce(joined.owner, joined.prev_owner),
        steps=position_expr(joined.segment, order) - position_expr(joined.prev_segment, order),
    )


def _evaluate(
    rule: Rule,
    index: int,
    base: ir.Table,
    store: SnapshotStore,
    pair: list[SnapshotInfo],
    lang: str,
    previous: SnapshotInfo | None,
) -> ir.Table | None:
    template = rule.reason(lang) if rule.reason is not None else text(f"reason.{rule.kind}", lang)
    if isinstance(rule, SegmentSizeRule):
        return None if previous is None else _segment_size(rule, index, store, pair, lang, template)
    if isinstance(rule, SilentRule):
        keys = rule.segments
        was = base.prev_segment.isin(keys).fill_null(False)
        hit = base.filter((base.segment.isin(keys) | was) & (base.recency_days >= rule.days))
        segment_label = ibis.ifelse(
            hit.prev_segment.isin(keys).fill_null(False), hit.prev_label, hit.label
        )
    elif isinstance(rule, FellRule):
        if previous is None:
            return None
        hit = base.filter(base.steps >= rule.steps)
        if rule.segments:
            hit = hit.filter(hit.prev_segment.isin(rule.segments))
        segment_label = hit.label
    elif isinstance(rule, PAliveRule):
        if "p_alive" not in pair[-1].columns:
            return None
        newly = base.prev_p_alive.isnull() | (base.prev_p_alive >= rule.below)
        hit = base.filter((base.p_alive < rule.below) & newly)
        if rule.segments:
            hit = hit.filter(hit.segment.isin(rule.segments))
        segment_label = hit.label
    else:  # pragma: no cover - the union of rule kinds is closed
        raise AssertionError(rule)
    values = {
        "segment_label": segment_label,
        "from_label": hit.prev_label,
        "to_label": hit.label,
        "recency_days": hit.recency_days,
        "days": ibis.literal(getattr(rule, "days", None), type="int64"),
        "steps": hit.steps,
        "p_alive": hit.p_alive,
        "previous_p_alive": hit.prev_p_alive,
        "below": ibis.literal(getattr(rule, "below", None), type="float64"),
        "monetary": hit.monetary,
    }
    return hit.select(
        rule=ibis.literal(rule.key),
        rule_order=ibis.literal(index, type="int64"),
        customer_id=hit.customer_id,
        owner=hit.owner,
        segment=hit.segment,
        reason=render(template, values),
        value_at_stake=hit.monetary.cast("float64"),
        clv=hit.clv,
    )


def _segment_size(
    rule: SegmentSizeRule,
    index: int,
    store: SnapshotStore,
    pair: list[SnapshotInfo],
    lang: str,
    template: str,
) -> ir.Table:
    rows = store.rows()
    latest = pair[-1]
    names = labels(latest, lang) or {}
    keys = ibis.memtable(
        {
            "segment": list(latest.segment_order),
            "label": [names.get(k, k) for k in latest.segment_order],
        }
    )
    sizes = []
    for info, tag in ((pair[0], "from"), (latest, "to")):
        mine = rows.view()
        mine = mine.filter(mine.snapshot_id == info.snapshot_id)
        sizes.append(
            mine.group_by(key=mine[g.SEGMENT]).aggregate(
                **{f"{tag}_customers": mine.count(), f"{tag}_revenue": mine[g.MONETARY].sum()}
            )
        )
    table = keys.left_join(sizes[0], keys.segment == sizes[0].key).drop("key")
    table = table.left_join(sizes[1], table.segment == sizes[1].key).drop("key")
    table = table.mutate(
        from_customers=table.from_customers.fill_null(0),
        to_customers=table.to_customers.fill_null(0),
        from_revenue=table.from_revenue.fill_null(0.0),
        to_revenue=table.to_revenue.fill_null(0.0),
    )
    change = ibis.ifelse(
        table.from_customers > 0,
        (table.to_customers - table.from_customers) * 100.0 / table.from_customers,
        ibis.null("float64"),
    )
    table = table.mutate(change=change)
    hit = table.filter(
        (table.change.abs() > rule.percent)
        | (table.from_customers.isin([0]) & (table.to_customers > 0))
    )
    if rule.segments:
        hit = hit.filter(hit.segment.isin(rule.segments))
    signed = ibis.ifelse(hit.change > 0, "+", "").concat(hit.change.round(1).cast("string"))
    values = {
        "label": hit.label,
        "from_customers": hit.from_customers,
        "to_customers": hit.to_customers,
        "change": signed.fill_null("+∞"),
        "percent": ibis.literal(rule.percent),
    }
    return hit.select(
        rule=ibis.literal(rule.key),
        rule_order=ibis.literal(index, type="int64"),
        customer_id=ibis.null("string"),
        owner=ibis.null("string"),
        segment=hit.segment,
        reason=render(template, values),
        value_at_stake=(hit.to_revenue - hit.from_revenue).abs().cast("float64"),
        clv=ibis.null("float64"),
    )


def _key(alerts: ir.Table, as_of: dt.date) -> ir.StringValue:
    who = ibis.coalesce(alerts.customer_id, ibis.literal("segment:").concat(alerts.segment))
    raw = alerts.rule.concat("|", as_of.isoformat(), "|", who)
    return raw.hexdigest("sha256").substr(0, 32)
