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
(default: the day after the latest order), stored over the last one a
refresh stored in full when it can (:mod:`rfmkit.incremental.scoring`). The
state and the snapshot are written in one transaction: a refresh killed
half-way leaves the store as it was. The first refresh into a store loads
the whole history. Rows dated after today (``keep_future`` off) are kept and
count once a later refresh's today passes them (:func:`cut_date`).

A lake store (``--store lake:PATH`` with ``--engine spark``) keeps the same
state as Parquet folders that Spark writes (:mod:`rfmkit.incremental.lake`):
a refresh writes a new folder, then its snapshot, and the snapshot's run
line names the new state last.

The result equals one ``rfmkit score`` of all the rows at the same
``as_of`` (metrics, scores with the same edges, segments, quality counts).
Exact duplicates across refreshes are rows with the same customer, order
id, day and amount (the loader's comparison of files whose columns differ);
within one refresh, rows are compared on all their columns as usual.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from ibis.backends import BaseBackend

from rfmkit.errors import ConfigError, DataQualityError, InputError
from rfmkit.incremental import lake, merge
from rfmkit.incremental.counts import counts_sql, default_as_of, report_at
from rfmkit.incremental.scoring import Scored, score_all
from rfmkit.incremental.scoring import score as score_customers
from rfmkit.incremental.state import State, policy_of, read_state, write_state
from rfmkit.incremental.watermark import pending_rows
from rfmkit.quality import QualityReport
from rfmkit.record import RunRecord
from rfmkit.scoring import Breakpoints
from rfmkit.segments import Scheme, load_scheme
from rfmkit.settings import HistoryOptions, LoadOptions, RefreshOptions, Settings, build_group
from rfmkit.sources import Loaded, load_transactions
from rfmkit.store import SnapshotInfo, Store, open_store
from rfmkit.store.lake import is_lake
from rfmkit.summary import segment_summary
from rfmkit.verbs.score import Progress, _fill_record, as_settings, connection
from rfmkit.verbs.snapshot import pop_group, stored_breakpoints
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
        One row per segment (read from the store when first asked for:
        the command line does not print it).
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
    summary_of: Callable[[], pd.DataFrame] = field(repr=False, compare=False)
    reference: dt.date | None = None
    watermark: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def as_of(self) -> dt.date:
        return self.snapshot.as_of

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        return self.summary_of()


def refresh(
    transactions: Any = None,
    *,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    breakpoints: dict[str, Breakpoints] | None = None,
    **settings: Any,
) -> RefreshResult:
    """Merge new transactions into the store's state and record the snapshot of ``as_of``.

    Takes the settings of :func:`rfmkit.score` by name, ``store`` and
    ``breakpoints_mode`` (``frozen`` or ``refit``) of
    :class:`~rfmkit.settings.HistoryOptions`, and ``watermark`` (with
    ``from_db`` and ``table``: read only the rows past the stored watermark).
    ``breakpoints`` gives the score edges outright (as ``rfmkit.score`` takes them);
    ``con`` the Spark connection a lake store is refreshed on (default: one
    made from the Spark settings).

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
        con=con,
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
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    scheme: Scheme | None = None,
    breakpoints: dict[str, Breakpoints] | None = None,
) -> RefreshResult:
    """:func:`refresh` with validated settings (what every shell calls)."""
    check_settings(settings, history, options)
    chosen = scheme or load_scheme(settings.scheme)
    weights = resolve_weights(settings.weights)
    record = RunRecord.start("refresh")
    if is_lake(history.store):  # Parquet folders that Spark writes
        with open_store(history.store, con=con or connection(settings)) as lake:
            lake.writable()
            run = _Run(lake, settings, history, options, record, progress, chosen, weights)
            return _refresh_lake(run, transactions, breakpoints)
    with open_store(history.store) as store:
        store.writable()
        merge.prepare(store.con.con)
        run = _Run(store, settings, history, options, record, progress, chosen, weights)
        try:
            return _refresh(run, transactions, breakpoints)
        finally:
            gc.collect()  # tables Ibis cached on the store's connection go before it closes
            merge.drop_temporary(store.con)


@dataclass(frozen=True)
class _Run:
    """One refresh: the open store, the settings and what records and reports its steps."""

    store: Any  # a Store, or a LakeStore
    settings: Settings
    history: HistoryOptions
    options: RefreshOptions
    record: RunRecord
    progress: Progress | None
    scheme: Scheme
    weights: tuple[float, float, float]


def check_settings(settings: Settings, history: HistoryOptions, options: RefreshOptions) -> None:
    """Refuse the settings a refresh cannot honour exactly, before any reading."""
    lake = is_lake(history.store)
    if lake and settings.engine != "spark":
        raise ConfigError(
            "A lake store is refreshed by Spark, which writes its folders.",
            fix="Add --engine spark (with --spark-remote or --spark-master for a cluster).",
        )
    if not lake and settings.engine != "duckdb":
        raise ConfigError(
            "rfmkit refresh runs on DuckDB, inside the store.",
            fix="Leave out --engine spark, or give Spark a lake store (--store lake:PATH).",
        )
    if lake and options.watermark:
        raise ConfigError(
            "--watermark reads a database into a DuckDB or PostgreSQL store.",
            fix="Refresh the lake store from files or tables that Spark reads.",
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


def _refresh(run: _Run, transactions: Any, given: dict[str, Breakpoints] | None) -> RefreshResult:
    store, settings = run.store, run.settings
    state = read_state(store.con.con, store.prefix)
    policy = policy_of(settings.model_dump())
    _check_state(state, policy, run.options, transactions, settings)
    with run.record.step("load", run.progress):
        batch, watermark = _load_batch(store, transactions, settings, run.options, state)
    with run.record.step("merge", run.progress):
        counts, as_of, cut = _merged(store, batch, settings, state)
    frozen, reference, mode = _breakpoints(store, settings, run.history, as_of, given)
    with store.transaction():  # the state, the snapshot and its marks: all or nothing
        with run.record.step("merge"):
            merge.write(store.con.con, store.prefix, not settings.keep_duplicates)
        sizes = _sizes(store, cut)
        quality = _quality(counts, as_of, sizes["customers"], settings, batch)
        scored = _scored(
            run,
            transactions,
            sizes,
            quality,
            lambda: score_customers(
                store,
                settings,
                run.scheme,
                run.weights,
                as_of,
                frozen,
                state.base,
                sizes["scorable"],
            ),
        )
        info = _save(run, scored, mode, reference)
        base = state.base if scored.over is not None else _base(scored, info, state)
        after = State(cut, policy, run.options.watermark, watermark, state.batches + 1, base)
        write_state(store.con.con, store.prefix, after)
    summary = _summary(run, as_of)
    return _result(run, info, (mode, reference), batch, sizes, quality, scored, summary, watermark)


def _refresh_lake(
    run: _Run, transactions: Any, given: dict[str, Breakpoints] | None
) -> RefreshResult:
    """:func:`_refresh` on a lake store (see :mod:`rfmkit.incremental.lake`)."""
    store, settings = run.store, run.settings
    state, parts = lake.read_state(store)
    policy = policy_of(settings.model_dump())
    _check_state(state, policy, run.options, transactions, settings)
    with run.record.step("load", run.progress):
        batch, watermark = _load_batch(store, transactions, settings, run.options, state)
    with run.record.step("merge", run.progress):
        stage = batch.loaded.stage if batch is not None and batch.loaded is not None else None
        rejected = batch.rejected if batch is not None else {}
        merged = lake.merge(store, stage, rejected, settings, state, parts, today_of(settings))
    as_of, sizes = merged.as_of, merged.sizes
    frozen, reference, mode = _breakpoints(store, settings, run.history, as_of, given)
    quality = _quality(merged.counts, as_of, sizes["customers"], settings, batch)
    scored = _scored(
        run,
        transactions,
        sizes,
        quality,
        lambda: score_all(merged.totals, settings, run.scheme, run.weights, as_of, frozen),
    )
    after = State(merged.cut, policy, None, watermark, state.batches + 1)
    info = _save(run, scored, mode, reference, lake.pointer(after, merged.parts))
    summary = _summary(run, as_of)
    return _result(run, info, (mode, reference), batch, sizes, quality, scored, summary, watermark)


def _summary(run: _Run, as_of: dt.date) -> Callable[[], pd.DataFrame]:
    """The segment summary of the snapshot, made when first asked for (the store reopened)."""
    location, scheme, lang = run.history.store, run.scheme, run.settings.lang
    con = run.store.con if is_lake(location) else None

    def summary() -> pd.DataFrame:
        with open_store(location, read_only=True, con=con) as store:
            return segment_summary(store.customers(as_of), scheme, lang)

    return summary


def _result(
    run: _Run,
    info: SnapshotInfo,
    edges: tuple[str, dt.date | None],
    batch: _Batch | None,
    sizes: dict[str, int],
    quality: QualityReport,
    scored: Scored,
    summary: Callable[[], pd.DataFrame],
    watermark: str | None,
) -> RefreshResult:
    mode, reference = edges
    return RefreshResult(
        store=run.store.location,
        snapshot=info,
        breakpoints_mode=mode,
        rows_read=batch.rows_read if batch is not None else 0,
        rows_new=sizes["new"],
        duplicates=sizes["duplicates"],
        customers_touched=sizes["touched"],
        quality=quality,
        batch=batch.loaded.quality if batch is not None and batch.loaded is not None else None,
        breakpoints=scored.breakpoints,
        summary_of=summary,
        reference=reference,
        watermark=watermark,
        warnings=list(run.record.warnings),
    )


def _merged(
    store: Store, batch: _Batch | None, settings: Settings, state: State
) -> tuple[pd.DataFrame, dt.date, dt.date]:
    """Stage the batch and the affected customers' new totals.

    Returns the counts per day and kind, ``as_of`` and the date the totals are at.
    """
    con, prefix = store.con, store.prefix
    _stage_batch(store, batch, settings)
    counts = con.con.execute(counts_sql(prefix, merge.COUNTS)).df()
    as_of = settings.as_of or default_as_of(counts, today_of(settings))
    cut = cut_date(as_of, today_of(settings))
    merge.touched_customers(con, prefix, state.as_of, cut)
    stored = store.table("refresh_order_days")
    merge.recompute(con, prefix, stored, cut, settings.money_decimals, state.batches + 1)
    return counts, as_of, cut


def today_of(settings: Settings) -> dt.date | None:
    """The day after which rows are left out as ``future_date`` (None: ``keep_future``)."""
    return None if settings.keep_future else settings.today or dt.date.today()


def cut_date(as_of: dt.date, today: dt.date | None) -> dt.date:
    """The date the customer totals are at: ``as_of``, or the day after ``today`` when earlier.

    A full run leaves out rows dated after today, and before that the rows
    dated on or after ``as_of``: it counts the rows before this date.
    """
    if today is None:
        return as_of
    return min(as_of, today + dt.timedelta(days=1))


def _quality(
    counts: pd.DataFrame, as_of: dt.date, customers: int, settings: Settings, batch: _Batch | None
) -> QualityReport:
    """The data-quality counts of all the rows at ``as_of``, with the batch's sources and warnings."""
    quality = report_at(counts, as_of, customers, settings.timezone, today_of(settings))
    if batch is not None and batch.loaded is not None:
        quality.sources = batch.loaded.quality.sources
        quality.warnings = list(batch.loaded.quality.warnings)
    return quality


def _scored(
    run: _Run,
    transactions: Any,
    sizes: dict[str, int],
    quality: QualityReport,
    score: Callable[[], Scored],
) -> Scored:
    """Score the customer totals (``score``, see :mod:`rfmkit.incremental.scoring`); fill the record."""
    as_of = quality.as_of
    assert as_of is not None
    if sizes["scorable"] == 0:
        raise InputError(
            f"No customer has an order with a positive amount before {as_of}.",
            fix="Check the as-of date and that amounts are positive for purchases.",
        )
    settings = run.settings
    with run.record.step("scores", run.progress):
        scored = score()
    bps, line = scored.breakpoints, scored.split
    _fill_record(run.record, settings, transactions, quality, as_of, bps, run.weights, line)
    run.record.rows.update(
        scored=sizes["scorable"], unscored=sizes["customers"] - sizes["scorable"]
    )
    return scored


def _base(scored: Scored, info: SnapshotInfo, state: State) -> dict[str, Any]:
    """The marks of a snapshot stored in full: later refreshes store theirs over it."""
    return {**scored.marks, "snapshot_id": info.snapshot_id, "batch": state.batches + 1}


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
    """Load the new rows with the cleaning rules of a full run, but no ``as_of`` cut.

    Rows dated after today are loaded too: they wait in the state until a
    later refresh's today passes them (see :func:`cut_date`).
    """
    load = settings.group(LoadOptions).model_copy(update={"keep_future": True})
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
    """Stage the batch's rows, orders and counts (see :mod:`rfmkit.incremental.merge`)."""
    raw, prefix = store.con.con, store.prefix
    stage = batch.loaded.stage if batch is not None and batch.loaded is not None else None
    rows = store.con.compile(stage.select(*_STAGE_COLUMNS)) if stage is not None else None
    drop = not settings.keep_duplicates
    merge.stage_rows(raw, prefix, rows or merge.NO_ROWS, settings.money_decimals, drop)
    merge.stage_orders(raw, prefix)
    merge.stage_counts(raw, rows, batch.rejected if batch is not None else {})


#: The loader's columns a refresh reads.
_STAGE_COLUMNS = ("customer_id", "order_id", "order_date", "amount", "_reason")


def _sizes(store: Store, as_of: dt.date) -> dict[str, int]:
    """Rows merged and dropped, customers touched, with rows before ``as_of`` and scorable."""
    day = f"DATE '{as_of.isoformat()}'"
    row = store.con.con.execute(
        f"SELECT (SELECT count(*) FILTER (WHERE NOT dup) FROM {merge.BATCH}), "
        f"(SELECT count(*) FILTER (WHERE dup) FROM {merge.BATCH}), "
        f"(SELECT count(*) FROM {merge.AFFECTED}), "
        f"(SELECT count(*) FILTER (WHERE first_row < {day}) FROM {store.prefix}.refresh_totals), "
        f"(SELECT count(*) FILTER (WHERE frequency > 0) FROM {store.prefix}.refresh_totals)"
    ).fetchone()
    names = ("new", "duplicates", "touched", "customers", "scorable")
    return {name: int(value or 0) for name, value in zip(names, row or (), strict=True)}


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
    run: _Run,
    scored: Scored,
    mode: str,
    reference: dt.date | None,
    pointer: dict[str, Any] | None = None,
) -> SnapshotInfo:
    if run.progress is not None:
        run.progress("save")
    record = run.record.to_dict()
    record["breakpoints_mode"] = mode
    record["breakpoints_reference"] = reference.isoformat() if reference else None
    if pointer is not None:  # a lake store: the run line names the refresh state
        info: SnapshotInfo = run.store.save_snapshot(
            scored.customers,
            record,
            as_of=scored.as_of,
            scheme=run.scheme,
            breakpoints_mode=mode,
            refresh=pointer,
        )
        return info
    return run.store.save_snapshot(
        scored.customers,
        record,
        as_of=scored.as_of,
        scheme=run.scheme,
        breakpoints_mode=mode,
        over=scored.over,
        removed=scored.removed,
    )
