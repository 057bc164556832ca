"""Engine connections: DuckDB embedded by default, Spark for data that outgrows it.

All data-heavy work in rfmkit is written once as Ibis expressions; this
module only opens the connection they run on and turns user-supplied
in-memory data (pandas, polars, pyarrow) into an Ibis table on it.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import ibis
from ibis.backends import BaseBackend

from rfmkit.errors import ConfigError, SourceUnavailableError

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[str, ...] = ("duckdb", "spark")


def connect(engine: str = "duckdb", *, database: str = ":memory:", **options: Any) -> BaseBackend:
    """Open an Ibis connection on ``engine``.

    Parameters
    ----------
    engine
        ``"duckdb"`` (embedded, the default) or ``"spark"`` (PySpark: a Spark
        Connect client with ``remote=``, a cluster's driver with ``master=``,
        else a local session ``local[*]``, unless ``session=`` is given).
    database
        DuckDB database file, ``":memory:"`` by default.
    options
        Passed to the backend: ``threads`` / ``memory_limit`` (default
        :data:`DEFAULT_MEMORY_LIMIT`, or the RFMKIT_MEMORY_LIMIT environment
        variable) / ``temp_directory`` for DuckDB,
        ``session`` (a ``SparkSession``, classic or Spark Connect), ``remote``
        (``sc://HOST:PORT``), ``master`` and ``conf`` (a mapping) for Spark
        (see :func:`spark_session`).
    """
    if engine == "duckdb":
        return _connect_duckdb(database, **options)
    if engine == "spark":
        return _connect_spark(**options)
    raise ConfigError(
        f"Unknown engine {engine!r}.",
        fix=f"Use one of: {', '.join(ENGINES)}.",
    )


#: DuckDB's memory limit unless ``memory_limit=`` or RFMKIT_MEMORY_LIMIT says
#: otherwise; beyond it DuckDB spills to a temporary folder instead of failing.
DEFAULT_MEMORY_LIMIT = "4GB"


def _connect_duckdb(database: str, **options: Any) -> BaseBackend:
    config = {
        "memory_limit": os.environ.get("RFMKIT_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
        "temp_directory": os.path.join(tempfile.gettempdir(), f"rfmkit-duckdb-{os.getpid()}"),
    }
    config.update({k: v for k, v in options.items() if v is not None})
    return ibis.duckdb.connect(database, **config)


def _connect_spark(
    session: Any = None,
    master: str | None = None,
    verbose: bool = False,
    remote: str | None = None,
    conf: Mapping[str, str] | None = None,
) -> BaseBackend:
    if session is None:
        session = spark_session(master, remote=remote, conf=conf, verbose=verbose)
    con = ibis.pyspark.connect(session)
    if is_connect(con):
        from rfmkit.spark.session import adapt

        adapt(con)
    return con


#: log4j2 configuration that keeps Spark's own lines to errors (see ``verbose``).
QUIET_LOG4J = Path(__file__).with_name("log4j2-quiet.properties")
#: Spark's default master when neither a master nor a Connect server is given.
LOCAL_MASTER = "local[*]"
#: SQL settings every rfmkit session needs, local or remote: UTC days, casts that
#: give NULL rather than fail (the cleaning rules count them), old dates as written.
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    # Dates before 1582 (0001-01-01 placeholders) as written, not an error.
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    # Spark 4 reads text only in Unicode and Latin-1 unless told: GB18030 exports too.
    "spark.sql.legacy.javaCharsets": "true",
}


def spark_session(
    master: str | None = None,
    *,
    remote: str | None = None,
    conf: Mapping[str, str] | None = None,
    verbose: bool = False,
) -> Any:
    """A Spark session for rfmkit: a Spark Connect client, a cluster's driver or local mode.

    Parameters
    ----------
    master
        A classic master (``spark://HOST:PORT``, ``yarn``, ``k8s://...``);
        ``local[*]`` when neither it nor a Connect server is given.
    remote
        A Spark Connect server, ``sc://HOST:PORT`` (default: the
        ``SPARK_REMOTE`` environment variable, unless ``master`` is given).
    conf
        More Spark settings (``spark.executor.memory`` ...); they win over rfmkit's.
    verbose
        Show Spark's own log lines and stage progress bars (local and classic
        sessions; a Connect server logs where it runs).

    Every session reads days in UTC and parses leniently (see :data:`SESSION_CONF`);
    a local session also runs without its web UI and with few shuffle partitions.
    """
    remote = remote or (None if master else os.environ.get("SPARK_REMOTE") or None)
    if remote:
        return _connect_session(remote, {**SESSION_CONF, **(conf or {})})
    return _classic_session(master or LOCAL_MASTER, dict(conf or {}), verbose)


def _connect_session(remote: str, conf: Mapping[str, str]) -> Any:
    if not remote.startswith("sc://"):
        raise ConfigError(
            f"A Spark Connect address starts with sc:// (given: {remote!r}).",
            fix="Give --spark-remote sc://HOST:15002, or --spark-master for a classic cluster.",
        )
    try:
        from pyspark.sql.connect.session import SparkSession as ConnectSession
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError(
            "Spark Connect needs the PySpark Connect client.",
            fix="pip install 'rfmkit[spark]' (pyspark[connect]: grpcio, grpcio-status, "
            "googleapis-common-protos).",
        ) from exc
    host, port = connect_address(remote)
    from rfmkit.spark.server import listening

    if not listening(host, port, timeout=10):
        raise SourceUnavailableError(
            f"No Spark Connect server answers at {host}:{port}.",
            fix="Check that the server runs (start-connect-server.sh) and the host and port.",
        )
    try:
        session = ConnectSession.builder.remote(remote).create()
        for key, value in conf.items():
            session.conf.set(key, value)
        session.range(1).collect()  # reach the server now, not in the middle of a run
    except Exception as exc:
        raise SourceUnavailableError(
            f"The Spark Connect server {remote} cannot be reached: {_first_line(exc)}",
            fix="Check that the server runs (start-connect-server.sh) and the host and port.",
        ) from exc
    _stop_before_exit(session)
    return session


def _stop_before_exit(session: Any) -> None:
    """Close the Connect client quietly when Python exits (see :func:`rfmkit.spark.session.closing`).

    :mod:`threading` exit handlers run before the thread pools are shut
    down (in reverse order); :mod:`atexit` ones only after, too late.
    """
    import threading

    from rfmkit.spark.session import closing

    register = getattr(threading, "_register_atexit", None)
    if register is not None and not getattr(session, "_rfmkit_exit", False):
        session._rfmkit_exit = True
        register(closing)


def connect_address(remote: str) -> tuple[str, int]:
    """``(host, port)`` of an ``sc://HOST[:PORT][/;params]`` address (port 15002 by default)."""
    where = remote.removeprefix("sc://").split("/", 1)[0].split(";", 1)[0]
    host, _, port = where.rpartition(":") if ":" in where else (where, "", "")
    try:
        return host.strip("[]") or "localhost", int(port) if port else 15002
    except ValueError as exc:
        raise ConfigError(
            f"The Spark Connect address {remote!r} has no valid port.",
            fix="Write it as sc://HOST:PORT, e.g. sc://spark-head:15002.",
        ) from exc


def _classic_session(master: str, conf: dict[str, str], verbose: bool) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError(
            "The Spark engine needs PySpark.",
            fix="pip install 'rfmkit[spark]' (and Java 17).",
        ) from exc
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": str(verbose).lower(),
        "spark.driver.extraJavaOptions": (
            "" if verbose else f"-Dlog4j2.configurationFile=file:{QUIET_LOG4J}"
        ),
        **({"spark.sql.shuffle.partitions": "8"} if master.startswith("local") else {}),
        **SESSION_CONF,
        **conf,
    }
    builder = SparkSession.builder.master(master).appName("rfmkit")
    try:
        for key, value in settings.items():
            builder = builder.config(key, value)
        with _jvm_output(verbose):
            return builder.getOrCreate()
    except Exception as exc:  # Java missing or not startable
        raise SourceUnavailableError(
            f"Spark could not start: {exc}",
            fix="Install Java 17 (apt-get install openjdk-17-jre-headless) and set JAVA_HOME.",
        ) from exc


@contextlib.contextmanager
def _jvm_output(verbose: bool) -> Iterator[None]:
    """Where a new Spark JVM writes what it prints before its logging is set up.

    The JVM started here inherits the process's standard error; unless
    ``verbose``, it gets a log file instead (``rfmkit-spark-*.log`` in the
    temporary folder), so the Java start-up notices stay out of rfmkit's
    output. Errors still reach Python as exceptions.
    """
    if verbose:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.NamedTemporaryFile(prefix="rfmkit-spark-", suffix=".log", delete=False) as log:
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def is_connect(con: BaseBackend) -> bool:
    """Whether ``con`` is a Spark Connect client (its session has no JVM here)."""
    session = getattr(con, "_session", None)
    return type(session).__module__.startswith("pyspark.sql.connect")


def is_remote(con: BaseBackend) -> bool:
    """Whether ``con``'s Spark may run on other machines: Connect, or a master not local.

    Inputs of a remote session are read by Spark itself (never on this
    machine) and its outputs are written by Spark.
    """
    if engine_name(con) != "spark":
        return False
    if is_connect(con):
        return True
    master = str(con._session.conf.get("spark.master", LOCAL_MASTER))
    return not master.startswith("local")


def engine_name(con: BaseBackend) -> str:
    """``"duckdb"`` or ``"spark"`` for a connection made by :func:`connect`."""
    name = str(con.name)
    return "spark" if name == "pyspark" else name


def load_duckdb_extension(con: BaseBackend, name: str) -> None:
    """Load a DuckDB extension shipped on PyPI as ``duckdb-extension-<name>``.

    DuckDB cannot download extensions where there is no network, so rfmkit
    depends on the signed builds published as Python packages.
    """
    raw = con.con
    loaded = raw.sql(
        "select loaded from duckdb_extensions() where extension_name = ?", params=[name]
    ).fetchone()
    if loaded and loaded[0]:
        return
    try:
        importer = importlib.import_module("duckdb_extensions")
        importer.import_extension(name, con=raw)
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"The DuckDB extension {name!r} is not installed.",
            fix=f"pip install duckdb-extension-{name.replace('_', '-')}",
        ) from exc
    raw.sql(f"LOAD {name}")


def as_table(data: Any, con: BaseBackend | None = None, *, name: str | None = None) -> ibis.Table:
    """Turn ``data`` into an Ibis table on ``con``.

    Accepts an Ibis table (returned as it is), or a pandas / polars / pyarrow
    table, which is registered on ``con`` (a fresh DuckDB connection when
    ``con`` is None).
    """
    if isinstance(data, ibis.Table):
        return data
    if con is None:
        con = connect()
    if not _is_frame(data):
        raise ConfigError(
            f"Cannot use an object of type {type(data).__name__} as transactions.",
            fix="Pass a file path, a pandas/polars/pyarrow table or an Ibis table.",
        )
    name = name or ibis.util.gen_name("rfm_input")
    if engine_name(con) == "spark":
        return _spark_view(con, name, data)
    return con.create_table(name, data, temp=True)


def _is_frame(data: Any) -> bool:
    module = type(data).__module__.split(".")[0]
    return module in {"pandas", "polars", "pyarrow"}


def _spark_view(con: BaseBackend, name: str, data: Any) -> ibis.Table:
    """Register ``data`` as a Spark temporary view through Arrow.

    Going through Arrow keeps nulls null (a pandas ``None`` in a text column
    otherwise arrives in Spark as the string ``"NaN"``) and writes nothing
    to the Spark warehouse.
    """
    import pyarrow as pa

    if not isinstance(data, pa.Table):
        data = (
            data.to_arrow()
            if hasattr(data, "to_arrow")
            else pa.Table.from_pandas(data, preserve_index=False)
        )
    session = con._session
    session.createDataFrame(data).createOrReplaceTempView(name)
    return con.table(name)
