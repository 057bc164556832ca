"""CSV errors say the cause, the line and what to do (not "CSV Error on Line 1" or "sniffing")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rfmkit.cli import main
from rfmkit.errors import InputError
from tests.sources.conftest import write

HEADER = "customer_id,order_id,order_date,amount\n"


def rows(count: int, start: int = 0) -> str:
    return "".join(f"c{i % 97},o{i},2024-01-05,10\n" for i in range(start, start + count))


def run(capsys, *args: object) -> tuple[int, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    text = captured.err + captured.out
    assert "Traceback" not in text
    return code, " ".join(text.split())


@pytest.fixture
def long_field(tmp_path: Path) -> Path:
    text = HEADER.rstrip("\n") + ",note\n" + "c1,o1,2024-01-05,100," + "x" * 10_000_000 + "\n"
    return write(tmp_path / "long.csv", text + "c2,o2,2024-01-05,1,y\n")


def test_a_10mb_field_names_the_line_and_the_limit(load, long_field: Path) -> None:
    with pytest.raises(
        InputError,
        match=r"Line 2 is 10,000,021 bytes long, longer than the CSV reader's limit "
        r"of 2,000,000 bytes",
    ) as info:
        load(long_field)
    assert info.value.location.row == 2
    assert "Shorten or remove that cell" in (info.value.fix or "")


def test_a_long_line_beyond_the_sample(load, tmp_path: Path) -> None:
    text = HEADER + rows(40_000) + "c1,o1,2024-01-05," + "9" * 3_000_000 + "\n" + rows(5)
    with pytest.raises(InputError, match=r"Line 40002 is 3,000,017 bytes long") as info:
        load(write(tmp_path / "late.csv", text))
    assert info.value.location.row == 40_002


def test_a_row_with_an_extra_field_names_its_line(load, tmp_path: Path) -> None:
    text = HEADER + "c1,o1,2024-01-05,100\nc2,o2,2024-01-05,1,234\nc3,o3,2024-01-05,5\n"
    with pytest.raises(
        InputError, match=r"Line 3 has 5 fields where the header has 4: c2,o2,2024-01-05,1,234"
    ) as info:
        load(write(tmp_path / "extra.csv", text))
    assert info.value.location.row == 3
    assert "must be quoted" in (info.value.fix or "")


def test_an_extra_field_beyond_the_sample(load, tmp_path: Path) -> None:
    text = HEADER + rows(50_000) + "c2,o2,2024-01-05,1,234\n" + rows(3)
    with pytest.raises(InputError, match=r"Line 50002 has 5 fields where the header has 4"):
        load(write(tmp_path / "extra.csv", text))


@pytest.mark.parametrize("mark", ["#", "~", "^", "｜"])
def test_an_unknown_separator_is_suggested(load, tmp_path: Path, mark: str) -> None:
    text = HEADER.replace(",", mark) + rows(3).replace(",", mark)
    expected = f"header is one column (line 1: {HEADER.strip().replace(',', mark)}): "
    with pytest.raises(
        InputError, match=re.escape(expected + f"its fields seem separated by '{mark}'.")
    ) as info:
        load(write(tmp_path / "odd.csv", text))
    assert info.value.fix == f"Give the separator: --delimiter '{mark}'."
    assert "--map" not in str(info.value)


def test_a_given_delimiter_that_does_not_split_the_header(load, tmp_path: Path) -> None:
    path = write(tmp_path / "semi.csv", HEADER.replace(",", ";") + rows(3).replace(",", ";"))
    with pytest.raises(
        InputError, match=r"The delimiter ',' given does not split the header .*; ';' does"
    ) as info:
        load(path, delimiter=",")
    assert info.value.fix == "Give --delimiter ';', or leave --delimiter out to detect it."


def test_a_one_column_file_without_a_separator_still_asks_for_columns(load, tmp_path) -> None:
    from rfmkit.errors import ColumnNotFoundError

    with pytest.raises(ColumnNotFoundError, match="No customer column"):
        load(write(tmp_path / "one.csv", "name\nalice\nbob\n"))


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        (
            HEADER + "c1,o1,2024-01-05,100\nc2,o2,2024-01-05,1,234\n",
            [],
            "Line 3 has 5 fields where the header has 4",
        ),
        (HEADER.replace(",", "#") + "c1#o1#2024-01-05#1\n", [], "--delimiter '#'"),
        (
            HEADER.replace(",", ";") + "c1;o1;2024-01-05;1\n",
            ["--delimiter", ","],
            "The delimiter ',' given does not split the header",
        ),
    ],
)
def test_cli_messages(capsys, tmp_path: Path, content: str, args: list[str], expected: str) -> None:
    path = write(tmp_path / "in.csv", content)
    code, text = run(capsys, "check", path, "--lang", "en", *args)
    assert code == 2
    assert expected in text


def test_cli_long_field(capsys, long_field: Path) -> None:
    code, text = run(capsys, "check", long_field, "--lang", "en")
    assert code == 2
    assert "Line 2 is 10,000,021 bytes long, longer than the CSV reader's limit" in text
    assert "CSV Error on Line" not in text
