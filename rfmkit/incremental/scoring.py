"""Scoring the refreshed customers, and storing only what changed since the base snapshot.

After a merge, ``refresh_totals`` holds every customer's totals at ``as_of``.
The customer table is what :func:`rfmkit.score` makes of them, with the same
functions (:mod:`rfmkit.scoring`, :mod:`rfmkit.segments`,
:mod:`rfmkit.campaigns.lifecycle`); the numbers that depend on every
customer -- score edges, split line, lifecycle population interval -- are
computed over all of them first, so that any part of them scores exactly as
in the whole.

Writing the snapshot of a million customers costs more than all the rest of
a refresh, so a refresh stores its snapshot over the last snapshot a refresh
stored in full (the *base*; see :meth:`rfmkit.store.Store.save_snapshot`
``over=``) when it can: only the rows that differ. A customer's row differs
from the base's (its recency and tenure moved on) when

* its totals were computed again since (``batch`` after the base's): its row,
  or its removal when it has no positive order left; or
* with the same totals, the new date, split line or population interval
  changes its R score, a high/low side or its lifecycle stage: judged for
  every customer at both dates in numbers, without making their rows.

When the scoring settings or the edges are not the base's, or more than
:data:`MOST` of the customers differ, the snapshot is stored in full and
becomes the next base.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir

from rfmkit import engine
from rfmkit import glossary as g
from rfmkit.campaigns.lifecycle import lifecycle_stage, population_interval
from rfmkit.errors import StoreError
from rfmkit.scoring import Breakpoints, apply_scores, breakpoints_for, score_expr
from rfmkit.segments import Scheme, SplitLine, assign, split_line
from rfmkit.settings import LifecycleOptions, Settings
from rfmkit.store import SnapshotInfo, Store
from rfmkit.store.schema import OPTIONAL_TYPES, REQUIRED_TYPES

#: Above this share of the customers differing, a snapshot is stored in full.
MOST = 0.5
#: The staged customers whose rows differ from the base's.
CHANGED = "rfm_refresh_changed"
#: The columns a refresh stores (it has no owner or predictions).
STORED = (*REQUIRED_TYPES, g.LIFECYCLE_STAGE)
assert g.LIFECYCLE_STAGE in OPTIONAL_TYPES


@dataclass(frozen=True)
class Scored:
    """What to store: the rows, over which base, and the numbers they were scored with.

    Attributes
    ----------
    as_of
        The date scored at.
    customers
        The scored rows to store: all of them, or those that differ from ``over``.
    removed
        The ``customer_id`` of the base's customers the snapshot lost (with ``over``).
    over
        The base snapshot (None: stored in full).
    fitted
        The numbers that depend on every customer (see :func:`fit`).
    """

    as_of: dt.date
    customers: ir.Table
    removed: ir.Table | None
    over: SnapshotInfo | None
    fitted: Fitted

    @property
    def breakpoints(self) -> dict[str, Breakpoints]:
        return self.fitted.edges

    @property
    def split(self) -> SplitLine | None:
        return self.fitted.split

    @property
    def marks(self) -> dict[str, Any]:
        return self.fitted.marks


def score(
    store: Store,
    settings: Settings,
    scheme: Scheme,
    weights: tuple[float, float, float],
    as_of: dt.date,
    edges: dict[str, Breakpoints] | None,
    base: dict[str, Any] | None,
    scorable: int,
) -> Scored:
    """Score ``refresh_totals`` at ``as_of`` (``edges`` None: fit them) over ``base`` if it can.

    ``base`` is the marks of the base snapshot (:attr:`Scored.marks` of the
    refresh that stored it, with its ``snapshot_id`` and ``batch``);
    ``scorable`` the number of customers with a positive order.
    """
    source = store.table("refresh_totals")
    fitted = fit(source, settings, scheme, weights, as_of, edges)
    over = _usable(store, base, fitted.marks, as_of)
    if over is not None and base is not None:
        changed = _changed(store, source, settings, fitted, base)
        if changed > MOST * scorable:
            over = None
    if over is None or base is None:
        return Scored(
            as_of, rows(source, settings, scheme, weights, as_of, fitted), None, None, fitted
        )
    part = source.semi_join(store.con.table(CHANGED), g.CUSTOMER_ID)
    lost = (source.batch > int(base["batch"])) & (source.frequency == 0)
    removed = source.filter(lost).select(g.CUSTOMER_ID)
    return Scored(
        as_of, rows(part, settings, scheme, weights, as_of, fitted), removed, over, fitted
    )


def score_all(
    source: ir.Table,
    settings: Settings,
    scheme: Scheme,
    weights: tuple[float, float, float],
    as_of: dt.date,
    edges: dict[str, Breakpoints] | None,
) -> Scored:
    """Score every customer of ``source`` (customer totals on any engine), to store in full."""
    fitted = fit(source, settings, scheme, weights, as_of, edges)
    return Scored(as_of, rows(source, settings, scheme, weights, as_of, fitted), None, None, fitted)


@dataclass(frozen=True)
class Fitted:
    """The numbers that depend on every customer, and their marks (see :func:`fit`).

    Attributes
    ----------
    edges, split, population
        The score edges, split line (None: the scheme has no high/low rule)
        and lifecycle population interval (None: nobody has two purchase days).
    marks
        The same as JSON, with a digest of the scoring settings: what a
        later refresh compares its own with, to store over this snapshot.
    """

    edges: dict[str, Breakpoints]
    split: SplitLine | None
    population: float | None
    marks: dict[str, Any]


def fit(
    source: ir.Table,
    settings: Settings,
    scheme: Scheme,
    weights: tuple[float, float, float],
    as_of: dt.date,
    edges: dict[str, Breakpoints] | None,
) -> Fitted:
    """The edges (``edges``, or fitted when None), split line and population of all of ``source``.

    ``source`` holds customer totals (``refresh_totals``' columns) on any engine.
    """
    everyone = _metrics(source, as_of, settings)
    edges = edges or breakpoints_for(
        everyone, method=settings.method, levels=settings.levels, thresholds=settings.thresholds
    )
    line = None
    if scheme.uses_split():
        scored = apply_scores(everyone, edges, weights)
        line = split_line(scored, settings.split or scheme.split, scheme.split_fields())
    population = population_interval(everyone)
    marks = _marks(settings, scheme, weights, as_of, edges, line, population)
    return Fitted(edges, line, population, marks)


def rows(
    source: ir.Table,
    settings: Settings,
    scheme: Scheme,
    weights: tuple[float, float, float],
    as_of: dt.date,
    fitted: Fitted,
) -> ir.Table:
    """The customer table of ``source``'s customers, as :func:`rfmkit.score` makes it.

    ``source`` may be any part of the customers ``fitted`` was fitted on.
    """
    scored = apply_scores(_metrics(source, as_of, settings), fitted.edges, weights)
    labelled = assign(
        scored, scheme, levels=settings.levels, lang=settings.lang, splits=fitted.split
    )
    options = settings.group(LifecycleOptions)
    staged = lifecycle_stage(labelled, labelled, as_of, options, population=fitted.population)
    return staged.select(*g.CUSTOMER_COLUMNS)


def _metrics(source: ir.Table, as_of: dt.date, settings: Settings) -> ir.Table:
    """The metrics of the scorable customers of ``source`` (with their purchase-day facts)."""
    totals = source.select(
        g.CUSTOMER_ID,
        g.FREQUENCY,
        g.MONETARY,
        g.FIRST_PURCHASE,
        g.LAST_PURCHASE,
        **{
            engine.PURCHASE_DAYS: source.purchase_days,
            engine.PREVIOUS_PURCHASE: source.previous_purchase,
        },
    )
    return engine.scorable(totals, as_of, money_decimals=settings.money_decimals)


def _marks(
    settings: Settings,
    scheme: Scheme,
    weights: tuple[float, float, float],
    as_of: dt.date,
    edges: dict[str, Breakpoints],
    line: SplitLine | None,
    population: float | None,
) -> dict[str, Any]:
    """What a refresh scores with, as JSON: a later one compares its own with them."""
    scoring = {
        "scheme": scheme.model_dump(mode="json"),
        "lang": settings.lang,
        "levels": settings.levels,
        "weights": list(weights),
        "split": settings.split or scheme.split,
        "lifecycle": settings.group(LifecycleOptions).model_dump(mode="json"),
        "money_decimals": settings.money_decimals,
    }
    text = json.dumps(scoring, sort_keys=True, default=str)
    return {
        "as_of": as_of.isoformat(),
        "settings": hashlib.sha256(text.encode()).hexdigest(),
        "edges": {m: [list(b.edges), b.higher_is_better] for m, b in sorted(edges.items())},
        "split": {"how": line.how, "values": dict(line.values)} if line is not None else None,
        "population": population,
    }


def _usable(
    store: Store, base: dict[str, Any] | None, marks: dict[str, Any], as_of: dt.date
) -> SnapshotInfo | None:
    """The base snapshot when this refresh can store over it (same settings and edges)."""
    if base is None or any(base.get(k) != marks[k] for k in ("settings", "edges")):
        return None
    try:
        info = store.snapshot_by_id(str(base["snapshot_id"]))
    except StoreError:  # deleted or replaced since
        return None
    if info.base_id is not None or info.as_of == as_of or info.columns != STORED:
        return None
    return info


def _changed(
    store: Store, source: ir.Table, settings: Settings, fitted: Fitted, base: dict[str, Any]
) -> int:
    """Stage as ``CHANGED`` the customers whose rows differ from the base's; how many."""
    edges, marks = fitted.edges, fitted.marks
    since = int(base["batch"])
    then, now = dt.date.fromisoformat(base["as_of"]), dt.date.fromisoformat(marks["as_of"])
    computed = source.filter((source.batch > since) & (source.frequency > 0))
    computed = computed.select(g.CUSTOMER_ID)
    same = source.filter((source.batch <= since) & (source.frequency > 0))
    m = _metrics(same, now, settings)
    recency = {"now": m[g.RECENCY_DAYS], "then": m[g.RECENCY_DAYS] - (now - then).days}
    rule = edges[g.RECENCY_DAYS]
    differs = score_expr(recency["then"], rule) != score_expr(recency["now"], rule)
    if marks["split"] is not None:
        lines = {
            "then": SplitLine(base["split"]["how"], dict(base["split"]["values"])),
            "now": SplitLine(marks["split"]["how"], dict(marks["split"]["values"])),
        }
        metric = {"r": recency, "f": m[g.FREQUENCY], "m": m[g.MONETARY]}
        for name in lines["now"].values:
            value = metric[name]
            old, new = (value["then"], value["now"]) if isinstance(value, dict) else (value, value)
            differs |= lines["then"].is_high(name, old) != lines["now"].is_high(name, new)
    options = settings.group(LifecycleOptions)
    judged = m.mutate(_differs=differs)
    judged = lifecycle_stage(judged, judged, then, options, population=base["population"])
    judged = judged.rename(_stage_then=g.LIFECYCLE_STAGE)
    judged = lifecycle_stage(judged, judged, now, options, population=marks["population"])
    moved = judged._differs | (judged._stage_then != judged[g.LIFECYCLE_STAGE])
    changed = computed.union(judged.filter(moved).select(g.CUSTOMER_ID))
    store.con.create_table(CHANGED, changed, temp=True, overwrite=True)
    return _count(store.con.table(CHANGED))


def _count(table: ir.Table) -> int:
    return int(table.count().to_pyarrow().as_py())
