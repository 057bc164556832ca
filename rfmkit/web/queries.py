"""What the pages and the API read from the store: small, paged answers built in the engine.

Routes call these functions (never SQL or dataframes themselves). Each one
takes the open store and returns plain Python values (lists of dicts) ready
for JSON or a template; a page of members is sorted and cut inside the
engine, and contacts are joined to that page only.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from rfmkit import glossary as g
from rfmkit.store import SnapshotInfo, Store, lookup
from rfmkit.web.errors import NotFound
from rfmkit.web.finder import Finder
from rfmkit.web.security import mask_email, mask_phone
from rfmkit.web.state import Cache, Reader

#: Columns a customer's history adds when any snapshot has them.
OPTIONAL_HISTORY = ("p_alive", "clv", "churn_risk", "value_segment", "owner")

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
MEMBER_COLUMNS = lookup.MEMBER_COLUMNS
CONTACTS = ("phone", "email")


def snapshot_info(store: Store, as_of: str | dt.date | None) -> SnapshotInfo:
    """The snapshot of ``as_of`` (None or ``latest``: the newest); :class:`NotFound` otherwise."""
    return pick_snapshot(store.snapshots(), as_of)


def pick_snapshot(found: list[SnapshotInfo], as_of: str | dt.date | None) -> SnapshotInfo:
    """The snapshot of ``as_of`` among ``found`` (oldest first); :class:`NotFound` otherwise."""
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


#: Rows of each sorted listing kept in memory (pages 1 to 20 of 50): a snapshot never changes.
CACHED_ROWS = 1000


def members(
    reader: Reader,
    info: SnapshotInfo,
    *,
    segment: str | None = None,
    q: str | None = None,
    sort: str = g.MONETARY,
    desc: bool = True,
    page: int = 1,
    per_page: int = 50,
    pii: bool = False,
    cache: Cache | None = None,
    contacts: bool = True,
) -> MembersPage:
    """Customers of ``segment`` (all when None) whose id contains ``q``, sorted and paged.

    With ``cache``, the count and the first :data:`CACHED_ROWS` rows of each
    listing (snapshot, segment, ``q``, sort) are kept: the pages a person
    pages through come from memory; deeper pages are read from the store.
    ``contacts=False``: the store keeps no phone or email (none looked up).
    """
    check_segment(info, segment)
    offset = (page - 1) * per_page

    def read(limit: int, start: int) -> list[dict[str, Any]]:
        return lookup.member_page(
            reader.cursor,
            reader.where,
            info.snapshot_id,
            segment=segment,
            q=q,
            sort=sort,
            desc=desc,
            limit=limit,
            offset=start,
        )

    def head() -> tuple[int, list[dict[str, Any]]]:
        total = lookup.count_members(reader.cursor, reader.where, info.snapshot_id, segment, q)
        return total, read(CACHED_ROWS, 0)

    if cache is None:
        total, rows = head()[0], read(per_page, offset)
    else:
        total, first = cache.get(("members", info.snapshot_id, segment, q, sort, desc), head)
        fits = offset + per_page <= CACHED_ROWS
        rows = first[offset : offset + per_page] if fits else read(per_page, offset)
    return MembersPage(total, page, per_page, with_contacts(reader, rows, pii, contacts))


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


def with_contacts(
    reader: Reader, rows: list[dict[str, Any]], pii: bool, known: bool = True
) -> list[dict[str, Any]]:
    """``rows`` with each customer's phone and email (masked unless ``pii``).

    ``known=False`` says the store keeps no contacts: they are not looked for.
    """
    ids = [str(r[g.CUSTOMER_ID]) for r in rows]
    found = lookup.contacts_of(reader.cursor, reader.where, ids) if known else {}
    out = []
    for row in rows:
        phone, email = found.get(str(row[g.CUSTOMER_ID]), (None, None))
        if not pii:
            phone, email = mask_phone(phone), mask_email(email)
        out.append({**_plain(row), "phone": phone, "email": email})
    return out


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}


def customer(
    reader: Reader,
    found: list[SnapshotInfo],
    customer_id: str,
    lang: str,
    pii: bool,
    finder: Finder | None = None,
    contacts: bool = True,
) -> dict[str, Any]:
    """One customer: the latest row, contacts and the history over the snapshots ``found``.

    With ``finder``, the rows are read where its indexes say they are;
    otherwise (or until they are built) the snapshots are scanned.
    ``contacts=False``: the store keeps no phone or email (none looked up).
    """
    if not found:
        raise NotFound("The store holds no snapshot yet.", fix="Upload data and run a scoring.")
    optional = [c for c in OPTIONAL_HISTORY if any(c in s.columns for s in found)]
    rows = finder.rows(reader, found, customer_id, optional) if finder else None
    if rows is None:
        bases = any(s.base_id for s in found)
        rows = lookup.customer_rows(reader.cursor, reader.where, customer_id, optional, bases=bases)
    if not rows:
        raise NotFound(
            f"Customer {customer_id!r} is in none of the {len(found)} snapshots.",
            fix="Check the id as written in the order data (leading zeros count).",
        )
    names = segment_labels(found[-1].scheme, lang)
    history = []
    for row in rows:
        label = names.get(row[g.SEGMENT], row[g.SEGMENT_LABEL]) if names else row[g.SEGMENT_LABEL]
        history.append(_plain(_clean({**row, g.SEGMENT_LABEL: label})))
    latest_row = {g.CUSTOMER_ID: customer_id, **history[-1]}
    latest = with_contacts(reader, [latest_row], pii, contacts)[0]
    return {"customer_id": customer_id, "latest": latest, "history": history}


@functools.lru_cache(maxsize=64)
def segment_labels(scheme: str, lang: str) -> dict[str, str]:
    """Segment key -> label in ``lang`` of a shipped scheme ({} for a user's scheme)."""
    from rfmkit.scheme import load_scheme, shipped_schemes

    if scheme not in shipped_schemes():
        return {}
    return {s.key: s.label(lang) for s in load_scheme(scheme).segments}


def _clean(row: dict[Any, Any]) -> dict[str, Any]:
    return {str(k): (None if _missing(v) else v) for k, v in row.items()}


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, str | int):  # most of a store row: never missing, no pandas call
        return False
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def frame_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A small result table as JSON-ready rows."""
    return [_plain(_clean(r)) for r in frame.to_dict(orient="records")]
