"""What the pages and the API read from the store: small, paged answers built in the engine.

Routes call these functions (never SQL or dataframes themselves). Each one
takes the open store and returns plain Python values (lists of dicts) ready
for JSON or a template; a page of members is sorted and cut inside the
engine, and contacts are joined to that page only.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from rfmkit import glossary as g
from rfmkit.errors import StoreError
from rfmkit.store import SnapshotInfo, Store
from rfmkit.store.store import ALIAS
from rfmkit.web.errors import NotFound
from rfmkit.web.security import mask_email, mask_phone

SortKey = Literal[
    "customer_id",
    "recency_days",
    "frequency",
    "monetary",
    "rfm_score",
    "r_score",
    "f_score",
    "m_score",
    "last_purchase",
]
SORT_KEYS: tuple[str, ...] = SortKey.__args__  # type: ignore[attr-defined]
#: Columns of a member row, in order.
MEMBER_COLUMNS = (
    g.CUSTOMER_ID,
    g.SEGMENT,
    g.SEGMENT_LABEL,
    g.R_SCORE,
    g.F_SCORE,
    g.M_SCORE,
    g.RFM_SCORE,
    g.RECENCY_DAYS,
    g.FREQUENCY,
    g.MONETARY,
    g.LAST_PURCHASE,
)
CONTACTS = ("phone", "email")


def snapshot_info(store: Store, as_of: str | dt.date | None) -> SnapshotInfo:
    """The snapshot of ``as_of`` (None or ``latest``: the newest); :class:`NotFound` otherwise."""
    found = store.snapshots()
    if not found:
        raise NotFound("The store holds no snapshot yet.", fix="Upload data and run a scoring.")
    if as_of is None or str(as_of) == "latest":
        return found[-1]
    for info in found:
        if info.as_of.isoformat() == str(as_of):
            return info
    raise NotFound(
        f"There is no snapshot of {as_of}.",
        fix="Stored: " + ", ".join(s.as_of.isoformat() for s in found) + ".",
        details={"stored": [s.as_of.isoformat() for s in found]},
    )


def snapshot_dict(info: SnapshotInfo) -> dict[str, Any]:
    return {
        "as_of": info.as_of.isoformat(),
        "customers": info.customers,
        "revenue": info.revenue,
        "scheme": info.scheme,
        "segments": list(info.segment_order),
        "breakpoints_mode": info.breakpoints_mode,
        "created_at": info.created_at.isoformat(),
    }


def segment_keys(info: SnapshotInfo) -> tuple[str, ...]:
    return info.segment_order


def check_segment(info: SnapshotInfo, segment: str | None) -> None:
    if segment is not None and segment not in info.segment_order:
        raise NotFound(
            f"The snapshot of {info.as_of} has no segment {segment!r}.",
            fix="Segments: " + ", ".join(info.segment_order) + ".",
        )


@dataclass(frozen=True)
class MembersPage:
    """One page of a segment's customers."""

    total: int
    page: int
    per_page: int
    rows: list[dict[str, Any]]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "rows": self.rows,
        }


def members(
    store: Store,
    info: SnapshotInfo,
    *,
    segment: str | None = None,
    q: str | None = None,
    sort: str = g.MONETARY,
    desc: bool = True,
    page: int = 1,
    per_page: int = 50,
    pii: bool = False,
) -> MembersPage:
    """Customers of ``segment`` (all when None) whose id contains ``q``, sorted and paged."""
    check_segment(info, segment)
    table = _filtered(store, info, segment, q)
    total = int(table.count().to_pyarrow().as_py())
    key = ibis.desc(sort) if desc else ibis.asc(sort)
    keys = [key] if sort == g.CUSTOMER_ID else [key, ibis.asc(g.CUSTOMER_ID)]
    ordered = table.order_by(keys)
    rows = ordered.select(*MEMBER_COLUMNS).limit(per_page, offset=(page - 1) * per_page)
    frame = rows.to_pyarrow().to_pylist()
    return MembersPage(total, page, per_page, with_contacts(store, frame, pii))


def _filtered(store: Store, info: SnapshotInfo, segment: str | None, q: str | None) -> ir.Table:
    table = store.customers(info.as_of)
    if segment is not None:
        table = table.filter(table[g.SEGMENT] == segment)
    if q:
        table = table.filter(table[g.CUSTOMER_ID].contains(q))
    return table


def member_table(store: Store, info: SnapshotInfo, segment: str | None, q: str | None) -> ir.Table:
    """Every matching customer (for an export), in the engine."""
    check_segment(info, segment)
    return _filtered(store, info, segment, q).order_by(ibis.desc(g.MONETARY), g.CUSTOMER_ID)


def with_contacts(store: Store, rows: list[dict[str, Any]], pii: bool) -> list[dict[str, Any]]:
    """``rows`` with each customer's phone and email (masked unless ``pii``)."""
    ids = [r[g.CUSTOMER_ID] for r in rows]
    found: dict[str, tuple[Any, Any]] = {}
    if ids:
        marks = ", ".join("?" for _ in ids)
        fetched = store.con.con.execute(
            f"SELECT customer_id, phone, email FROM {ALIAS}.{store.where.schema}.contacts "
            f"WHERE customer_id IN ({marks})",
            ids,
        ).fetchall()
        found = {str(c): (p, e) for c, p, e in fetched}
    out = []
    for row in rows:
        phone, email = found.get(row[g.CUSTOMER_ID], (None, None))
        if not pii:
            phone, email = mask_phone(phone), mask_email(email)
        out.append({**_plain(row), "phone": phone, "email": email})
    return out


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}


def customer(store: Store, customer_id: str, lang: str, pii: bool) -> dict[str, Any]:
    """One customer: the latest row, contacts and the history over every snapshot."""
    from rfmkit.history import customer_history

    try:
        history = customer_history(store, customer_id, lang=lang)
    except StoreError as exc:
        raise NotFound(exc.message, fix=exc.fix) from None
    rows = [_plain(_clean(r)) for r in history.to_dict(orient="records")]
    latest = with_contacts(store, [{g.CUSTOMER_ID: customer_id, **rows[-1]}], pii)[0]
    return {"customer_id": customer_id, "latest": latest, "history": rows}


def _clean(row: dict[Any, Any]) -> dict[str, Any]:
    return {str(k): (None if _missing(v) else v) for k, v in row.items()}


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def frame_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A small result table as JSON-ready rows."""
    return [_plain(_clean(r)) for r in frame.to_dict(orient="records")]
