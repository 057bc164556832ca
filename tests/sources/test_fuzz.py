"""Fuzzing the readers: any bytes give a result or a clean rfmkit error, nothing else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rfmkit.backend import connect
from rfmkit.errors import RfmError
from rfmkit.sources import LoadOptions, load_transactions

HEADER = b"customer_id,order_date,amount\n"
CELLS = st.sampled_from(
    [
        b"1001",
        b"1001.0",
        b"2024-01-05",
        b"2024\xe5\xb9\xb41\xe6\x9c\x885\xe6\x97\xa5",
        b"\xef\xbf\xa51,234.50",
        b"(12)",
        b"",
        b'"',
        b",",
        b";",
        b"\n",
        b"\r\n",
        b"\t",
        b"\x00",
        b"\xff",
        b"\xc4\xe3",
        b"nan",
        b"45296",
        b"-",
        b"1e309",
    ]
)


def _load(path: Path) -> None:
    con = connect()
    try:
        loaded = load_transactions(path, con=con, options=LoadOptions())
        q = loaded.quality
        assert q.rows_read == q.rows_used + q.rows_left_out
    except RfmError as error:
        assert error.message
    finally:
        con.disconnect()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_random_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    _load(path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(CELLS, min_size=1, max_size=4), max_size=8), header=st.booleans())
def test_csv_like_bytes(tmp_path: Path, rows: list[list[bytes]], header: bool) -> None:
    body = b"\n".join(b",".join(cells) for cells in rows)
    path = tmp_path / "fuzz.csv"
    path.write_bytes((HEADER if header else b"") + body)
    _load(path)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=200), suffix=st.sampled_from([".xlsx", ".parquet", ".json"]))
def test_other_formats(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    _load(path)
