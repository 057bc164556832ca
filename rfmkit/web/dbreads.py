"""Reading a database from the web app: a connection an admin stored, and a table or one SELECT.

An analyst never sees the connection's URL or password: they pick the
connection by name, and the URL is decrypted from the vault only to be
handed to the reader (:mod:`rfmkit.sources.databases`, as ``rfmkit score
--from-db`` reads), which attaches the database read-only. Beyond that:

* a query must be one ``SELECT`` (or ``WITH ... SELECT``): no second
  statement, no statement that writes, locks or changes the session
  (:func:`check_select`, which ignores text inside quotes and comments);
* on PostgreSQL the session is opened with
  ``default_transaction_read_only=on``, so every statement runs in a
  read-only transaction even if one slipped past the check;
* a table name is ``NAME`` or ``SCHEMA.NAME`` (:func:`check_table`).

Messages, audit entries and run records name the connection, never its URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from rfmkit.errors import ConfigError, InputError, RfmError
from rfmkit.settings import Settings
from rfmkit.store import accounts
from rfmkit.web.auth import Principal
from rfmkit.web.errors import NotFound
from rfmkit.web.state import WebState
from rfmkit.web.uploads import Upload, save_database_read
from rfmkit.web.vault import require

#: The longest query accepted.
MAX_QUERY = 20_000
_TABLE = re.compile(r"^[^\W\d]\w*(\.[^\W\d]\w*)?$")
_STARTS = re.compile(r"^\s*\(*\s*(select|with)\b", re.IGNORECASE)
#: Words that make a statement write, lock, or leave the one SELECT.
_WRITES = re.compile(
    r"\b(insert|update|delete|merge|upsert|drop|alter|create|truncate|grant|revoke|copy|call|"
    r"lock|vacuum|reindex|cluster|refresh|set|reset|begin|commit|rollback|savepoint|execute|"
    r"prepare|deallocate|listen|notify|load|handler|rename|into|outfile|dumpfile)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|\$(\w*)\$.*?\$\1\$|--[^\n]*|/\*.*?\*/",
    re.DOTALL,
)
#: Added to every PostgreSQL connection (libpq ``options``).
READ_ONLY_OPTION = "-c default_transaction_read_only=on"


def check_select(query: str) -> str:
    """``query`` without a trailing semicolon when it is one SELECT; a ConfigError otherwise."""
    text = query.strip().rstrip(";").strip()
    refused = ConfigError(
        "Only one SELECT query can be read from a database.",
        fix="Write a single SELECT (or WITH ... SELECT) without ; between statements; "
        "it may not write, lock rows or change the session.",
    )
    if not text or len(text) > MAX_QUERY:
        raise refused
    bare = _QUOTED.sub(" ", text)
    if ";" in bare or not _STARTS.match(bare):
        raise refused
    found = _WRITES.search(bare)
    if found:
        raise ConfigError(
            f"The query contains {found.group(1).upper()}: only reading is allowed.",
            fix=refused.fix,
        )
    return text


def check_table(table: str) -> str:
    """``table`` when it is ``NAME`` or ``SCHEMA.NAME``; a ConfigError otherwise."""
    name = table.strip()
    if not _TABLE.match(name) or len(name) > 200:
        raise ConfigError(
            f"Invalid table name {table[:100]!r}.",
            fix="Give NAME or SCHEMA.NAME (letters, digits and _), or write a SELECT query.",
        )
    return name


def checked_read(table: str | None, query: str | None) -> tuple[str | None, str | None]:
    """Exactly one of a table name and a query, each checked."""
    table = (table or "").strip() or None
    query = (query or "").strip() or None
    if (table is None) == (query is None):
        raise ConfigError(
            "Give either a table name or a SELECT query.",
            fix="Fill in one of the two fields.",
        )
    return (check_table(table), None) if table else (None, check_select(query or ""))


def connection_names(state: WebState) -> list[str]:
    """The names of the stored database connections (what an analyst may pick)."""
    with state.db() as store:
        return [s["name"] for s in accounts.list_secrets(store) if s["kind"] == "database"]


def database_url(state: WebState, connection: str) -> str:
    """The decrypted URL of the stored connection ``connection``, made read-only."""
    vault = require(state.vault)
    with state.db() as store:
        found = accounts.get_secret(store, connection)
    if found is None or found[0] != "database":
        raise NotFound(
            f"No database connection named {connection!r}.",
            fix="An administrator defines connections (POST /api/v1/connections).",
        )
    data = vault.open(found[1])
    return read_only_url(with_password(str(data["url"]), data.get("secret")))


def with_password(url: str, password: str | None) -> str:
    """``url`` with ``password`` added when it has none of its own."""
    parts = urlsplit(url)
    if not password or parts.password:
        return url
    user, at, host = parts.netloc.rpartition("@")
    user, host = (user, host) if at else ("", parts.netloc)
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


def read_only_url(url: str) -> str:
    """A PostgreSQL ``url`` whose sessions start read-only (other URLs as they are)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("postgresql", "postgres"):
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    given = " ".join(v for k, v in pairs if k == "options")
    others = [(k, v) for k, v in pairs if k != "options"]
    options = f"{given} {READ_ONLY_OPTION}".strip()
    query = urlencode([*others, ("options", options)], quote_via=quote)
    return urlunsplit(parts._replace(query=query))


def new_read(
    state: WebState,
    connection: str,
    table: str | None,
    query: str | None,
    who: Principal,
    ip: str,
) -> Upload:
    """Keep a checked database read of ``connection`` (an id to check and run); audited."""
    table, query = checked_read(table, query)
    if connection not in connection_names(state):
        raise NotFound(
            f"No database connection named {connection!r}.",
            fix="An administrator defines connections (POST /api/v1/connections).",
        )
    made = save_database_read(state.data_dir / "uploads", connection, table, query)
    with state.db() as store:
        accounts.audit(
            store,
            who.name,
            "database.read",
            ip=ip,
            obj=describe(made),
            detail=f"table {table}" if table else f"query: {query}"[:1000],
        )
    return made


def source_of(state: WebState, upload: Upload, settings: Settings) -> tuple[str | None, Settings]:
    """What the verbs read for ``upload``: its file, or (None and) the database in the settings."""
    if upload.database is None:
        return str(upload.path), settings
    url = database_url(state, upload.database["connection"])
    table, query = checked_read(upload.database.get("table"), upload.database.get("query"))
    return None, settings.model_copy(update={"from_db": url, "table": table, "query": query})


@contextmanager
def database_errors(settings: Settings) -> Iterator[None]:
    """Turn the database's refusal of a read (raised by the engine while rows stream) into an
    :class:`InputError` naming it; the server's own failures pass through."""
    if settings.from_db is None:
        yield
        return
    try:
        yield
    except RfmError:
        raise
    except Exception as exc:
        if type(exc).__module__.split(".")[0].lstrip("_") != "duckdb":
            raise
        from rfmkit.sources.databases import scrub

        reason = scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        raise InputError(
            f"The database refused the read: {reason}",
            file=settings.table or "query",
            fix="Run the query in the database's own client first; only reading is allowed.",
        ) from None


def describe(upload: Upload) -> str:
    """How an upload or a database read is named in the audit log."""
    if upload.database is None:
        return upload.name
    what = upload.database.get("table") or "query"
    return f"database connection {upload.database['connection']} ({what})"
