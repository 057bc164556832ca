"""The ``refresh`` verb: merge new orders into the store and record an up-to-date snapshot.

The store keeps, beside its snapshots, the state a refresh continues from
(:mod:`rfmkit.incremental.state`): the rows loaded so far summed per customer,
order and day, a key per row for the exact-duplicate check, every
customer's totals and the data-quality counts. A refresh loads only the
new rows, with the cleaning rules and report of ``rfmkit score``; merges
them (new orders, more line items of known orders, refunds of old ones;
exact duplicates of earlier rows are dropped and counted); computes again
the totals of the customers it touches and of those whose rows the move of
``as_of`` passes; scores everyone -- with the score edges of the latest
snapshot (``breakpoints_mode="frozen"``, the default) or fitted again on
the customer table (``"refit"``) -- and saves the snapshot of ``as_of``
(default: the day after the latest order). The state and the snapshot are
written in one transaction: a refresh killed half-way leaves the store as
it was. The first refresh into a store loads the whole history.

The result equals one ``rfmkit score`` of all the rows at the same
``as_of`` (metrics, scores with the same edges, segments, quality counts).
Exact duplicates across refreshes are rows with the same customer, order
id, day and amount (the loader's comparison of files whose columns differ);
within one refresh, rows are compared on all their columns as usual.
"""

from __future__ import annotations

import datetime as dt
import gc
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rfmkit import engine
from rfmkit.errors import ConfigError, DataQualityError, InputError
from rfmkit.incremental import merge
from rfmkit.incremental.counts import counts_sql, latest_day, report_at
from rfmkit.incremental.state import State, policy_of, read_state, write_state
from rfmkit.incremental.watermark import pending_rows
from rfmkit.quality import QualityReport
from rfmkit.record import RunRecord
from rfmkit.scoring import Breakpoints
from rfmkit.segments import Scheme, load_scheme
from rfmkit.settings import HistoryOptions, LoadOptions, RefreshOptions, Settings, build_group
from rfmkit.sources import Loaded, load_transactions
from rfmkit.sources.totals import Totals
from rfmkit.store import SnapshotInfo, Store, open_store
from rfmkit.verbs.score import Progress, ScoreResult, as_settings, score_totals
from rfmkit.verbs.snapshot import pop_group, shared_orders, stored_breakpoints
from rfmkit.weights import resolve_weights

#: History settings that make a series: a refresh records one snapshot.
SERIES_ONLY = ("every", "from_as_of", "to_as_of")


@dataclass
class RefreshResult:
    """What a refresh merged and stored.

    Attributes
    ----------
    store
        The store's location (a password masked), to print.
    snapshot
        The snapshot written (at ``as_of``).
    rows_read, rows_new, duplicates
        Rows the batch read; rows merged into the state; rows dropped as exact
        duplicates of rows an earlier refresh loaded.
    customers_touched
        Customers whose totals were computed again.
    quality
        The data-quality counts of all rows loaded so far, as a full run at
        ``as_of`` reports them (no examples).
    batch
        The new rows' own data-quality report (with examples), or None when
        nothing was loaded.
    breakpoints
        The score edges used; ``reference`` the snapshot they came from (frozen).
    summary
        One row per segment.
    watermark
        The database watermark after the refresh.
    """

    store: str
    snapshot: SnapshotInfo
    breakpoints_mode: str
    rows_read: int
    rows_new: int
    duplicates: int
    customers_touched: int
    quality: QualityReport
    batch: QualityReport | None
    breakpoints: dict[str, Breakpoints]
    summary: pd.DataFrame
    reference: dt.date | None = None
    watermark: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def as_of(self) -> dt.date:
        return self.snapshot.as_of


def refresh(
    transactions: Any = None,
    *,
    progress: Progress | None = None,
    breakpoints: dict[str, Breakpoints] | None = None,
    **settings: Any,
) -> RefreshResult:
    """Merge new transactions into the store's state and record the snapshot of ``as_of``.

    Takes the settings of :func:`rfmkit.score` by name, ``store`` and
    ``breakpoints_mode`` (``frozen`` or ``refit``) of
    :class:`~rfmkit.settings.HistoryOptions`, and ``watermark`` (with
    ``from_db`` and ``table``: read only the rows past the stored watermark).
    ``breakpoints`` gives the score edges outright (as ``rfmkit.score`` takes them).

    >>> rfmkit.verbs.refresh.refresh("orders-today.csv", store="shop.duckdb")  # doctest: +SKIP
    """
    history = build_group(HistoryOptions, environ={}, **pop_group(settings, HistoryOptions))
    options = build_group(RefreshOptions, environ={}, **pop_group(settings, RefreshOptions))
    scheme = settings.pop("scheme", None)
    chosen = scheme if isinstance(scheme, Scheme) else None
    run = as_settings(settings, scheme=None if chosen else scheme)
    return refresh_with(
        transactions,
        run,
        history,
        options,
        progress=progress,
        scheme=chosen,
        breakpoints=breakpoints,
    )


def refresh_with(
    transactions: Any,
    settings: Settings,
    history: HistoryOptions,
    options: RefreshOptions,
    *,
    progress: Progress | None = None,
    scheme: Scheme | None = None,
    breakpoints: dict[str, Breakpoints] | None = None,
) -> RefreshResult:
    """:func:`refresh` with validated settings (what every shell calls)."""
    check_settings(settings, history, options)
    chosen = scheme or load_scheme(settings.scheme)
    resolve_weights(settings.weights)
    record = RunRecord.start("refresh")
    with open_store(history.store) as store:
        if not isinstance(store, Store):  # a lake folder: written by Spark, not merged into
            raise ConfigError(
                "rfmkit refresh keeps its state in a DuckDB file or PostgreSQL store.",
                fix="Give --store a .duckdb file or a postgresql:// URL.",
            )
        store.writable()
        try:
            return _refresh(
                store,
                transactions,
                settings,
                history,
                options,
                record,
                progress,
                chosen,
                breakpoints,
            )
        finally:
            gc.collect()  # tables Ibis cached on the store's connection go before it closes
            merge.drop_temporary(store.con)


def check_settings(settings: Settings, history: HistoryOptions, options: RefreshOptions) -> None:
    """Refuse the settings a refresh cannot honour exactly, before any reading."""
    if settings.engine != "duckdb":
        raise ConfigError(
            "rfmkit refresh runs on DuckDB, inside the store.", fix="Leave out --engine spark."
        )
    if settings.outlier_iqr is not None:
        raise ConfigError(
            "--outlier-iqr judges every row against all the others: a refresh cannot keep it.",
            fix="Use --max-amount (a fixed limit) instead, or score the whole history.",
        )
    if settings.level == "customers":
        raise ConfigError(
            "A refresh merges orders: customer-level input cannot be refreshed.",
            fix="Give the order log (one row per order or line item).",
        )
    if any(getattr(history, name) is not None for name in SERIES_ONLY):
        raise ConfigError(
            "A refresh records one snapshot: --every, --from and --to do not apply.",
            fix="Back-fill a series with rfmkit snapshot --every.",
        )
    if options.watermark and not settings.from_db:
        raise ConfigError(
            "--watermark reads past a column of a database table.",
            fix="Add --from-db URL --table NAME.",
        )


def _refresh(
    store: Store,
    transactions: Any,
    settings: Settings,
    history: HistoryOptions,
    options: RefreshOptions,
    record: RunRecord,
    progress: Progress | None,
    scheme: Scheme,
    given: dict[str, Breakpoints] | None,
) -> RefreshResult:
    state = read_state(store.con.con, store.prefix)
    policy = policy_of(settings.model_dump())
    _check_state(state, policy, options, transactions, settings)
    with record.step("load", progress):
        batch, watermark = _load_batch(store, transactions, settings, options, state)
    with record.step("merge", progress):
        totals, sizes = _merged(store, batch, settings, state.as_of)
    as_of = totals.as_of
    frozen, reference, mode = _breakpoints(store, settings, history, as_of, given)
    result = score_totals(
        totals,
        settings,
        inputs=transactions,
        record=record,
        progress=progress,
        scheme=scheme,
        breakpoints=frozen,
    )
    after = State(as_of, policy, options.watermark, watermark, state.batches + 1)
    info = _save(store, result, after, mode, reference, progress, settings)
    return RefreshResult(
        store=store.location,
        snapshot=info,
        breakpoints_mode=mode,
        rows_read=batch.rows_read if batch is not None else 0,
        rows_new=sizes["new"],
        duplicates=sizes["duplicates"],
        customers_touched=sizes["touched"],
        quality=totals.loaded.quality,
        batch=batch.loaded.quality if batch is not None and batch.loaded is not None else None,
        breakpoints=result.breakpoints,
        summary=result.summary,
        reference=reference,
        watermark=watermark,
        warnings=list(result.warnings),
    )


def _merged(
    store: Store, batch: _Batch | None, settings: Settings, previous: dt.date | None
) -> tuple[Totals, dict[str, int]]:
    """Merge the batch into the state; the customers' totals at the run's as_of and the sizes."""
    con, prefix = store.con, store.prefix
    _stage_batch(store, batch, settings)
    counts = con.con.execute(counts_sql(prefix, merge.COUNTS)).df()
    as_of = settings.as_of or _default_as_of(counts)
    merge.touched_customers(con, prefix, previous, as_of)
    orders = merge.all_orders(con, store.table("refresh_orders"))
    customers = merge.customer_table(con, prefix, orders, as_of, settings.money_decimals)
    sizes = _sizes(con)
    quality = report_at(counts, as_of, sizes["customers"], settings.timezone)
    if batch is not None and batch.loaded is not None:
        quality.sources = batch.loaded.quality.sources
        quality.warnings = list(batch.loaded.quality.warnings)
    totals = Totals(
        engine.scorable(customers, as_of, money_decimals=settings.money_decimals),
        as_of,
        sizes["scorable"],
        sizes["customers"] - sizes["scorable"],
        Loaded(orders, quality),
    )
    return totals, sizes


@dataclass
class _Batch:
    """The new rows: loaded, or only counted per rule when every one was left out."""

    loaded: Loaded | None
    rejected: dict[str, int]
    rows_read: int


def _check_state(
    state: State,
    policy: dict[str, Any],
    options: RefreshOptions,
    transactions: Any,
    settings: Settings,
) -> None:
    if state.empty:
        if transactions is None and not settings.from_db:
            raise ConfigError(
                "The store has no refresh state yet: the first refresh loads the whole history.",
                fix="Name the order files (or --from-db) of the history so far.",
            )
        return
    if state.policy != policy:
        changed = sorted(k for k in policy if state.policy.get(k) != policy[k])
        raise ConfigError(
            f"The store's state was built with other cleaning settings ({', '.join(changed)}).",
            fix="Refresh with the settings of the earlier refreshes, or start a new store "
            "with the whole history.",
            details={"stored": {k: state.policy.get(k) for k in changed}},
        )
    if state.watermark_column and options.watermark != state.watermark_column:
        raise ConfigError(
            f"The store reads its database past the column {state.watermark_column!r}.",
            fix=f"Give --watermark {state.watermark_column}.",
        )


def _load_batch(
    store: Store,
    transactions: Any,
    settings: Settings,
    options: RefreshOptions,
    state: State,
) -> tuple[_Batch | None, str | None]:
    """Load the new rows with the cleaning rules of a full run, but no ``as_of`` cut."""
    load = settings.group(LoadOptions)
    watermark = state.watermark
    if options.watermark:
        assert settings.from_db is not None
        pending = pending_rows(
            store.con,
            settings.from_db,
            table=settings.table,
            query=settings.query,
            column=options.watermark,
            stored=state.watermark,
        )
        watermark = pending.watermark
        if pending.rows is None:
            return None, watermark
        transactions = pending.rows
        load = load.model_copy(update={"from_db": None, "table": None, "query": None})
    elif transactions is None and not settings.from_db:
        return None, watermark  # no new rows: scores move with as_of only
    try:
        loaded = load_transactions(
            transactions, con=store.con, options=load, as_of=None, count_customers=False
        )
    except DataQualityError as error:  # every row left out: counted all the same
        rejected = _rejected(error)
        return _Batch(None, rejected, sum(rejected.values())), watermark
    if loaded.transactions is None:
        raise ConfigError("A refresh merges orders: customer-level input cannot be refreshed.")
    return _Batch(loaded, {}, loaded.quality.rows_read), watermark


def _rejected(error: DataQualityError) -> dict[str, int]:
    """The rule counts of a batch whose every row was left out (re-raise when not that)."""
    quality = error.details.get("quality")
    if not isinstance(quality, dict):
        raise error
    counts = {str(r["rule"]): int(r["count"]) for r in quality.get("rules", []) if r.get("count")}
    if any(rule in merge.DATED_RULES for rule in counts):  # their days are not known
        raise error
    return counts


def _stage_batch(store: Store, batch: _Batch | None, settings: Settings) -> None:
    con, prefix = store.con, store.prefix
    drop = not settings.keep_duplicates
    stage = batch.loaded.stage if batch is not None and batch.loaded is not None else None
    used = stage.filter(stage._reason.isnull()) if stage is not None else _no_rows(store)
    merge.stage_rows(con, prefix, used, settings.money_decimals, drop)
    fresh = shared_orders(Loaded(merge.fresh_rows(con)), settings.money_decimals)
    assert fresh.transactions is not None
    merge.stage_orders(con, fresh.transactions)
    merge.stage_counts(con, stage, batch.rejected if batch is not None else {})


def _no_rows(store: Store) -> Any:
    """An empty table of canonical transactions (a refresh without new rows)."""
    orders = store.table("refresh_orders")
    return orders.select(
        "customer_id", "order_id", "order_date", amount=orders.amount.cast("float64")
    ).limit(0)


def _default_as_of(counts: pd.DataFrame) -> dt.date:
    latest = latest_day(counts)
    if latest is None:
        raise InputError(
            "There are no dated transactions to analyse.",
            fix="Check that the input has rows with a valid order date.",
        )
    return latest + dt.timedelta(days=1)


def _sizes(con: Any) -> dict[str, int]:
    """Rows merged and dropped, customers touched and scorable (one query)."""
    row = con.con.execute(
        f"SELECT (SELECT count(*) FILTER (WHERE NOT dup) FROM {merge.BATCH}), "
        f"(SELECT count(*) FILTER (WHERE dup) FROM {merge.BATCH}), "
        f"(SELECT count(*) FROM {merge.AFFECTED}), "
        f"(SELECT count(*) FROM {merge.CUSTOMERS}), "
        f"(SELECT count(*) FILTER (WHERE frequency > 0) FROM {merge.CUSTOMERS})"
    ).fetchone()
    names = ("new", "duplicates", "touched", "customers", "scorable")
    return {name: int(value or 0) for name, value in zip(names, row, strict=True)}


def _breakpoints(
    store: Store,
    settings: Settings,
    history: HistoryOptions,
    as_of: dt.date,
    given: dict[str, Breakpoints] | None,
) -> tuple[dict[str, Breakpoints] | None, dt.date | None, str]:
    """The score edges (None: fit them on the customer table), their snapshot, and the mode."""
    if given is not None:
        return given, None, "frozen"
    if history.breakpoints_mode == "refit":
        return None, None, "refit"
    stored = [s.as_of for s in store.snapshots()]
    day = history.reference or next(
        (d for d in reversed(stored) if d != as_of), stored[-1] if stored else None
    )
    if day is None:
        return None, None, "frozen"
    return stored_breakpoints(store.record(day), settings, day), day, "frozen"


def _save(
    store: Store,
    result: ScoreResult,
    state: State,
    mode: str,
    reference: dt.date | None,
    progress: Progress | None,
    settings: Settings,
) -> SnapshotInfo:
    if progress is not None:
        progress("save")
    record = result.record.to_dict()
    record["breakpoints_mode"] = mode
    record["breakpoints_reference"] = reference.isoformat() if reference else None
    raw, prefix = store.con.con, store.prefix

    def also() -> None:
        merge.write(raw, prefix, not settings.keep_duplicates)
        write_state(raw, prefix, state)

    return store.save_snapshot(
        result.customers,
        record,
        as_of=result.as_of,
        scheme=result.scheme,
        breakpoints_mode=mode,
        also=also,
    )
