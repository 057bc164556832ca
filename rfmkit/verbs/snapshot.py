"""The ``snapshot`` verb: score customers and keep the result in the snapshot store.

One snapshot (``as_of=``) or a back-filled series (``every="quarter"``,
``from_as_of=``, ``to_as_of=``, both included) from one transaction log.
The log is read once, with the rows on or after the series' last date left
out; each snapshot then counts only the rows dated before its own
``as_of`` (no look-ahead), from one table of the rows summed per customer,
order and day that every snapshot shares.

Breakpoints (``breakpoints_mode``): ``frozen`` (the default) scores every
snapshot with the score edges of one reference snapshot -- ``reference=``,
else the last date of a back-filled series, else the latest stored
snapshot -- so that a move between segments means a change in behaviour,
not in the population; ``refit`` fits the edges again for each snapshot.
The store records which. Saving a date that is stored replaces it, in one
transaction, so cron can re-run a snapshot safely.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import ibis
from ibis.backends import BaseBackend

from rfmkit import engine
from rfmkit import glossary as g
from rfmkit.errors import ConfigError
from rfmkit.history.backfill import SeriesTotals
from rfmkit.record import RunRecord
from rfmkit.scoring import Breakpoints
from rfmkit.segments import Scheme, load_scheme
from rfmkit.settings import HistoryOptions, Settings, build_group
from rfmkit.sources import Loaded
from rfmkit.sources.totals import customer_totals
from rfmkit.store import SnapshotInfo, Store, open_store
from rfmkit.verbs.score import (
    Progress,
    ScoreResult,
    as_settings,
    engine_of,
    load_for,
    score_totals,
)

#: Months between two snapshots of a series.
STEP_MONTHS = {"month": 1, "quarter": 3, "year": 12}
#: The most snapshots one back-fill makes (a typo in a date should not make thousands).
MAX_SNAPSHOTS = 400


@dataclass
class SnapshotResult:
    """What a snapshot run stored.

    Attributes
    ----------
    store
        The store's location (a password masked), to print.
    snapshots
        The snapshots written, oldest first.
    breakpoints_mode
        ``frozen`` or ``refit``.
    reference
        The date of the snapshot whose score edges were reused (frozen).
    warnings
        The warnings of the scoring runs, each once.
    """

    store: str
    snapshots: list[SnapshotInfo]
    breakpoints_mode: str
    reference: dt.date | None = None
    warnings: list[str] = field(default_factory=list)


def snapshot(
    transactions: Any = None,
    *,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    **settings: Any,
) -> SnapshotResult:
    """Score ``transactions`` and store the result as the snapshot of ``as_of``.

    Takes every setting of :func:`rfmkit.score` by name, and those of
    :class:`rfmkit.settings.HistoryOptions`: ``store``, ``every``,
    ``from_as_of``, ``to_as_of`` (a back-filled series), ``breakpoints_mode``
    and ``reference``.

    >>> rfmkit.snapshot("orders.csv", every="quarter", from_as_of="2024-01-01",
    ...                 to_as_of="2025-01-01", store="shop.duckdb")  # doctest: +SKIP
    """
    options = build_group(HistoryOptions, environ={}, **pop_group(settings, HistoryOptions))
    scheme = settings.pop("scheme", None)
    chosen = scheme if isinstance(scheme, Scheme) else None
    run = as_settings(settings, scheme=None if chosen else scheme)
    return snapshot_with(transactions, run, options, con=con, progress=progress, scheme=chosen)


def snapshot_with(
    transactions: Any,
    settings: Settings,
    options: HistoryOptions,
    *,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    scheme: Scheme | None = None,
) -> SnapshotResult:
    """:func:`snapshot` with validated settings (what every shell calls)."""
    dates = snapshot_dates(settings.as_of, options)
    chosen = scheme or load_scheme(settings.scheme)
    # on DuckDB the store's own connection scores: the customers are stored without leaving it
    own = con is None and settings.engine == "duckdb" and not isinstance(transactions, ibis.Table)
    con = con if own or con is not None else engine_of(transactions, settings)
    with open_store(options.store, con=con) as store:  # a lake store writes through con
        if con is None:
            con = store.con if isinstance(store, Store) else engine_of(transactions, settings)
        frozen, reference = reference_breakpoints(store, settings, options, dates)
        loaded = load_for(transactions, settings, dates[-1], con=con, progress=progress)
        run = _Series(store, settings, options, chosen, transactions, progress)
        written, warnings, reference = run.save(loaded, dates, frozen, reference)
        del loaded  # its cached tables go before the store's connection closes
        location = store.location
    written.sort(key=lambda info: info.as_of)
    return SnapshotResult(location, written, options.breakpoints_mode, reference, warnings)


@dataclass
class _Series:
    """Scores and stores the snapshots of one run (its cached tables die with it)."""

    store: Store
    settings: Settings
    options: HistoryOptions
    scheme: Scheme
    inputs: Any
    progress: Progress | None

    def save(
        self,
        loaded: Loaded,
        dates: list[dt.date | None],
        frozen: dict[str, Breakpoints] | None,
        reference: dt.date | None,
    ) -> tuple[list[SnapshotInfo], list[str], dt.date | None]:
        """Store the snapshot of each date, the last first (with no reference its edges score the others)."""
        series: SeriesTotals | None = None
        written: list[SnapshotInfo] = []
        warnings: list[str] = []
        decimals, mode = self.settings.money_decimals, self.options.breakpoints_mode
        for day in reversed(dates):
            record = RunRecord.start("snapshot")
            with record.step("metrics", self.progress):
                if series is None and len(dates) > 1:
                    series = SeriesTotals.of(loaded, _known(dates), decimals)
                if series is None:  # one date, or customer-level input
                    totals = customer_totals(loaded, day, decimals)
                else:
                    totals = series.at(_known([day])[0])
            result = score_totals(
                totals,
                self.settings,
                inputs=self.inputs,
                record=record,
                progress=self.progress,
                scheme=self.scheme,
                breakpoints=frozen,
            )
            if mode == "frozen" and frozen is None:
                frozen, reference = result.breakpoints, result.as_of
            written.append(_save(self.store, result, mode, reference, self.progress))
            warnings += [w for w in result.warnings if w not in warnings]
        return written, warnings, reference


def _save(
    store: Store,
    result: ScoreResult,
    mode: str,
    reference: dt.date | None,
    progress: Progress | None,
) -> SnapshotInfo:
    if progress is not None:
        progress("save")
    record = result.record.to_dict()
    record["breakpoints_mode"] = mode
    record["breakpoints_reference"] = reference.isoformat() if reference else None
    return store.save_snapshot(
        result.customers, record, as_of=result.as_of, scheme=result.scheme, breakpoints_mode=mode
    )


def snapshot_dates(as_of: dt.date | None, options: HistoryOptions) -> list[dt.date | None]:
    """The dates to snapshot: ``as_of`` alone, or the series of ``every`` from ``from`` to ``to``.

    Raises
    ------
    ConfigError
        When a series lacks a bound, its bounds are reversed, it would be
        longer than :data:`MAX_SNAPSHOTS`, or ``as_of`` is given too.
    """
    start, end = options.from_as_of, options.to_as_of
    if options.every is None:
        if start is not None or end is not None:
            raise ConfigError(
                "--from and --to make a series only with --every.",
                fix="Add --every month, quarter or year, or give one --as-of.",
            )
        return [as_of]
    if as_of is not None:
        raise ConfigError(
            "Give either --as-of (one snapshot) or --every with --from and --to (a series).",
            fix="Leave out --as-of: each snapshot of a series has its own date.",
        )
    if start is None or end is None or start > end:
        raise ConfigError(
            "A back-filled series needs --from and --to, --from not after --to.",
            fix="For example: --every quarter --from 2024-01-01 --to 2025-01-01.",
        )
    return list(series(options.every, start, end))


def series(every: str, start: dt.date, end: dt.date) -> list[dt.date]:
    """``start``, then every month, quarter or year after it, up to and including ``end``."""
    step = STEP_MONTHS[every]
    days: list[dt.date] = []
    while (day := add_months(start, step * len(days))) <= end:
        days.append(day)
        if len(days) > MAX_SNAPSHOTS:
            raise ConfigError(
                f"The series from {start} to {end} every {every} has more than "
                f"{MAX_SNAPSHOTS} snapshots.",
                fix="Check the dates, or use a longer --every.",
            )
    return days


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` (the 31st becomes the month's last day when shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def reference_breakpoints(
    store: Store, settings: Settings, options: HistoryOptions, dates: list[dt.date | None]
) -> tuple[dict[str, Breakpoints] | None, dt.date | None]:
    """The frozen score edges and the date of their snapshot (None, None: fit them here)."""
    if options.breakpoints_mode == "refit":
        return None, None
    day = options.reference
    if day is None and options.every is None:  # one snapshot: the latest stored one's edges
        stored = [s.as_of for s in store.snapshots() if s.as_of not in dates]
        day = stored[-1] if stored else None
    if day is None:
        return None, None
    return stored_breakpoints(store.record(day), settings, day), day


def stored_breakpoints(
    record: dict[str, Any], settings: Settings, day: dt.date
) -> dict[str, Breakpoints]:
    """The score edges of a stored run record, checked against this run's levels."""
    stored = record.get("breakpoints") or {}
    edges = {
        metric: Breakpoints(metric, tuple(bp["edges"]), bool(bp["higher_is_better"]))
        for metric, bp in stored.items()
        if isinstance(bp, dict) and "edges" in bp
    }
    wanted = (g.RECENCY_DAYS, g.FREQUENCY, g.MONETARY)
    if any(m not in edges or edges[m].levels != settings.levels for m in wanted):
        raise ConfigError(
            f"The snapshot of {day} has no score edges of {settings.levels} levels to reuse.",
            fix="Use --breakpoints refit, another --reference, or the levels it was scored with.",
        )
    return {m: edges[m] for m in wanted}


def shared_orders(loaded: Loaded, money_decimals: int) -> Loaded:
    """``loaded`` with its rows summed per customer, order and day, kept in the engine.

    Every snapshot of a series reads this table instead of the inputs. It
    scores exactly as the rows do: an order is dated by its earliest row and
    its amount is the sum of its rows before ``as_of``, so summing an order's
    rows of one day first changes nothing; rows without an order id (each an
    order of its own) are kept as they are. Amounts are summed exactly, as
    :mod:`rfmkit.engine` does.
    """
    rows = loaded.transactions
    if rows is None:  # customer-level input: nothing to share
        return loaded
    amount = engine.money(rows[g.AMOUNT], money_decimals)
    keyed = rows.filter(rows[g.ORDER_ID].notnull())
    summed = keyed.group_by([g.CUSTOMER_ID, g.ORDER_ID, g.ORDER_DATE]).aggregate(
        **{g.AMOUNT: engine.money(keyed[g.AMOUNT], money_decimals).sum()}
    )
    single = rows.filter(rows[g.ORDER_ID].isnull()).mutate(**{g.AMOUNT: amount})
    columns = [g.CUSTOMER_ID, g.ORDER_DATE, g.AMOUNT, g.ORDER_ID]
    table = summed.select(*columns).union(single.select(*columns))
    return dataclasses.replace(loaded, transactions=table.cache())


def _known(dates: list[dt.date | None]) -> list[dt.date]:
    """The dates of a series (each is known: only a single snapshot may leave it to the data)."""
    known = [d for d in dates if d is not None]
    assert len(known) == len(dates)
    return known


def pop_group(values: dict[str, Any], model: type[Any]) -> dict[str, Any]:
    """Take the settings of ``model`` out of ``values`` (Python keyword arguments)."""
    return {k: values.pop(k) for k in list(values) if k in model.model_fields}
