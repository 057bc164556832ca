"""The ``score`` verb: transactions in, scored and segmented customers out.

It reads nothing but its inputs and writes nothing: writing the result is
the ``save`` verb (:mod:`rfmkit.verbs.save`), so the CLI, the web app and
Python callers share this one code path.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from rfmkit import glossary as g
from rfmkit import i18n, scoring
from rfmkit.backend import connect
from rfmkit.errors import ConfigError, InputError
from rfmkit.quality import QualityReport
from rfmkit.record import RunRecord, fingerprint
from rfmkit.scoring import Breakpoints
from rfmkit.segments import Scheme, SplitLine, label_segments, load_scheme
from rfmkit.settings import LifecycleOptions, LoadOptions, Settings, build_settings
from rfmkit.sources import Loaded, load_transactions
from rfmkit.sources.totals import Totals, customer_totals
from rfmkit.summary import Pareto, pareto, segment_summary
from rfmkit.weights import resolve_weights

Progress = Callable[[str], None]

#: An analysis date this many days after the last order gets a warning.
FAR_AS_OF_DAYS = 365


@dataclass
class ScoreResult:
    """Everything one scoring run produced.

    Attributes
    ----------
    customers
        The scored customer table (an Ibis table on the run's engine), with
        the columns of :data:`rfmkit.glossary.CUSTOMER_COLUMNS`.
    as_of
        The analysis date: only transactions before it were used.
    settings
        The effective settings of the run.
    breakpoints
        The edges used for each metric (see :mod:`rfmkit.scoring`).
    split
        The high/low line of schemes that split (None otherwise).
    summary
        One row per segment (see :func:`rfmkit.summary.segment_summary`).
    pareto
        Revenue concentration (see :class:`rfmkit.summary.Pareto`).
    unscored_customers
        Customers with transactions but no order of positive net amount.
    quality
        The data-quality report of loading (see :mod:`rfmkit.quality`).
    record
        The run record (:class:`rfmkit.record.RunRecord`).
    loaded
        What loading returned; :meth:`rejects` reads the rows left out.
    stages
        One row per lifecycle stage (see :func:`rfmkit.campaigns.lifecycle.stage_summary`)
        with its recommended ``action`` -- new customers get the onboarding one.
    """

    customers: ir.Table
    as_of: dt.date
    scheme: Scheme
    settings: Settings
    weights: tuple[float, float, float]
    breakpoints: dict[str, Breakpoints]
    split: SplitLine | None
    summary: pd.DataFrame
    pareto: Pareto
    unscored_customers: int
    quality: QualityReport
    record: RunRecord
    loaded: Loaded = field(repr=False)

    @property
    def lang(self) -> str:
        return self.settings.lang

    @property
    def method(self) -> str:
        return self.settings.method

    @property
    def levels(self) -> int:
        return self.settings.levels

    @property
    def splits(self) -> dict[str, float] | None:
        return dict(self.split.values) if self.split is not None else None

    @property
    def scored_customers(self) -> int:
        return int(self.summary["customers"].sum())

    @property
    def warnings(self) -> list[str]:
        return self.record.warnings

    def rejects(self) -> ir.Table:
        """The input rows left out by the cleaning rules, with file, line and reason."""
        return self.loaded.rejects()

    @functools.cached_property
    def stages(self) -> pd.DataFrame:
        from rfmkit.campaigns.lifecycle import stage_actions

        return stage_actions(self.customers, self.lang)

    def to_pandas(self) -> pd.DataFrame:
        """The customer table as a pandas DataFrame (fine for small results)."""
        return self.customers.to_pandas()


def score(
    transactions: Any = None,
    *,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    **settings: Any,
) -> ScoreResult:
    """Score customers by recency, frequency and monetary value, and segment them.

    Parameters
    ----------
    transactions
        File path(s), globs or folders, a pandas/polars/pyarrow table or an
        Ibis table of transactions (customer id, date, amount, optional
        order id); None when ``from_db`` names a database.
    con
        An Ibis connection to run on (overrides ``engine``). By default an
        Ibis table is scored on its own backend.
    progress
        Called with the name of each step as it starts (for progress display).
    **settings
        Any setting of :class:`rfmkit.settings.Settings` by name, e.g.
        ``as_of="2024-07-01"``, ``scheme="classic11"``, ``map={"customer": "会员ID"}``,
        ``keep_duplicates=True``; ``scheme`` may also be a
        :class:`~rfmkit.segments.Scheme`. Unknown names raise ConfigError.
    """
    scheme = settings.pop("scheme", None)
    chosen = scheme if isinstance(scheme, Scheme) else None
    run = as_settings(settings, scheme=None if chosen else scheme)
    return score_with(transactions, run, con=con, progress=progress, scheme=chosen)


def as_settings(given: dict[str, Any], **more: Any) -> Settings:
    """Settings from Python keyword arguments (a ``Settings`` passes through)."""
    if "settings" in given:
        base = given.pop("settings")
        if given or any(v is not None for v in more.values()):
            raise ConfigError("Give either settings= or single settings, not both.")
        return base if isinstance(base, Settings) else build_settings(**dict(base))
    for old, new in (("load", None), ("engine_name", "engine")):
        if old in given:
            raise ConfigError(
                f"The keyword {old!r} is gone.",
                fix=f"Use {new}= instead."
                if new
                else "Pass loading settings flat, e.g. "
                "rfmkit.score(path, map={...}, keep_duplicates=True).",
            )
    return build_settings(environ={}, **given, **more)


def score_with(
    transactions: Any,
    settings: Settings,
    *,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    scheme: Scheme | None = None,
    verb: str = "score",
    breakpoints: dict[str, Breakpoints] | None = None,
) -> ScoreResult:
    """:func:`score` with validated settings (what every shell calls).

    ``breakpoints`` freezes the score edges (e.g. those of a reference
    snapshot, so that moves between segments mean changes in behaviour);
    by default they are computed from this run's customers.
    """
    record = RunRecord.start(verb)
    chosen = scheme or load_scheme(settings.scheme)  # a wrong scheme or weights fail before
    resolve_weights(settings.weights)  # any reading
    loaded = load_for(
        transactions, settings, settings.as_of, con=con, record=record, progress=progress
    )
    return score_loaded(
        loaded,
        settings,
        settings.as_of,
        inputs=transactions,
        record=record,
        progress=progress,
        scheme=chosen,
        breakpoints=breakpoints,
    )


def load_for(
    transactions: Any,
    settings: Settings,
    as_of: dt.date | None,
    *,
    con: BaseBackend | None = None,
    record: RunRecord | None = None,
    progress: Progress | None = None,
) -> Loaded:
    """Load ``transactions`` for scoring: rows on or after ``as_of`` are left out.

    Loading with the latest ``as_of`` of several and scoring each with
    :func:`score_loaded` reads the inputs once (the back-fill of
    :mod:`rfmkit.verbs.snapshot`).
    """
    con = con or engine_of(transactions, settings)
    with (record or RunRecord.start("load")).step("load", progress):
        return load_transactions(
            transactions,
            con=con,
            options=settings.group(LoadOptions),
            as_of=as_of,
            count_customers=False,
            check_ids=False,
        )


def score_loaded(
    loaded: Loaded,
    settings: Settings,
    as_of: dt.date | None,
    *,
    inputs: Any = None,
    record: RunRecord | None = None,
    progress: Progress | None = None,
    scheme: Scheme | None = None,
    breakpoints: dict[str, Breakpoints] | None = None,
) -> ScoreResult:
    """Score loaded transactions at ``as_of``: only rows dated before it count.

    ``inputs`` (what was loaded) is fingerprinted in the run record;
    ``breakpoints`` freezes the score edges as in :func:`score_with`.
    """
    record = record or RunRecord.start("score")
    with record.step("metrics", progress):
        totals = customer_totals(loaded, as_of, settings.money_decimals)
    return score_totals(
        totals,
        settings,
        inputs=inputs,
        record=record,
        progress=progress,
        scheme=scheme,
        breakpoints=breakpoints,
    )


def score_totals(
    totals: Totals,
    settings: Settings,
    *,
    inputs: Any = None,
    record: RunRecord | None = None,
    progress: Progress | None = None,
    scheme: Scheme | None = None,
    breakpoints: dict[str, Breakpoints] | None = None,
) -> ScoreResult:
    """Score customers whose totals are known (:func:`score_loaded` after its metrics step).

    The incremental refresh (:mod:`rfmkit.verbs.refresh`) keeps the totals
    in the store and scores them here, exactly as a full run would.
    """
    record = record or RunRecord.start("score")
    chosen = scheme or load_scheme(settings.scheme)
    weights = resolve_weights(settings.weights)
    if totals.scorable == 0:
        raise InputError(
            f"No customer has an order with a positive amount before {totals.as_of}.",
            fix="Check the as-of date and that amounts are positive for purchases.",
        )
    with record.step("scores", progress):
        bps = breakpoints or scoring.breakpoints_for(
            totals.metrics,
            method=settings.method,
            levels=settings.levels,
            thresholds=settings.thresholds,
        )
        scored = scoring.apply_scores(totals.metrics, bps, weights)
        labelled, line = label_segments(
            scored, chosen, levels=settings.levels, lang=settings.lang, split=settings.split
        )
    with record.step("lifecycle", progress):
        customers = with_owner(
            with_lifecycle(labelled, totals, settings).select(*g.CUSTOMER_COLUMNS), totals
        )
    with record.step("summary", progress):
        summary = segment_summary(customers, chosen, settings.lang)
        concentration = pareto(customers, settings.top_percent, customers=totals.scorable)
    quality = totals.loaded.quality
    _fill_record(record, settings, inputs, quality, totals.as_of, bps, weights, line)
    record.rows.update(scored=totals.scorable, unscored=totals.unscored)
    return ScoreResult(
        customers=customers,
        as_of=totals.as_of,
        scheme=chosen,
        settings=settings,
        weights=weights,
        breakpoints=bps,
        split=line,
        summary=summary,
        pareto=concentration,
        unscored_customers=totals.unscored,
        quality=quality,
        record=record,
        loaded=totals.loaded,
    )


def with_owner(customers: ir.Table, totals: Totals) -> ir.Table:
    """``customers`` and, when the orders name one (``--map owner=COL``), each one's ``owner``."""
    owners = totals.loaded.owners
    if owners is None:
        return customers
    joined = customers.left_join(owners, g.CUSTOMER_ID)
    return joined.select(*g.CUSTOMER_COLUMNS, g.OWNER)


def with_lifecycle(customers: ir.Table, totals: Totals, settings: Settings) -> ir.Table:
    """``customers`` with each one's ``lifecycle_stage``, kept in the engine (cached).

    Judged from the orders (:mod:`rfmkit.campaigns.lifecycle`); an input of one
    row per customer has no purchase rhythm to judge, so its customers are
    ``new`` (first order at most ``new_days`` old) or ``insufficient_data``.
    """
    from rfmkit.campaigns.lifecycle import lifecycle_stage

    options = settings.group(LifecycleOptions)
    log = totals.loaded.transactions
    if log is None:
        new = customers[g.TENURE_DAYS] <= options.new_days
        stage = ibis.ifelse(new.fill_null(False), "new", "insufficient_data")
        return customers.mutate(**{g.LIFECYCLE_STAGE: stage})
    return lifecycle_stage(customers, log, totals.as_of, options).cache()


def _fill_record(
    record: RunRecord,
    settings: Settings,
    inputs: Any,
    quality: QualityReport,
    as_of: dt.date,
    bps: dict[str, Breakpoints],
    weights: tuple[float, float, float],
    line: SplitLine | None,
) -> None:
    record.settings = {**settings.public(), "as_of": as_of.isoformat()}
    record.as_of = as_of.isoformat()
    record.breakpoints = {
        metric: {"edges": list(bp.edges), "higher_is_better": bp.higher_is_better}
        for metric, bp in bps.items()
    }
    record.weights = list(weights)
    record.splits = dict(line.values) if line is not None else None
    files = [s.file for s in quality.sources if s.file]
    record.inputs = (
        fingerprint(inputs, files)
        if not settings.from_db
        else [
            {
                "database": settings.public()["from_db"],
                "table": settings.table,
                "query": settings.query,
            }
        ]
    )
    record.rows = {
        "read": quality.rows_read,
        "used": quality.rows_used,
        "customers": quality.customers,
    }
    record.warnings.extend(quality.warnings)
    record.warnings.extend(_split_warnings(line, settings.lang))
    far = _far_as_of(quality, as_of, settings.lang)
    if far:
        record.warnings.append(far)


def _split_warnings(line: SplitLine | None, lang: str) -> list[str]:
    if line is None:
        return []
    metric = {"r": g.RECENCY_DAYS, "f": g.FREQUENCY, "m": g.MONETARY, "clv": "clv"}
    return [
        i18n.t(
            "split.empty_side",
            lang,
            split=i18n.t(f"split.{line.how}", lang),
            metric=metric[name],
            side=i18n.t(f"side.{'low' if side == 'high' else 'high'}", lang),
        )
        for name, side in line.empty
    ]


def _far_as_of(quality: QualityReport, as_of: dt.date, lang: str) -> str | None:
    latest = quality.date_max
    if latest is None:
        return None
    days = (as_of - latest).days
    if days <= FAR_AS_OF_DAYS:
        return None
    return i18n.t("as_of.far", lang, as_of=as_of, latest=latest, days=days)


def engine_of(transactions: Any, settings: Settings) -> BaseBackend:
    """The connection a run uses: an Ibis input's own backend, else the settings' engine."""
    return _backend_of(transactions) or connection(settings)


def connection(settings: Settings) -> BaseBackend:
    """A connection on the settings' engine (Spark quiet unless ``verbose``).

    Spark is a Spark Connect client with ``spark_remote`` (or ``SPARK_REMOTE``),
    a cluster's driver with ``spark_master``, else local mode.
    """
    if settings.engine == "spark":
        return connect(
            "spark",
            remote=settings.spark_remote,
            master=settings.spark_master,
            conf=settings.spark_conf,
            verbose=settings.verbose,
        )
    if settings.spark_remote or settings.spark_master:
        raise ConfigError(
            "Spark settings were given but the engine is duckdb.",
            fix='Add --engine spark (engine = "spark" in a config file).',
        )
    return connect(settings.engine)


def _backend_of(data: Any) -> BaseBackend | None:
    """The connection an Ibis table lives on: an input on another backend is scored there."""
    if not isinstance(data, ibis.Table):
        return None
    try:
        return data.get_backend()
    except Exception:  # an unbound memtable: any engine will do
        return None
