"""Read a table or a query from PostgreSQL, MySQL/MariaDB or SQLite inside DuckDB.

The database is attached read-only with DuckDB's scanner extensions
(``ATTACH ... (TYPE postgres, READ_ONLY)``), so rows stream into the engine
and are never pulled into Python. URLs:

``postgresql://user:password@host:5432/db`` (or ``postgres://``),
``mysql://user:password@host:3306/db`` (or ``mariadb://``),
``sqlite:///relative/file.db``, ``sqlite:////absolute/file.db`` (as SQLAlchemy
writes them) or a plain path ending in ``.db``, ``.sqlite``, ``.sqlite3``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ibis.backends import BaseBackend

from rfmkit.backend import engine_name, load_duckdb_extension
from rfmkit.errors import ConfigError, InputError, SourceUnavailableError
from rfmkit.sources.base import RawSource

_SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_EXTENSION = {"postgres": "postgres_scanner", "mysql": "mysql_scanner", "sqlite": "sqlite_scanner"}
_IDENTIFIER = re.compile(r"^[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff$]*$")


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed database URL: its kind, what DuckDB attaches and a safe display form."""

    kind: str
    target: str
    display: str


def parse_url(url: str) -> DatabaseUrl:
    """Parse ``url`` into what DuckDB's ``ATTACH`` needs.

    Raises
    ------
    ConfigError
        For a URL of an unknown kind.
    """
    text = url.strip()
    scheme = text.split(":", 1)[0].lower() if "://" in text else ""
    if scheme in {"postgresql", "postgres", "pg"}:
        parts = urlsplit(text)
        target = "postgresql://" + text.split("://", 1)[1]
        return DatabaseUrl("postgres", target, _display(parts, "postgresql", 5432))
    if scheme in {"mysql", "mariadb"}:
        parts = urlsplit(text)
        return DatabaseUrl("mysql", _mysql_target(parts), _display(parts, "mysql", 3306))
    if scheme == "sqlite" or text.lower().endswith(_SQLITE_SUFFIXES):
        path = text.split("://", 1)[1] if "://" in text else text
        path = path[1:] if path.startswith("/") and scheme == "sqlite" else path
        path = unquote(path)
        return DatabaseUrl("sqlite", path, f"sqlite file {path}")
    raise ConfigError(
        f"Unknown database URL {_redact(text)!r}.",
        fix="Use postgresql://user@host/db, mysql://user@host/db or sqlite:///path/file.db.",
    )


def _display(parts: object, kind: str, port: int) -> str:
    host = getattr(parts, "hostname", None) or "localhost"
    number = getattr(parts, "port", None) or port
    database = (getattr(parts, "path", "") or "/").lstrip("/")
    return f"{kind} server {host}:{number} (database {database or '?'})"


def _mysql_target(parts: object) -> str:
    fields = {
        "host": getattr(parts, "hostname", None) or "localhost",
        "port": str(getattr(parts, "port", None) or 3306),
        "user": unquote(getattr(parts, "username", None) or "root"),
        "database": (getattr(parts, "path", "") or "/").lstrip("/"),
    }
    password = getattr(parts, "password", None)
    if password:
        fields["password"] = unquote(password)
    return " ".join(f"{key}={value}" for key, value in fields.items() if value)


def _redact(url: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def read_database(
    con: BaseBackend, url: str, *, table: str | None = None, query: str | None = None
) -> RawSource:
    """Attach the database of ``url`` and return its ``table`` or ``query`` as a raw source.

    Raises
    ------
    SourceUnavailableError
        When the server cannot be reached or the file cannot be opened.
    InputError
        When the table does not exist or the query fails.
    """
    if engine_name(con) != "duckdb":
        raise ConfigError(
            "Reading from a database needs the DuckDB engine.",
            fix="Use --engine duckdb, or export the table to Parquet.",
        )
    if (table is None) == (query is None):
        raise ConfigError(
            "Reading from a database needs exactly one of a table or a query.",
            fix="Give --table NAME or --query 'select ...'.",
        )
    db = parse_url(url)
    alias = attach(con, db)
    if table is not None:
        sql = f"SELECT * FROM {_qualified(alias, table)}"
        name, where = table, f"{db.display}, table {table}"
    else:
        assert query is not None
        function = f"{db.kind}_query"
        sql = f"SELECT * FROM {function}('{alias}', '{query.replace(chr(39), chr(39) * 2)}')"
        name, where = "query", f"{db.display}, query"
    try:
        raw = con.sql(sql)
    except Exception as exc:
        raise _query_error(exc, table, where) from exc
    return RawSource(name, raw, where, 0, "database", {"database": db.display})


def attach(con: BaseBackend, db: DatabaseUrl) -> str:
    """Attach ``db`` read-only once per connection; return its alias."""
    load_duckdb_extension(con, _EXTENSION[db.kind])
    alias = "rfm_db_" + hashlib.sha1(db.target.encode()).hexdigest()[:10]
    raw = con.con
    attached = raw.sql("SELECT 1 FROM duckdb_databases() WHERE database_name = ?", params=[alias])
    if attached.fetchone():
        return alias
    if db.kind == "sqlite" and not Path(db.target).is_file():
        raise SourceUnavailableError(
            "The SQLite database file does not exist.",
            file=db.target,
            fix="Check the path in the sqlite:/// URL.",
        )
    target = db.target.replace("'", "''")
    try:
        raw.sql(f"ATTACH '{target}' AS {alias} (TYPE {db.kind}, READ_ONLY)")
    except Exception as exc:
        raise SourceUnavailableError(
            f"Cannot connect to the {db.display}: {_reason(exc)}",
            file=db.display,
            fix="Start the server or check the host, port, user, password and database in the URL.",
        ) from exc
    return alias


def _qualified(alias: str, table: str) -> str:
    parts = [p.strip().strip('"`') for p in table.split(".")]
    if not all(parts):
        raise InputError(f"Invalid table name {table!r}.", fix="Use NAME or SCHEMA.NAME.")
    return ".".join([alias, *('"' + p.replace('"', '""') + '"' for p in parts)])


def _query_error(exc: Exception, table: str | None, where: str) -> InputError:
    if table is not None:
        return InputError(
            f"The table {table!r} cannot be read: {_reason(exc)}",
            file=where,
            fix="Check the table name (and schema, e.g. public.orders).",
        )
    return InputError(
        f"The query failed: {_reason(exc)}",
        file=where,
        fix="Run the query in the database's own client first, then pass it with --query.",
    )


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
