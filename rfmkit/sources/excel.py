"""Excel workbooks: find the sheets and header rows with openpyxl, read the cells with DuckDB.

openpyxl (read-only mode) looks at the first rows of every sheet to find
the sheets that have the needed columns and the row that holds each header
(exports often start with a title); DuckDB's ``excel`` extension
(``read_xlsx``) then reads the data inside the engine, every cell as text.
Dates stored as Excel dates arrive as serial numbers, which
:func:`rfmkit.sources.values.order_date` understands.

Every visible sheet with the needed columns is read (never one picked
quietly); each row keeps its sheet in ``_sheet`` (the value of its
``source``: ``orders#Q2``) and its line in ``_line``. Hidden sheets are only
read when named with ``sheet``. What was done with each sheet (read, hidden,
skipped and why) is in ``info["sheets"]``, shown in the quality report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ibis.backends import BaseBackend

from rfmkit.backend import engine_name, load_duckdb_extension
from rfmkit.errors import ColumnNotFoundError, InputError
from rfmkit.sources.base import RawSource
from rfmkit.sources.columns import find_header_row, header_score, match_columns, resolve

PROBE_ROWS = 30
MAX_ROWS = 1_048_576
#: The first bytes of an OLE2 compound file: an old .xls, or an encrypted .xlsx.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FIX = "Open it in Excel or WPS and save it again as .xlsx, or export CSV."


@dataclass(frozen=True)
class SheetProbe:
    """The first rows of one sheet and what they say."""

    name: str
    rows: list[list[str]]
    header: int
    score: int
    max_row: int
    max_column: int
    hidden: bool = False
    #: Header names of the columns whose probed cells are formulas without a saved value.
    formulas: tuple[str, ...] = field(default=())


def read_excel(
    path: Path, con: BaseBackend, *, sheet: str | None, mapping: Mapping[str, str]
) -> RawSource:
    """Read the sheets with orders of the workbook ``path`` into one :class:`RawSource`.

    Raises
    ------
    InputError
        For an encrypted workbook, an old .xls, a damaged file, sheets
        without data or a needed column holding formulas without values.
    """
    if engine_name(con) != "duckdb":  # read as on DuckDB, handed over (see handover.py)
        from rfmkit.sources.handover import via_duckdb

        return via_duckdb(lambda duck: read_excel(path, duck, sheet=sheet, mapping=mapping), con)
    refuse_compound_file(path)
    probes = probe_workbook(path, mapping)
    chosen, status = _choose_sheets(probes, sheet, path, mapping)
    for probe in chosen:
        _check_formulas(probe, path, mapping)
    load_duckdb_extension(con, "excel")
    several = len(chosen) > 1
    names = [f"{path.stem}#{p.name}" if several else path.stem for p in chosen]
    table = con.sql(_union(path, chosen, names, mapping))
    where = f"{path}[{', '.join(p.name for p in chosen)}]"
    info: dict[str, Any] = {
        "sheet": ", ".join(p.name for p in chosen),
        "sheets": status,
        "skip": chosen[0].header,
    }
    return RawSource(path.stem, table, where, chosen[0].header + 1, "excel", info)


def refuse_compound_file(path: Path) -> None:
    """Refuse an OLE2 compound file: a password-protected workbook or an old .xls.

    Raises
    ------
    InputError
        Saying which of the two it is and how to convert it.
    """
    with path.open("rb") as handle:
        if handle.read(8) != OLE_SIGNATURE:
            return
    if _encrypted(path):
        raise InputError(
            "The workbook is password-protected (encrypted): it cannot be read.",
            file=str(path),
            fix="Open it in Excel or WPS, remove the password (File > Info > Protect "
            "Workbook > Encrypt with Password) and save it, or export CSV.",
        )
    raise InputError(
        "This is an old Excel .xls (or another Office) file, not an .xlsx: .xls is not supported.",
        file=str(path),
        fix="Open it in Excel or WPS and save it as .xlsx (Excel Workbook), or export CSV.",
    )


_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def _encrypted(path: Path, limit: int = 64 << 20) -> bool:
    """Whether the compound file holds an ``EncryptedPackage`` stream (an encrypted OOXML)."""
    tail = b""
    with path.open("rb") as handle:
        while handle.tell() < limit:
            chunk = handle.read(1 << 20)
            if not chunk:
                return False
            if _ENCRYPTED_STREAM in tail + chunk:
                return True
            tail = chunk[-len(_ENCRYPTED_STREAM) :]
    return False


def _union(
    path: Path, chosen: Sequence[SheetProbe], names: Sequence[str], mapping: Mapping[str, str]
) -> str:
    """One query over the chosen sheets, their field columns named as in the first one."""
    first = _header(chosen[0])
    fields = match_columns(first, mapping)
    parts = []
    for probe, name in zip(chosen, names, strict=True):
        renames = {
            column: fields[key]
            for key, column in match_columns(_header(probe), mapping).items()
            if key in fields and column != fields[key]
        }
        parts.append(_query(path, probe, name, renames))
    return " UNION ALL BY NAME ".join(f"({part})" for part in parts)


def _header(probe: SheetProbe) -> list[str]:
    return [c for c in probe.rows[probe.header] if c] if probe.rows else []


def _query(
    path: Path, probe: SheetProbe, name: str, renames: Mapping[str, str] | None = None
) -> str:
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
    renamed = "".join(
        f', "{_ident(old)}" AS "{_ident(new)}"' for old, new in (renames or {}).items()
    )
    dropped = ", ".join(["_any", *(f'"{_ident(old)}"' for old in (renames or {}))])
    return (
        f"SELECT * EXCLUDE ({dropped}){renamed}, '{_quote(name)}' AS _sheet "
        f"FROM ({flagged}) WHERE _any IS NOT NULL"
    )


def _ident(name: str) -> str:
    return name.replace('"', '""')


def _quote(text: str) -> str:
    return text.replace("'", "''")


def probe_workbook(path: Path, mapping: Mapping[str, str]) -> list[SheetProbe]:
    """The first rows of every sheet of the workbook ``path``, and which are hidden."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:
        raise InputError(
            "The Excel file cannot be opened: it is damaged or not really an .xlsx file.",
            file=str(path),
            fix=_FIX,
        ) from exc
    try:
        return [
            _probe(ws, formulas[ws.title], mapping)
            for ws in book.worksheets
            if ws.title in formulas.sheetnames
        ]
    except Exception as exc:
        raise InputError(
            "The Excel file cannot be read: it is damaged.", file=str(path), fix=_FIX
        ) from exc
    finally:
        book.close()
        formulas.close()


def _probe(ws: Any, ws_formulas: Any, mapping: Mapping[str, str]) -> SheetProbe:
    rows: list[list[str]] = []
    for row in ws.iter_rows(max_row=PROBE_ROWS, values_only=True):
        rows.append(["" if cell is None else str(cell).strip() for cell in row])
    header = find_header_row(rows, mapping) if rows else 0
    score = header_score(rows[header], mapping) if rows else 0
    width = max((len(r) for r in rows), default=0)
    max_row = ws.max_row if ws.max_row else MAX_ROWS
    max_column = ws.max_column if ws.max_column else width
    unsaved = _unsaved_formulas(rows, header, ws_formulas)
    return SheetProbe(
        ws.title,
        rows,
        header,
        score,
        int(max_row),
        int(max(max_column, width)),
        hidden=getattr(ws, "sheet_state", "visible") != "visible",
        formulas=unsaved,
    )


def _unsaved_formulas(rows: list[list[str]], header: int, ws_formulas: Any) -> tuple[str, ...]:
    """Header names of the columns whose probed data cells are all formulas without a value."""
    texts = [
        ["" if cell is None else str(cell) for cell in row]
        for row in ws_formulas.iter_rows(max_row=PROBE_ROWS, values_only=True)
    ]
    names = rows[header] if rows else []
    found = []
    for index, name in enumerate(names):
        cells = [
            (values[index] if index < len(values) else "", text[index] if index < len(text) else "")
            for values, text in zip(rows[header + 1 :], texts[header + 1 :], strict=False)
        ]
        formulas = [value for value, text in cells if text.startswith("=")]
        if formulas and not any(formulas) and name:
            found.append(name)
    return tuple(found)


def _check_formulas(probe: SheetProbe, path: Path, mapping: Mapping[str, str]) -> None:
    needed = match_columns(_header(probe), mapping)
    for name in probe.formulas:
        if name in needed.values():
            raise InputError(
                f"Column {name!r} of sheet {probe.name!r} holds formulas without saved values "
                "(the file was written by a program that does not compute them).",
                file=str(path),
                column=name,
                fix="Open the file in Excel or WPS and save it (the values are then stored), "
                "or export CSV.",
            )


def _choose_sheets(
    probes: list[SheetProbe], sheet: str | None, path: Path, mapping: Mapping[str, str]
) -> tuple[list[SheetProbe], dict[str, str]]:
    """The sheets to read, and what is done with each sheet (for the report)."""
    if sheet is not None:
        chosen = _named(probes, sheet, path)
        _check_rows(chosen, path)
        status = {p.name: "not read: --sheet names another sheet" for p in probes}
        status[chosen.name] = "read (hidden sheet, named with --sheet)" if chosen.hidden else "read"
        return [chosen], status
    status, candidates = {}, []
    for probe in probes:
        why = _why_not(probe, mapping)
        status[probe.name] = why or "read"
        if why is None:
            candidates.append(probe)
    if candidates:
        return candidates, status
    hidden = [p for p in probes if p.hidden and _why_not(p, mapping, hidden=False) is None]
    if hidden:
        raise InputError(
            f"The orders are in the hidden sheet {hidden[0].name!r}; hidden sheets are "
            "only read when named.",
            file=str(path),
            fix=f"Name it: --sheet {hidden[0].name!r} (or unhide it in Excel).",
            details={"sheets": status},
        )
    fallback = _best_with_data(probes, path)
    _check_rows(fallback, path)
    status[fallback.name] = "read"
    return [fallback], status


def _why_not(probe: SheetProbe, mapping: Mapping[str, str], hidden: bool = True) -> str | None:
    """Why ``probe`` is not read without --sheet (None: it is read)."""
    if hidden and probe.hidden:
        return "hidden: not read (name it with --sheet to read it)"
    if not any(any(c for c in r) for r in probe.rows):
        return "skipped: empty"
    try:
        resolve(_header(probe), mapping)
    except ColumnNotFoundError:
        return "skipped: no customer, date and amount columns"
    if _blank(probe):
        return "skipped: a header but no data rows"
    return None


def _blank(probe: SheetProbe) -> bool:
    empty = not any(any(cell for cell in row) for row in probe.rows[probe.header + 1 :])
    return empty and probe.max_row <= max(probe.header + 1, PROBE_ROWS)


def _check_rows(probe: SheetProbe, path: Path) -> None:
    if _blank(probe):
        raise InputError(
            f"The sheet {probe.name!r} has no data rows.",
            file=str(path),
            row=probe.header + 2,
            fix="Choose the sheet with the orders with --sheet, or export it again.",
        )


def _named(probes: list[SheetProbe], sheet: str, path: Path) -> SheetProbe:
    names = [p.name for p in probes]
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


def _best_with_data(probes: list[SheetProbe], path: Path) -> SheetProbe:
    visible = [p for p in probes if not p.hidden]
    with_data = [p for p in visible if any(any(c for c in r) for r in p.rows)]
    if not with_data:
        raise InputError(
            "The Excel file has no data: every sheet is empty.",
            file=str(path),
            fix="Export the orders again.",
            details={"sheets": [p.name for p in probes]},
        )
    return max(with_data, key=lambda p: (p.score, -probes.index(p)))
