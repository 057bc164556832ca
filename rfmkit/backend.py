"""Engine connections: DuckDB embedded by default, Spark for data that outgrows it.

All data-heavy work in rfmkit is written once as Ibis expressions; this
module only opens the connection they run on and turns user-supplied
in-memory data (pandas, polars, pyarrow) into an Ibis table on it.
"""

from __future__ import annotations

import importlib
import os
import tempfile
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
        ``"duckdb"`` (embedded, the default) or ``"spark"`` (PySpark; a local
        session ``local[*]`` is started unless ``session=`` is given).
    database
        DuckDB database file, ``":memory:"`` by default.
    options
        Passed to the backend: ``threads`` / ``memory_limit`` (default
        :data:`DEFAULT_MEMORY_LIMIT`, or the RFMKIT_MEMORY_LIMIT environment
        variable) / ``temp_directory`` for DuckDB,
        ``session`` (a ``SparkSession``) or ``master`` for Spark.
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
    session: Any = None, master: str = "local[*]", verbose: bool = False
) -> BaseBackend:
    if session is None:
        session = spark_session(master, verbose=verbose)
    return ibis.pyspark.connect(session)


#: log4j2 configuration that keeps Spark's own lines to errors (see ``verbose``).
QUIET_LOG4J = Path(__file__).with_name("log4j2-quiet.properties")


def spark_session(master: str = "local[*]", *, verbose: bool = False) -> Any:
    """A Spark session for rfmkit: UTC, no UI, few shuffle partitions for local mode.

    Unless ``verbose``, Spark's own log lines and stage progress bars stay
    out of rfmkit's output (errors are still shown).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError(
            "The Spark engine needs PySpark.",
            fix="pip install 'rfmkit[spark]' (and Java 17).",
        ) from exc
    try:
        return (
            SparkSession.builder.master(master)
            .appName("rfmkit")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.ansi.enabled", "false")
            # Dates before 1582 (0001-01-01 placeholders) as written, not an error.
            .config("spark.sql.parquet.datetimeRebaseModeInRead", "CORRECTED")
            .config("spark.sql.parquet.int96RebaseModeInRead", "CORRECTED")
            .config("spark.ui.showConsoleProgress", str(verbose).lower())
            .config(
                "spark.driver.extraJavaOptions",
                "" if verbose else f"-Dlog4j2.configurationFile=file:{QUIET_LOG4J}",
            )
            .getOrCreate()
        )
    except Exception as exc:  # Java missing or not startable
        raise SourceUnavailableError(
            f"Spark could not start: {exc}",
            fix="Install Java 17 (apt-get install openjdk-17-jre-headless) and set JAVA_HOME.",
        ) from exc


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
