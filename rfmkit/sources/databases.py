"""Read a table or a query from PostgreSQL, MySQL/MariaDB or SQLite inside DuckDB.

The database is attached read-only with DuckDB's scanner extensions
(``ATTACH ... (TYPE postgres, READ_ONLY)``), so rows stream into the engine
and are never pulled into Python. URLs:

``postgresql://user:password@host:5432/db`` (or ``postgres://``),
``mysql://user:password@host:3306/db`` (or ``mariadb://``),
``sqlite:///relative/file.db``, ``sqlite:////absolute/file.db`` (as SQLAlchemy
writes them) or a plain path ending in ``.db``, ``.sqlite``, ``.sqlite3``.

The password need not be in the URL: without one, it is taken from the
``password`` argument (``--password-stdin``), else the ``RFMKIT_DB_PASSWORD``
environment variable, else the driver's own (``PGPASSWORD``, ``MYSQL_PWD``).
No message, log or report shows it: URLs are shown by :func:`mask_url`.

Rows stream later, when the engine runs the query built on them, and the
database may refuse then: no right to read the table, a statement timeout, a
write refused in the read-only transaction, an error inside the query
(division by zero). :func:`refusal_of` (what the CLI calls on an engine
error) and :func:`database_errors` (around a block of Python) make such a
refusal an :class:`~rfmkit.errors.InputError` (a
:class:`~rfmkit.errors.ConfigError` for a missing right) that names the
database and the table or query, with what to do about it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import duckdb
from ibis.backends import BaseBackend

from rfmkit.backend import engine_name, load_duckdb_extension
from rfmkit.errors import ConfigError, InputError, RfmError, SourceUnavailableError
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
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def scrub(self, text: str) -> str:
        """``text`` with this URL's password masked (for messages from the driver)."""
        return scrub(text, self.secrets)


#: Environment variables holding the password when the URL has none, by kind.
PASSWORD_VARIABLES = {
    "postgres": ("RFMKIT_DB_PASSWORD", "PGPASSWORD"),
    "mysql": ("RFMKIT_DB_PASSWORD", "MYSQL_PWD"),
}


def mask_url(url: str) -> str:
    """``url`` with its password (and any ``password=`` field) replaced by ``***``.

    >>> mask_url("postgresql://postgres:S3cret@127.0.0.1:5432/test")
    'postgresql://postgres:***@127.0.0.1:5432/test'
    """
    text = re.sub(r"(://[^:/@\s]*):[^@\s]*@", r"\1:***@", url)
    return re.sub(r"(?i)\b(password|passwd|pwd)(\s*=\s*)('[^']*'|\"[^\"]*\"|\S+)", r"\1\2***", text)


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with URL passwords and every one of ``secrets`` masked."""
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        for form in {secret, quote(secret, safe="")}:
            text = text.replace(form, "***")
    return mask_url(text)


def parse_url(url: str, *, password: str | None = None) -> DatabaseUrl:
    """Parse ``url`` into what DuckDB's ``ATTACH`` needs.

    ``password`` (else the environment, see the module docstring) is used
    when the URL has none.

    Raises
    ------
    ConfigError
        For a URL of an unknown kind.
    """
    text = url.strip()
    scheme = text.split(":", 1)[0].lower() if "://" in text else ""
    if scheme in {"postgresql", "postgres", "pg"}:
        parts = urlsplit(text)
        secret = _password(parts, "postgres", password)
        target = "postgresql://" + text.split("://", 1)[1]
        if secret and not parts.password:
            target = _with_password(target, secret)
        display = _display(parts, "postgresql", 5432)
        return DatabaseUrl("postgres", target, display, _secrets(parts, secret))
    if scheme in {"mysql", "mariadb"}:
        parts = urlsplit(text)
        secret = _password(parts, "mysql", password)
        display = _display(parts, "mysql", 3306)
        target = _mysql_target(parts, secret)
        return DatabaseUrl("mysql", target, display, _secrets(parts, secret))
    if scheme == "sqlite" or text.lower().endswith(_SQLITE_SUFFIXES):
        path = text.split("://", 1)[1] if "://" in text else text
        path = path[1:] if path.startswith("/") and scheme == "sqlite" else path
        path = unquote(path)
        return DatabaseUrl("sqlite", path, f"sqlite file {path}")
    raise ConfigError(
        f"Unknown database URL {mask_url(text)!r}.",
        fix="Use postgresql://user@host/db, mysql://user@host/db or sqlite:///path/file.db.",
    )


def _display(parts: object, kind: str, port: int) -> str:
    host = getattr(parts, "hostname", None) or "localhost"
    number = getattr(parts, "port", None) or port
    database = (getattr(parts, "path", "") or "/").lstrip("/")
    return f"{kind} server {host}:{number} (database {database or '?'})"


def _password(parts: object, kind: str, given: str | None) -> str | None:
    """The password: the URL's own, else ``given``, else the environment's."""
    own = getattr(parts, "password", None)
    if own:
        return unquote(own)
    if given:
        return given
    return next((os.environ[v] for v in PASSWORD_VARIABLES[kind] if os.environ.get(v)), None)


def _secrets(parts: object, secret: str | None) -> tuple[str, ...]:
    own = getattr(parts, "password", None)
    return tuple(s for s in (secret, own) if s)


def _with_password(target: str, password: str) -> str:
    """The PostgreSQL URI ``target`` (no password in it) with ``password`` added."""
    scheme, rest = target.split("://", 1)
    authority, slash, path = rest.partition("/")
    user, at, host = authority.rpartition("@")
    if not at:  # no user: libpq's default user
        user, host = "", authority
    return f"{scheme}://{user}:{quote(password, safe='')}@{host}{slash}{path}"


def _mysql_target(parts: object, password: str | None) -> str:
    fields = {
        "host": getattr(parts, "hostname", None) or "localhost",
        "port": str(getattr(parts, "port", None) or 3306),
        "user": unquote(getattr(parts, "username", None) or "root"),
        "database": (getattr(parts, "path", "") or "/").lstrip("/"),
    }
    if password:
        fields["password"] = password
    return " ".join(f"{key}={value}" for key, value in fields.items() if value)


def read_database(
    con: BaseBackend,
    url: str,
    *,
    table: str | None = None,
    query: str | None = None,
    password: str | None = None,
) -> RawSource:
    """Attach the database of ``url`` and return its ``table`` or ``query`` as a raw source.

    ``password`` is used when the URL has none (``--password-stdin``); else
    ``RFMKIT_DB_PASSWORD``, ``PGPASSWORD`` or ``MYSQL_PWD``. Every message
    shows the URL masked (:func:`mask_url`).

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
    db = parse_url(url, password=password)
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
        raise _query_error(exc, table, where, db) from None  # may quote the password
    # noted (the latest few), to be named if the database refuses while the rows stream
    _READS.set((*_READS.get()[1 - _REMEMBERED :], DatabaseRead(db, table, query)))
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
            f"Cannot connect to the {db.display}: {_reason(exc, db)}",
            file=db.display,
            fix="Start the server or check the host, port, user, password and database in the URL.",
        ) from None  # the driver's own error may quote the password
    return alias


def _qualified(alias: str, table: str) -> str:
    parts = [p.strip().strip('"`') for p in table.split(".")]
    if not all(parts):
        raise InputError(f"Invalid table name {table!r}.", fix="Use NAME or SCHEMA.NAME.")
    return ".".join([alias, *('"' + p.replace('"', '""') + '"' for p in parts)])


def _query_error(exc: Exception, table: str | None, where: str, db: DatabaseUrl) -> InputError:
    if table is not None:
        return InputError(
            f"The table {table!r} cannot be read: {_reason(exc, db)}",
            file=where,
            fix="Check the table name (and schema, e.g. public.orders).",
        )
    return InputError(
        f"The query failed: {_reason(exc, db)}",
        file=where,
        fix="Run the query in the database's own client first, then pass it with --query.",
    )


def _reason(exc: Exception, db: DatabaseUrl) -> str:
    text = str(exc).strip()
    return db.scrub(text.splitlines()[0]) if text else type(exc).__name__


# -- refusals while rows stream ------------------------------------------------------


@dataclass(frozen=True)
class DatabaseRead:
    """A table or query read by :func:`read_database` (to name it if the database refuses)."""

    db: DatabaseUrl
    table: str | None
    query: str | None

    @property
    def what(self) -> str:
        if self.table is not None:
            return f"the table {self.table!r}"
        text = " ".join((self.query or "").split())
        return f"the query {self.db.scrub(text if len(text) <= 80 else text[:77] + '...')!r}"

    @property
    def where(self) -> str:
        return f"{self.db.display}, " + (f"table {self.table}" if self.table else "query")


#: The latest reads of this thread (or :func:`database_errors` block), newest last.
_READS: ContextVar[tuple[DatabaseRead, ...]] = ContextVar("rfmkit_database_reads", default=())
_REMEMBERED = 4
#: Words of the server's message, what they mean and what to do: a refusal of rights is a
#: ConfigError (the connection's user), anything else an InputError.
_CAUSES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("permission denied", "command denied", "access denied", "insufficient privilege"),
        "rights",
        "Grant the database user the right to read it (e.g. GRANT SELECT ON the table TO the "
        "user), or connect as a user who may read it.",
    ),
    (
        ("statement timeout", "canceling statement", "max_execution_time", "timeout"),
        "timeout",
        "The database stopped the read at its time limit: read less (a narrower query or "
        "table), or raise the user's limit (PostgreSQL: statement_timeout).",
    ),
    (
        ("read-only transaction", "read only transaction", "read-only"),
        "read_only",
        "rfmkit reads in a read-only transaction: give a table or a query that only reads "
        "(no nextval(), INSERT, UPDATE or functions that write).",
    ),
)


@contextmanager
def database_errors() -> Iterator[None]:
    """Turn a database's refusal while rows stream into an error that names the read.

    Inside the block, every :func:`read_database` is noted; when the engine
    then raises an error that came from the database server, it becomes the
    error of :func:`refusal_of`. Other errors pass through.
    """
    token = _READS.set(())
    try:
        yield
    except RfmError:
        raise
    except Exception as exc:
        found = refusal_of(exc)
        if found is None:
            raise
        raise found from None  # the driver's own text may quote the password
    finally:
        _READS.reset(token)


def refusal_of(exc: BaseException) -> RfmError | None:
    """The error for a database server's refusal ``exc`` of this thread's latest read, else None.

    An :class:`~rfmkit.errors.InputError` -- a :class:`~rfmkit.errors.ConfigError`
    when the user lacks the right to read -- naming the database and the
    table or query, quoting the server's reason (passwords masked) and
    saying what to do; None when ``exc`` did not come from a database server
    (DuckDB's scanners pass its message on) or nothing was read here.
    """
    reads = _READS.get()
    if not reads or not _from_server(exc):
        return None
    return refusal(exc, reads[-1])


def _from_server(exc: BaseException) -> bool:
    """Whether ``exc`` is a database server's error that a DuckDB scanner passed on.

    The scanners raise DuckDB's plain ``Error`` (PostgreSQL's COPY, SQLite)
    or an ``IOException`` quoting the server (PostgreSQL's ``ERROR:``,
    MySQL); DuckDB's own errors have classes of their own.
    """
    if type(exc) is duckdb.Error:
        return True
    text = str(exc)
    return isinstance(exc, duckdb.IOException) and any(
        marker in text for marker in ("ERROR:", "MySQL", "SQLite", "for COPY")
    )


def refusal(exc: BaseException, read: DatabaseRead) -> RfmError:
    """The :class:`InputError` or :class:`ConfigError` for the database's refusal ``exc``."""
    reason = _server_reason(exc, read.db)
    lowered = reason.lower()
    cause, fix = next(
        ((name, fix) for words, name, fix in _CAUSES if any(w in lowered for w in words)),
        ("query", _FIX_TABLE if read.table is not None else _FIX_QUERY),
    )
    message = f"The {read.db.kind} database refused to read {read.what}: {reason}"
    error = ConfigError if cause == "rights" else InputError
    return error(message, file=read.where, fix=fix, details={"cause": cause})


_FIX_TABLE = "Read the table in the database's own client to see the error, then try again."
_FIX_QUERY = "Run the query in the database's own client, correct it, then pass it with --query."


def _server_reason(exc: BaseException, db: DatabaseUrl) -> str:
    """The server's own words: after PostgreSQL's ``ERROR:``, else the first line."""
    text = str(exc).strip()
    if "ERROR:" in text:
        text = text.split("ERROR:", 1)[1]
    line = " ".join(text.split("\n", 1)[0].split()) or type(exc).__name__
    return db.scrub(line)
