"""Bad input gives one short, specific error: what, where, how to fix; never a traceback."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from rfmkit.cli.errors import exit_code
from rfmkit.errors import ColumnNotFoundError, ConfigError, DataQualityError, InputError
from tests.sources.conftest import write


def test_empty_file(load, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty") as info:
        load(path)
    assert info.value.location.file == str(path)
    assert exit_code(info.value) == 2


def test_whitespace_only_file(load, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        load(write(tmp_path / "blank.csv", "\n\n  \n"))


def test_header_only_file(load, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no data rows") as info:
        load(write(tmp_path / "h.csv", "customer_id,order_date,amount\n"))
    assert info.value.location.row == 2


def test_no_needed_columns_lists_found_and_candidates(load, tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "客户名称,下单日,金额\n张三,2024-01-01,5\n")
    with pytest.raises(ColumnNotFoundError) as info:
        load(path)
    error = info.value
    assert error.details["found"] == ["客户名称", "下单日", "金额"]
    assert error.details["candidates"][0] == "客户名称"
    assert error.location.column == "customer"
    assert "--map customer=" in (error.fix or "")


def test_mapped_column_missing(load, tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "customer_id,order_date,amount\n1,2024-01-01,5\n")
    with pytest.raises(ColumnNotFoundError, match="'amt'"):
        load(path, map={"amount": "amt"})
    with pytest.raises(ConfigError, match="Unknown field"):
        load(path, map={"cost": "amount"})


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
        (b"PK\x03\x04garbage", "ZIP"),
        (b"customer,date\n1,\x00\x01\x02\n", "binary"),
    ],
)
def test_binary_file(load, tmp_path: Path, data: bytes, what: str) -> None:
    with pytest.raises(InputError, match=what):
        load(write_bytes(tmp_path / "x.csv", data))


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_unknown_encoding_refused(load, tmp_path: Path) -> None:
    data = "customer,date,amount\n1,2024-01-01,5\ncafé,2024-01-02,5\n".encode("latin-1")
    with pytest.raises(InputError, match="encoding") as info:
        load(write_bytes(tmp_path / "l.csv", data))
    assert info.value.location.row == 3
    loaded = load(tmp_path / "l.csv", encoding="latin-1")
    assert "café" in set(loaded.transactions.to_pandas().customer_id)


def test_wrong_encoding_given(load, tmp_path: Path) -> None:
    path = write(tmp_path / "g.csv", "客户ID,订单日期,金额\n1,2024-01-01,5\n", "gbk")
    with pytest.raises(InputError, match="not valid utf-8") as info:
        load(path, encoding="utf-8")
    assert "--encoding" in (info.value.fix or "")


def test_bad_utf8_after_the_sample(load, tmp_path: Path) -> None:
    # a line that does not decode is quarantined with its line, never decoded otherwise
    good = "customer_id,order_date,amount\n" + "1,2024-01-01,5\n" * 80_000
    path = tmp_path / "late.csv"
    path.write_bytes(good.encode() + b"2,2024-01-02,5\n" + b"3,\xff\xfe,5\n")
    q = load(path, keep_duplicates=True).quality
    assert (q.rows_read, q.rows_used) == (80_002, 80_001)
    rule = next(r for r in q.rules if r.rule == "undecodable_line")
    assert (rule.count, rule.examples[0]["line"]) == (1, 80_003)


def test_excel_without_data(load, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["customer_id", "order_date", "amount"])
    book.save(tmp_path / "e.xlsx")
    with pytest.raises(InputError, match="no data rows"):
        load(tmp_path / "e.xlsx")
    empty = openpyxl.Workbook()
    empty.save(tmp_path / "empty.xlsx")
    with pytest.raises(InputError, match="no data"):
        load(tmp_path / "empty.xlsx")


def test_corrupted_excel(load, tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "c.xlsx", "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(InputError, match="cannot be opened"):
        load(tmp_path / "c.xlsx")
    write(tmp_path / "t.xlsx", "just text")
    with pytest.raises(InputError, match="cannot be opened"):
        load(tmp_path / "t.xlsx")


def test_missing_path_and_types(load, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="No file matches"):
        load(str(tmp_path / "*.csv"))
    with pytest.raises(InputError, match="Unsupported"):
        load(write(tmp_path / "a.docx", "x"))
    with pytest.raises(InputError, match=r"\.xls"):
        load(write(tmp_path / "a.xls", "x"))
    with pytest.raises(ConfigError, match="No input"):
        load(None)


def test_corrupted_parquet(load, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Parquet"):
        load(write(tmp_path / "p.parquet", "PAR1 not really"))


def test_no_usable_row(load, tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "customer_id,order_date,amount\n1,soon,5\n2,later,6\n")
    with pytest.raises(DataQualityError, match="No usable row") as info:
        load(path)
    assert info.value.details["quality"]["rules"][1]["count"] == 2


def test_strict_turns_left_out_rows_into_an_error(load, tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.csv", "customer_id,order_date,amount\n1,2024-01-01,5\n,2024-01-01,5\n"
    )
    assert load(path).quality.rows_used == 1
    with pytest.raises(DataQualityError, match="missing_customer: 1") as info:
        load(path, strict=True)
    assert info.value.location.row == 3
    assert info.value.details["rules"] == {"missing_customer": 1}


def test_invalid_exclude_pattern(load, tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "customer_id,order_date,amount\n1,2024-01-01,5\n")
    with pytest.raises(ConfigError, match="regular expression"):
        load(path, exclude_customers="(")
