"""The ``score`` verb: transactions in, scored and segmented customers out.

It reads nothing but its inputs and writes nothing: exporting the result is
a separate verb (:mod:`rfmkit.export`), so the CLI, the web app and Python
callers share this one code path.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from rfmkit import engine, scoring, segments
from rfmkit import glossary as g
from rfmkit.backend import connect
from rfmkit.errors import InputError
from rfmkit.quality import QualityReport
from rfmkit.scoring import Breakpoints
from rfmkit.segments import Scheme
from rfmkit.sources import Loaded, LoadOptions, load_transactions
from rfmkit.sources.values import is_plain
from rfmkit.summary import Pareto, pareto, segment_summary
from rfmkit.weights import resolve_weights


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
    breakpoints
        The edges used for each metric (see :mod:`rfmkit.scoring`).
    splits
        The mean/median of each metric, for schemes that split high/low.
    summary
        One row per segment (see :func:`rfmkit.summary.segment_summary`).
    pareto
        Revenue concentration (see :class:`rfmkit.summary.Pareto`).
    unscored_customers
        Customers with transactions but no order of positive net amount.
    quality
        The data-quality report of loading (see :mod:`rfmkit.quality`).
    loaded
        What loading returned; :meth:`rejects` reads the rows left out.
    """

    customers: ir.Table
    as_of: dt.date
    scheme: Scheme
    method: str
    levels: int
    weights: tuple[float, float, float]
    lang: str
    breakpoints: dict[str, Breakpoints]
    splits: dict[str, float] | None
    summary: pd.DataFrame
    pareto: Pareto
    unscored_customers: int
    quality: QualityReport
    loaded: Loaded = field(repr=False)

    @property
    def scored_customers(self) -> int:
        return int(self.summary["customers"].sum())

    def rejects(self) -> ir.Table:
        """The input rows left out by the cleaning rules, with file, line and reason."""
        return self.loaded.rejects()

    def to_pandas(self) -> pd.DataFrame:
        """The customer table as a pandas DataFrame (fine for small results)."""
        return self.customers.to_pandas()


def score(
    transactions: Any = None,
    *,
    as_of: dt.date | str | None = None,
    scheme: str | Scheme = "cn8",
    method: str = "quantile",
    levels: int = 5,
    weights: str | Sequence[float] | None = None,
    lang: str = "zh",
    thresholds: Mapping[str, Sequence[float]] | None = None,
    split: str | None = None,
    top_percent: float = 20.0,
    load: LoadOptions | None = None,
    engine_name: str = "duckdb",
    con: BaseBackend | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScoreResult:
    """Score customers by recency, frequency and monetary value, and segment them.

    Parameters
    ----------
    transactions
        File path(s), a pandas/polars/pyarrow table or an Ibis table of
        transactions (customer id, date, amount, optional order id); may be
        None when ``load.from_db`` names a database.
    as_of
        Analysis date; transactions on or after it are ignored. Default: the
        day after the latest transaction.
    scheme
        A shipped scheme key (``cn8``, ``classic11``, ``value4``, ``tier5``),
        the path of a scheme YAML file, or a :class:`~rfmkit.segments.Scheme`.
    method
        ``quantile`` (default) or ``thresholds``.
    levels
        Number of score levels, 3 to 10 (default 5).
    weights
        R, F, M weights of the composite ``rfm_score``: three numbers,
        ``"1,2,1"``, or an industry preset name (see ``rfmkit.weights``).
    lang
        ``zh`` or ``en``: the language of segment labels and actions.
    thresholds
        Edges per metric for ``method="thresholds"``, e.g.
        ``{"recency_days": [30, 60, 90, 180]}``.
    split
        ``mean`` or ``median``: the high/low line of schemes such as cn8
        (default: the scheme's own).
    top_percent
        The Pareto question: share of revenue from the top this % customers.
    load
        How to read and clean the input (:class:`~rfmkit.sources.LoadOptions`).
    engine_name
        ``duckdb`` (default) or ``spark``, used when ``con`` is None.
    con
        An Ibis connection to run on (overrides ``engine_name``). By default
        an Ibis table is scored on its own backend.
    progress
        Called with the name of each step as it starts (for progress display).
    """
    step = progress or (lambda _name: None)
    con = con or _backend_of(transactions) or connect(engine_name)
    chosen = scheme if isinstance(scheme, Scheme) else segments.load_scheme(scheme)
    resolved_weights = resolve_weights(weights)
    day = _parse_date(as_of) if as_of is not None else None
    step("load")
    loaded = load_transactions(
        transactions,
        con=con,
        options=load or LoadOptions(),
        as_of=day,
        count_customers=False,
        check_ids=False,
    )
    step("metrics")
    metrics, day, scorable, unscored = _metrics(loaded, day)
    if metrics is None:  # some id read as it is needs cleaning after all
        loaded = loaded.cleaning_ids()
        metrics, day, scorable, unscored = _metrics(loaded, day)
    assert metrics is not None
    if scorable == 0:
        raise InputError(
            f"No customer has an order with a positive amount before {day}.",
            fix="Check the as-of date and that amounts are positive for purchases.",
        )
    step("scores")
    bps = scoring.breakpoints_for(metrics, method=method, levels=levels, thresholds=thresholds)
    scored = scoring.apply_scores(metrics, bps, resolved_weights)
    splits = (
        segments.split_values(metrics, split or chosen.split, chosen.split_fields())
        if chosen.uses_split()
        else None
    )
    labelled = segments.assign(scored, chosen, levels=levels, lang=lang, splits=splits)
    customers = labelled.select(*g.CUSTOMER_COLUMNS)
    step("summary")
    summary = segment_summary(customers, chosen, lang)
    return ScoreResult(
        customers=customers,
        as_of=day,
        scheme=chosen,
        method=method,
        levels=levels,
        weights=resolved_weights,
        lang=lang,
        breakpoints=bps,
        splits=splits,
        summary=summary,
        pareto=pareto(customers, top_percent, customers=scorable),
        unscored_customers=unscored,
        quality=loaded.quality,
        loaded=loaded,
    )


def _metrics(loaded: Loaded, as_of: dt.date | None) -> tuple[ir.Table | None, dt.date, int, int]:
    """Metrics of the scorable customers, the analysis date, and how many were / were not scorable.

    The ids that loading read as they are (``loaded.trusted_ids``) are
    checked here, per customer and per order: when one needs cleaning the
    metrics are None, and the caller loads again with every id cleaned.
    """
    customers = loaded.customers
    if customers is not None:
        day = (
            as_of
            or _day_after_latest(loaded)
            or engine.default_as_of(customers.rename(order_date=g.LAST_PURCHASE))
        )
        kept = customers.filter(customers[g.LAST_PURCHASE] < day).cache()
        counts = _first_row(kept.aggregate(n=kept.count(), **_unclean_ids(kept, loaded)))
        if counts.get("unclean"):
            return None, day, 0, 0
        return engine.metrics_from_totals(kept, day), day, int(counts["n"]), 0
    transactions = loaded.transactions
    assert transactions is not None
    day = as_of or _day_after_latest(loaded) or engine.default_as_of(transactions)
    totals = engine.customer_totals(
        transactions, day, keyed=_keyed(loaded), check_order_ids="order" in loaded.trusted_ids
    ).cache()
    counts = _first_row(
        totals.aggregate(
            customers=totals.count(),
            scorable=(totals[g.FREQUENCY] > 0).sum(),
            **_unclean_ids(totals, loaded),
        )
    )
    if counts.get("unclean"):
        return None, day, 0, 0
    loaded.quality.customers = int(counts["customers"])  # those with rows used
    scorable = int(counts["scorable"] or 0)
    return engine.scorable(totals, day), day, scorable, loaded.quality.customers - scorable


def _day_after_latest(loaded: Loaded) -> dt.date | None:
    """The default analysis date from the report (its latest date of the rows used)."""
    latest = loaded.quality.date_max
    return latest + dt.timedelta(days=1) if latest is not None else None


def _unclean_ids(totals: ir.Table, loaded: Loaded) -> dict[str, ir.Value]:
    """An ``unclean`` count of customers with an id read as it is that needs cleaning."""
    tests = []
    if "customer" in loaded.trusted_ids:
        tests.append(~is_plain(totals[g.CUSTOMER_ID], "customer"))
    if engine.UNCLEAN_ORDER_ID in totals.columns:
        tests.append(totals[engine.UNCLEAN_ORDER_ID])
    if not tests:
        return {}
    return {"unclean": functools.reduce(operator.or_, tests).sum()}


def _first_row(table: ir.Table) -> dict[str, Any]:
    return table.to_pyarrow().to_pylist()[0]


def _backend_of(data: Any) -> BaseBackend | None:
    """The connection an Ibis table lives on: an input on another backend is scored there."""
    if not isinstance(data, ibis.Table):
        return None
    try:
        return data.get_backend()
    except Exception:  # an unbound memtable: any engine will do
        return None


def _keyed(loaded: Loaded) -> str:
    """Which rows have an order id ("all", "none" or "some"), from the quality report."""
    without = loaded.quality.rows_without_order_id
    if without == 0:
        return "all"
    return "none" if without == loaded.quality.rows_used else "some"


def _parse_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(
            f"Cannot read the date {value!r}.", fix="Write dates as YYYY-MM-DD, e.g. 2024-06-30."
        ) from None
