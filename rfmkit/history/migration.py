"""Segment migration between snapshots: who moved where, and the Markov chain of moves.

A customer's move between two snapshots is read against the scheme's order
(its segments from first to last; earlier is better): ``up`` to an earlier
segment, ``down`` to a later one, ``stable``, ``new`` (only in the later
snapshot) or ``left`` (only in the earlier one). ``steps`` is the later
position minus the earlier one (2 = fell two segments).

Revenue of a move is the revenue at stake: the customer's ``monetary`` in
the earlier snapshot (for a new customer, in the later one).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from rfmkit import glossary as g
from rfmkit.history.common import (
    check_lang,
    label_expr,
    labels,
    need,
    position_expr,
    same_scheme,
)
from rfmkit.history.text import text
from rfmkit.store.base import SnapshotInfo, SnapshotStore

DIRECTIONS = ("up", "down", "stable", "new", "left")
MOVE_COLUMNS = (
    "customer_id",
    "from_segment",
    "to_segment",
    "from_label",
    "to_label",
    "direction",
    "steps",
    "from_monetary",
    "to_monetary",
    "owner",
)


@dataclass(frozen=True)
class Migration:
    """Moves between two snapshots.

    Attributes
    ----------
    matrix
        Long form, one row per (from, to) pair that occurs: ``from_segment,
        to_segment, from_label, to_label, direction, customers, revenue,
        probability`` (share of the from-segment's customers; null for new
        customers). ``from_segment`` is null for new customers, ``to_segment``
        for those who left. Ordered by the scheme.
    directions
        ``direction, label, customers, revenue`` for up, down, stable, new, left.
    """

    from_as_of: dt.date
    to_as_of: dt.date
    scheme: str
    matrix: pd.DataFrame
    directions: pd.DataFrame

    def count(self, direction: str) -> int:
        """How many customers moved in ``direction`` (``up``, ``down``, ...)."""
        row = self.directions[self.directions.direction == direction]
        return int(row.customers.iloc[0])


@dataclass(frozen=True)
class Chain:
    """The average transition matrix over consecutive snapshots, and a projection.

    Attributes
    ----------
    matrix
        Long form ``from_segment, to_segment, customers, probability``
        pooled over every consecutive pair (each probability is the moves
        from a segment over all pairs divided by its customers over all
        pairs: the maximum-likelihood estimate of a stationary chain);
        ``to_segment`` null means left.
    projection
        ``segment, label, now, next, after_next``: segment sizes of the
        latest snapshot and their expected sizes one and two periods ahead
        (``n @ P`` plus the average number of new customers per period).
    """

    periods: int
    scheme: str
    matrix: pd.DataFrame
    projection: pd.DataFrame


def migration(
    store: SnapshotStore, from_as_of: dt.date | str, to_as_of: dt.date | str, *, lang: str = "zh"
) -> Migration:
    """The segment-to-segment moves between the snapshots of ``from_as_of`` and ``to_as_of``."""
    check_lang(lang)
    first, second = store.snapshot(from_as_of), store.snapshot(to_as_of)
    scheme = same_scheme([first, second])
    moves = _moves(store, [(first, second)], lang)
    grouped = moves.group_by(
        "from_segment", "to_segment", "from_label", "to_label", "direction", "from_pos", "to_pos"
    ).aggregate(customers=moves.count(), revenue=moves.stake.sum())
    frame = grouped.to_pandas()
    frame = _order(frame).drop(columns=["from_pos", "to_pos"])
    frame["probability"] = _probability(frame)
    frame = _fill_labels(frame, lang)
    return Migration(first.as_of, second.as_of, scheme, frame, _directions(frame, lang))


def customer_moves(
    store: SnapshotStore, from_as_of: dt.date | str, to_as_of: dt.date | str, *, lang: str = "zh"
) -> ir.Table:
    """Each customer's move (columns :data:`MOVE_COLUMNS`): an Ibis table, for writing to a file."""
    check_lang(lang)
    first, second = store.snapshot(from_as_of), store.snapshot(to_as_of)
    same_scheme([first, second])
    moves = _moves(store, [(first, second)], lang)
    return moves.select(*MOVE_COLUMNS).order_by("customer_id")


def chain(store: SnapshotStore, *, lang: str = "zh") -> Chain:
    """Pool the moves of every consecutive pair of snapshots into one Markov chain."""
    check_lang(lang)
    found = need(store, 2, "The migration chain")
    scheme = same_scheme(found)
    pairs = list(itertools.pairwise(found))
    moves = _moves(store, pairs, lang)
    counts = (
        moves.group_by("from_segment", "to_segment", "from_pos", "to_pos")
        .aggregate(customers=moves.count())
        .to_pandas()
    )
    counts = _order(counts).drop(columns=["from_pos", "to_pos"])
    counts["probability"] = _probability(counts)
    order = found[-1].segment_order
    projection = _project(counts, order, _sizes(store, found[-1]), len(pairs))
    names = labels(found[-1], lang) or {}
    projection.insert(1, "label", [names.get(k, k) for k in projection.segment])
    return Chain(len(pairs), scheme, counts.reset_index(drop=True), projection)


# -- moves -------------------------------------------------------------------


def _moves(
    store: SnapshotStore, pairs: list[tuple[SnapshotInfo, SnapshotInfo]], lang: str
) -> ir.Table:
    """One row per customer and pair of snapshots, outer-joined on the customer."""
    rows = store.rows()
    has_owner = "owner" in rows.columns
    index = ibis.memtable(
        {
            "from_id": [a.snapshot_id for a, _ in pairs],
            "to_id": [b.snapshot_id for _, b in pairs],
            "pair": list(range(len(pairs))),
        }
    )
    order = pairs[-1][1].segment_order
    names = labels(pairs[-1][1], lang)

    def side(key: str, prefix: str) -> ir.Table:
        # view(): the two sides are a self-join of the stored rows
        joined = rows.view().inner_join(index.select(snapshot_id=key, pair="pair"), "snapshot_id")
        return joined.select(
            "pair",
            customer_id=joined[g.CUSTOMER_ID],
            **{
                f"{prefix}_segment": joined[g.SEGMENT],
                f"{prefix}_label": label_expr(joined[g.SEGMENT], joined[g.SEGMENT_LABEL], names),
                f"{prefix}_monetary": joined[g.MONETARY],
                f"{prefix}_owner": joined.owner if has_owner else ibis.null("string"),
            },
        )

    old, new = side("from_id", "from"), side("to_id", "to")
    joined = old.outer_join(new, [old.pair == new.pair, old.customer_id == new.customer_id])
    both = joined.select(
        pair=ibis.coalesce(joined.pair, joined.pair_right),
        customer_id=ibis.coalesce(joined.customer_id, joined.customer_id_right),
        from_segment=joined.from_segment,
        to_segment=joined.to_segment,
        from_label=joined.from_label,
        to_label=joined.to_label,
        from_monetary=joined.from_monetary,
        to_monetary=joined.to_monetary,
        owner=ibis.coalesce(joined.to_owner, joined.from_owner),
    )
    return _classify(both, order)


def _classify(moves: ir.Table, order: tuple[str, ...]) -> ir.Table:
    with_pos = moves.mutate(
        from_pos=position_expr(moves.from_segment, order),
        to_pos=position_expr(moves.to_segment, order),
    )
    steps = with_pos.to_pos - with_pos.from_pos
    direction = ibis.cases(
        (with_pos.from_segment.isnull(), "new"),
        (with_pos.to_segment.isnull(), "left"),
        (steps < 0, "up"),
        (steps > 0, "down"),
        else_="stable",
    )
    return with_pos.mutate(
        steps=steps,
        direction=direction,
        stake=ibis.coalesce(with_pos.from_monetary, with_pos.to_monetary),
    )


# -- small results (pandas) --------------------------------------------------


def _order(frame: pd.DataFrame) -> pd.DataFrame:
    """New customers first, then by from position; leavers last within a from segment."""
    key = frame.assign(
        _from=frame.from_pos.fillna(-1), _to=frame.to_pos.fillna(np.inf)
    ).sort_values(["_from", "_to"])
    return key.drop(columns=["_from", "_to"]).reset_index(drop=True)


def _probability(frame: pd.DataFrame) -> pd.Series:
    totals = frame.groupby("from_segment", dropna=True)["customers"].transform("sum")
    return (frame.customers / totals).where(frame.from_segment.notna())


def _fill_labels(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    frame = frame.copy()
    frame["from_label"] = frame.from_label.where(frame.from_segment.notna(), text("new", lang))
    frame["to_label"] = frame.to_label.where(frame.to_segment.notna(), text("left", lang))
    return frame


def _directions(matrix: pd.DataFrame, lang: str) -> pd.DataFrame:
    summed = matrix.groupby("direction")[["customers", "revenue"]].sum()
    summed = summed.reindex(list(DIRECTIONS), fill_value=0)
    summed.insert(0, "label", [text(f"direction.{d}", lang) for d in DIRECTIONS])
    summed["customers"] = summed.customers.astype("int64")
    summed["revenue"] = summed.revenue.astype("float64")
    return summed.rename_axis("direction").reset_index()


def _sizes(store: SnapshotStore, info: SnapshotInfo) -> dict[str, int]:
    rows = store.rows()
    mine = rows.filter(rows.snapshot_id == info.snapshot_id)
    counted = mine.group_by(g.SEGMENT).aggregate(n=mine.count()).to_pandas()
    return dict(zip(counted[g.SEGMENT], counted.n.astype(int), strict=True))


def _project(
    counts: pd.DataFrame, order: tuple[str, ...], sizes: dict[str, int], periods: int
) -> pd.DataFrame:
    """Sizes now, one and two periods ahead: ``n' = n @ P + mean new arrivals``."""
    k = len(order)
    where = {key: i for i, key in enumerate(order)}
    matrix = np.zeros((k, k))
    arrivals = np.zeros(k)
    for row in counts.to_dict("records"):
        to = where.get(row["to_segment"]) if isinstance(row["to_segment"], str) else None
        source = where.get(row["from_segment"]) if isinstance(row["from_segment"], str) else None
        if source is not None and to is not None:
            matrix[source, to] = row["probability"]
        elif source is None and to is not None:
            arrivals[to] += row["customers"] / periods
    now = np.array([sizes.get(key, 0) for key in order], dtype=float)
    ahead = now @ matrix + arrivals
    return pd.DataFrame(
        {"segment": list(order), "now": now, "next": ahead, "after_next": ahead @ matrix + arrivals}
    )
