"""The refresh of a lake store: its state as Parquet folders that Spark writes.

Beside its snapshots, a lake store (:mod:`rfmkit.store.lake`) keeps the
state a refresh continues from under ``ROOT/refresh/``. Every refresh writes
a new folder of its own, ``r<hex>/``, with

``orders/``   its new rows summed per customer, order and day (customer id,
              order id, day, exact amount)
``hashes/``   a 64-bit key per new row (the exact-duplicate check)
``counts/``   its rows per day and kind (see :mod:`rfmkit.incremental.state`)
``totals/``   every customer's totals at its ``as_of`` (all of them: this
              folder replaces the previous refresh's)

and then the run line of its snapshot, which names the state: the marks of
:class:`~rfmkit.incremental.state.State` and every folder so far. That line is
the pointer: a refresh stopped before it leaves only an unnamed folder, and
the store as it was. The work is that of the DuckDB store
(:mod:`rfmkit.incremental.merge`) as Ibis expressions that Spark runs on its
executors; only the counts per day and kind (a few rows per day) reach the
driver. A lake snapshot is stored in full.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.datatypes as idt
import ibis.expr.types as ir
import pandas as pd

from rfmkit import engine
from rfmkit import glossary as g
from rfmkit.incremental.counts import default_as_of
from rfmkit.incremental.merge import DATED_RULES
from rfmkit.incremental.state import State
from rfmkit.sources import Loaded
from rfmkit.store.lake import LakeStore
from rfmkit.verbs.snapshot import shared_orders

ORDERS = "customer_id STRING, order_id STRING, order_date DATE, amount DECIMAL(18,6)"
HASHES = "row_key BIGINT"
COUNTS = "order_date DATE, kind STRING, row_count BIGINT"
TOTALS = (
    "customer_id STRING, frequency BIGINT, monetary DOUBLE, first_purchase DATE, "
    "last_purchase DATE, purchase_days BIGINT, previous_purchase DATE, first_row DATE"
)
#: The loader's columns a refresh reads, when a refresh has no new rows.
STAGE = "customer_id STRING, order_id STRING, order_date DATE, amount DOUBLE, _reason STRING"


@dataclass(frozen=True)
class Parts:
    """The folders of a lake store's refresh state (see the module docstring)."""

    orders: tuple[str, ...] = ()
    hashes: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()
    totals: str | None = None


def read_state(store: LakeStore) -> tuple[State, Parts]:
    """The state named by the store's latest run line that names one (empty: none yet)."""
    found = store.refresh_state()
    if not found:
        return State(), Parts()
    state = State(
        as_of=dt.date.fromisoformat(found["as_of"]),
        policy=dict(found.get("policy") or {}),
        watermark_column=found.get("watermark_column"),
        watermark=found.get("watermark"),
        batches=int(found.get("batches") or 0),
    )
    parts = Parts(
        tuple(found.get("orders") or ()),
        tuple(found.get("hashes") or ()),
        tuple(found.get("counts") or ()),
        found.get("totals"),
    )
    return state, parts


def pointer(state: State, parts: Parts) -> dict[str, Any]:
    """What the snapshot's run line says of the state (see :func:`read_state`)."""
    return {
        "as_of": state.as_of.isoformat() if state.as_of else None,
        "policy": state.policy,
        "watermark_column": state.watermark_column,
        "watermark": state.watermark,
        "batches": state.batches,
        "orders": list(parts.orders),
        "hashes": list(parts.hashes),
        "counts": list(parts.counts),
        "totals": parts.totals,
    }


@dataclass
class Merged:
    """A batch merged into the state: written as a new folder, not yet named by a run line.

    Attributes
    ----------
    as_of
        The date scored at.
    cut
        The date the totals are at (see :func:`rfmkit.verbs.refresh.cut_date`).
    counts
        Rows per day and kind, of all the batches so far (see :func:`rfmkit.incremental.counts.report_at`).
    totals
        Every customer's totals at ``as_of`` (read back from the folder written).
    parts
        The state's folders, the new ones included.
    sizes
        ``new``, ``duplicates``, ``touched``, ``customers`` and ``scorable``, as in the DuckDB store.
    """

    as_of: dt.date
    cut: dt.date
    counts: pd.DataFrame
    totals: ir.Table
    parts: Parts
    sizes: dict[str, int] = field(default_factory=dict)


def merge(
    store: LakeStore,
    stage: ir.Table | None,
    rejected: dict[str, int],
    settings: Any,
    state: State,
    parts: Parts,
    today: dt.date | None,
) -> Merged:
    """Merge the loader's classified rows (``stage``) into the state; write the new folder.

    ``rejected`` counts per rule the rows of a batch whose every row was left
    out (``stage`` None); ``settings`` the run's (``as_of``, ``money_decimals``,
    ``keep_duplicates``); ``today`` as for :func:`rfmkit.verbs.refresh.cut_date`.
    """
    from rfmkit.verbs.refresh import cut_date

    folder = "r" + uuid.uuid4().hex
    rows = stage if stage is not None else store.read_parts([], STAGE)
    batch = _batch(store, rows, settings, parts).cache()
    orders = _orders(batch, settings.money_decimals)
    new_counts = _counts(store, rows if stage is not None else None, batch, rejected)
    written = [store.write_part(new_counts, folder, "counts")]
    counts = _all_counts(store, (*parts.counts, *written))
    as_of = settings.as_of or default_as_of(counts, today)
    cut = cut_date(as_of, today)
    stored = store.read_parts(parts.orders, ORDERS)
    affected = _affected(orders, stored, state.as_of, cut).cache()
    totals = _totals(store, stored, orders, affected, cut, settings.money_decimals, parts)
    new = Parts(
        (*parts.orders, store.write_part(orders, folder, "orders")),
        parts.hashes,
        (*parts.counts, *written),
        store.write_part(totals, folder, "totals"),
    )
    if not settings.keep_duplicates:
        keys = batch.filter(~batch.dup).select("row_key")
        hashes = (*parts.hashes, store.write_part(keys, folder, "hashes"))
        new = Parts(new.orders, hashes, new.counts, new.totals)
    assert new.totals is not None
    back = store.read_parts([new.totals], TOTALS)
    merged = Merged(as_of, cut, counts, back, new)
    merged.sizes = _sizes(batch, affected, back, cut)
    return merged


def _batch(store: LakeStore, stage: ir.Table, settings: Any, parts: Parts) -> ir.Table:
    """The batch's used rows, exact amounts, a key each, and ``dup`` for those stored before."""
    used = stage.filter(stage._reason.isnull())
    day = used[g.ORDER_DATE].cast("date")
    rows = used.select(
        g.CUSTOMER_ID,
        g.ORDER_ID,
        order_date=day,
        amount=engine.money(used[g.AMOUNT], settings.money_decimals),
        refund=used[g.AMOUNT] < 0,
        row_key=_row_key(used[g.CUSTOMER_ID], used[g.ORDER_ID], day, used[g.AMOUNT]),
    )
    if settings.keep_duplicates:
        return rows.mutate(dup=ibis.literal(False))
    seen = store.read_parts(parts.hashes, HASHES).select("row_key").distinct()
    seen = seen.mutate(_seen=ibis.literal(True))
    joined = rows.left_join(seen, "row_key")
    return joined.select(*rows.columns, dup=joined._seen.fill_null(False))


def _row_key(customer: ir.Value, order: ir.Value, day: ir.Value, amount: ir.Value) -> ir.Value:
    """The key of a row's canonical values (customer, order id, day, amount to 1/10,000)."""
    cells = {
        "c": customer,
        "o": order,
        "d": day.strftime("%Y-%m-%d"),
        "a": (amount * 10_000).round().cast("int64"),
    }
    row = ibis.struct(cells)
    xxhash64 = ibis.udf.scalar.builtin(
        _xxhash64, name="xxhash64", signature=((row.type(),), idt.int64)
    )
    return xxhash64(row)


def _xxhash64(value: object) -> int:  # pragma: no cover - Spark's ``xxhash64`` runs instead
    """Spark's 64-bit ``xxhash64``."""
    raise NotImplementedError


def _orders(batch: ir.Table, decimals: int) -> ir.Table:
    """The new rows summed per customer, order and day, as they are stored."""
    fresh = batch.filter(~batch.dup).select(g.CUSTOMER_ID, g.ORDER_DATE, g.AMOUNT, g.ORDER_ID)
    summed = shared_orders(Loaded(fresh), decimals).transactions
    assert summed is not None
    return summed.select(
        g.CUSTOMER_ID,
        g.ORDER_ID,
        g.ORDER_DATE,
        amount=summed[g.AMOUNT].cast(idt.Decimal(18, 6)),
    )


def _counts(
    store: LakeStore, stage: ir.Table | None, batch: ir.Table, rejected: dict[str, int]
) -> ir.Table:
    """The batch's rows per day and kind (rules by day where a later ``as_of`` decides them)."""
    parts = []
    if stage is not None:
        left = stage.filter(stage._reason.notnull())
        dated = left._reason.isin(DATED_RULES)
        day = ibis.ifelse(dated, left[g.ORDER_DATE].cast("date"), ibis.null("date"))
        parts.append(left.group_by(order_date=day, kind=left._reason).aggregate(_n=ibis._.count()))
    fresh = batch.filter(~batch.dup)
    kinds = {
        "used": batch.filter(~batch.dup),
        "duplicate": batch.filter(batch.dup),
        "no_order_id": fresh.filter(fresh[g.ORDER_ID].isnull()),
        "refunds": fresh.filter(fresh.refund),
    }
    for kind, rows in kinds.items():
        per_day = rows.group_by(g.ORDER_DATE).aggregate(_n=ibis._.count())
        parts.append(per_day.select(g.ORDER_DATE, kind=ibis.literal(kind), _n=per_day._n))
    if stage is None and any(rejected.values()):
        frame = pd.DataFrame(
            {
                "order_date": [None] * len(rejected),
                "kind": list(rejected),
                "_n": list(rejected.values()),
            }
        )
        parts.append(
            ibis.memtable(frame, schema={"order_date": "date", "kind": "string", "_n": "int64"})
        )
    counts = parts[0]
    for more in parts[1:]:
        counts = counts.union(more)
    return counts.select(
        order_date=counts.order_date.cast("date"),
        kind=counts.kind.cast("string"),
        row_count=counts._n.cast("int64"),
    )


def _all_counts(store: LakeStore, paths: tuple[str, ...]) -> pd.DataFrame:
    """Every batch's rows per day and kind, summed (a few rows per day: to the driver)."""
    counts = store.read_parts(list(paths), COUNTS)
    summed = counts.group_by("order_date", "kind").aggregate(row_count=counts.row_count.sum())
    return summed.to_pandas()


def _affected(orders: ir.Table, stored: ir.Table, old: dt.date | None, new: dt.date) -> ir.Table:
    """The customers of the batch, and those with a stored row between the two dates."""
    affected = orders.select(g.CUSTOMER_ID)
    if old is not None and old != new:
        low, high = min(old, new), max(old, new)
        moved = stored.filter((stored[g.ORDER_DATE] >= low) & (stored[g.ORDER_DATE] < high))
        affected = affected.union(moved.select(g.CUSTOMER_ID))
    return affected.distinct()


def _totals(
    store: LakeStore,
    stored: ir.Table,
    orders: ir.Table,
    affected: ir.Table,
    as_of: dt.date,
    decimals: int,
    parts: Parts,
) -> ir.Table:
    """Every customer's totals at ``as_of``: the stored ones, the affected ones computed again."""
    mine = stored.semi_join(affected, g.CUSTOMER_ID).union(orders)
    totals = engine.customer_totals(
        mine, as_of, keyed="some", money_decimals=decimals, purchase_days=True
    )
    firsts = mine.group_by(g.CUSTOMER_ID).aggregate(first_row=mine[g.ORDER_DATE].min())
    joined = affected.left_join(totals, g.CUSTOMER_ID).left_join(firsts, g.CUSTOMER_ID)
    touched = joined.select(
        g.CUSTOMER_ID,
        frequency=joined[g.FREQUENCY].fill_null(0).cast("int64"),
        monetary=joined[g.MONETARY].fill_null(0.0).cast("float64"),
        first_purchase=joined[g.FIRST_PURCHASE].cast("date"),
        last_purchase=joined[g.LAST_PURCHASE].cast("date"),
        purchase_days=joined[engine.PURCHASE_DAYS].cast("int64"),
        previous_purchase=joined[engine.PREVIOUS_PURCHASE].cast("date"),
        first_row=joined.first_row.cast("date"),
    )
    before = store.read_parts([parts.totals] if parts.totals else [], TOTALS)
    return before.anti_join(affected, g.CUSTOMER_ID).union(touched)


def _sizes(batch: ir.Table, affected: ir.Table, totals: ir.Table, as_of: dt.date) -> dict[str, int]:
    """Rows merged and dropped, customers touched, with rows before ``as_of`` and scorable."""
    rows = batch.aggregate(
        new=(~batch.dup).cast("int64").sum(), duplicates=batch.dup.cast("int64").sum()
    ).to_pandas()
    people = totals.aggregate(
        customers=(totals.first_row < as_of).cast("int64").sum(),
        scorable=(totals.frequency > 0).cast("int64").sum(),
    ).to_pandas()
    touched = affected.count().to_pyarrow().as_py()
    found = {**rows.iloc[0].to_dict(), **people.iloc[0].to_dict(), "touched": touched}
    return {name: 0 if pd.isna(value) else int(value) for name, value in found.items()}
