"""The loading settings: how to read and clean transactions (declared once, for every shell)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from rfmkit.errors import ConfigError
from rfmkit.fields import setting

Level = Literal["auto", "transactions", "customers"]

#: Customer ids that mean "no id" by default (matched in any case), besides empty cells.
MISSING_IDS: tuple[str, ...] = ("NULL", "N/A", "None", "-", "null", "nan", "#N/A")


class LoadOptions(BaseModel):
    """How to read and clean the input.

    Each field is a setting of the registry (:mod:`rfmkit.settings`), with
    the same name as a keyword argument, config key and CLI option
    (``keep_duplicates`` is ``--keep-duplicates``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    map: dict[str, str] = setting(
        help=(
            "Column names: customer=COL,date=COL,amount=COL,order=COL "
            "(also quantity, price; customer-level input: last_purchase, frequency, monetary)."
        ),
        default_factory=dict,
    )
    sheet: str | None = setting(
        None, "Excel sheet to read (name or 1-based number; default: the sheets with orders)."
    )
    encoding: str | None = setting(
        None, "Text encoding of CSV files: utf-8, gbk, gb18030, utf-16 ... (default: detect)."
    )
    delimiter: str | None = setting(None, "CSV field separator (default: sniff).")
    timezone: str = setting("UTC", "Business time zone: zoned timestamps are converted to it.")
    dayfirst: bool = setting(
        False, "Read 05/01/2024 as 5 January (else May 1).", flag="--dayfirst/--monthfirst"
    )
    strict: bool = setting(
        False, "Fail on any rejected or excluded row.", flag="--strict/--lenient"
    )
    exclude_customers: str | None = setting(
        None, "Regular expression of customer ids to leave out (test accounts)."
    )
    keep_duplicates: bool = setting(False, "Keep exact duplicate rows (dropped by default).")
    keep_future: bool = setting(False, "Keep rows dated after today (left out by default).")
    min_date: date = setting(
        date(1970, 1, 1),
        "Dates before it are implausible (placeholders like 1900-01-01) and left out.",
    )
    missing_ids: list[str] = setting(
        help=(
            "Customer ids that mean 'no id', besides empty cells (in any case): "
            "their rows are left out as missing_customer."
        ),
        default_factory=lambda: list(MISSING_IDS),
    )
    skip_bad_files: bool = setting(
        False, "Skip files that cannot be read; each is reported with the reason."
    )
    max_amount: float | None = setting(None, "Leave out rows above this amount.", gt=0)
    outlier_iqr: float | None = setting(
        None, "Leave out amounts beyond K inter-quartile ranges (Tukey fences, e.g. 3).", gt=0
    )
    level: Level = setting(
        "auto", "auto, transactions, or customers (input already aggregated per customer)."
    )
    today: date | None = setting(
        None, "The date 'future' is measured against (default: the machine's date).", cli=False
    )
    from_db: str | None = setting(
        None, "Database URL to read from: postgresql://, mysql://, sqlite:///."
    )
    table: str | None = setting(None, "Table to read with --from-db.")
    query: str | None = setting(None, "SQL query to read with --from-db.")

    @field_validator("map", mode="before")
    @classmethod
    def _parse_map(cls, value: Any) -> Any:
        return parse_mapping(value) if isinstance(value, str) else value

    @field_validator("missing_ids", mode="before")
    @classmethod
    def _parse_missing_ids(cls, value: Any) -> Any:
        return [v.strip() for v in value.split(",")] if isinstance(value, str) else value


def parse_mapping(text: str) -> dict[str, str]:
    """``"customer=会员ID,date=下单时间"`` to ``{"customer": "会员ID", ...}``."""
    mapping = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(
                f"Cannot read the column mapping {part!r}.",
                fix="Write it as name=COLUMN pairs: --map customer=会员ID,date=下单时间,amount=实付金额",
            )
        mapping[key.strip()] = value.strip()
    return mapping
