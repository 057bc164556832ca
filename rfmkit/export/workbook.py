"""Excel workbooks written as a stream: XlsxWriter in constant-memory mode.

Rows go to the file as the Arrow batches arrive, so a large customer table
needs neither a DataFrame nor the whole sheet in memory. Each sheet has a
bold, frozen header row, column widths that fit the data, and typed cells:

* dates are Excel dates shown as ``yyyy-mm-dd`` (timestamps with the time);
* money (:data:`rfmkit.export.cells.MONEY_COLUMNS`) with thousands
  separators and the currency's decimals, integers with thousands separators;
* text is always written as a string cell, never as a formula; text that
  starts like a formula (``=``, ``+``, ``-``, ``@``, tab, CR) also gets
  Excel's quote prefix unless ``raw_cells``. Control characters that XML
  cannot hold (such as ``\\x0b``) are written in the OOXML escape
  ``_x000B_``, which Excel reads back as the character.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from rfmkit.errors import OutputError
from rfmkit.export.cells import FORMULA_PATTERN, is_money

#: Rows of an Excel sheet, the header row not counted.
EXCEL_MAX_ROWS = 1_048_575
#: Days from Excel's day zero (1899-12-30) to 1970-01-01.
_EPOCH = 25569
_MAX_WIDTH = 50
_DAY_SECONDS = 86_400.0
#: Longest text of a cell (Excel's limit, in characters).
_MAX_TEXT = 32_767
_CONTROL = "[\\x00-\\x08\\x0b-\\x1f]"
_BAD_NAME = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass
class _Column:
    """How one column's cells are written, and the widest value seen."""

    kind: str  # "number", "text" or "bool"
    style: Format | None
    width: int
    convert: Callable[[pa.Array], pa.Array] = field(default=lambda a: a)


def sheet_name(name: str) -> str:
    """``name`` as a valid sheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    return name.translate(_BAD_NAME)[:31] or "Sheet"


class _StreamSheet(Worksheet):
    """A constant-memory worksheet that also takes whole rows as ready XML.

    XlsxWriter builds each cell's XML in Python, a few microseconds a cell;
    :meth:`append_rows` takes the ``<row>`` elements of a whole batch built
    with vectorised Arrow string functions instead (:func:`_rows_xml`), and
    keeps XlsxWriter's own bookkeeping (dimensions, row order) right.
    Everything else (styles, header, panes, widths, the package) is
    XlsxWriter's.
    """

    def append_rows(self, first_row: int, last_row: int, last_col: int, xml: list[str]) -> None:
        self._write_single_row(first_row)  # flush the rows written cell by cell
        self._check_dimensions(first_row, 0)
        self._check_dimensions(last_row, last_col)
        self.fh.writelines(xml)
        self.previous_row = last_row + 1


class Book:
    """An open workbook: add sheets one after another, then :meth:`close`."""

    def __init__(self, out: IO[bytes], *, money_columns: Collection[str], money_decimals: int):
        self._book = xlsxwriter.Workbook(
            out, {"constant_memory": True, "strings_to_formulas": False}
        )
        self._money_columns = money_columns
        zeros = "." + "0" * money_decimals if money_decimals > 0 else ""
        add = self._book.add_format
        self._styles = {
            "header": add({"bold": True, "bottom": 1}),
            "money": add({"num_format": f"#,##0{zeros}"}),
            "integer": add({"num_format": "#,##0"}),
            "date": add({"num_format": "yyyy-mm-dd"}),
            "timestamp": add({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            "quoted": add({"quote_prefix": True}),
        }

    def add_sheet(self, name: str, batches: pa.RecordBatchReader, *, raw_cells: bool) -> int:
        """Write one sheet from ``batches``; return its number of rows."""
        sheet = self._book.add_worksheet(sheet_name(name), worksheet_class=_StreamSheet)
        assert isinstance(sheet, _StreamSheet)
        names = batches.schema.names
        columns = [self._column(f) for f in batches.schema]
        for col, title in enumerate(names):
            sheet.write_string(0, col, title, self._styles["header"])
        sheet.freeze_panes(1, 0)
        quoted = None if raw_cells else self._styles["quoted"]
        row = 0
        for batch in batches:
            if row + batch.num_rows > EXCEL_MAX_ROWS:
                raise OutputError(
                    f"More than {EXCEL_MAX_ROWS:,} rows do not fit in an Excel sheet.",
                    fix="Write .parquet or .csv instead.",
                )
            if batch.num_rows:
                xml = _rows_xml(batch, columns, row + 1, quoted)
                sheet.append_rows(row + 1, row + batch.num_rows, len(columns) - 1, xml)
            row += batch.num_rows
        for col, (title, column) in enumerate(zip(names, columns, strict=True)):
            width = min(max(column.width, _display_width(title) + 2), _MAX_WIDTH)
            sheet.set_column(col, col, width)
        return row

    def close(self) -> None:
        self._book.close()

    def _column(self, spec: pa.Field) -> _Column:
        kind = spec.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if is_money(spec.name, kind, self._money_columns):
            return _Column("number", self._styles["money"], 12, _floats)
        if pa.types.is_integer(kind):
            return _Column("number", self._styles["integer"], 8)
        if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            return _Column("number", None, 10, _floats)
        if pa.types.is_boolean(kind):
            return _Column("bool", None, 7, lambda a: pc.cast(a, pa.int8()))
        if pa.types.is_date(kind):
            return _Column("number", self._styles["date"], 12, _date_serials)
        if pa.types.is_timestamp(kind):
            return _Column("number", self._styles["timestamp"], 20, _time_serials)
        return _Column("text", None, 6, _texts)


def _rows_xml(
    batch: pa.RecordBatch, columns: list[_Column], first_row: int, quoted: Format | None
) -> list[str]:
    """The ``<row>`` elements of ``batch``, built column by column with Arrow functions."""
    numbers = pc.cast(pa.array(range(first_row + 1, first_row + 1 + batch.num_rows)), pa.string())
    pieces: list[pa.Array | str] = ['<row r="', numbers, '">']
    for col, (column, array) in enumerate(zip(columns, batch.columns, strict=True)):
        values = column.convert(array)
        ref = ['<c r="' + xl_col_to_name(col), numbers, '"']
        if column.kind == "text":
            column.width = max(column.width, _widest(values))
            cell = _text_cells(ref, values, quoted)
        else:
            style = f' s="{column.style._get_xf_index()}"' if column.style is not None else ""
            typed = ' t="b"' if column.kind == "bool" else ""
            text = pc.cast(values, pa.string())
            cell = _join([*ref, style + typed + "><v>", text, "</v></c>"])
            if column.kind == "number" and column.style is None:
                column.width = max(column.width, _widest(text))
        pieces.append(pc.fill_null(cell, ""))
    pieces.append("</row>")
    return _join(pieces).to_pylist()


def _text_cells(ref: list[pa.Array | str], values: pa.Array, quoted: Format | None) -> pa.Array:
    escaped = _escape(values)
    preserve = pc.if_else(pc.match_substring_regex(values, r"^\s|\s$"), ' xml:space="preserve"', "")
    style: pa.Array | str = ""
    if quoted is not None:
        prefix = f' s="{quoted._get_xf_index()}"'
        risky = pc.match_substring_regex(values, FORMULA_PATTERN)
        style = pc.if_else(risky, prefix, "")
    return _join([*ref, style, ' t="inlineStr"><is><t', preserve, ">", escaped, "</t></is></c>"])


def _join(pieces: list[pa.Array | str]) -> pa.Array:
    """Element-wise concatenation; null where any array piece is null."""
    return pc.binary_join_element_wise(*pieces, "")


def _escape(values: pa.Array) -> pa.Array:
    """XML text: ``& < >`` escaped, control characters as OOXML ``_xHHHH_``."""
    values = pc.utf8_slice_codeunits(values, 0, _MAX_TEXT)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        values = pc.replace_substring(values, char, entity)
    if pc.any(pc.match_substring_regex(values, _CONTROL)).as_py():
        for code in [*range(0x00, 0x09), *range(0x0B, 0x20)]:
            values = pc.replace_substring(values, chr(code), f"_x{code:04X}_")
    return values


def _widest(values: pa.Array) -> int:
    """Display width of the longest value (CJK characters count twice), plus a margin."""
    if len(values) == 0:
        return 0
    wide = pc.count_substring_regex(
        values,
        "[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]",
    )
    longest = pc.max(pc.add(pc.utf8_length(values), wide)).as_py()
    return int(longest or 0) + 2


def _display_width(text: str) -> int:
    return _widest(pa.array([text])) - 2


def _floats(array: pa.Array) -> pa.Array:
    values = pc.cast(array, pa.float64())
    return pc.if_else(pc.is_finite(values), values, pa.scalar(None, pa.float64()))


def _date_serials(array: pa.Array) -> pa.Array:
    days = pc.cast(pc.cast(array, pa.date32()), pa.int32())
    return pc.add(days, _EPOCH)


def _time_serials(array: pa.Array) -> pa.Array:
    seconds = pc.cast(pc.cast(array, pa.timestamp("us"), safe=False), pa.int64())
    return pc.add(pc.divide(pc.cast(seconds, pa.float64()), _DAY_SECONDS * 1e6), _EPOCH)


def _texts(array: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(array.type):
        array = pc.cast(array, array.type.value_type)
    return pc.cast(array, pa.string())
