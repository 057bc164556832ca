"""The data-quality counts of everything loaded so far, as a full run at ``as_of`` reports them.

A full run tests ``after_as_of`` before the rules that depend on the day
(``future_date``, ``outlier``) and before the duplicate check, which keeps
the first used copy; every copy of a row has the same day. So rows counted
per day (see :mod:`rfmkit.incremental.state`) give, at any ``as_of``:

* ``after_as_of``: used, duplicate, future and outlier rows dated on or after it;
* ``duplicate``, ``future_date``, ``outlier``: those dated before it;
* ``rows_used``, ``rows_without_order_id``, ``date_min``, ``date_max``: the used
  rows dated before it;

and every other rule's count is the sum of the batches'.

Rows dated after today are loaded by a refresh as any others and kept (see
:func:`rfmkit.verbs.refresh.cut_date`): at any ``as_of`` and ``today``, the
used, duplicate and outlier rows dated after today and before ``as_of`` are
``future_date`` (the full run's rule, tested before those), so they count once
today passes them.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rfmkit.errors import InputError
from rfmkit.quality import RULES, QualityReport, RuleCount

#: Kinds of ``refresh_counts`` that are not rules: used rows, and two kinds of them.
USED, NO_ORDER_ID, REFUNDS = "used", "no_order_id", "refunds"
#: Kinds that ``after_as_of`` takes when dated on or after it.
DATED = ("used", "duplicate", "future_date", "outlier")
#: Kinds that ``future_date`` takes when dated after today (and before ``as_of``).
FUTURE = ("used", "duplicate", "outlier")


def counts_sql(prefix: str, staged: str) -> str:
    """One query of the stored and the staged counts, summed per day and kind."""
    return (
        "SELECT order_date, kind, sum(row_count) AS row_count FROM ("
        f"SELECT * FROM {prefix}.refresh_counts UNION ALL SELECT * FROM {staged}"
        ") GROUP BY ALL"
    )


def default_as_of(counts: pd.DataFrame, today: dt.date | None = None) -> dt.date:
    """The day after the latest day of a used row (not after ``today``): the default ``as_of``.

    Raises
    ------
    InputError
        When no row has been used.
    """
    used = counts if today is None else counts[pd.to_datetime(counts.order_date).dt.date <= today]
    latest = latest_day(used)
    if latest is None:
        raise InputError(
            "There are no dated transactions to analyse.",
            fix="Check that the input has rows with a valid order date.",
        )
    return latest + dt.timedelta(days=1)


def latest_day(counts: pd.DataFrame) -> dt.date | None:
    """The latest day of a used row (the default ``as_of`` is the day after it)."""
    days = counts.loc[counts.kind == USED, "order_date"].dropna()
    return _day(days.max()) if len(days) else None


def report_at(
    counts: pd.DataFrame,
    as_of: dt.date,
    customers: int,
    timezone: str,
    today: dt.date | None = None,
) -> QualityReport:
    """The :class:`QualityReport` counts of a full run at ``as_of`` (no examples).

    ``today`` when rows dated after it are left out (``keep_future`` off).
    """
    day = pd.to_datetime(counts.order_date).dt.date
    dated = day.notna()
    before = dated & (day < as_of)
    after = dated & ~before & counts.kind.isin(DATED)
    future = before & (day > today) if today is not None else before & False
    kept = (before & ~future) | ~dated
    n = counts.row_count.astype("int64")
    by_rule = n[kept].groupby(counts.kind[kept]).sum().to_dict()
    by_rule["after_as_of"] = int(n[after].sum())
    waiting = int(n[future & counts.kind.isin((*FUTURE, "future_date"))].sum())
    by_rule["future_date"] = int(by_rule.get("future_date", 0)) + waiting
    report = QualityReport(as_of=as_of, timezone=timezone, customers=customers)
    report.rows_read = int(n[~counts.kind.isin((NO_ORDER_ID, REFUNDS))].sum())
    report.rows_used = int(by_rule.get(USED, 0))
    report.rows_without_order_id = int(by_rule.get(NO_ORDER_ID, 0))
    for name in [*(r for r in RULES if r != REFUNDS), REFUNDS]:  # as the loader orders them
        action, text = RULES[name]
        count = int(by_rule.get(name, 0))
        share = round(count / report.rows_read, 6) if report.rows_read else 0.0
        report.rules.append(RuleCount(name, action, text, count, share))
    used_days = day[before & ~future & (counts.kind == USED)]
    if len(used_days):
        report.date_min, report.date_max = min(used_days), max(used_days)
    return report


def _day(value: object) -> dt.date:
    return pd.Timestamp(str(value)).date()
