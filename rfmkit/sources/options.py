"""Options that say how to read and clean transactions (one place, every shell)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Level = Literal["auto", "transactions", "customers"]


@dataclass(frozen=True)
class LoadOptions:
    """How to read and clean the input.

    Attributes
    ----------
    mapping
        Field to the input's column name. Fields are the short names
        ``customer``, ``date``, ``amount``, ``order``, ``quantity``, ``price``
        (or the canonical ``customer_id``, ``order_date``, ``order_id``) and,
        for customer-level input, ``last_purchase``, ``frequency``,
        ``monetary``, ``first_purchase``. Columns not mapped are detected.
    sheet
        Excel sheet to read (name or 1-based number); by default the first
        sheet that has the needed columns.
    encoding
        Text encoding of CSV files (``utf-8``, ``gbk``, ``gb18030``,
        ``latin-1`` ...); detected when None.
    delimiter
        Field separator of CSV files; sniffed when None.
    timezone
        Business time zone: timestamps with a zone are converted to it before
        their date is taken; timestamps without a zone are taken as local.
    dayfirst
        Read ``05/01/2024`` as 5 January (otherwise as May 1).
    strict
        Turn any rejected or excluded row into an error.
    exclude_customers
        Regular expression of customer ids to leave out (test accounts).
    drop_duplicates
        Drop exact duplicate rows (the default).
    exclude_future
        Leave out rows dated after ``today`` (the default).
    max_amount
        Leave out rows whose absolute amount is above this (outliers).
    outlier_iqr
        Leave out rows whose amount lies more than this many inter-quartile
        ranges outside the quartiles (Tukey fences, e.g. ``3.0``).
    level
        ``"transactions"`` (one row per order or order line),
        ``"customers"`` (already aggregated per customer) or ``"auto"``.
    today
        The date "future" is measured against; the machine's date when None.
    from_db, table, query
        Read from a database URL instead of files: a table name or a query.
    """

    mapping: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    timezone: str = "UTC"
    dayfirst: bool = False
    strict: bool = False
    exclude_customers: str | None = None
    drop_duplicates: bool = True
    exclude_future: bool = True
    max_amount: float | None = None
    outlier_iqr: float | None = None
    level: Level = "auto"
    today: date | None = None
    from_db: str | None = None
    table: str | None = None
    query: str | None = None
