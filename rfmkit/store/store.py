"""The snapshot store on one DuckDB connection: a DuckDB file or PostgreSQL, same SQL.

The store database is attached to an in-memory DuckDB as ``rfm_store``
(a file with DuckDB's file lock, or PostgreSQL through DuckDB's postgres
extension), so every statement below serves both.

Saving a snapshot runs in one transaction: the customer rows go in first,
the ``snapshots`` row last, and readers only see rows whose snapshot row
exists. A writer killed half-way leaves nothing visible behind (DuckDB
drops an uncommitted WAL tail on the next open; PostgreSQL rolls back).
Saving an ``as_of`` that is already stored **replaces** that snapshot in the
same transaction, so cron can re-run a snapshot safely and a date never
holds two snapshots.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa

from rfmkit import glossary as g
from rfmkit.backend import connect, load_duckdb_extension
from rfmkit.errors import InputError, StoreError
from rfmkit.store.base import DEFAULT_WAIT, CustomerData, SnapshotInfo
from rfmkit.store.location import StoreLocation
from rfmkit.store.masking import mask_secrets
from rfmkit.store.schema import OPTIONAL_TYPES, REQUIRED_TYPES, SCHEMA_VERSION, plan
from rfmkit.store.scheme import resolve_scheme

ALIAS = "rfm_store"
_INCOMING = "rfm_store_incoming"
_LOCKED = "Could not set lock"
_CONFLICT = ("duplicate key", "violates unique", "PRIMARY KEY or UNIQUE constraint")
_SNAPSHOT_FIELDS = (
    "as_of, customers, revenue, scheme, segment_order, breakpoints_mode, columns, "
    "created_at, snapshot_id"
)
#: Delivery statuses after which an alert is not sent again (as in rfmkit.delivery.log).
DELIVERED_STATUSES = ("delivered", "digest")


class Store:
    """A snapshot store; open it with :func:`rfmkit.store.open_store`.

    Use it as a context manager (or call :meth:`close`): a DuckDB file stays
    locked against other processes while the store is open.
    """

    def __init__(
        self, where: StoreLocation, *, wait: float = DEFAULT_WAIT, read_only: bool = False
    ) -> None:
        self.where = where
        self.location = where.display
        self.read_only = read_only
        self.con = connect()
        self._raw: duckdb.DuckDBPyConnection = self.con.con
        self._prefix = f"{ALIAS}.{where.schema}"
        try:
            self._attach(wait)
            self._upgrade()
        except BaseException:
            self.con.disconnect()
            raise

    # -- opening -------------------------------------------------------------

    def _attach(self, wait: float) -> None:
        options = " (READ_ONLY)" if self.read_only else ""
        if self.where.kind == "postgres":
            load_duckdb_extension(self.con, "postgres_scanner")
            options = " (TYPE postgres, READ_ONLY)" if self.read_only else " (TYPE postgres)"
        target = self.where.target.replace("'", "''")
        deadline = time.monotonic() + wait
        pause = 0.05
        while True:
            try:
                self._raw.execute(f"ATTACH '{target}' AS {ALIAS}{options}")
                return
            except duckdb.Error as exc:
                if _LOCKED not in str(exc) or time.monotonic() + pause > deadline:
                    raise self._open_error(exc, wait) from exc
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

    def _open_error(self, exc: Exception, wait: float) -> StoreError:
        text = str(exc)
        if _LOCKED in text:
            holder = re.search(r"held in (.+?) \(PID (\d+)\)", text)
            who = f" (PID {holder.group(2)}, {holder.group(1)})" if holder else ""
            return StoreError(
                f"The store {self.location} is in use by another process{who}; waited {wait:g} s.",
                file=self.location,
                fix="Wait for the other rfmkit run to finish, or give it more time to wait.",
                details={"pid": int(holder.group(2)) if holder else None},
            )
        return StoreError(
            f"Cannot open the store {self.location}: {_first_line(text)}",
            file=self.location,
            fix="Check the path (its folder must exist) or the server, user and database in the URL.",
        )

    def _upgrade(self) -> None:
        for attempt in range(3):
            current = self._version()
            if current == SCHEMA_VERSION:
                return
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"The store {self.location} has layout version {current}; this rfmkit "
                    f"knows up to {SCHEMA_VERSION}.",
                    fix="Upgrade rfmkit to use this store.",
                )
            if self.read_only:
                raise StoreError(
                    f"The store {self.location} needs an upgrade (version {current}).",
                    fix="Open it once without read-only to upgrade it.",
                )
            try:
                with self._transaction():
                    if current == 0:
                        self._raw.execute(f"CREATE SCHEMA IF NOT EXISTS {self._prefix}")
                    for statement in plan(current, self._prefix):
                        self._raw.execute(statement)
                return
            except duckdb.Error as exc:  # another process upgraded at the same time
                self._forget_catalog()
                if attempt == 2:
                    raise StoreError(
                        f"Cannot set up the store {self.location}: {_first_line(str(exc))}",
                        file=self.location,
                    ) from exc

    def _forget_catalog(self) -> None:
        """Drop DuckDB's cached PostgreSQL catalog (it outlives a rolled-back transaction)."""
        if self.where.kind == "postgres":
            self._raw.execute("CALL pg_clear_cache()")

    def _version(self) -> int:
        found = self._raw.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
            "AND table_name = 'schema_version'",
            [ALIAS, self.where.schema],
        ).fetchone()
        if not found or not found[0]:
            return 0
        row = self._raw.execute(
            f"SELECT max(version) FROM {self._prefix}.schema_version"
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def version(self) -> int:
        """The store's layout version (:data:`rfmkit.store.schema.SCHEMA_VERSION` once open)."""
        return self._version()

    def close(self) -> None:
        """Detach the store and release its file lock."""
        self.con.disconnect()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._raw.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._raw.execute("ROLLBACK")
            raise
        self._raw.execute("COMMIT")

    # -- snapshots -----------------------------------------------------------

    def save_snapshot(
        self,
        customers: CustomerData,
        record: Mapping[str, Any],
        *,
        as_of: dt.date,
        scheme: Any = None,
        breakpoints_mode: str | None = None,
        progress: Callable[[str], None] | None = None,
        also: Callable[[], None] | None = None,
    ) -> SnapshotInfo:
        """Store one scoring run as the snapshot of ``as_of``, replacing any earlier one.

        Parameters
        ----------
        customers
            The scored customer table (Ibis, pyarrow, pandas or polars) with
            the columns of :data:`rfmkit.glossary.CUSTOMER_COLUMNS`; the
            optional columns of :data:`rfmkit.store.schema.OPTIONAL_TYPES`
            (predictions, ``owner``) are kept when present, others dropped.
        record
            The run record (JSON-ready; dates are written as ISO text).
            Passwords in URLs and secret-named fields are masked first.
        as_of
            The snapshot's date. Saving a date that is stored replaces it.
        scheme
            The scheme used (key, path, :class:`~rfmkit.segments.Scheme` or its
            dict); default ``record["scheme"]`` or ``record["settings"]["scheme"]``.
        breakpoints_mode
            ``frozen`` or ``refit``; default ``record["breakpoints_mode"]``.
        progress
            Called with ``"writing"`` when the transaction starts writing rows.
        also
            More writes to the store, run inside the same transaction before
            the snapshot row (the state of :mod:`rfmkit.incremental`): all land
            or none does.

        Raises
        ------
        InputError
            When the table lacks a column or repeats a customer.
        ConfigError
            When the scheme cannot be found.
        """
        self._writable()
        found = resolve_scheme(scheme, record)
        mode = breakpoints_mode or _setting(record, "breakpoints_mode")
        columns = self._stage(customers)
        try:
            count, revenue = self._check_staged()
            text = json.dumps(mask_secrets(dict(record)), default=str, ensure_ascii=False)
            info = SnapshotInfo(
                as_of=_date(as_of),
                customers=count,
                revenue=revenue,
                scheme=found.key,
                segment_order=tuple(s.key for s in found.segments),
                breakpoints_mode=str(mode) if mode is not None else None,
                columns=columns,
                created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
                snapshot_id=uuid.uuid4().hex,
            )
            self._write(info, text, progress, also)
        finally:
            self._raw.execute(f"DROP TABLE IF EXISTS {_INCOMING}")
        return info

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"The store {self.location} is open read-only.")

    def _stage(self, customers: CustomerData) -> tuple[str, ...]:
        """Copy the customer table into a local temporary table of the stored types.

        A table computed on the store's own connection (a refresh) is copied
        inside the engine: streaming it out to Arrow and back in on one
        connection would wait on itself.
        """
        local = isinstance(customers, ibis.Table) and _bound_to(customers, self.con)
        data = None if local else _arrow(customers)
        present = set(customers.columns if local else data.schema.names)  # type: ignore[union-attr]
        missing = [c for c in REQUIRED_TYPES if c not in present]
        if missing:
            raise InputError(
                f"The customer table lacks {', '.join(missing)}.",
                fix="Store the customer table of a scoring run (rfmkit score).",
            )
        optional = [c for c in OPTIONAL_TYPES if c in present]
        types = {**REQUIRED_TYPES, **{c: OPTIONAL_TYPES[c] for c in optional}}
        select = ", ".join(f'CAST("{c}" AS {t}) AS {c}' for c, t in types.items())
        if local:
            query = self.con.compile(customers)
            self._raw.execute(f"CREATE TEMP TABLE {_INCOMING} AS SELECT {select} FROM ({query})")
            return tuple(types)
        self._raw.register("rfm_store_arrow", data)
        try:
            self._raw.execute(
                f"CREATE TEMP TABLE {_INCOMING} AS SELECT {select} FROM rfm_store_arrow"
            )
        finally:
            self._raw.unregister("rfm_store_arrow")
        return tuple(types)

    def _check_staged(self) -> tuple[int, float]:
        row = self._raw.execute(
            f"SELECT count(*), count(DISTINCT {g.CUSTOMER_ID}), count({g.CUSTOMER_ID}), "
            f"coalesce(sum({g.MONETARY}), 0) FROM {_INCOMING}"
        ).fetchone()
        assert row is not None
        total, distinct, named, revenue = row
        if named < total:
            raise InputError("The customer table has rows without a customer_id.")
        if distinct < total:
            raise InputError(
                f"The customer table repeats {total - distinct} customer id(s).",
                fix="Store one row per customer (the output of rfmkit score).",
            )
        return int(total), float(revenue)

    def _write(
        self,
        info: SnapshotInfo,
        record: str,
        progress: Callable[[str], None] | None,
        also: Callable[[], None] | None = None,
    ) -> None:
        names = ", ".join(info.columns)
        for attempt in range(3):
            try:
                with self._transaction():
                    if progress is not None:
                        progress("writing")
                    self._delete(info.as_of)
                    self._raw.execute(
                        f"INSERT INTO {self._prefix}.snapshot_customers (snapshot_id, {names}) "
                        f"SELECT ?, {names} FROM {_INCOMING}",
                        [info.snapshot_id],
                    )
                    if also is not None:
                        also()
                    self._raw.execute(
                        f"INSERT INTO {self._prefix}.snapshots (as_of, snapshot_id, created_at, "
                        "customers, revenue, scheme, segment_order, columns, record, "
                        "breakpoints_mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            info.as_of,
                            info.snapshot_id,
                            info.created_at,
                            info.customers,
                            info.revenue,
                            info.scheme,
                            json.dumps(list(info.segment_order)),
                            json.dumps(list(info.columns)),
                            record,
                            info.breakpoints_mode,
                        ],
                    )
                return
            except duckdb.Error as exc:
                # Another writer saved the same as_of first (PostgreSQL): replace it.
                if attempt == 2 or not any(c in str(exc) for c in _CONFLICT):
                    raise StoreError(
                        f"Cannot save the snapshot of {info.as_of} in {self.location}: "
                        f"{_first_line(str(exc))}",
                        file=self.location,
                    ) from exc

    def _delete(self, as_of: dt.date) -> bool:
        row = self._raw.execute(
            f"SELECT snapshot_id FROM {self._prefix}.snapshots WHERE as_of = ?", [as_of]
        ).fetchone()
        if row is None:
            return False
        self._raw.execute(
            f"DELETE FROM {self._prefix}.snapshot_customers WHERE snapshot_id = ?", [row[0]]
        )
        self._raw.execute(f"DELETE FROM {self._prefix}.snapshots WHERE as_of = ?", [as_of])
        return True

    def delete(self, as_of: dt.date | str) -> None:
        """Delete the snapshot of ``as_of`` (one transaction).

        Raises
        ------
        StoreError
            When there is no snapshot of that date.
        """
        self._writable()
        day = _date(as_of)
        with self._transaction():
            deleted = self._delete(day)
        if not deleted:
            raise self._missing(day)

    def snapshots(self) -> list[SnapshotInfo]:
        """Every stored snapshot, oldest first."""
        rows = self._raw.execute(
            f"SELECT {_SNAPSHOT_FIELDS} FROM {self._prefix}.snapshots ORDER BY as_of"
        ).fetchall()
        return [_info(row) for row in rows]

    def latest(self, n: int = 2) -> list[SnapshotInfo]:
        """The ``n`` most recent snapshots, oldest first (fewer when fewer are stored)."""
        return self.snapshots()[-n:] if n > 0 else []

    def snapshot(self, as_of: dt.date | str) -> SnapshotInfo:
        """The snapshot of ``as_of``; a :class:`StoreError` when there is none."""
        day = _date(as_of)
        row = self._raw.execute(
            f"SELECT {_SNAPSHOT_FIELDS} FROM {self._prefix}.snapshots WHERE as_of = ?", [day]
        ).fetchone()
        if row is None:
            raise self._missing(day)
        return _info(row)

    def _missing(self, day: dt.date) -> StoreError:
        stored = [s.as_of.isoformat() for s in self.snapshots()]
        return StoreError(
            f"There is no snapshot of {day.isoformat()} in {self.location}.",
            file=self.location,
            fix=f"Stored: {', '.join(stored)}." if stored else "Record one with rfmkit snapshot.",
            details={"stored": stored},
        )

    def record(self, as_of: dt.date | str) -> dict[str, Any]:
        """The run record stored with the snapshot of ``as_of`` (secrets masked)."""
        info = self.snapshot(as_of)
        row = self._raw.execute(
            f"SELECT record FROM {self._prefix}.snapshots WHERE snapshot_id = ?", [info.snapshot_id]
        ).fetchone()
        assert row is not None
        loaded: dict[str, Any] = json.loads(row[0]) if row[0] else {}
        return loaded

    def customers(self, as_of: dt.date | str) -> ir.Table:
        """The customer table of the snapshot of ``as_of`` (an Ibis table on the store).

        Its columns are those of the scored table that were stored, in the
        order of :data:`~rfmkit.glossary.CUSTOMER_COLUMNS` then the optional
        ones; valid while the store is open.
        """
        info = self.snapshot(as_of)
        table = self._table("snapshot_customers")
        return table.filter(table.snapshot_id == info.snapshot_id).select(*info.columns)

    def rows(self) -> ir.Table:
        """Every stored customer row with its snapshot's ``as_of`` (for the analyses)."""
        customers = self._table("snapshot_customers")
        snaps = self._table("snapshots").select("snapshot_id", "as_of")
        return customers.inner_join(snaps, "snapshot_id")

    def _table(self, name: str) -> ir.Table:
        return self.con.table(name, database=(ALIAS, self.where.schema))

    def table(self, name: str) -> ir.Table:
        """One of the store's tables (e.g. ``refresh_orders``), an Ibis table on :attr:`con`."""
        return self._table(name)

    @property
    def prefix(self) -> str:
        """The qualified schema of the store's tables in SQL (``rfm_store.rfmkit``)."""
        return self._prefix

    def writable(self) -> None:
        """Raise a :class:`StoreError` when the store is open read-only."""
        self._writable()

    # -- delivery log --------------------------------------------------------

    def delivered(self, destination: str, key: str) -> bool:
        """Whether the alert ``key`` was delivered (or sent in a digest) to ``destination``."""
        row = self._raw.execute(
            f"SELECT count(*) FROM {self._prefix}.deliveries WHERE destination = ? "
            "AND alert_key = ? AND status IN (?, ?)",
            [destination, key, *DELIVERED_STATUSES],
        ).fetchone()
        return bool(row and row[0])

    def delivered_keys(self, destination: str) -> set[str]:
        """Every alert key delivered to ``destination`` (one query for a whole batch)."""
        rows = self._raw.execute(
            f"SELECT DISTINCT alert_key FROM {self._prefix}.deliveries WHERE destination = ? "
            "AND status IN (?, ?)",
            [destination, *DELIVERED_STATUSES],
        ).fetchall()
        return {r[0] for r in rows}

    def record_delivery(self, destination: str, key: str, status: str, detail: str) -> None:
        """Append one delivery outcome to the log (``detail``: a message id or an error)."""
        self._writable()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        self._raw.execute(
            f"INSERT INTO {self._prefix}.deliveries VALUES (?, ?, ?, ?, ?)",
            [destination, key, status, mask_secrets(detail), now],
        )

    def deliveries(self) -> ir.Table:
        """The delivery log: ``destination, alert_key, status, detail, recorded_at``."""
        return self._table("deliveries")


def _bound_to(table: ibis.Table, con: Any) -> bool:
    try:
        return table.get_backend() is con
    except Exception:  # an unbound memtable
        return False


def _arrow(customers: CustomerData) -> pa.Table | pa.RecordBatchReader:
    if isinstance(customers, pa.Table | pa.RecordBatchReader):
        return customers
    if isinstance(customers, ibis.Table):
        return customers.to_pyarrow_batches()
    if hasattr(customers, "to_arrow"):  # polars
        return customers.to_arrow()
    module = type(customers).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(customers, preserve_index=False)
    raise InputError(
        f"Cannot store an object of type {type(customers).__name__} as a customer table.",
        fix="Pass the customer table of rfmkit score (Ibis, pyarrow, pandas or polars).",
    )


def _setting(record: Mapping[str, Any], name: str) -> Any:
    if name in record:
        return record[name]
    settings = record.get("settings")
    return settings.get(name) if isinstance(settings, Mapping) else None


def _date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise StoreError(f"{value!r} is not a date.", fix="Write dates as YYYY-MM-DD.") from exc


def _info(row: tuple[Any, ...]) -> SnapshotInfo:
    as_of, customers, revenue, scheme, order, mode, columns, created_at, snapshot_id = row
    return SnapshotInfo(
        as_of=as_of,
        customers=int(customers),
        revenue=float(revenue or 0.0),
        scheme=scheme,
        segment_order=tuple(json.loads(order or "[]")),
        breakpoints_mode=mode,
        columns=tuple(json.loads(columns or "[]")),
        created_at=created_at,
        snapshot_id=snapshot_id,
    )


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else "unknown error"
