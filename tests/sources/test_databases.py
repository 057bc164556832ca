"""Reading tables and queries from PostgreSQL, MySQL/MariaDB and SQLite inside DuckDB.

The servers are real: PostgreSQL and MariaDB on 127.0.0.1 (URLs from
RFMKIT_PG_URL / RFMKIT_MYSQL_URL). When one is not reachable the test
fails, naming the server to start.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from rfmkit.backend import connect
from rfmkit.cli.errors import exit_code
from rfmkit.errors import ConfigError, InputError, SourceUnavailableError
from rfmkit.sources.databases import mask_url, parse_url, read_database

PG_URL = os.environ.get("RFMKIT_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("RFMKIT_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")

ROWS = [
    ("1001", "2024-01-05", "120.50", "A1"),
    ("1001.0", "2024-02-01", "-20", "A2"),
    ("1002", "2024-03-01", "99", "A3"),
    ("", "2024-03-02", "5", "A4"),
]


def _require(url: str, name: str, start: str) -> None:
    parts = urlsplit(url)
    try:
        socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 0), timeout=3
        ).close()
    except OSError:
        pytest.fail(f"The {name} server at {parts.hostname}:{parts.port} is not reachable: {start}")


def _fill(url: str, kind: str) -> Iterator[str]:
    """Create a fresh orders table through DuckDB's scanner; drop it afterwards."""
    from rfmkit.backend import connect, load_duckdb_extension

    con = connect()
    load_duckdb_extension(con, f"{kind}_scanner")
    raw = con.con
    raw.sql(f"ATTACH '{parse_url(url).target}' AS db (TYPE {kind})")
    table = "rfm_orders_" + uuid.uuid4().hex[:8]
    raw.sql(
        f"CREATE TABLE db.{table} (cust VARCHAR, paid_at DATE, total DECIMAL(10,2), ref VARCHAR)"
    )
    for cust, day, total, ref in ROWS:
        raw.execute(f"INSERT INTO db.{table} VALUES (?, ?, ?, ?)", [cust or None, day, total, ref])
    try:
        yield table
    finally:
        raw.sql(f"DROP TABLE db.{table}")
        con.disconnect()


@pytest.fixture
def pg_table() -> Iterator[str]:
    _require(PG_URL, "PostgreSQL", "start it (service postgresql start) or set RFMKIT_PG_URL.")
    yield from _fill(PG_URL, "postgres")


@pytest.fixture
def mysql_table() -> Iterator[str]:
    _require(
        MYSQL_URL, "MySQL/MariaDB", "start it (service mariadb start) or set RFMKIT_MYSQL_URL."
    )
    yield from _fill(MYSQL_URL, "mysql")


def _check(loaded) -> None:  # type: ignore[no-untyped-def]
    frame = loaded.transactions.to_pandas().sort_values(["customer_id", "order_date"])
    assert frame[["customer_id", "amount", "order_id"]].values.tolist() == [
        ["1001", 120.5, "A1"],
        ["1001", -20.0, "A2"],
        ["1002", 99.0, "A3"],
    ]
    assert loaded.quality.rule("missing_customer").count == 1
    assert loaded.quality.rule("refunds").count == 1


MAP = {"customer": "cust", "date": "paid_at", "amount": "total", "order": "ref"}


@pytest.mark.postgres
def test_postgres_table_and_query(load, pg_table: str) -> None:
    _check(load(from_db=PG_URL, table=pg_table, map=MAP))
    _check(load(from_db=PG_URL, query=f"select * from {pg_table}", map=MAP))
    with pytest.raises(InputError, match="query failed"):
        load(from_db=PG_URL, query="select * from no_such_table_rfm")
    with pytest.raises(InputError, match="cannot be read"):
        load(from_db=PG_URL, table="no_such_table_rfm")


@pytest.mark.mysql
def test_mysql_table_and_query(load, mysql_table: str) -> None:
    _check(load(from_db=MYSQL_URL, table=mysql_table, map=MAP))
    _check(load(from_db=MYSQL_URL, query=f"select * from {mysql_table}", map=MAP))


def test_sqlite_round_trip(load, tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    db = sqlite3.connect(path)
    db.execute("create table orders (cust TEXT, paid_at TEXT, total REAL, ref TEXT)")
    db.executemany(
        "insert into orders values (?, ?, ?, ?)",
        [(c or None, d, float(t), r) for c, d, t, r in ROWS],
    )
    db.commit()
    db.close()
    _check(load(from_db=f"sqlite:///{path}", table="orders", map=MAP))
    _check(load(from_db=str(path), query="select * from orders", map=MAP))
    with pytest.raises(SourceUnavailableError, match="does not exist"):
        load(from_db=f"sqlite:///{tmp_path / 'nope.db'}", table="orders")


def test_unreachable_server_is_a_clean_error(load) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(SourceUnavailableError, match=f"127.0.0.1:{port}") as info:
        load(from_db=f"postgresql://postgres@127.0.0.1:{port}/test", table="orders")
    assert exit_code(info.value) == 3
    with pytest.raises(SourceUnavailableError, match="mysql server"):
        load(from_db=f"mysql://root@127.0.0.1:{port}/test", table="orders")


def test_url_parsing_hides_passwords() -> None:
    url = parse_url("mysql://bob:s3cret@db.example:3307/shop")
    assert url.target == "host=db.example port=3307 user=bob database=shop password=s3cret"
    assert "s3cret" not in url.display
    assert parse_url("postgres://u@h/d").kind == "postgres"
    assert parse_url("sqlite:////tmp/x.db").target == "/tmp/x.db"  # as SQLAlchemy writes it
    assert parse_url("sqlite:///x.db").target == "x.db"


def test_data_stays_in_the_engine(load, tmp_path: Path) -> None:
    path = tmp_path / "big.db"
    db = sqlite3.connect(path)
    db.execute("create table orders (cust TEXT, paid_at TEXT, total REAL)")
    db.executemany(
        "insert into orders values (?, ?, ?)",
        [(str(i % 50), "2024-01-01", float(i)) for i in range(2000)],
    )
    db.commit()
    db.close()
    loaded = load(
        from_db=f"sqlite:///{path}",
        table="orders",
        map={"customer": "cust", "date": "paid_at", "amount": "total"},
    )
    assert loaded.quality.rows_used == 2000
    assert dt.date(2024, 1, 1) == loaded.quality.date_min
    assert loaded.quality.customers == 50


def _free_port() -> int:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return int(free.getsockname()[1])


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_errors_never_show_the_password(load, kind: str) -> None:
    url = f"{kind}://postgres:S3cretPW@127.0.0.1:{_free_port()}/test"
    with pytest.raises(SourceUnavailableError, match=r"127\.0\.0\.1") as info:
        load(from_db=url, table="x")
    error = info.value
    shown = " ".join([str(error), repr(error), str(error.to_dict()), str(error.__cause__)])
    assert "S3cretPW" not in shown
    assert error.__cause__ is None and error.__suppress_context__
    with pytest.raises(ConfigError, match=r"oracle://u:\*\*\*@h/d") as unknown:
        parse_url("oracle://u:S3cretPW@h/d")
    assert "S3cretPW" not in str(unknown.value)


def test_mask_url() -> None:
    assert mask_url("postgresql://postgres:S3cretPW@127.0.0.1:5999/test") == (
        "postgresql://postgres:***@127.0.0.1:5999/test"
    )
    assert mask_url("mysql://root@127.0.0.1:3306/test") == "mysql://root@127.0.0.1:3306/test"
    assert mask_url("mysql://u:p%40ss:w@h/d") == "mysql://u:***@h/d"
    assert mask_url("host=h user=u password=S3cret port=1") == "host=h user=u password=*** port=1"
    assert mask_url("sqlite:///x.db") == "sqlite:///x.db"


def test_password_from_argument_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RFMKIT_DB_PASSWORD", "PGPASSWORD", "MYSQL_PWD"):
        monkeypatch.delenv(name, raising=False)
    assert parse_url("postgresql://u@h:5432/d").target == "postgresql://u@h:5432/d"
    given = parse_url("postgresql://u@h:5432/d", password="p@ss word")
    assert given.target == "postgresql://u:p%40ss%20word@h:5432/d"
    assert "p@ss" not in given.display and given.scrub("failed for p@ss word") == "failed for ***"
    monkeypatch.setenv("PGPASSWORD", "fromPG")
    assert parse_url("postgres://u@h/d").target == "postgresql://u:fromPG@h/d"
    monkeypatch.setenv("RFMKIT_DB_PASSWORD", "fromRFM")
    assert parse_url("postgres://u@h/d").target == "postgresql://u:fromRFM@h/d"
    assert parse_url("mysql://u@h/d").target.endswith("password=fromRFM")
    assert parse_url("mysql://u:own@h/d").target.endswith("password=own")  # the URL's own wins
    monkeypatch.delenv("RFMKIT_DB_PASSWORD")
    monkeypatch.setenv("MYSQL_PWD", "fromMY")
    assert parse_url("mysql://u@h/d").target.endswith("password=fromMY")


@pytest.mark.postgres
def test_postgres_wrong_password_is_masked(pg_table: str) -> None:
    """Trust authentication ignores the password: the read works and nothing shows it."""
    con = connect()
    raw = read_database(con, PG_URL, table=pg_table, password="S3cretPW")
    assert raw.table.count().execute() == len(ROWS)
    assert "S3cretPW" not in str(raw.file) + str(raw.info)
    with pytest.raises(InputError, match="cannot be read") as info:
        read_database(con, PG_URL, table="no_such_table_rfm", password="S3cretPW")
    assert "S3cretPW" not in str(info.value)


@pytest.mark.mysql
def test_mysql_wrong_password_is_refused_and_masked() -> None:
    _require(MYSQL_URL, "MySQL/MariaDB", "start it (service mariadb start).")
    parts = urlsplit(MYSQL_URL)
    url = f"mysql://{parts.username}:S3cretPW@{parts.hostname}:{parts.port}{parts.path}"
    with pytest.raises(SourceUnavailableError, match="mysql server") as info:
        read_database(connect(), url, table="x")
    assert "S3cretPW" not in str(info.value)
    assert "***" in str(info.value) or "Access denied" in str(info.value)


# -- refusals while rows stream -------------------------------------------------------


def _pg(statement: str) -> None:
    """Run ``statement`` in PostgreSQL as the tests' own (super)user."""
    from rfmkit.backend import load_duckdb_extension

    con = connect()
    load_duckdb_extension(con, "postgres_scanner")
    con.con.sql(f"ATTACH '{parse_url(PG_URL).target}' AS db (TYPE postgres)")
    try:
        con.con.execute("CALL postgres_execute('db', ?)", [statement])
    finally:
        con.disconnect()


@pytest.fixture
def pg_roles(pg_table: str) -> Iterator[dict[str, str]]:
    """Two login roles: one without any right on ``pg_table``, one whose statements time out."""
    suffix = uuid.uuid4().hex[:8]
    barred, slow = f"rfm_barred_{suffix}", f"rfm_slow_{suffix}"
    parts = urlsplit(PG_URL)
    host = f"{parts.hostname}:{parts.port or 5432}{parts.path}"
    _pg(f"CREATE ROLE {barred} LOGIN PASSWORD 'Barred-Pw-1'")
    _pg(f"CREATE ROLE {slow} LOGIN PASSWORD 'Slow-Pw-1'")
    _pg(f"GRANT SELECT ON {pg_table} TO {slow}")
    _pg(f"ALTER ROLE {slow} SET statement_timeout = '50ms'")
    try:
        yield {
            "barred": f"postgresql://{barred}:Barred-Pw-1@{host}",
            "slow": f"postgresql://{slow}:Slow-Pw-1@{host}",
        }
    finally:
        _pg(f"REVOKE ALL ON {pg_table} FROM {slow}")
        _pg(f"DROP ROLE {barred}")
        _pg(f"DROP ROLE {slow}")


def rfmkit(*args: object) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("rfmkit")), *map(str, args)]
    env = {**os.environ, "COLUMNS": "300"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


MAP_TEXT = "customer=cust,date=paid_at,amount=total,order=ref"


@pytest.mark.postgres
def test_no_right_to_read_the_table_is_a_settings_error_on_the_cli(
    pg_table: str, pg_roles: dict[str, str], tmp_path: Path
) -> None:
    done = rfmkit(
        "score", "--from-db", pg_roles["barred"], "--table", pg_table, "--map", MAP_TEXT,
        "-o", tmp_path / "out.csv",
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    text = " ".join(done.stderr.split())
    assert f"refused to read the table '{pg_table}': permission denied for table {pg_table}" in text
    assert "GRANT SELECT" in text and "127.0.0.1" in text
    assert "Barred-Pw-1" not in done.stdout + done.stderr
    assert "Internal error" not in text and "COPY" not in text
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.postgres
def test_an_error_inside_the_query_names_the_query_on_the_cli(pg_table: str) -> None:
    query = f"select cust, paid_at, total / (total - total) as total, ref from {pg_table}"
    done = rfmkit("check", "--from-db", PG_URL, "--query", query, "--map", MAP_TEXT)
    assert done.returncode == 2, done.stdout + done.stderr
    text = " ".join(done.stderr.split())
    assert "refused to read the query 'select cust, paid_at" in text
    assert text.count("division by zero") == 1 and "Run the query in the database's own" in text
    assert "Internal error" not in text


@pytest.mark.postgres
def test_timeouts_and_read_only_refusals_in_python(
    load, pg_table: str, pg_roles: dict[str, str]
) -> None:
    from rfmkit.sources.databases import database_errors

    slow = f"select pg_sleep(0.5) as nap, * from {pg_table}"
    timed_out = "canceling statement due to statement timeout"
    with pytest.raises(InputError, match=timed_out) as late, database_errors():
        load(from_db=pg_roles["slow"], query=slow, map=MAP).transactions.to_pyarrow()
    assert late.value.details == {"cause": "timeout"} and "statement_timeout" in str(late.value.fix)
    assert "Slow-Pw-1" not in str(late.value.to_dict())
    sequence = f"rfm_seq_{uuid.uuid4().hex[:8]}"
    _pg(f"CREATE SEQUENCE {sequence}")
    try:
        writes = f"select nextval('{sequence}') as n, * from {pg_table}"
        with pytest.raises(InputError, match="read-only transaction") as refused, database_errors():
            load(from_db=PG_URL, query=writes, map=MAP).transactions.to_pyarrow()
        assert refused.value.details == {"cause": "read_only"}
        assert exit_code(refused.value) == 2
        assert str(refused.value.location).endswith("(database test), query")
    finally:
        _pg(f"DROP SEQUENCE {sequence}")


def test_other_engine_errors_pass_through(tmp_path: Path) -> None:
    import duckdb

    from rfmkit.sources.databases import database_errors, refusal_of

    con = connect()
    # writing a file the engine cannot open, after a database read
    with pytest.raises(duckdb.IOException), database_errors():
        read_database(con, f"sqlite:///{_sqlite(tmp_path)}", table="orders")
        con.con.sql(f"COPY (SELECT 1) TO '{tmp_path / 'missing' / 'x.csv'}'")
    with pytest.raises(duckdb.BinderException), database_errors():
        con.con.sql("SELECT no_such_column FROM (SELECT 1)")
    said_no = duckdb.Error("a database said no")
    assert contextvars.Context().run(refusal_of, said_no) is None  # nothing read in this context


def test_sqlite_errors_while_rows_stream_name_the_query(tmp_path: Path) -> None:
    from rfmkit.sources.databases import database_errors

    con = connect()
    query = "select cust, abs(-9223372036854775807 - 1) as too_big from orders"
    with pytest.raises(InputError, match="integer overflow") as info, database_errors():
        read_database(con, f"sqlite:///{_sqlite(tmp_path)}", query=query).table.to_pyarrow()
    assert "refused to read the query 'select cust, abs(" in str(info.value)


def _sqlite(folder: Path) -> Path:
    path = folder / "shop.db"
    db = sqlite3.connect(path)
    db.execute("create table orders (cust TEXT, paid_at TEXT, total REAL, ref TEXT)")
    db.execute("insert into orders values ('1', '2024-01-01', 10.0, 'A1')")
    db.commit()
    db.close()
    return path
