"""Segment schemes: data files of rules, validated, evaluated inside the engine.

A scheme is a YAML file (shipped ones live in ``rfmkit/schemes/``; a user's
own is loaded the same way). Its segments are tried in order and the first
whose rule matches wins; the last segment must be a catch-all (no ``when``),
so every customer gets exactly one segment.

A rule (``when``) is one condition or a list of alternatives (any may
match). A condition constrains some of ``r``, ``f``, ``m`` (scores),
``fm`` (mean of the F and M scores) and ``rfm_score``:

* ``[lo, hi]`` -- the score lies in this inclusive range, on the scheme's
  ``scale`` (1..5 unless stated). Scores on another number of levels are
  mapped linearly onto the scale before matching.
* ``high`` / ``low`` (``r``, ``f``, ``m``, ``clv`` only) -- the metric
  against its mean or median over the scored customers (``split``): high R
  means ``recency_days <= split value`` (bought recently); high F means
  ``frequency >= split value``; high M and high CLV likewise.

With predictions (``rfmkit predict``) a condition may also constrain
``p_alive`` (a range in [0, 1]) and ``clv`` (a range or high/low): such
value schemes label ``value_segment`` beside the RFM ``segment``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from rfmkit import glossary as g
from rfmkit.errors import ConfigError
from rfmkit.scheme import (
    HIGH_LOW,
    LANGS,
    PREDICTION_FIELDS,
    Condition,
    Scheme,
    Segment,
    Text,
    load_scheme,
    parse_scheme,
    shipped_schemes,
)
from rfmkit.scoring import compare

__all__ = [
    "LANGS",
    "PREDICTION_FIELDS",
    "Condition",
    "Scheme",
    "Segment",
    "SplitLine",
    "Text",
    "assign",
    "label_segments",
    "load_scheme",
    "parse_scheme",
    "shipped_schemes",
    "split_line",
]


# -- evaluation --------------------------------------------------------------


@dataclass(frozen=True)
class SplitLine:
    """The high/low line of each metric, and which sides are empty.

    With ``how="mean"`` a customer is high when at least as good as the
    mean (``frequency >= mean``, ``recency_days <= mean``). With
    ``how="median"`` the line is tie-aware: high means strictly better than
    the median customer (``frequency > median``, ``recency_days < median``),
    so when most customers bought once, one-time buyers are low F.

    Attributes
    ----------
    how
        ``mean`` or ``median``.
    values
        The split value of each field (``r``, ``f``, ``m``, ``clv``).
    empty
        ``(field, side)`` pairs where no customer is on ``side`` (``high`` or ``low``).
    """

    how: str
    values: dict[str, float]
    empty: tuple[tuple[str, str], ...] = ()

    def is_high(self, name: str, metric: ir.NumericValue) -> ir.BooleanValue:
        value = self.values[name]
        larger_is_high = HIGH_LOW[name][1]
        if self.how == "median":
            return compare(metric, ">" if larger_is_high else "<", value)
        return compare(metric, ">=" if larger_is_high else "<=", value)


def split_line(table: ir.Table, how: str, fields: Iterable[str] = ("r", "f", "m")) -> SplitLine:
    """The split values of ``fields`` over ``table`` and the sides left empty (two queries)."""
    if how not in ("mean", "median"):
        raise ConfigError(f"Unknown split {how!r}.", fix="Use --split mean or --split median.")
    names = [name for name in HIGH_LOW if name in fields]
    agg = {
        name: table[HIGH_LOW[name][0]].mean()
        if how == "mean"
        else table[HIGH_LOW[name][0]].median()
        for name in names
    }
    row = table.aggregate(**agg).to_pyarrow().to_pylist()[0]
    line = SplitLine(how, {k: float(v) if v is not None else 0.0 for k, v in row.items()})
    counts = {
        name: line.is_high(name, table[HIGH_LOW[name][0]]).cast("int64").sum() for name in names
    }
    totals = table.aggregate(n=table.count(), **counts).to_pyarrow().to_pylist()[0]
    empty = []
    for name in names:
        high = int(totals[name] or 0)
        if high == 0:
            empty.append((name, "high"))
        elif high == totals["n"]:
            empty.append((name, "low"))
    return SplitLine(line.how, line.values, tuple(empty))


def label_segments(
    scored: ir.Table,
    scheme: Scheme,
    *,
    levels: int,
    lang: str = "zh",
    split: str | None = None,
    columns: tuple[str, str] = (g.SEGMENT, g.SEGMENT_LABEL),
) -> tuple[ir.Table, SplitLine | None]:
    """Label every customer with ``scheme`` (``split`` overrides the scheme's own).

    The one labelling function of ``score`` and ``predict``: returns the
    table with the two segment ``columns`` and the split line used (None
    when the scheme has no high/low rule).
    """
    _check_columns(scheme, scored)
    line = (
        split_line(scored, split or scheme.split, scheme.split_fields())
        if scheme.uses_split()
        else None
    )
    return assign(scored, scheme, levels=levels, lang=lang, splits=line, columns=columns), line


def assign(
    scored: ir.Table,
    scheme: Scheme,
    *,
    levels: int,
    lang: str = "zh",
    splits: SplitLine | None = None,
    columns: tuple[str, str] = (g.SEGMENT, g.SEGMENT_LABEL),
) -> ir.Table:
    """Add ``segment`` and ``segment_label`` (or the given ``columns``) to a scored table."""
    if lang not in LANGS:
        raise ConfigError(f"Unknown language {lang!r}.", fix="Use zh or en.")
    if scheme.uses_split() and splits is None:
        raise ConfigError(f"Scheme {scheme.key!r} needs the split values of the metrics.")
    _check_columns(scheme, scored)
    values = _rule_values(scored, levels, scheme.scale)
    branches = [
        (_rule_expr(seg.when or [], values, scored, splits), index)
        for index, seg in enumerate(scheme.segments[:-1])
    ]
    last = len(scheme.segments) - 1
    # The rules are tested once, for the segment's position; key and label
    # are then looked up by it (a CASE on the key would test them again).
    position = ibis.cases(*branches, else_=last) if branches else ibis.literal(last)
    placed = scored.mutate(_position=position).view()  # a query boundary: rules tested once
    keys = ibis.literal([s.key for s in scheme.segments], type="array<string>")
    labels = ibis.literal([s.label(lang) for s in scheme.segments], type="array<string>")
    at = placed._position
    return placed.mutate(**{columns[0]: keys[at], columns[1]: labels[at]}).drop("_position")


def _check_columns(scheme: Scheme, scored: ir.Table) -> None:
    """A scheme with rules on predictions needs the prediction columns."""
    missing = sorted(PREDICTION_FIELDS - set(scored.columns)) if scheme.uses_predictions() else []
    if missing:
        raise ConfigError(
            f"Scheme {scheme.key!r} has rules on predictions ({', '.join(missing)}), "
            "which scoring alone does not make.",
            fix=f"Use it with `rfmkit predict --value-scheme {scheme.key}`, and a scoring "
            "scheme such as cn8 with --scheme.",
        )


def _rule_values(scored: ir.Table, levels: int, scale: int) -> dict[str, ir.NumericValue]:
    def rescale(column: ir.NumericValue) -> ir.NumericValue:
        if levels == scale:
            return column
        return 1 + (column - 1) * ((scale - 1) / (levels - 1))

    r, f, m = (rescale(scored[c]) for c in (g.R_SCORE, g.F_SCORE, g.M_SCORE))
    values = {"r": r, "f": f, "m": m, "fm": (f + m) / 2, "rfm_score": rescale(scored[g.RFM_SCORE])}
    values.update({name: scored[name] for name in PREDICTION_FIELDS if name in scored.columns})
    return values


def _rule_expr(
    when: list[Condition],
    values: Mapping[str, ir.NumericValue],
    scored: ir.Table,
    splits: SplitLine | None,
) -> ir.BooleanValue:
    alternatives = [_condition_expr(c, values, scored, splits) for c in when]
    expr = alternatives[0]
    for alt in alternatives[1:]:
        expr = expr | alt
    return expr


def _condition_expr(
    condition: Condition,
    values: Mapping[str, ir.NumericValue],
    scored: ir.Table,
    splits: SplitLine | None,
) -> ir.BooleanValue:
    parts = []
    for name, bound in condition.bounds().items():
        if isinstance(bound, str):
            assert splits is not None
            high = splits.is_high(name, scored[HIGH_LOW[name][0]])
            parts.append(high if bound == "high" else ~high)
        else:
            lo, hi = bound
            parts.append(values[name].between(lo, hi))
    expr = parts[0]
    for part in parts[1:]:
        expr = expr & part
    return expr
