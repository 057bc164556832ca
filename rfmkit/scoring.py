"""Scores 1..N for recency, frequency and monetary, and their weighted composite.

One binning rule serves both methods. A metric's *breakpoints* are N-1
ascending edges ``b_1 <= ... <= b_{N-1}``; a value's bin is
``1 + #{k : value > b_k}``, so bins are ``(-inf, b_1], (b_1, b_2], ...``.
Frequency and monetary score their bin; recency (fewer days is better)
scores ``N + 1 - bin``.

* ``quantile``: ``b_k`` is the k/N quantile of the metric over the scored
  customers (one aggregate pass, no sort of all customers). Equal values
  always share a bin, so ties share a score; heavily tied metrics may leave
  a score level empty, which the breakpoints report shows.
* ``thresholds``: the user gives the edges, e.g. recency 30, 60, 90, 180
  days: R=5 for bought within 30 days, 4 for 31-60, ..., 1 for over 180.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir

from rfmkit import glossary as g
from rfmkit.errors import ConfigError

Method = Literal["quantile", "thresholds"]
METHODS: tuple[str, ...] = ("quantile", "thresholds")
MIN_LEVELS, MAX_LEVELS = 3, 10

INTEGER_METRICS = frozenset({g.RECENCY_DAYS, g.FREQUENCY})

#: Score column for each metric, and whether a larger value is better.
SCORED = {
    g.RECENCY_DAYS: (g.R_SCORE, False),
    g.FREQUENCY: (g.F_SCORE, True),
    g.MONETARY: (g.M_SCORE, True),
}


@dataclass(frozen=True)
class Breakpoints:
    """The edges used for one metric and what each score then means."""

    metric: str
    edges: tuple[float, ...]
    higher_is_better: bool

    @property
    def levels(self) -> int:
        return len(self.edges) + 1

    def score_ranges(self) -> list[tuple[int, float | None, float | None]]:
        """``(score, lower_exclusive, upper_inclusive)`` for every score, best first."""
        bounds = [None, *self.edges, None]
        n = self.levels
        ranges = [
            (i + 1 if self.higher_is_better else n - i, bounds[i], bounds[i + 1]) for i in range(n)
        ]
        return sorted(ranges, key=lambda r: -r[0])

    def describe(self, score: int) -> str:
        """A phrase such as ``"frequency > 6"`` or ``"30 < recency_days <= 60"``."""
        for s, lo, hi in self.score_ranges():
            if s == score:
                return _range_text(self.metric, lo, hi)
        raise ConfigError(f"Score {score} is outside 1..{self.levels}.")


def _range_text(metric: str, lo: float | None, hi: float | None) -> str:
    if lo is None and hi is None:
        return f"any {metric}"
    if lo is None:
        return f"{metric} <= {_num(hi)}"
    if hi is None:
        return f"{metric} > {_num(lo)}"
    if lo == hi:
        return f"none (ties at {metric} = {_num(lo)} share one score)"
    return f"{_num(lo)} < {metric} <= {_num(hi)}"


def _num(value: float | None) -> str:
    assert value is not None
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


def check_levels(levels: int) -> int:
    if not MIN_LEVELS <= levels <= MAX_LEVELS:
        raise ConfigError(
            f"levels must be between {MIN_LEVELS} and {MAX_LEVELS}, not {levels}.",
            fix="Use --levels 5 (the usual choice) or another value in range.",
        )
    return levels


def quantile_breakpoints(metrics: ir.Table, levels: int) -> dict[str, Breakpoints]:
    """Edges at the k/N quantiles of each metric, from one aggregate query.

    Each metric's quantiles are asked for as one list, so the engine sorts
    (or selects on) each column once rather than once per quantile.
    """
    probs = [k / levels for k in range(1, levels)]
    aggs = {metric: metrics[metric].quantile(probs) for metric in SCORED}
    row = metrics.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    return {
        metric: Breakpoints(metric, tuple(_edge(metric, v) for v in row[metric]), higher)
        for metric, (_, higher) in SCORED.items()
    }


def _edge(metric: str, value: float) -> float:
    """Whole-number metrics get whole edges: ``x > 2.2`` and ``x > 2`` agree on integers.

    Other edges are rounded to 6 decimals, so that engines whose quantile
    interpolation differs in the last bit report (and apply) the same edges.
    """
    return float(math.floor(value)) if metric in INTEGER_METRICS else round(float(value), 6)


def threshold_breakpoints(
    thresholds: Mapping[str, Sequence[float]], levels: int
) -> dict[str, Breakpoints]:
    """Validate user-given edges (ascending, N-1 of them) for some metrics."""
    result = {}
    for metric, edges in thresholds.items():
        if metric not in SCORED:
            raise ConfigError(
                f"Cannot set thresholds for {metric!r}.",
                fix=f"Use one of: {', '.join(SCORED)}.",
            )
        values = tuple(float(e) for e in edges)
        if len(values) != levels - 1:
            raise ConfigError(
                f"{metric} needs {levels - 1} thresholds for {levels} levels, got {len(values)}.",
                fix=f"Give {levels - 1} ascending numbers, e.g. recency_days: [30, 60, 90, 180].",
            )
        if list(values) != sorted(values):
            raise ConfigError(
                f"The thresholds for {metric} must be ascending: {list(values)}.",
                fix="Sort them from smallest to largest.",
            )
        result[metric] = Breakpoints(metric, values, SCORED[metric][1])
    return result


def breakpoints_for(
    metrics: ir.Table,
    *,
    method: str,
    levels: int,
    thresholds: Mapping[str, Sequence[float]] | None = None,
) -> dict[str, Breakpoints]:
    """Breakpoints for all three metrics by ``method``.

    With ``thresholds``, metrics the user gave no thresholds for fall back
    to quantiles, so a user may fix only "R=5 within 30 days" and so on.
    """
    check_levels(levels)
    if method not in METHODS:
        raise ConfigError(f"Unknown method {method!r}.", fix=f"Use one of: {', '.join(METHODS)}.")
    given = threshold_breakpoints(thresholds or {}, levels) if method == "thresholds" else {}
    if method == "thresholds" and not given:
        raise ConfigError(
            "method 'thresholds' needs thresholds for at least one metric.",
            fix="Add e.g. thresholds: {recency_days: [30, 60, 90, 180]} to the config file.",
        )
    if len(given) == len(SCORED):
        return given
    return {**quantile_breakpoints(metrics, levels), **given}


def score_expr(value: ir.NumericValue, bp: Breakpoints) -> ir.IntegerValue:
    """The score of ``value`` under ``bp`` (an engine expression)."""
    bin_ = ibis.literal(1)
    for edge in bp.edges:
        bin_ = bin_ + compare(value, ">", edge).cast("int8")
    score = bin_ if bp.higher_is_better else (bp.levels + 1) - bin_
    return score.cast("int8")


#: The integer bound that gives the same answer for an integer value, per comparison.
_INTEGER_BOUND = {">": math.floor, "<=": math.floor, ">=": math.ceil, "<": math.ceil}


def compare(value: ir.NumericValue, op: str, number: float) -> ir.BooleanValue:
    """``value op number`` (``op`` one of ``> >= < <=``), cheap for the engine.

    A number with a fraction is written as a decimal literal, and comparing an
    integer column with a decimal makes DuckDB cast every value to a decimal
    (a third of the scoring time at 1M customers). An integer value is
    compared with the integer that gives the same answer instead, any other
    value as float64.
    """
    if value.type().is_integer() and math.isfinite(number):
        bound: ir.Value = ibis.literal(int(_INTEGER_BOUND[op](number)), "int64")
    else:
        value, bound = value.cast("float64"), ibis.literal(float(number), "float64")
    return {">": value > bound, ">=": value >= bound, "<": value < bound, "<=": value <= bound}[op]


def normalise_weights(weights: Sequence[float]) -> tuple[float, float, float]:
    """Check three non-negative weights with a positive sum."""
    values = tuple(float(w) for w in weights)
    if len(values) != 3 or min(values) < 0 or sum(values) <= 0:
        raise ConfigError(
            f"Weights must be three non-negative numbers (R, F, M), not {list(weights)}.",
            fix="Use e.g. --weights 1,1,1 or a preset such as --weights luxury.",
        )
    return values[0], values[1], values[2]


def apply_scores(
    metrics: ir.Table,
    breakpoints: Mapping[str, Breakpoints],
    weights: Sequence[float] = (1.0, 1.0, 1.0),
) -> ir.Table:
    """Add ``r_score, f_score, m_score, rfm_code, rfm_score`` to ``metrics``."""
    wr, wf, wm = normalise_weights(weights)
    scores = {column: score_expr(metrics[m], breakpoints[m]) for m, (column, _) in SCORED.items()}
    # view(): a query boundary, so that each score is computed once and the
    # code and composite read it (Ibis would otherwise inline it again).
    scored = metrics.mutate(**scores).view()
    r, f, m = scored[g.R_SCORE], scored[g.F_SCORE], scored[g.M_SCORE]
    levels = breakpoints[g.RECENCY_DAYS].levels
    sep = "-" if levels >= 10 else ""
    code = r.cast("string") + sep + f.cast("string") + sep + m.cast("string")
    composite = (r * wr + f * wf + m * wm) / (wr + wf + wm)
    return scored.mutate(rfm_code=code, rfm_score=composite.round(2))
