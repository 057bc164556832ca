"""Hostile and careless files: quoted line breaks, odd names, files named twice, overlaps."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rfmkit.errors import InputError
from rfmkit.sources import jsonfiles
from tests.sources.conftest import write

HEADER = "customer_id,order_id,order_date,amount,note\n"


# -- 1. quoted cells spanning lines ------------------------------------------------------


def test_quoted_cell_spanning_lines_is_read(load, tmp_path: Path) -> None:
    path = write(
        tmp_path / "q.csv",
        'customer_id,order_id,order_date,amount,n\nc1,o1,2024-01-05,100,"a\nb"\n',
    )
    loaded = load(path)
    assert loaded.quality.rows_used == 1
    assert loaded.quality.amount["sum"] == 100.0
    assert loaded.quality.sources[0].detected["multiline"] is True


def test_rejects_name_the_line_where_the_record_starts(load, tmp_path: Path) -> None:
    text = (
        HEADER
        + 'c1,o1,2024-01-05,100,"a\nb"\n'  # lines 2-3
        + 'c2,o2,bad,5,"x\n\ny"\n'  # lines 4-6
        + "c3,o3,2024-01-06,oops,z\n"  # line 7
        + 'c4,o4,2024-01-07,1,"one ""quoted"" word"\n'  # line 8
        + "c5,o5,never,1,\n"  # line 9
    )
    rejects = load(write(tmp_path / "q.csv", text)).rejects().to_pandas()
    assert rejects[["line", "reason", "customer"]].values.tolist() == [
        [4, "unparsable_date", "c2"],
        [7, "unparsable_amount", "c3"],
        [9, "unparsable_date", "c5"],
    ]


def test_quoted_line_breaks_beyond_the_sample(load, tmp_path: Path) -> None:
    """The sniffed megabyte shows none; the parallel read meets them and reads again."""
    plain = "".join(f"c{i},o{i},2024-01-05,1,plain\n" for i in range(40_000))
    quoted = "".join(f'c{i},o{i},2024-01-05,1,"a\nb"\n' for i in range(40_000, 140_000))
    path = write(tmp_path / "late.csv", HEADER + plain + quoted + "cY,oY,nodate,1,x\n")
    loaded = load(path)
    assert (loaded.quality.rows_read, loaded.quality.rows_used) == (140_001, 140_000)
    assert loaded.rejects().to_pandas().line.tolist() == [1 + 40_000 + 2 * 100_000 + 1]


def test_a_later_quoted_cell_is_not_split(load, tmp_path: Path) -> None:
    """No quote in the sample must not make DuckDB read quotes as plain text."""
    plain = "".join(f"c{i},o{i},2024-01-05,1,plain\n" for i in range(30_000))
    path = write(
        tmp_path / "late.csv", HEADER + plain + 'cX,oX,2024-01-05,7,"multi\nc1,o1,2024-01-05,9,x"\n'
    )
    loaded = load(path)
    assert loaded.quality.rows_read == 30_001
    assert loaded.quality.amount["sum"] == 30_007.0


# -- 2. names are literal ------------------------------------------------------------------


ROW = "customer_id,order_date,amount\n{}\n"


@pytest.fixture
def odd_names(tmp_path: Path) -> Path:
    folder = tmp_path / "g"
    folder.mkdir()
    write(folder / "data[1].csv", ROW.format("A,2024-01-01,1"))
    write(folder / "data1.csv", ROW.format("B,2024-01-01,2"))
    write(folder / "orders*.csv", ROW.format("C,2024-01-01,4"))
    write(folder / "orders1.csv", ROW.format("D,2024-01-01,8"))
    write(folder / "what?.csv", ROW.format("E,2024-01-01,16"))
    return folder


@pytest.mark.parametrize(
    ("name", "customers"),
    [("data[1].csv", ["A"]), ("orders*.csv", ["C"]), ("what?.csv", ["E"])],
)
def test_an_existing_name_is_read_as_that_file(load, odd_names: Path, name, customers) -> None:
    loaded = load(str(odd_names / name))
    assert sorted(loaded.transactions.to_pandas().customer_id) == customers


def test_a_folder_with_glob_characters_in_names_reads_each_file_once(load, odd_names) -> None:
    loaded = load(odd_names)
    assert loaded.quality.amount["sum"] == 31.0
    assert loaded.quality.rows_read == 5


def test_a_glob_is_expanded_when_no_file_has_that_name(load, odd_names: Path) -> None:
    loaded = load(str(odd_names / "data?.csv"))
    assert sorted(loaded.transactions.to_pandas().customer_id) == ["B"]
    with pytest.raises(InputError, match="No file matches"):
        load(str(odd_names / "nothing*.csv"))


def test_parquet_with_brackets_in_its_name(load, tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame({"customer_id": ["p"], "order_date": ["2024-01-01"], "amount": [3.0]})
    frame.to_parquet(tmp_path / "x[1].parquet")
    frame.assign(customer_id="q").to_parquet(tmp_path / "x1.parquet")
    assert load(str(tmp_path / "x[1].parquet")).transactions.to_pandas().customer_id.tolist() == [
        "p"
    ]


# -- 3. each file once ----------------------------------------------------------------------


def test_a_file_named_twice_is_read_once_and_reported(load, tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    orders = write(folder / "orders.csv", ROW.format("A,2024-01-01,10"))
    loaded = load([folder, orders])
    assert loaded.quality.amount["sum"] == 10.0
    assert loaded.quality.rows_read == 1
    assert any("orders.csv" in w and "once" in w for w in loaded.quality.warnings)
    assert "read once" in loaded.quality.summary()


def test_a_link_to_a_file_is_the_same_file(load, tmp_path: Path) -> None:
    orders = write(tmp_path / "orders.csv", ROW.format("A,2024-01-01,10"))
    os.symlink(orders, tmp_path / "link.csv")
    loaded = load([orders, tmp_path / "link.csv"])
    assert loaded.quality.amount["sum"] == 10.0
    assert "same file" in loaded.quality.warnings[0]


def test_a_link_loop_in_a_recursive_glob_is_not_followed(load, tmp_path: Path) -> None:
    folder = tmp_path / "d"
    (folder / "sub").mkdir(parents=True)
    write(folder / "sub" / "orders.csv", ROW.format("A,2024-01-01,10"))
    os.symlink(folder, folder / "sub" / "loop")
    os.symlink(folder, folder / "back")
    loaded = load(str(folder / "**" / "*.csv"))
    assert loaded.quality.rows_read == 1
    assert loaded.quality.amount["sum"] == 10.0


# -- 4. overlapping exports -----------------------------------------------------------------


@pytest.fixture
def exports(tmp_path: Path) -> list[Path]:
    jan = write(
        tmp_path / "jan.csv",
        "customer_id,order_id,order_date,amount\n"
        "c1,o1,2024-01-05,100\nc2,o2,2024-01-06,50\nc3,o3,2024-01-31,7\n",
    )
    feb = write(  # re-sends the last day of January, amounts written differently
        tmp_path / "feb.csv",
        "customer_id,order_id,order_date,amount\nc3,o3,2024-01-31,7.00\nc4,o4,2024-02-02,9\n",
    )
    return [jan, feb]


def test_a_row_in_two_files_is_counted_once(load, exports: list[Path]) -> None:
    loaded = load(exports)
    q = loaded.quality
    assert (q.rows_read, q.rows_used, q.amount["sum"]) == (5, 4, 166.0)
    assert q.rule("duplicate").count == 1
    assert q.overlaps == [{"files": [str(exports[0]), str(exports[1])], "rows": 1}]
    assert f"1 rows of {exports[1]} repeat rows of {exports[0]}" in q.summary()
    rejects = loaded.rejects().to_pandas()
    assert rejects[["file", "line", "reason"]].values.tolist() == [
        [str(exports[1]), 2, "duplicate"]
    ]


def test_overlaps_kept_with_keep_duplicates(load, exports: list[Path]) -> None:
    q = load(exports, keep_duplicates=True).quality
    assert (q.rows_used, q.amount["sum"], q.overlaps) == (5, 173.0, [])


def test_a_resent_file_under_another_name(load, exports: list[Path], tmp_path: Path) -> None:
    copy = tmp_path / "jan_again.csv"
    copy.write_bytes(exports[0].read_bytes())
    q = load([exports[0], copy]).quality
    assert (q.rows_used, q.amount["sum"]) == (3, 157.0)
    assert q.overlaps == [{"files": [str(exports[0]), str(copy)], "rows": 3}]


def test_files_with_other_columns_compare_canonical_values(load, exports, tmp_path) -> None:
    march = write(
        tmp_path / "mar.csv",
        "客户ID,订单号,下单时间,实付金额,门店\nc4,o4,2024/2/2,￥9,S1\nc5,o5,2024-02-03,1,S1\n",
    )
    q = load([*exports, march]).quality
    assert (q.rows_used, q.amount["sum"]) == (5, 167.0)
    assert {
        (Path(o["files"][0]).name, Path(o["files"][1]).name, o["rows"]) for o in q.overlaps
    } == {
        ("jan.csv", "feb.csv", 1),
        ("feb.csv", "mar.csv", 1),
    }


def test_same_day_orders_without_id_in_one_file_are_not_duplicates(load, tmp_path) -> None:
    path = write(
        tmp_path / "t.csv",
        "customer_id,order_date,amount\nc1,2024-01-05 10:00:00,5\nc1,2024-01-05 18:00:00,5\n",
    )
    assert load(path).quality.rows_used == 2


# -- 7. one bad file among several ---------------------------------------------------------


@pytest.fixture
def folder_with_a_bad_file(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder / "a.csv", ROW.format("A,2024-01-01,10"))
    (folder / "b.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    write(folder / "c.csv", "name,city\nx,y\n")
    write(folder / "d.csv", ROW.format("D,2024-01-01,5"))
    return folder


def test_a_bad_file_names_the_skip_option(load, folder_with_a_bad_file: Path) -> None:
    with pytest.raises(InputError, match="PNG") as info:
        load(folder_with_a_bad_file)
    assert "--skip-bad-files" in (info.value.fix or "")


def test_one_file_alone_does_not_suggest_skipping(load, folder_with_a_bad_file: Path) -> None:
    with pytest.raises(InputError, match="PNG") as info:
        load(folder_with_a_bad_file / "b.csv")
    assert "--skip-bad-files" not in (info.value.fix or "")


def test_skip_bad_files_reads_the_others_and_reports_why(load, folder_with_a_bad_file) -> None:
    q = load(folder_with_a_bad_file, skip_bad_files=True).quality
    assert (q.rows_used, q.amount["sum"]) == (2, 15.0)
    skipped = {Path(s["file"]).name: s["reason"] for s in q.skipped}
    assert set(skipped) == {"b.csv", "c.csv"}
    assert "PNG" in skipped["b.csv"]
    assert "customer" in skipped["c.csv"]
    assert "Skipped " in q.summary()


def test_skip_bad_files_skips_a_file_failing_while_parsed(load, tmp_path: Path) -> None:
    good = write(tmp_path / "a.csv", ROW.format("A,2024-01-01,10"))
    rows = "".join(f"c{i},2024-01-01,1\n" for i in range(50_000))
    bad = write(tmp_path / "b.csv", "customer_id,order_date,amount\n" + rows + "x,1,2,3,4,5\n")
    with pytest.raises(InputError, match=r"b\.csv|line") as info:
        load([good, bad])
    assert "--skip-bad-files" in (info.value.fix or "")
    q = load([good, bad], skip_bad_files=True).quality
    assert (q.rows_used, [Path(s["file"]).name for s in q.skipped]) == (1, ["b.csv"])


def test_skipping_every_file_is_an_error(load, tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(InputError, match="No input could be read"):
        load(tmp_path / "b.csv", skip_bad_files=True)


# -- 6. JSON ---------------------------------------------------------------------------------


def test_deeply_nested_json_is_refused_before_parsing(load, tmp_path: Path) -> None:
    path = write(tmp_path / "deep.json", "[" * 30_000 + "]" * 30_000)
    with pytest.raises(InputError, match="nests deeper than 64 levels"):
        load(path)


def test_json_id_beyond_64_bits_and_amounts_as_strings(load, tmp_path: Path) -> None:
    records = [
        {"customer_id": 12345678901234567890, "order_date": "2024-01-01", "amount": 5},
        {"customer_id": 1, "order_date": "2024-01-02", "amount": "20.5"},
        {"customer_id": 2, "order_date": "2024-01-03", "amount": 1.25, "extra": {"a": [1]}},
    ]
    path = write(tmp_path / "j.json", json.dumps(records))
    loaded = load(path)
    frame = loaded.transactions.to_pandas().sort_values("amount")
    assert frame[["customer_id", "amount"]].values.tolist() == [
        ["2", 1.25],
        ["12345678901234567890", 5.0],
        ["1", 20.5],
    ]
    assert loaded.quality.rows_used == 3


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ('[{"a": "[[[[[[[[[["}]', False),  # brackets inside a string do not count
        ('[{"a": "\\"[[[[[[[[[["}]', False),  # an escaped quote does not end the string
        ('[{"a": "\\\\"}, [[[[[[[[[[]]]]]]]]]]]', True),  # an escaped backslash does
        ("[" * 11 + "]" * 11, True),
        ("[" * 10 + "]" * 10, False),
    ],
)
@pytest.mark.parametrize("chunk", [1, 2, 3, 1 << 20])
def test_depth_scan(tmp_path: Path, monkeypatch, text: str, deep: bool, chunk: int) -> None:
    monkeypatch.setattr(jsonfiles, "CHUNK", chunk)
    path = write(tmp_path / "x.json", text)
    if deep:
        with pytest.raises(InputError, match="nests deeper"):
            jsonfiles.check_depth(path, limit=10)
    else:
        jsonfiles.check_depth(path, limit=10)
