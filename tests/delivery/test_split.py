"""Byte splitting for WeCom: at most N UTF-8 bytes, whole characters, whole lines when possible."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rfmkit.delivery import split_utf8


def test_chinese_text_splits_by_bytes_at_line_ends() -> None:
    line = "客户 C{:04d}:原重要价值客户,已 120 天未购买(风险金额 12,345.00)\n"
    text = "".join(line.format(i) for i in range(300))
    chunks = split_utf8(text, 4096)
    assert len(text.encode()) > 4096 * 4
    assert "".join(chunks) == text
    for chunk in chunks:
        data = chunk.encode("utf-8")
        assert len(data) <= 4096
        assert data.decode("utf-8") == chunk
        assert chunk.endswith("\n")
    # Greedy: each chunk could not have taken the next line too.
    first_lines = [c.split("\n", 1)[0] + "\n" for c in chunks[1:]]
    for chunk, following in zip(chunks, first_lines, strict=False):
        assert len((chunk + following).encode()) > 4096


def test_a_line_longer_than_the_limit_is_cut_between_characters() -> None:
    text = "预警" * 3000  # 18,000 bytes, no line break
    chunks = split_utf8(text, 4096)
    assert "".join(chunks) == text
    assert [len(c.encode()) for c in chunks] == [4095, 4095, 4095, 4095, 1620]


def test_four_byte_characters_are_never_cut() -> None:
    text = "😀" * 10
    assert split_utf8(text, 7) == ["😀"] * 10
    with pytest.raises(ValueError, match="at least 4 bytes"):
        split_utf8(text, 3)


@given(
    st.lists(
        st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n"), max_size=60),
        max_size=40,
    ),
    st.integers(min_value=4, max_value=120),
)
def test_split_properties(lines: list[str], limit: int) -> None:
    text = "\n".join(lines)
    chunks = split_utf8(text, limit)
    assert "".join(chunks) == text
    assert all(0 < len(c.encode()) <= limit for c in chunks)
    position = 0
    for chunk in chunks[:-1]:
        position += len(chunk)
        if text[position - 1] != "\n":
            # A cut inside a line only happens when that line alone is over the limit.
            start = text.rfind("\n", 0, position) + 1
            end = text.find("\n", position)
            line = text[start:] if end < 0 else text[start : end + 1]
            assert len(line.encode()) > limit
