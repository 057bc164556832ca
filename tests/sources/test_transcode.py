"""Streaming re-encoding of GB18030 files to UTF-8 (DuckDB's own decoder is unreliable)."""

from __future__ import annotations

import pytest

from rfmkit.errors import InputError
from rfmkit.sources import transcode


@pytest.fixture
def small_chunks(monkeypatch):
    # 7 bytes: Chinese characters (2 bytes in GBK) straddle chunk boundaries
    monkeypatch.setattr(transcode, "CHUNK", 7)


def test_characters_split_across_chunks_survive(tmp_path, small_chunks):
    text = "客户ID,订单号,实付金额\n" + "".join(f"会员{i},单{i},￥{i}.50\n" for i in range(50))
    source = tmp_path / "gbk.csv"
    source.write_bytes(text.encode("gb18030"))
    copy = transcode.to_utf8(source, "gb18030")
    assert copy.path.read_text(encoding="utf-8") == text
    assert copy.path != source
    assert copy.undecodable == ()


def test_a_bad_byte_is_reported_with_its_line(tmp_path, small_chunks):
    good = "客户ID,金额\n" + "会员1,10\n" * 5
    source = tmp_path / "bad.csv"
    source.write_bytes(good.encode("gb18030") + b"\xff\xff,1\n")
    with pytest.raises(InputError) as info:
        transcode.to_utf8(source, "gb18030")
    assert info.value.location.row == 7
    assert info.value.location.file == str(source)


def test_quarantine_keeps_bad_lines_in_place_with_replacement_marks(tmp_path, small_chunks):
    good = "客户ID,金额\n" + "会员1,10\n" * 5
    source = tmp_path / "bad.csv"
    source.write_bytes(good.encode("gb18030") + b"\xff\xff,1\n" + "会员2,3\r\n".encode("gb18030"))
    copy = transcode.to_utf8(source, "gb18030", quarantine=True)
    assert copy.undecodable == (7,)
    lines = copy.path.read_bytes().decode("utf-8").split("\n")
    assert lines[6] == "\ufffd\ufffd,1"  # the row keeps its place and its fields
    assert lines[7] == "会员2,3\r"
    assert lines[:6] == good.split("\n")[:6]


def test_a_failed_copy_is_removed(tmp_path, small_chunks):
    source = tmp_path / "failing.csv"
    source.write_bytes(b"a,b\n\xff\xff,1\n")
    with pytest.raises(InputError, match="not valid gb18030 text"):
        transcode.to_utf8(source, "gb18030")
    assert list(transcode._temp_folder().glob("failing-*")) == []


def test_utf16_streams_and_names_the_bad_line(tmp_path, small_chunks):
    source = tmp_path / "u16.csv"
    source.write_bytes("a,b\n张,1\n".encode("utf-16-le") + b"\x00\xd8\n\x00")  # lone surrogate
    with pytest.raises(InputError, match="not valid utf-16-le text") as info:
        transcode.to_utf8(source, "utf-16-le", quarantine=True)
    assert info.value.location.row == 3
