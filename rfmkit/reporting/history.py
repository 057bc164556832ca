"""History between snapshots, as the report takes it.

Until the snapshot store exists, history is two plain tables (pandas
DataFrames, or anything ``pandas.DataFrame(...)`` accepts):

``migration``
    One row per (from, to) pair between two snapshots: ``from_segment``,
    ``to_segment`` (segment keys), ``customers``, ``revenue``. Optional
    ``from_as_of`` / ``to_as_of`` name the two snapshot dates in the title.
``trend``
    One row per (snapshot date, segment): ``as_of``, ``segment``,
    ``customers``, ``revenue``.

Either may be missing; the report shows the charts of what is given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rfmkit.errors import ConfigError

MIGRATION_COLUMNS = ("from_segment", "to_segment", "customers", "revenue")
TREND_COLUMNS = ("as_of", "segment", "customers", "revenue")


@dataclass(frozen=True)
class History:
    """Segment migration between two snapshots and segment counts over time."""

    migration: pd.DataFrame | None = None
    trend: pd.DataFrame | None = None
    from_as_of: dt.date | None = None
    to_as_of: dt.date | None = None

    @property
    def empty(self) -> bool:
        return self.migration is None and self.trend is None


def as_history(value: History | Mapping[str, Any] | None) -> History | None:
    """A :class:`History` from itself or a mapping with ``migration`` and/or ``trend``."""
    if value is None or isinstance(value, History):
        return value
    migration = _table(value.get("migration"), MIGRATION_COLUMNS, "migration")
    trend = _table(value.get("trend"), TREND_COLUMNS, "trend")
    if trend is not None:
        trend = trend.assign(as_of=pd.to_datetime(trend["as_of"]).dt.date)
    return History(
        migration=migration,
        trend=trend,
        from_as_of=_date(value.get("from_as_of")),
        to_as_of=_date(value.get("to_as_of")),
    )


def _table(value: Any, columns: tuple[str, ...], name: str) -> pd.DataFrame | None:
    if value is None:
        return None
    frame = value if isinstance(value, pd.DataFrame) else pd.DataFrame(value)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(
            f"The {name} history table lacks the columns {', '.join(missing)}.",
            fix=f"Give {name} the columns {', '.join(columns)}.",
        )
    return frame.loc[:, list(columns)]


def _date(value: Any) -> dt.date | None:
    return None if value is None else pd.Timestamp(value).date()
