"""Excel workbooks: find the sheet and header row with openpyxl, read the cells with DuckDB.

openpyxl (read-only mode) looks at the first rows of every sheet to choose
the sheet that has the needed columns and the row that holds the header
(exports often start with a title); DuckDB's ``excel`` extension
(``read_xlsx``) then reads the data inside the engine, every cell as text.
Dates stored as Excel dates arrive as serial numbers, which
:func:`rfmkit.sources.values.order_date` understands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ibis.backends import BaseBackend

from rfmkit.backend import engine_name, load_duckdb_extension
from rfmkit.errors import InputError
from rfmkit.sources.base import RawSource
from rfmkit.sources.columns import find_header_row, header_score

PROBE_ROWS = 30
MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class SheetProbe:
    """The first rows of one sheet and what they say."""

    name: str
    rows: list[list[str]]
    header: int
    score: int
    max_row: int
    max_column: int


def read_excel(
    path: Path, con: BaseBackend, *, sheet: str | None, mapping: Mapping[str, str]
) -> RawSource:
    """Read the chosen sheet of the workbook ``path`` into a :class:`RawSource`."""
    probes = probe_workbook(path, mapping)
    chosen = _choose(probes, sheet, path)
    where = f"{path}[{chosen.name}]"
    blank = not any(any(cell for cell in row) for row in chosen.rows[chosen.header + 1 :])
    if blank and chosen.max_row <= max(chosen.header + 1, PROBE_ROWS):
        raise InputError(
            f"The sheet {chosen.name!r} has no data rows.",
            file=str(path),
            row=chosen.header + 2,
            fix="Choose the sheet with the orders with --sheet, or export it again.",
        )
    if engine_name(con) != "duckdb":
        raise InputError(
            "Excel files are read with the DuckDB engine only.",
            file=str(path),
            fix="Save the sheet as CSV or Parquet, or use --engine duckdb.",
        )
    load_duckdb_extension(con, "excel")
    table = con.sql(_query(path, chosen))
    info = {"sheet": chosen.name, "sheets": [p.name for p in probes], "skip": chosen.header}
    return RawSource(path.stem, table, where, chosen.header + 1, "excel", info)


def _query(path: Path, probe: SheetProbe) -> str:
    from openpyxl.utils import get_column_letter

    first = probe.header + 1
    last_col = get_column_letter(max(probe.max_column, 1))
    cells = f"A{first}:{last_col}{probe.max_row}"
    source = (
        f"read_xlsx('{_quote(str(path))}', sheet = '{_quote(probe.name)}', header = true, "
        f"all_varchar = true, stop_at_empty = false, range = '{cells}')"
    )
    # Line numbers are kept before blank rows are dropped.
    numbered = f"SELECT *, CAST(row_number() OVER () AS BIGINT) + {first} AS _line FROM {source}"
    flagged = f"SELECT *, coalesce(*COLUMNS(* EXCLUDE (_line))) AS _any FROM ({numbered})"
    return f"SELECT * EXCLUDE (_any) FROM ({flagged}) WHERE _any IS NOT NULL"


def _quote(text: str) -> str:
    return text.replace("'", "''")


def probe_workbook(path: Path, mapping: Mapping[str, str]) -> list[SheetProbe]:
    """The first rows of every sheet of the workbook ``path``."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(
            "The Excel file cannot be opened: it is damaged or not really an .xlsx file.",
            file=str(path),
            fix="Open it in Excel or WPS and save it again as .xlsx, or export CSV.",
        ) from exc
    try:
        return [_probe(ws, mapping) for ws in book.worksheets]
    except Exception as exc:
        raise InputError(
            "The Excel file cannot be read: it is damaged.",
            file=str(path),
            fix="Open it in Excel or WPS and save it again as .xlsx, or export CSV.",
        ) from exc
    finally:
        book.close()


def _probe(ws: Any, mapping: Mapping[str, str]) -> SheetProbe:
    rows: list[list[str]] = []
    for row in ws.iter_rows(max_row=PROBE_ROWS, values_only=True):
        rows.append(["" if cell is None else str(cell).strip() for cell in row])
    header = find_header_row(rows, mapping) if rows else 0
    score = header_score(rows[header], mapping) if rows else 0
    width = max((len(r) for r in rows), default=0)
    max_row = ws.max_row if ws.max_row else MAX_ROWS
    max_column = ws.max_column if ws.max_column else width
    return SheetProbe(ws.title, rows, header, score, int(max_row), int(max(max_column, width)))


def _choose(probes: list[SheetProbe], sheet: str | None, path: Path) -> SheetProbe:
    names = [p.name for p in probes]
    if sheet is not None:
        for probe in probes:
            if probe.name == sheet or probe.name.strip().lower() == sheet.strip().lower():
                return probe
        if sheet.isdigit() and 1 <= int(sheet) <= len(probes):
            return probes[int(sheet) - 1]
        raise InputError(
            f"The workbook has no sheet {sheet!r}.",
            file=str(path),
            fix=f"Use --sheet with one of: {', '.join(names)}.",
            details={"sheets": names},
        )
    with_data = [p for p in probes if any(any(c for c in r) for r in p.rows)]
    if not with_data:
        raise InputError(
            "The Excel file has no data: every sheet is empty.",
            file=str(path),
            fix="Export the orders again.",
            details={"sheets": names},
        )
    return max(with_data, key=lambda p: (p.score, -probes.index(p)))
