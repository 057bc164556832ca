"""The lake store: snapshots as a folder of Parquet files that Spark writes and DuckDB reads.

For Spark users whose data lives in a lake (``--store s3a://bucket/rfmkit/``,
a local folder ending with ``/``, or ``lake:PATH``). Everything is written
by Spark, from the executors, and only appended or added -- a lake has no
transactions, so a replaced or deleted snapshot is superseded, never
rewritten in place::

    ROOT/snapshots/as_of=2025-01-01/snapshot_id=s<hex>/part-*.parquet   customers
    ROOT/runs/part-*.txt          one JSON line per save or delete (the run record)
    ROOT/deliveries/part-*.json   the delivery log, JSON lines
    ROOT/refresh/r<hex>/...       the state of ``rfmkit refresh`` (see
                                  :mod:`rfmkit.incremental.lake`), one folder per refresh

The current snapshot of a date is the one named by the latest run line of
that date (a ``deleted`` line hides it). The current refresh state is the
one named by the latest run line that names one: a refresh writes its new
folder first and its snapshot's run line last, so a refresh stopped half-way
leaves the store as it was. DuckDB reads the same files::

    SELECT * FROM read_parquet('ROOT/snapshots/*/*/*.parquet', hive_partitioning = true)

It offers the :class:`~rfmkit.store.base.SnapshotStore` protocol, so the
history analyses (trend, migration, alerts) and back-filled snapshots run on
it unchanged, on the Spark connection.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from rfmkit import glossary as g
from rfmkit.errors import InputError, StoreError
from rfmkit.store.base import CustomerData, SnapshotInfo
from rfmkit.store.masking import mask_secrets
from rfmkit.store.schema import OPTIONAL_TYPES, REQUIRED_TYPES
from rfmkit.store.scheme import resolve_scheme

#: How a location names a lake store: a prefix, or a URI scheme other than a database's.
LAKE_PREFIX = "lake:"
_DATABASE_SCHEMES = ("postgresql", "postgres", "pg", "mysql", "duckdb", "sqlite")
#: The store's column types in Spark SQL.
_SPARK_TYPES = {"VARCHAR": "STRING"}
#: Statuses that count as delivered (as in the DuckDB store).
DELIVERED = ("delivered", "digest")


def is_lake(location: object) -> bool:
    """Whether ``location`` names a lake store (see the module docstring)."""
    if not isinstance(location, str):
        return False
    if location.startswith(LAKE_PREFIX):
        return True
    if "://" in location:
        return location.split("://", 1)[0].lower() not in _DATABASE_SCHEMES
    return location.endswith("/")


def lake_root(location: str) -> str:
    """The folder URI of the lake store at ``location``."""
    from rfmkit.spark.writing import output_uri

    text = location.removeprefix(LAKE_PREFIX)
    return output_uri(text).rstrip("/")


class LakeStore:
    """Snapshots in a lake folder, written and read by Spark (see the module docstring).

    Parameters
    ----------
    location
        ``lake:PATH``, a URI (``s3a://bucket/rfmkit/``) or a folder path ending with ``/``.
    con
        The Spark connection to use (default: the active Spark session, else
        :func:`rfmkit.backend.connect` ``("spark")``, which honours ``SPARK_REMOTE``).
    read_only
        Refuse every write.
    """

    def __init__(
        self, location: str, *, con: BaseBackend | None = None, read_only: bool = False
    ) -> None:
        self.root = lake_root(location)
        self.location = location
        self.read_only = read_only
        self._con = con

    @property
    def con(self) -> BaseBackend:
        """The Spark connection (opened on first use: the run's session is active by then)."""
        if self._con is None:
            self._con = _spark_connection()
        return self._con

    @property
    def _session(self) -> Any:
        return self.con._session

    # -- paths ---------------------------------------------------------------

    def _path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def _snapshot_path(self, info: SnapshotInfo) -> str:
        return self._path(
            "snapshots", f"as_of={info.as_of.isoformat()}", f"snapshot_id={info.snapshot_id}"
        )

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
        refresh: Mapping[str, Any] | None = None,
    ) -> SnapshotInfo:
        """Store one scoring run as the snapshot of ``as_of`` (see :meth:`Store.save_snapshot`).

        The customers are written by Spark into a new folder; the run line
        that makes them the snapshot of ``as_of`` is appended after them.
        ``refresh`` is the refresh state the run line names (written before).
        """
        self._writable()
        found = resolve_scheme(scheme, record)
        mode = breakpoints_mode or _setting(record, "breakpoints_mode")
        frame, columns = self._stage(customers)
        count, revenue = _check(frame, self._functions())
        info = SnapshotInfo(
            as_of=_date(as_of),
            customers=count,
            revenue=revenue,
            scheme=found.key,
            segment_order=tuple(s.key for s in found.segments),
            breakpoints_mode=str(mode) if mode is not None else None,
            columns=columns,
            created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
            snapshot_id="s" + uuid.uuid4().hex,
        )
        if progress is not None:
            progress("writing")
        frame.write.mode("overwrite").parquet(self._snapshot_path(info))
        line = {**_info_dict(info), "record": mask_secrets(dict(record))}
        if refresh is not None:
            line["refresh"] = dict(refresh)
        self._append_run(line)
        return info

    def _stage(self, customers: CustomerData) -> tuple[Any, tuple[str, ...]]:
        """The customers as a Spark DataFrame of the stored columns and types."""
        from rfmkit.backend import as_table

        table = (
            as_table(customers, self.con) if not isinstance(customers, ibis.Table) else customers
        )
        present = set(table.columns)
        missing = [c for c in REQUIRED_TYPES if c not in present]
        if missing:
            raise InputError(
                f"The customer table lacks {', '.join(missing)}.",
                fix="Store the customer table of a scoring run (rfmkit score).",
            )
        types = {
            **REQUIRED_TYPES,
            **{c: t for c, t in OPTIONAL_TYPES.items() if c in present},
        }
        query = self.con.compile(table)
        select = ", ".join(
            f"CAST(`{c}` AS {_SPARK_TYPES.get(t, t)}) AS `{c}`" for c, t in types.items()
        )
        return self._session.sql(f"SELECT {select} FROM ({query})"), tuple(types)

    def _functions(self) -> Any:
        from rfmkit.spark.session import functions

        return functions(self._session)

    def snapshots(self) -> list[SnapshotInfo]:
        """Every stored snapshot, oldest first."""
        latest: dict[str, dict[str, Any]] = {}
        for line in self._runs():
            latest[line["as_of"]] = line  # lines are in the order they were written
        return [_info(line) for day, line in sorted(latest.items()) if not line.get("deleted")]

    def latest(self, n: int = 2) -> list[SnapshotInfo]:
        """The ``n`` most recent snapshots, oldest first."""
        return self.snapshots()[-n:] if n > 0 else []

    def snapshot(self, as_of: dt.date | str) -> SnapshotInfo:
        """The snapshot of ``as_of``; a :class:`StoreError` when there is none."""
        day = _date(as_of)
        for info in self.snapshots():
            if info.as_of == day:
                return info
        raise self._missing(day)

    def record(self, as_of: dt.date | str) -> dict[str, Any]:
        """The run record stored with the snapshot of ``as_of`` (secrets masked)."""
        info = self.snapshot(as_of)
        for line in reversed(self._runs()):
            if line.get("snapshot_id") == info.snapshot_id:
                return dict(line.get("record") or {})
        raise self._missing(info.as_of)  # pragma: no cover - snapshot() found its line

    def customers(self, as_of: dt.date | str) -> ir.Table:
        """The customer table of the snapshot of ``as_of``, an Ibis table on Spark."""
        info = self.snapshot(as_of)
        frame = self._session.read.parquet(self._snapshot_path(info))
        return self._view(frame).select(*info.columns)

    def rows(self) -> ir.Table:
        """Every current snapshot's customer rows with ``snapshot_id`` and ``as_of``."""
        infos = self.snapshots()
        if not infos:
            columns = ", ".join(
                f"`{c}` {_SPARK_TYPES.get(t, t)}" for c, t in REQUIRED_TYPES.items()
            )
            empty = self._session.createDataFrame([], f"{columns}, snapshot_id STRING, as_of DATE")
            return self._view(empty)
        frame = self._session.read.option("basePath", self._path("snapshots")).parquet(
            *[self._snapshot_path(info) for info in infos]
        )
        F = self._functions()
        frame = frame.withColumn("as_of", F.col("as_of").cast("date"))
        return self._view(frame)

    def delete(self, as_of: dt.date | str) -> None:
        """Delete the snapshot of ``as_of`` (a ``deleted`` run line hides it)."""
        self._writable()
        info = self.snapshot(as_of)
        self._append_run({"as_of": info.as_of.isoformat(), "deleted": True})

    def _missing(self, day: dt.date) -> StoreError:
        stored = [s.as_of.isoformat() for s in self.snapshots()]
        return StoreError(
            f"There is no snapshot of {day.isoformat()} in {self.location}.",
            file=self.location,
            fix=f"Stored: {', '.join(stored)}." if stored else "Record one with rfmkit snapshot.",
            details={"stored": stored},
        )

    # -- the refresh state (rfmkit.incremental.lake) ---------------------------

    def refresh_state(self) -> dict[str, Any] | None:
        """The refresh state named by the latest run line that names one (None: no refresh yet)."""
        for line in reversed(self._runs()):
            if isinstance(line.get("refresh"), dict):
                return dict(line["refresh"])
        return None

    def write_part(self, table: ir.Table, *parts: str) -> str:
        """Write ``table`` as a Parquet folder under ``ROOT/refresh/...``; its URI."""
        self._writable()
        path = self._path("refresh", *parts)
        self._session.sql(self.con.compile(table)).write.mode("overwrite").parquet(path)
        return path

    def read_parts(self, paths: Sequence[str], schema: str) -> ir.Table:
        """The rows of the Parquet folders ``paths`` (``schema``: Spark DDL, for none)."""
        if not paths:
            return self._view(self._session.createDataFrame([], schema))
        return self._view(self._session.read.schema(schema).parquet(*paths))

    # -- run lines -----------------------------------------------------------

    def _append_run(self, line: dict[str, Any]) -> None:
        line = {**line, "written_ns": time.time_ns()}
        text = json.dumps(line, default=str, ensure_ascii=False)
        frame = self._session.createDataFrame([(text,)], "value STRING")
        frame.coalesce(1).write.mode("append").text(self._path("runs"))

    def _runs(self) -> list[dict[str, Any]]:
        rows = self._read(lambda: self._session.read.text(self._path("runs")).collect())
        lines = [json.loads(row["value"]) for row in rows or []]
        return sorted(lines, key=lambda line: int(line.get("written_ns", 0)))

    def _read(self, read: Callable[[], Any]) -> Any:
        """``read()``, or None when the folder does not exist yet (an empty store)."""
        try:
            return read()
        except Exception as exc:
            if "PATH_NOT_FOUND" in str(exc) or "does not exist" in str(exc):
                return None
            raise StoreError(
                f"Cannot read the lake store {self.location}: {_first_line(exc)}",
                file=self.location,
            ) from exc

    def _view(self, frame: Any) -> ir.Table:
        name = ibis.util.gen_name("rfm_lake")
        frame.createOrReplaceTempView(name)
        return self.con.table(name)

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"The store {self.location} is open read-only.")

    def writable(self) -> None:
        """Raise a :class:`StoreError` when the store is open read-only."""
        self._writable()

    # -- delivery log --------------------------------------------------------

    def _deliveries(self) -> list[dict[str, Any]]:
        rows = self._read(lambda: self._session.read.json(self._path("deliveries")).collect())
        return [row.asDict() for row in rows or []]

    def delivered(self, destination: str, key: str) -> bool:
        """Whether the alert ``key`` was delivered (or sent in a digest) to ``destination``."""
        return key in self.delivered_keys(destination)

    def delivered_keys(self, destination: str) -> set[str]:
        """Every alert key delivered to ``destination``."""
        return {
            str(row["alert_key"])
            for row in self._deliveries()
            if row.get("destination") == destination and row.get("status") in DELIVERED
        }

    def record_delivery(self, destination: str, key: str, status: str, detail: str) -> None:
        """Append one delivery outcome to the log."""
        self._writable()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()
        frame = self._session.createDataFrame(
            [(destination, key, status, mask_secrets(detail), now)],
            "destination STRING, alert_key STRING, status STRING, detail STRING, "
            "recorded_at STRING",
        )
        frame.coalesce(1).write.mode("append").json(self._path("deliveries"))

    def deliveries(self) -> ir.Table:
        """The delivery log: ``destination, alert_key, status, detail, recorded_at``."""
        schema = (
            "destination STRING, alert_key STRING, status STRING, detail STRING, recorded_at STRING"
        )
        frame = self._read(lambda: self._session.read.schema(schema).json(self._path("deliveries")))
        return self._view(frame if frame is not None else self._session.createDataFrame([], schema))

    def version(self) -> int:
        """The lake layout's version."""
        return 1

    def close(self) -> None:
        """Nothing to release: the Spark session belongs to the run."""

    def __enter__(self) -> LakeStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _spark_connection() -> BaseBackend:
    """The active Spark session (the run's), else a new one as the environment says.

    The environment: ``RFMKIT_SPARK_REMOTE`` / ``RFMKIT_SPARK_MASTER`` /
    ``RFMKIT_SPARK_CONF``, ``SPARK_REMOTE``, else local mode.
    """
    import ibis as _ibis

    from rfmkit.backend import is_connect

    try:
        from pyspark.sql import SparkSession
        from pyspark.sql.connect.session import SparkSession as ConnectSession
    except ImportError:  # pragma: no cover - depends on the install
        return _from_environment()
    for kind in (ConnectSession, SparkSession):
        session = kind.getActiveSession()
        if session is not None:
            con = _ibis.pyspark.connect(session)
            if is_connect(con):
                from rfmkit.spark.session import adapt

                adapt(con)
            return con
    return _from_environment()


def _from_environment() -> BaseBackend:
    from rfmkit.settings import build_settings
    from rfmkit.verbs.score import connection

    return connection(build_settings(engine="spark"))


def _check(frame: Any, F: Any) -> tuple[int, float]:
    """Rows and revenue of the staged customers: one per customer, each named."""
    row = frame.agg(
        F.count(F.lit(1)).alias("total"),
        F.countDistinct(g.CUSTOMER_ID).alias("distinct"),
        F.count(g.CUSTOMER_ID).alias("named"),
        F.coalesce(F.sum(g.MONETARY), F.lit(0.0)).alias("revenue"),
    ).collect()[0]
    total, distinct, named = int(row["total"]), int(row["distinct"]), int(row["named"])
    if named < total:
        raise InputError("The customer table has rows without a customer_id.")
    if distinct < total:
        raise InputError(
            f"The customer table repeats {total - distinct} customer id(s).",
            fix="Store one row per customer (the output of rfmkit score).",
        )
    return total, float(row["revenue"])


def _info_dict(info: SnapshotInfo) -> dict[str, Any]:
    return {
        "as_of": info.as_of.isoformat(),
        "customers": info.customers,
        "revenue": info.revenue,
        "scheme": info.scheme,
        "segment_order": list(info.segment_order),
        "breakpoints_mode": info.breakpoints_mode,
        "columns": list(info.columns),
        "created_at": info.created_at.isoformat(),
        "snapshot_id": info.snapshot_id,
    }


def _info(line: Mapping[str, Any]) -> SnapshotInfo:
    return SnapshotInfo(
        as_of=dt.date.fromisoformat(line["as_of"]),
        customers=int(line["customers"]),
        revenue=float(line["revenue"]),
        scheme=str(line["scheme"]),
        segment_order=tuple(line["segment_order"]),
        breakpoints_mode=line.get("breakpoints_mode"),
        columns=tuple(line["columns"]),
        created_at=dt.datetime.fromisoformat(line["created_at"]),
        snapshot_id=str(line["snapshot_id"]),
    )


def _date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _setting(record: Mapping[str, Any], name: str) -> Any:
    if name in record:
        return record[name]
    settings = record.get("settings")
    return settings.get(name) if isinstance(settings, Mapping) else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
