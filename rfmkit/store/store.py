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

A snapshot may be stored over a *base* snapshot (``over=``, what a refresh
does): it then holds only the rows that differ from the base's -- once the
base's recency and tenure are moved on to its date -- and the base customers
it does not have (``snapshot_removed``). Every reader resolves it through
:func:`rows_sql` and sees all its rows; deleting or replacing a base first
stores its dependants in full.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import duckdb
import ibis
import ibis.expr.operations as ops
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
#: The name a customer table given as Arrow (or pandas, polars) is read by while it is stored.
_ARROW = "rfm_store_incoming_arrow"
_LOCKED = "Could not set lock"
_CONFLICT = ("duplicate key", "violates unique", "PRIMARY KEY or UNIQUE constraint")
_SNAPSHOT_FIELDS = (
    "as_of, customers, revenue, scheme, segment_order, breakpoints_mode, columns, "
    "created_at, snapshot_id, base_id"
)
_REMOVED = "rfm_store_removed"
#: Columns that a snapshot stored over a base moves on by the days between their dates.
SHIFTED = (g.RECENCY_DAYS, g.TENURE_DAYS)
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
        self._outer = False
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
        if self._outer:  # inside transaction(): it commits or rolls back
            yield
            return
        self._raw.execute("BEGIN TRANSACTION")
        self._outer = True
        try:
            yield
        except BaseException:
            self._outer = False
            self._raw.execute("ROLLBACK")
            raise
        self._outer = False
        self._raw.execute("COMMIT")

    def transaction(self) -> AbstractContextManager[None]:
        """One transaction around several writes (a refresh's state and its snapshot).

        The writes of :meth:`save_snapshot` and the others join it: all land
        or none does, and reads on :attr:`con` meanwhile see them.
        """
        self._writable()
        return self._transaction()

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
        over: SnapshotInfo | None = None,
        removed: CustomerData | None = None,
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
        over
            A stored snapshot (with all its rows, the same columns and another
            date) to store this one over: ``customers`` then holds only the
            rows that differ from the base's, recency and tenure moved on to
            ``as_of`` (the caller vouches for the rest), and ``removed`` the
            ``customer_id`` of the base's customers this snapshot does not have.

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
            if over is not None:
                count, revenue = self._stage_over(over, _date(as_of), columns, removed)
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
                base_id=over.snapshot_id if over is not None else None,
            )
            self._write(info, text, progress, also)
        finally:
            self._drop_incoming()
            self._raw.execute(f"DROP TABLE IF EXISTS {_REMOVED}")
        return info

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"The store {self.location} is open read-only.")

    def _stage(self, customers: CustomerData) -> tuple[str, ...]:
        """Stage the customer table as ``rfm_store_incoming``, cast to the stored types.

        A table computed on the store's own connection (a refresh) is copied
        inside the engine: streaming it out to Arrow and back in on one
        connection would wait on itself. One that only selects columns of
        stored tables, and one given as Arrow, are read in place (a view):
        checked, then inserted, without a copy.
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
            # columns of a stored table (a back-fill's scored customers): read twice, not copied
            kind = "VIEW" if _selects_stored(customers) else "TABLE"
            self._raw.execute(f"CREATE TEMP {kind} {_INCOMING} AS SELECT {select} FROM ({query})")
            return tuple(types)
        if isinstance(data, pa.RecordBatchReader):  # read twice (checked, then inserted)
            data = data.read_all()
        self._raw.register(_ARROW, data)  # read in place: unregistered by _drop_incoming
        self._raw.execute(f"CREATE TEMP VIEW {_INCOMING} AS SELECT {select} FROM {_ARROW}")
        return tuple(types)

    def _drop_incoming(self) -> None:
        found = self._raw.execute(
            "SELECT table_type FROM information_schema.tables "
            "WHERE table_catalog = 'temp' AND table_name = ?",
            [_INCOMING],
        ).fetchone()
        if found is not None:
            kind = "VIEW" if found[0] == "VIEW" else "TABLE"
            self._raw.execute(f"DROP {kind} {_INCOMING}")
        with contextlib.suppress(duckdb.Error):  # nothing registered
            self._raw.unregister(_ARROW)

    def _stage_over(
        self,
        base: SnapshotInfo,
        as_of: dt.date,
        columns: tuple[str, ...],
        removed: CustomerData | None,
    ) -> tuple[int, float]:
        """Stage the removed customers; the customers and revenue of the snapshot resolved."""
        if base.base_id is not None or base.as_of == as_of or base.columns != columns:
            raise InputError(
                f"The snapshot of {base.as_of} cannot be the base of the snapshot of {as_of}.",
                fix="Store over a snapshot with all its rows, the same columns and another date.",
            )
        self._raw.execute(f"CREATE TEMP TABLE {_REMOVED} ({g.CUSTOMER_ID} VARCHAR)")
        if removed is not None:
            if isinstance(removed, ibis.Table) and _bound_to(removed, self.con):
                query = (
                    f"SELECT CAST({g.CUSTOMER_ID} AS VARCHAR) FROM ({self.con.compile(removed)})"
                )
                self._raw.execute(f"INSERT INTO {_REMOVED} {query}")
            else:
                self._raw.register("rfm_store_arrow", _arrow(removed))
                try:
                    self._raw.execute(
                        f"INSERT INTO {_REMOVED} SELECT CAST({g.CUSTOMER_ID} AS VARCHAR) "
                        "FROM rfm_store_arrow"
                    )
                finally:
                    self._raw.unregister("rfm_store_arrow")
        shift = (as_of - base.as_of).days
        rows = rows_sql(
            self._prefix,
            "",
            (base.snapshot_id, shift),
            (g.CUSTOMER_ID, g.MONETARY),
            own=_INCOMING,
            removed=_REMOVED,
        )
        row = self._raw.execute(f"SELECT count(*), coalesce(sum({g.MONETARY}), 0) FROM {rows}")
        total, revenue = row.fetchone() or (0, 0.0)
        return int(total), float(revenue)

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
                    if info.base_id is not None:
                        self._raw.execute(
                            f"INSERT INTO {self._prefix}.snapshot_removed "
                            f"SELECT DISTINCT ?, {g.CUSTOMER_ID} FROM {_REMOVED}",
                            [info.snapshot_id],
                        )
                    if also is not None:
                        also()
                    self._raw.execute(
                        f"INSERT INTO {self._prefix}.snapshots (as_of, snapshot_id, created_at, "
                        "customers, revenue, scheme, segment_order, columns, record, "
                        "breakpoints_mode, base_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                            info.base_id,
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
        for dependant in self._raw.execute(
            f"SELECT snapshot_id FROM {self._prefix}.snapshots WHERE base_id = ?", [row[0]]
        ).fetchall():
            self._store_in_full(dependant[0])
        for table in ("snapshot_customers", "snapshot_removed"):
            self._raw.execute(f"DELETE FROM {self._prefix}.{table} WHERE snapshot_id = ?", [row[0]])
        self._raw.execute(f"DELETE FROM {self._prefix}.snapshots WHERE as_of = ?", [as_of])
        return True

    def _store_in_full(self, snapshot_id: str) -> None:
        """Give a snapshot stored over a base the rows it takes on (in the caller's transaction)."""
        info = next(s for s in self.snapshots() if s.snapshot_id == snapshot_id)
        base = next(s for s in self.snapshots() if s.snapshot_id == info.base_id)
        names = ", ".join(info.columns)
        inherited = rows_sql(
            self._prefix,
            snapshot_id,
            (base.snapshot_id, (info.as_of - base.as_of).days),
            info.columns,
            inherited_only=True,
        )
        self._raw.execute(
            f"INSERT INTO {self._prefix}.snapshot_customers (snapshot_id, {names}) "
            f"SELECT ?, {names} FROM {inherited}",
            [snapshot_id],
        )
        self._raw.execute(
            f"DELETE FROM {self._prefix}.snapshot_removed WHERE snapshot_id = ?", [snapshot_id]
        )
        self._raw.execute(
            f"UPDATE {self._prefix}.snapshots SET base_id = NULL WHERE snapshot_id = ?",
            [snapshot_id],
        )

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
        if info.base_id is not None:
            query = rows_sql(self._prefix, info.snapshot_id, self._base(info), info.columns)
            return self.con.sql(query[1:-1])
        table = self._table("snapshot_customers")
        return table.filter(table.snapshot_id == info.snapshot_id).select(*info.columns)

    def _base(self, info: SnapshotInfo) -> tuple[str, int]:
        """The base of a snapshot stored over one, and the days from its date to this one's."""
        base = self.snapshot_by_id(str(info.base_id))
        return base.snapshot_id, (info.as_of - base.as_of).days

    def snapshot_by_id(self, snapshot_id: str) -> SnapshotInfo:
        """The snapshot of that id (a :class:`StoreError` when there is none)."""
        row = self._raw.execute(
            f"SELECT {_SNAPSHOT_FIELDS} FROM {self._prefix}.snapshots WHERE snapshot_id = ?",
            [snapshot_id],
        ).fetchone()
        if row is None:
            raise StoreError(f"There is no snapshot {snapshot_id} in {self.location}.")
        return _info(row)

    def rows(self) -> ir.Table:
        """Every stored customer row with its snapshot's ``as_of`` (for the analyses)."""
        customers = self._table("snapshot_customers")
        snaps = self._table("snapshots").select("snapshot_id", "as_of")
        if not any(s.base_id for s in self.snapshots()):
            return customers.inner_join(snaps, "snapshot_id")
        return self.con.sql(all_rows_sql(self._prefix, customers.columns)[1:-1])

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


def rows_sql(
    prefix: str,
    snapshot_id: str,
    base: tuple[str, int] | None,
    columns: Sequence[str],
    *,
    own: str | None = None,
    removed: str | None = None,
    inherited_only: bool = False,
) -> str:
    """A parenthesised SQL relation of one snapshot's customer rows (``columns`` of them).

    ``base`` is ``(base_id, days)`` for a snapshot stored over a base: its
    own rows, then the base's rows of the customers it neither holds nor
    removed, with ``recency_days`` and ``tenure_days`` moved on by ``days``.
    ``own`` and ``removed`` name other relations of its rows and removed
    customers (a snapshot being saved); ``inherited_only`` leaves out its own.
    """
    sid = _text(snapshot_id)
    own = own or f"(SELECT * FROM {prefix}.snapshot_customers WHERE snapshot_id = {sid})"
    picked = ", ".join(columns)
    if base is None:
        return f"(SELECT {picked} FROM {own})"
    base_id, days = base
    removed = removed or (
        f"(SELECT {g.CUSTOMER_ID} FROM {prefix}.snapshot_removed WHERE snapshot_id = {sid})"
    )
    moved = ", ".join(f"b.{c} + {int(days)} AS {c}" if c in SHIFTED else f"b.{c}" for c in columns)
    inherited = (
        f"SELECT {moved} FROM {prefix}.snapshot_customers b "
        f"ANTI JOIN {own} o ON o.{g.CUSTOMER_ID} = b.{g.CUSTOMER_ID} "
        f"ANTI JOIN {removed} r ON r.{g.CUSTOMER_ID} = b.{g.CUSTOMER_ID} "
        f"WHERE b.snapshot_id = {_text(base_id)}"
    )
    if inherited_only:
        return f"({inherited})"
    return f"(SELECT {picked} FROM {own} UNION ALL {inherited})"


def all_rows_sql(prefix: str, columns: Sequence[str]) -> str:
    """Every snapshot's customer rows with its ``as_of`` (``columns`` of ``snapshot_customers``).

    Snapshots stored over a base take on its rows as :func:`rows_sql` says.
    """
    own = ", ".join(f"c.{c}" for c in columns)
    moved = ", ".join(
        "d.snapshot_id"
        if c == "snapshot_id"
        else f"b.{c} + d.days AS {c}"
        if c in SHIFTED
        else f"b.{c}"
        for c in columns
    )
    deltas = (
        f"(SELECT s.snapshot_id, s.base_id, s.as_of, date_diff('day', p.as_of, s.as_of) AS days "
        f"FROM {prefix}.snapshots s JOIN {prefix}.snapshots p ON p.snapshot_id = s.base_id)"
    )
    held = (
        f"(SELECT snapshot_id, {g.CUSTOMER_ID} FROM {prefix}.snapshot_customers WHERE snapshot_id "
        f"IN (SELECT snapshot_id FROM {prefix}.snapshots WHERE base_id IS NOT NULL))"
    )
    return (
        f"(SELECT {own}, s.as_of FROM {prefix}.snapshot_customers c "
        f"JOIN {prefix}.snapshots s ON s.snapshot_id = c.snapshot_id "
        f"UNION ALL SELECT {moved}, d.as_of FROM {prefix}.snapshot_customers b "
        f"JOIN {deltas} d ON b.snapshot_id = d.base_id "
        f"ANTI JOIN {held} o ON o.snapshot_id = d.snapshot_id AND o.{g.CUSTOMER_ID} = b.{g.CUSTOMER_ID} "
        f"ANTI JOIN {prefix}.snapshot_removed r ON r.snapshot_id = d.snapshot_id "
        f"AND r.{g.CUSTOMER_ID} = b.{g.CUSTOMER_ID})"
    )


def _text(value: str) -> str:
    """``value`` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _bound_to(table: ibis.Table, con: Any) -> bool:
    try:
        return table.get_backend() is con
    except Exception:  # an unbound memtable
        return False


def _selects_stored(table: ibis.Table) -> bool:
    """Whether ``table`` only selects columns of stored (or cached) tables: no join, no grouping."""
    return all(
        isinstance(r, ops.Project | ops.DatabaseTable) for r in table.op().find(ops.Relation)
    )


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
    as_of, customers, revenue, scheme, order, mode, columns, created_at, snapshot_id, base_id = row
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
        base_id=base_id,
    )


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else "unknown error"
