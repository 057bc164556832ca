"""Encodings decided per file: stray lines quarantined with their line, never re-decoded.

One GBK line in a UTF-8 export used to turn the whole file into GB18030
(张三 read as 寮犱笁: one customer split in two across files).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rfmkit.cli import main
from rfmkit.errors import InputError
from rfmkit.sources import encodings
from tests.sources.conftest import write

HEADER = "customer_id,order_id,order_date,amount\n"


def utf8_rows(count: int, start: int = 0) -> str:
    return "".join(f"张三,o{i},2024-01-05,10\n" for i in range(start, start + count))


def run(capsys, *args: object) -> tuple[int, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    text = captured.err + captured.out
    assert "Traceback" not in text
    return code, " ".join(text.split())


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A UTF-8 file with one GBK line (line 7)."""
    path = tmp_path / "mixed.csv"
    gbk_line = "李四,x1,2024-01-06,50\n".encode("gbk")
    path.write_bytes((HEADER + utf8_rows(5)).encode() + gbk_line + utf8_rows(3, 5).encode())
    return path


def test_one_gbk_line_in_utf8_is_quarantined_with_its_line(load, mixed: Path) -> None:
    loaded = load(mixed)
    q = loaded.quality
    assert (q.rows_read, q.rows_used) == (9, 8)
    rule = next(r for r in q.rules if r.rule == "undecodable_line")
    assert (rule.count, rule.action) == (1, "quarantined")
    assert rule.examples[0]["line"] == 7
    assert q.sources[0].detected["encoding"] == "utf-8"
    assert q.sources[0].detected["undecodable_lines"] == [7]
    frame = loaded.transactions.to_pandas()
    assert set(frame.customer_id) == {"张三"}  # not 寮犱笁: the file stays UTF-8
    assert frame.amount.sum() == 80
    rejects = loaded.rejects().to_pandas()
    assert rejects[["line", "reason"]].values.tolist() == [[7, "undecodable_line"]]


def test_the_same_customer_in_two_files_stays_one(load, mixed: Path, tmp_path: Path) -> None:
    other = write(tmp_path / "clean.csv", HEADER + "张三,o99,2024-02-01,5\n")
    loaded = load([mixed, other])
    assert set(loaded.transactions.to_pandas().customer_id) == {"张三"}


def test_a_gbk_line_beyond_the_sample_is_quarantined(load, tmp_path: Path) -> None:
    # the sample (1 MB) is clean UTF-8: DuckDB meets the bad line and the file is read again
    rows = utf8_rows(60_000)
    path = tmp_path / "late.csv"
    path.write_bytes((HEADER + rows).encode() + "李四,x,2024-01-06,50\n".encode("gbk"))
    assert path.stat().st_size > 1 << 20
    q = load(path).quality
    assert (q.rows_read, q.rows_used) == (60_001, 60_000)
    rule = next(r for r in q.rules if r.rule == "undecodable_line")
    assert rule.examples[0]["line"] == 60_002


def test_a_bad_line_in_a_gbk_file_is_quarantined(load, tmp_path: Path) -> None:
    text = "客户ID,订单号,下单日期,实付金额\n" + "会员1,单1,2024-01-05,10\n" * 3
    path = tmp_path / "gbk.csv"
    path.write_bytes(
        text.encode("gbk") + b"\xff\xfe,x,2024-01-05,1\n" + "会员2,单9,2024-01-06,5\n".encode("gbk")
    )
    q = load(path, keep_duplicates=True).quality
    assert q.sources[0].detected["encoding"] == "gb18030"
    assert (q.rows_read, q.rows_used) == (5, 4)
    assert next(r for r in q.rules if r.rule == "undecodable_line").examples[0]["line"] == 5


def test_a_clean_gbk_file_has_no_line_check(load, tmp_path: Path) -> None:
    text = "客户ID,订单号,下单日期,实付金额\n会员1,单1,2024-01-05,10\n会员2,单2,2024-01-06,5\n"
    q = load(write(tmp_path / "gbk.csv", text, "gbk")).quality
    assert q.sources[0].detected["encoding"] == "gb18030"
    assert "undecodable_lines" not in q.sources[0].detected
    assert (q.rows_read, q.rows_used) == (2, 2)


def test_lines_split_between_utf8_and_gbk_stop_the_run(load, tmp_path: Path) -> None:
    path = tmp_path / "half.csv"
    path.write_bytes(
        HEADER.encode()
        + "张三,o1,2024-01-05,10\n".encode()
        + "李四,o2,2024-01-05,10\n".encode("gbk")
    )
    with pytest.raises(InputError, match=r"mixes text encodings: line 2 is UTF-8, line 3 is not"):
        load(path)


def test_an_undecodable_header_stops_the_run(load, tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_bytes("客户,日期,金额\n".encode("gbk") + utf8_rows(10).encode())
    with pytest.raises(InputError, match="header line is not valid utf-8") as info:
        load(path)
    assert info.value.location.row == 1


def test_too_many_bad_lines_is_another_encoding(load, tmp_path: Path, monkeypatch) -> None:
    from rfmkit.sources import transcode

    monkeypatch.setattr(transcode, "MAX_UNDECODABLE", 3)
    path = tmp_path / "many.csv"
    path.write_bytes((HEADER + utf8_rows(20)).encode() + "李四,x,2024-01-06,5\n".encode("gbk") * 5)
    with pytest.raises(InputError, match=r"more than 3 lines do not decode \(lines 22, 23"):
        load(path)


def test_utf8_bom_before_gbk_text_is_named(load, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "李四,o1,2024-01-05,10\n").encode("gbk"))
    with pytest.raises(
        InputError, match="UTF-8 byte-order mark, but its text is not UTF-8"
    ) as info:
        load(path)
    assert info.value.location.row == 2
    assert "--encoding gbk" in (info.value.fix or "")


def test_utf8_bom_before_gbk_text_read_with_encoding_gbk(load, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(
        b"\xef\xbb\xbf" + ("客户ID,订单号,下单日期,实付金额\n李四,o1,2024-01-05,10\n").encode("gbk")
    )
    loaded = load(path, encoding="gbk")
    assert loaded.transactions.to_pandas().customer_id.tolist() == ["李四"]
    assert "byte-order mark" in loaded.quality.sources[0].detected["encoding_note"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("given", [None, "utf-16"])
def test_utf16_without_bom(load, tmp_path: Path, codec: str, given: str | None) -> None:
    path = write(tmp_path / "u16.csv", HEADER + utf8_rows(3), codec)
    loaded = load(path, encoding=given)
    assert loaded.transactions.to_pandas().customer_id.tolist() == ["张三"] * 3
    assert loaded.quality.sources[0].detected["encoding"] == codec


def test_utf16_given_for_a_file_that_is_not(load, tmp_path: Path) -> None:
    path = write(tmp_path / "u8.csv", HEADER + utf8_rows(3))
    with pytest.raises(InputError, match="not UTF-16 text: it has no byte-order mark"):
        load(path, encoding="utf-16")


def test_decide_is_cheap_for_clean_samples() -> None:
    # a sample that decodes is decided without looking at its lines
    assert encodings.decide((HEADER + utf8_rows(3)).encode(), Path("x.csv")) == encodings.Encoding(
        "utf-8"
    )
    gbk = (HEADER + utf8_rows(3)).encode("gbk")
    assert encodings.decide(gbk, Path("x.csv")).name == "gb18030"


def test_cli_names_the_encoding_problem(capsys, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "李四,o1,2024-01-05,10\n").encode("gbk"))
    code, text = run(capsys, "check", path, "--lang", "en")
    assert code == 2
    assert "byte-order mark, but its text is not UTF-8 (it looks like GBK/GB18030)" in text


def _big_gbk(path: Path, megabytes: int) -> Path:
    block = ("".join(f"会员{i},单{i},2024-01-05,{i}.50\n" for i in range(20_000))).encode("gbk")
    with path.open("wb") as handle:
        handle.write("客户ID,订单号,下单日期,实付金额\n".encode("gbk"))
        for _ in range(megabytes * (1 << 20) // len(block) + 1):
            handle.write(block)
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_mid_transcode_leaves_no_temporary_copy(tmp_path: Path) -> None:
    big = _big_gbk(tmp_path / "big.csv", 64)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    process = subprocess.Popen(
        [sys.executable, "-m", "rfmkit", "check", str(big)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(temp.glob("rfmkit-utf8-*/*.csv")):  # the copy is being written
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.005)
        copy = next(temp.glob("rfmkit-utf8-*/*.csv"))
        assert copy.stat().st_size < big.stat().st_size  # mid-transcode
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, err
    assert b"Traceback" not in err
    assert list(temp.iterdir()) == []
