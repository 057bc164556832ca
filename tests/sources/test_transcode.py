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
    assert copy.read_text(encoding="utf-8") == text
    assert copy != source


def test_a_bad_byte_is_reported_with_its_line(tmp_path, small_chunks):
    good = "客户ID,金额\n" + "会员1,10\n" * 5
    source = tmp_path / "bad.csv"
    source.write_bytes(good.encode("gb18030") + b"\xff\xff,1\n")
    with pytest.raises(InputError) as info:
        transcode.to_utf8(source, "gb18030")
    assert info.value.location.row == 7
    assert info.value.location.file == str(source)
