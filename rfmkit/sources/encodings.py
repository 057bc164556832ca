"""Which text encoding a file is in, decided per file from a sample of its first bytes.

The cheap path comes first: a sample that decodes as UTF-8 is UTF-8, one
that starts with a UTF-16 byte-order mark is UTF-16. Only when the sample
does not decode as UTF-8 are its lines looked at one by one, to tell a
GBK/GB18030 file from a UTF-8 file holding a few lines in another encoding
(one GBK line pasted into a UTF-8 export). Such a file is read as UTF-8 and
the lines that do not decode are quarantined (rule ``undecodable_line``),
never decoded again in another encoding; a file whose lines are split
between UTF-8 and GBK is refused, naming lines of both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rfmkit.errors import InputError

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

#: Spellings users write, mapped to the names DuckDB's CSV reader knows.
ENCODING_NAMES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "utf8-sig": "utf-8",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "cp936": "gb18030",
    "gb-18030": "gb18030",
    "latin1": "latin-1",
    "latin-1": "latin-1",
    "iso-8859-1": "latin-1",
    "iso8859-1": "latin-1",
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
    "utf-16": "utf-16",
    "utf16": "utf-16",
    "utf-16le": "utf-16-le",
    "utf-16-le": "utf-16-le",
    "utf-16be": "utf-16-be",
    "utf-16-be": "utf-16-be",
    "big5": "big5",
    "shift_jis": "shift_jis",
    "sjis": "shift_jis",
}

#: A UTF-8 line counts as UTF-8 text (not GBK bytes that happen to decode) when it holds CJK.
_CJK = re.compile("[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@dataclass(frozen=True)
class Encoding:
    """The encoding of one file and what was seen while deciding it.

    Attributes
    ----------
    name
        The encoding the file is read in (``utf-8``, ``gb18030``, ``utf-16-le`` ...).
    mixed
        Some lines of the sample do not decode in ``name``: they are
        quarantined (the file is read through :mod:`.transcode`).
    note
        A sentence for the quality report when the decision was not plain.
    """

    name: str
    mixed: bool = False
    note: str | None = None


def duckdb_encoding(name: str) -> str:
    """The canonical name of encoding ``name`` (``gbk`` → ``gb18030``)."""
    return ENCODING_NAMES.get(name.strip().lower(), name.strip().lower())


def decide(sample: bytes, path: Path, given: str | None = None) -> Encoding:
    """The encoding of the file ``path`` whose first bytes are ``sample``.

    ``given`` is the encoding the user named (``--encoding``), if any.

    Raises
    ------
    InputError
        When the sample is neither UTF-8 nor GBK/GB18030, when its lines
        are split between the two, or when it contradicts its byte-order mark.
    """
    if given:
        return _given(sample, path, duckdb_encoding(given))
    if sample.startswith(UTF16_BOMS):
        return Encoding("utf-16")
    bomless = utf16_without_bom(sample)
    if bomless:
        return Encoding(bomless, note=f"UTF-16 text without a byte-order mark, read as {bomless}")
    body = sample[len(UTF8_BOM) :] if sample.startswith(UTF8_BOM) else sample
    if decodes(body, "utf-8"):
        return Encoding("utf-8")
    utf8, bad = line_census(body)
    if sample.startswith(UTF8_BOM) and not _cjk_lines(body, utf8):
        raise InputError(
            "The file starts with a UTF-8 byte-order mark, but its text is not UTF-8"
            + (" (it looks like GBK/GB18030)." if decodes(body, "gb18030") else "."),
            file=str(path),
            row=bad[0],
            fix="Save the file again as UTF-8, or give --encoding gbk to read it as GBK.",
        )
    if len(utf8) >= 2 * len(bad):
        return Encoding("utf-8", mixed=True, note=_mixed_note(bad))
    cjk = _cjk_lines(body, utf8)
    if cjk:
        raise InputError(
            "The file mixes text encodings: "
            f"{_lines(cjk)} {'is' if len(cjk) == 1 else 'are'} UTF-8, "
            f"{_lines(bad)} {'is' if len(bad) == 1 else 'are'} not (GBK/GB18030?). "
            "rfmkit does not guess line by line.",
            file=str(path),
            row=bad[0],
            fix="Save the file again in one encoding (UTF-8), or give --encoding "
            "to read every line in that encoding (lines that do not decode are quarantined).",
            details={"utf8_lines": cjk[:10], "other_lines": bad[:10]},
        )
    if decodes(body, "gb18030"):
        return Encoding("gb18030")
    lines = body.split(b"\n")
    not_gbk = [n for n in bad if not decodes(lines[n - 1], "gb18030")]
    if 2 * len(not_gbk) <= len(bad):  # GBK, but for a few lines: quarantined
        return Encoding("gb18030", mixed=True, note=_mixed_note(not_gbk, "GB18030"))
    raise InputError(
        "Cannot tell the text encoding of the file: it is neither UTF-8 nor GBK/GB18030.",
        file=str(path),
        row=not_gbk[0],
        fix="Give the encoding with --encoding (for example latin-1, cp1252, big5), "
        "or save the file as UTF-8.",
    )


def _given(sample: bytes, path: Path, name: str) -> Encoding:
    """The encoding the user named, checked against the byte-order marks."""
    if name == "utf-16" and not sample.startswith(UTF16_BOMS):
        bomless = utf16_without_bom(sample)
        if bomless is None:
            raise InputError(
                "The file is not UTF-16 text: it has no byte-order mark and no "
                "UTF-16 pattern (every other byte zero).",
                file=str(path),
                fix="Give the right encoding with --encoding (utf-8, gbk ...), "
                "or utf-16-le / utf-16-be if you know the byte order.",
            )
        return Encoding(bomless, note=f"UTF-16 text without a byte-order mark, read as {bomless}")
    if name.startswith("utf-16") or name == "utf-8" or not sample.startswith(UTF8_BOM):
        return Encoding(name, mixed=_ascii_compatible(name) and not decodes(sample, name))
    return Encoding(name, note=f"a UTF-8 byte-order mark before {name} text, skipped")


def utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when ``sample`` looks like mostly-ASCII UTF-16."""
    head = sample[: 4096 - 4096 % 2]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    pairs = len(odd)
    if odd.count(0) > 0.9 * pairs and even.count(0) < 0.1 * pairs:
        return "utf-16-le"
    if even.count(0) > 0.9 * pairs and odd.count(0) < 0.1 * pairs:
        return "utf-16-be"
    return None


def decodes(sample: bytes, name: str) -> bool:
    """Whether ``sample`` decodes in ``name`` (allowing a character cut at its end)."""
    for cut in range(4):
        try:
            sample[: len(sample) - cut].decode(name)
            return True
        except UnicodeDecodeError:
            continue
        except LookupError:
            return True  # unknown names are refused where the file is decoded
    return False


def line_census(sample: bytes) -> tuple[list[int], list[int]]:
    """Lines (1-based) of ``sample`` holding non-ASCII UTF-8, and lines that are not UTF-8.

    The last line may be cut by the end of the sample: it is left out when
    it is the only one that fails.
    """
    utf8: list[int] = []
    bad: list[int] = []
    lines = sample.split(b"\n")
    for number, line in enumerate(lines, 1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8.append(number)
        except UnicodeDecodeError:
            if number < len(lines) or not decodes(line, "utf-8"):
                bad.append(number)
    return utf8, bad


def _cjk_lines(sample: bytes, utf8: list[int]) -> list[int]:
    """The lines among ``utf8`` whose UTF-8 text holds Chinese, Japanese or Korean characters."""
    lines = sample.split(b"\n")
    return [n for n in utf8 if _CJK.search(lines[n - 1].decode("utf-8"))]


def _ascii_compatible(name: str) -> bool:
    """Whether line breaks are the byte ``\\n`` in ``name`` (so lines can be decoded alone)."""
    try:
        return "\n".encode(name) == b"\n" and not name.startswith("utf-16")
    except LookupError:
        return False


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:5])
    more = f" and {len(numbers) - 5} more" if len(numbers) > 5 else ""
    return f"line{'s' if len(numbers) > 1 else ''} {shown}{more}"


def _mixed_note(bad: list[int], name: str = "UTF-8") -> str:
    return (
        f"{name}, but {_lines(bad)} of the first megabyte {'is' if len(bad) == 1 else 'are'} "
        "not: such lines are quarantined (undecodable_line)"
    )
