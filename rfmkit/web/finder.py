"""Where each customer's row lies in the snapshots of a DuckDB store file, kept in memory.

Without it a customer look-up scans the customer ids of every snapshot
(several milliseconds of CPU per million customers and snapshot); with it,
the look-up reads one row per snapshot by its DuckDB ``rowid``
(:func:`rfmkit.store.lookup.rows_at`). Each snapshot's index holds the
hashes of its customer ids, sorted, and the row ids (16 bytes a customer);
it is built in the background the first time a look-up needs it -- look-ups
scan until it is ready -- and dropped with the snapshot.

A snapshot's rows never change under its id (a replaced snapshot gets a new
one), so an index does not go stale; if row ids move all the same (DuckDB
may compact a table after deletes), :func:`~rfmkit.store.lookup.rows_at`
finds no row where the index points, the look-up scans instead and the index
is built again. Snapshots stored over a base, and stores past
:data:`MAX_ROWS` customer rows, are always scanned.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np

from rfmkit.store import SnapshotInfo, lookup

#: Customer rows indexed at most, over all snapshots (16 bytes each: 20M rows, 320 MB).
MAX_ROWS = 20_000_000
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Places:
    """One snapshot's customer-id hashes (sorted) and the row id of each."""

    keys: np.ndarray
    rowids: np.ndarray

    @classmethod
    def of(cls, ids: Sequence[str], rowids: Any) -> Places:
        keys = np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids))
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], np.asarray(rowids, dtype=np.int64)[order])

    def rowids_of(self, customer_id: str) -> list[int]:
        """The row ids whose customer id has the hash of ``customer_id`` (almost always 0 or 1)."""
        key = hash(customer_id)
        start = int(np.searchsorted(self.keys, key, side="left"))
        end = int(np.searchsorted(self.keys, key, side="right"))
        found: list[int] = self.rowids[start:end].tolist()
        return found


def _key(info: SnapshotInfo) -> str:
    return info.snapshot_id


class Finder:
    """The indexes of one web app's snapshots; ``cursor`` opens a :class:`Reader` to build them."""

    def __init__(
        self, cursor: Callable[[], AbstractContextManager[Any]], max_rows: int = MAX_ROWS
    ) -> None:
        self._cursor = cursor
        self.max_rows = max_rows
        self._places: dict[str, Places] = {}
        self._lock = threading.Lock()
        self._building: threading.Thread | None = None
        self._stopping = threading.Event()

    def usable(self, found: Sequence[SnapshotInfo]) -> bool:
        """Whether look-ups over ``found`` can use indexes (every snapshot stored in full)."""
        rows = sum(s.customers for s in found)
        return bool(found) and rows <= self.max_rows and not any(s.base_id for s in found)

    def rows(
        self, reader: Any, found: Sequence[SnapshotInfo], customer_id: str, optional: Sequence[str]
    ) -> list[dict[str, Any]] | None:
        """The customer's rows over ``found``, oldest first; None when it must be scanned."""
        if not self.usable(found):
            return None
        with self._lock:
            ready = [self._places.get(_key(s)) for s in found]
        if any(p is None for p in ready):
            self.build(found)
            return None
        places = []
        for info, index in zip(found, ready, strict=True):
            assert index is not None
            places += [(info.as_of, info.snapshot_id, r) for r in index.rowids_of(customer_id)]
        rows = lookup.rows_at(reader.cursor, reader.where, customer_id, places, optional)
        if len(rows) < len({p[1] for p in places}):  # a row id moved: build those again, scan now
            seen = {row["as_of"] for row in rows}
            self.forget([sid for day, sid, _ in places if day not in seen])
            return None
        return rows

    def ready(self, found: Sequence[SnapshotInfo]) -> bool:
        with self._lock:
            return all(_key(s) in self._places for s in found)

    def forget(self, snapshot_ids: Sequence[str]) -> None:
        with self._lock:
            for sid in snapshot_ids:
                self._places.pop(sid, None)

    def build(self, found: Sequence[SnapshotInfo]) -> threading.Thread | None:
        """Start building the missing indexes of ``found`` (one builder at a time); the builder."""
        with self._lock:
            running = self._building is not None and self._building.is_alive()
            if running or self._stopping.is_set():
                return self._building
            building = threading.Thread(
                target=self._fill, args=(list(found),), name="rfmkit-finder", daemon=True
            )
            self._building = building
            building.start()
        return building

    def stop(self) -> None:
        """Stop building (after the snapshot being read) and wait: the store is about to close."""
        self._stopping.set()
        building = self._building
        if building is not None:
            building.join()

    def _fill(self, wanted: list[SnapshotInfo]) -> None:
        try:
            with self._cursor() as reader:
                for info in wanted:
                    if self._stopping.is_set():
                        return
                    if self.ready([info]):
                        continue
                    ids, rowids = lookup.customer_places(
                        reader.cursor, reader.where, info.snapshot_id
                    )
                    places = Places.of(ids, rowids)
                    with self._lock:
                        self._places[_key(info)] = places
        except (
            duckdb.Error,
            RuntimeError,
        ) as exc:  # the store closed meanwhile: scan until next time
            _log.debug("customer index not built: %s", exc)
            return
        keep = {_key(s) for s in wanted}
        with self._lock:
            for sid in [k for k in self._places if k not in keep]:
                del self._places[sid]
