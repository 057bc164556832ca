"""Options that say how to read and clean transactions (one place, every shell)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LoadOptions:
    """How to read and clean the input.

    Attributes
    ----------
    mapping
        Canonical column name (``customer``, ``date``, ``amount``, ``order``;
        or the full names ``customer_id``, ``order_date``, ``order_id``) to
        the input's column name. Columns not mapped are detected.
    sheet
        Excel sheet to read (name); by default the sheet that has the columns.
    encoding
        Text encoding of CSV files; detected when None.
    timezone
        Business time zone: timestamps with a zone are converted to it before
        their date is taken.
    strict
        Turn any rejected or excluded row into an error.
    exclude_customers
        Regular expression of customer ids to leave out (test accounts).
    from_db, table, query
        Read from a database URL instead of files.
    """

    mapping: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    encoding: str | None = None
    timezone: str = "UTC"
    strict: bool = False
    exclude_customers: str | None = None
    from_db: str | None = None
    table: str | None = None
    query: str | None = None
