"""Analyses over stored snapshots: migration, trend, one customer's history, alerts.

Every function takes a snapshot store (:func:`rfmkit.store.open_store`),
computes inside the store's engine and returns a small pandas result (the
per-customer moves stay an Ibis table, for writing to a file).
"""

from __future__ import annotations

from rfmkit.history.alerts import ALERT_COLUMNS, evaluate_alerts
from rfmkit.history.migration import (
    DIRECTIONS,
    MOVE_COLUMNS,
    Chain,
    Migration,
    chain,
    customer_moves,
    migration,
)
from rfmkit.history.rules import (
    AlertRules,
    load_alert_rules,
    parse_alert_rules,
    shipped_alert_rules,
)
from rfmkit.history.trend import HISTORY_COLUMNS, TREND_COLUMNS, customer_history, trend

__all__ = [
    "ALERT_COLUMNS",
    "DIRECTIONS",
    "HISTORY_COLUMNS",
    "MOVE_COLUMNS",
    "TREND_COLUMNS",
    "AlertRules",
    "Chain",
    "Migration",
    "chain",
    "customer_history",
    "customer_moves",
    "evaluate_alerts",
    "load_alert_rules",
    "migration",
    "parse_alert_rules",
    "shipped_alert_rules",
    "trend",
]
