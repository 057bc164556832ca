"""The snapshot store: scored customers over time, with the run that scored them.

``open_store(None)`` opens (or creates) :data:`DEFAULT_STORE`, a DuckDB file
in the current folder; ``open_store("path/shop.duckdb")`` another file;
``open_store("postgresql://user@host:5432/db?schema=rfmkit")`` a PostgreSQL
database shared by several machines. One code path serves both: the store
database is attached to DuckDB (see :mod:`rfmkit.store.store`).

>>> with open_store("shop.duckdb") as store:          # doctest: +SKIP
...     store.save_snapshot(result.customers, record, as_of=date(2025, 1, 1))
...     store.snapshots()
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rfmkit.store.base import (
    BREAKPOINTS_MODES,
    DEFAULT_STORE,
    DEFAULT_WAIT,
    SnapshotInfo,
    SnapshotStore,
)
from rfmkit.store.location import DEFAULT_SCHEMA, StoreLocation, parse_location
from rfmkit.store.masking import mask_secrets, mask_url
from rfmkit.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from rfmkit.store.store import Store


def __getattr__(name: str) -> Any:
    # the store's engine (DuckDB through Ibis) is imported on first use
    if name == "Store":
        from rfmkit.store.store import Store

        return Store
    raise AttributeError(f"module 'rfmkit.store' has no attribute {name!r}")


__all__ = [
    "BREAKPOINTS_MODES",
    "DEFAULT_SCHEMA",
    "DEFAULT_STORE",
    "DEFAULT_WAIT",
    "SCHEMA_VERSION",
    "SnapshotInfo",
    "SnapshotStore",
    "Store",
    "StoreLocation",
    "mask_secrets",
    "mask_url",
    "open_store",
    "parse_location",
]


def open_store(
    location: str | Path | None = None,
    *,
    wait: float = DEFAULT_WAIT,
    read_only: bool = False,
    con: Any = None,
) -> Store:
    """Open the snapshot store at ``location``, creating or upgrading its tables.

    Parameters
    ----------
    location
        None for :data:`DEFAULT_STORE`, a DuckDB file path, a
        ``postgresql://`` URL (``?schema=NAME`` picks the schema), or a lake
        folder that Spark writes (``lake:PATH``, ``s3a://bucket/rfmkit/``, a
        folder path ending with ``/``; :class:`rfmkit.store.lake.LakeStore`,
        which offers the :class:`SnapshotStore` protocol).
    wait
        Seconds to wait while another process holds a DuckDB store file;
        then a :class:`~rfmkit.errors.StoreError` names that process.
    read_only
        Open without writing (several readers may share a DuckDB file).
    con
        For a lake store: the Spark connection to use (default: the active
        Spark session, else one as the environment says).

    Raises
    ------
    StoreError
        When the store cannot be opened, is busy, or is newer than rfmkit.
    """
    from rfmkit.store.lake import LakeStore, is_lake
    from rfmkit.store.store import Store

    if is_lake(location):  # a lake folder that Spark writes (see rfmkit.store.lake)
        return cast("Store", LakeStore(str(location), con=con, read_only=read_only))
    return Store(parse_location(location), wait=wait, read_only=read_only)
