"""What a snapshot store offers: :class:`SnapshotInfo` and the :class:`SnapshotStore` protocol."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: Where the store lives when no location is given: a DuckDB file in the
#: current folder (the CLI prints the path it used).
DEFAULT_STORE = Path("rfmkit-store.duckdb")

#: How ``breakpoints_mode`` is spelled: the breakpoints of a reference
#: snapshot reused (``frozen``) or fitted again on each snapshot (``refit``).
BREAKPOINTS_MODES = ("frozen", "refit")

#: Seconds to wait for another process that holds the store before giving up.
DEFAULT_WAIT = 30.0

#: Anything :meth:`SnapshotStore.save_snapshot` accepts as a customer table:
#: an Ibis table, a pyarrow Table or RecordBatchReader, a pandas or polars frame.
CustomerData: TypeAlias = Any


@dataclass(frozen=True)
class SnapshotInfo:
    """One stored snapshot, without its customers.

    Attributes
    ----------
    as_of
        The snapshot's analysis date; at most one snapshot per date.
    customers
        How many customers it holds.
    revenue
        The sum of their ``monetary`` (net spend before ``as_of``).
    scheme
        The key of the segment scheme used (``cn8`` ...).
    segment_order
        The scheme's segment keys, best first (the order of its file).
    breakpoints_mode
        ``frozen``, ``refit`` or None when the run did not say.
    columns
        The stored columns of the customer table, in order.
    created_at
        When it was saved (UTC).
    snapshot_id
        An internal id; a replaced snapshot gets a new one.
    base_id
        The snapshot whose rows this one takes on, recency and tenure moved on
        to its date, where it stores no row of its own (None: it stores every
        row). Readers never see the difference.
    """

    as_of: dt.date
    customers: int
    revenue: float
    scheme: str
    segment_order: tuple[str, ...]
    breakpoints_mode: str | None
    columns: tuple[str, ...]
    created_at: dt.datetime
    snapshot_id: str
    base_id: str | None = None


class SnapshotStore(Protocol):
    """Snapshots of scored customers over time, and the delivery log.

    :func:`rfmkit.store.open_store` returns the one implementation
    (:class:`rfmkit.store.Store`, DuckDB file or PostgreSQL); the analysis
    of :mod:`rfmkit.history` needs only this protocol.
    """

    location: str

    def save_snapshot(
        self,
        customers: CustomerData,
        record: Mapping[str, Any],
        *,
        as_of: dt.date,
        scheme: Any = None,
        breakpoints_mode: str | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> SnapshotInfo: ...

    def snapshots(self) -> list[SnapshotInfo]: ...

    def snapshot(self, as_of: dt.date | str) -> SnapshotInfo: ...

    def latest(self, n: int = 2) -> list[SnapshotInfo]: ...

    def customers(self, as_of: dt.date | str) -> ir.Table: ...

    def record(self, as_of: dt.date | str) -> dict[str, Any]: ...

    def delete(self, as_of: dt.date | str) -> None: ...

    def rows(self) -> ir.Table: ...

    def delivered(self, destination: str, key: str) -> bool: ...

    def record_delivery(self, destination: str, key: str, status: str, detail: str) -> None: ...

    def close(self) -> None: ...
