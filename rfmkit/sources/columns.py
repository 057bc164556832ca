"""Find which input column holds which field, from English and Chinese header names.

A *field* is what rfmkit needs from the input: ``customer``, ``date``,
``amount`` (or ``quantity`` × ``price``), optionally ``order``; for
customer-level input ``last_purchase``, ``frequency``, ``monetary`` and
optionally ``first_purchase``. Headers are compared after
:func:`normalize_header` (case, spaces, punctuation and units in brackets
removed), against the alias lists below, in order of preference.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rfmkit.errors import ColumnNotFoundError, ConfigError
from rfmkit.sources.aliases import ALIASES

#: Short field names and the canonical names they may also be given as.
FIELD_NAMES: dict[str, str] = {
    "customer": "customer",
    "customer_id": "customer",
    "date": "date",
    "order_date": "date",
    "amount": "amount",
    "order": "order",
    "order_id": "order",
    "quantity": "quantity",
    "price": "price",
    "last_purchase": "last_purchase",
    "frequency": "frequency",
    "monetary": "monetary",
    "first_purchase": "first_purchase",
    "source": "source",
    "owner": "owner",
}

TRANSACTION_FIELDS = (
    "customer",
    "date",
    "amount",
    "order",
    "quantity",
    "price",
    "source",
    "owner",
)
CUSTOMER_FIELDS = ("customer", "last_purchase", "frequency", "monetary", "first_purchase")

_UNIT = re.compile(r"[(（\[【].*?[)）\]】]")
_PUNCT = re.compile(r"[\s_\-./:：#·]+")


def normalize_header(name: str) -> str:
    """Lower-case ``name`` and drop spaces, punctuation and units in brackets.

    >>> normalize_header(" Order Amount (元) ")
    'orderamount'
    """
    text = _UNIT.sub("", str(name)).strip().lower().lstrip("\ufeff")
    return _PUNCT.sub("", text)


_NORMAL_ALIASES = {f: tuple(normalize_header(a) for a in al) for f, al in ALIASES.items()}


def normalize_mapping(mapping: Mapping[str, str] | None) -> dict[str, str]:
    """Turn the user's mapping keys (short or canonical names) into field names."""
    result: dict[str, str] = {}
    for key, column in (mapping or {}).items():
        name = FIELD_NAMES.get(key.strip().lower())
        if name is None:
            raise ConfigError(
                f"Unknown field {key!r} in the column mapping.",
                fix=f"Use one of: {', '.join(sorted(set(FIELD_NAMES)))}.",
            )
        result[name] = column
    return result


@dataclass(frozen=True)
class ColumnMap:
    """Which input column holds each field; ``level`` says what the rows are."""

    fields: dict[str, str] = field(default_factory=dict)
    level: str = "transactions"

    def get(self, name: str) -> str | None:
        """The input column of ``name``, or None."""
        return self.fields.get(name)


def match_columns(columns: Sequence[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """Every field that can be found in ``columns`` (mapping first, then aliases)."""
    found: dict[str, str] = {}
    taken: set[str] = set()
    normal = {c: normalize_header(c) for c in columns}
    for name, column in mapping.items():
        if column in columns:
            found[name] = column
            taken.add(column)
    for name, aliases in _NORMAL_ALIASES.items():
        if name in found or name in mapping:
            continue
        match = _first_match(aliases, normal, taken)
        if match is not None:
            found[name] = match
            taken.add(match)
    return found


def _first_match(aliases: Iterable[str], normal: dict[str, str], taken: set[str]) -> str | None:
    for alias in aliases:
        for column, norm in normal.items():
            if norm == alias and column not in taken:
                return column
    return None


def header_score(cells: Sequence[str], mapping: Mapping[str, str]) -> int:
    """How many of the key fields a row of cells names (to find the header row)."""
    found = match_columns([c for c in cells if c], mapping)
    keys = ("customer", "date", "amount", "order", "last_purchase", "frequency", "monetary")
    return sum(1 for k in keys if k in found)


def find_header_row(rows: Sequence[Sequence[str]], mapping: Mapping[str, str]) -> int:
    """Index of the row that looks most like the header (0 when none does better)."""
    best, best_score = 0, 1
    for index, row in enumerate(rows):
        score = header_score(row, mapping)
        if score > best_score:
            best, best_score = index, score
    return best


def resolve(
    columns: Sequence[str],
    mapping: Mapping[str, str],
    *,
    level: str = "auto",
    file: str | None = None,
) -> ColumnMap:
    """Decide the level of the input and which column holds each field.

    Raises
    ------
    ColumnNotFoundError
        When a mapped column is absent or a needed field cannot be found; the
        details list the columns found and the closest candidates.
    """
    for name, column in mapping.items():
        if column not in columns:
            raise _not_found(name, columns, file, mapped=column)
    found = match_columns(columns, mapping)
    if level == "auto":
        level = _guess_level(found)
    if level == "customers":
        if "monetary" not in found and "amount" in found:
            found["monetary"] = found["amount"]
        needed: tuple[str, ...] = ("customer", "last_purchase", "frequency", "monetary")
        keep: tuple[str, ...] = CUSTOMER_FIELDS
    else:
        needed = ("customer", "date")
        keep = TRANSACTION_FIELDS
        if "amount" not in found and not {"quantity", "price"} <= set(found):
            needed = (*needed, "amount")
    for name in needed:
        if name not in found:
            raise _not_found(name, columns, file)
    return ColumnMap(fields={k: v for k, v in found.items() if k in keep}, level=level)


def _guess_level(found: Mapping[str, str]) -> str:
    aggregated = {"last_purchase", "frequency"} <= set(found) and bool(
        {"monetary", "amount"} & set(found)
    )
    return "customers" if aggregated and "date" not in found else "transactions"


def _not_found(
    name: str, columns: Sequence[str], file: str | None, mapped: str | None = None
) -> ColumnNotFoundError:
    shown = [str(c) for c in columns]
    candidates = closest(name, shown)
    if mapped is not None:
        candidates = difflib.get_close_matches(mapped, shown, n=3, cutoff=0.3) or candidates
        message = f"The column {mapped!r} mapped to {name} is not in the input."
    else:
        message = f"No {name} column found in the input."
    hint = f" Closest: {', '.join(candidates)}." if candidates else ""
    return ColumnNotFoundError(
        message + f" Columns found: {', '.join(shown) or '(none)'}." + hint,
        file=file,
        column=mapped or name,
        fix=f"Name the column with --map {name}=COLUMN"
        + (f" (e.g. --map {name}={candidates[0]!r})." if candidates else "."),
        details={"found": shown, "candidates": candidates, "field": name},
    )


def closest(name: str, columns: Sequence[str], n: int = 3) -> list[str]:
    """The columns most like any alias of field ``name`` (difflib ratio)."""
    normal = {normalize_header(c): c for c in columns}
    scores: dict[str, float] = {}
    for alias in _NORMAL_ALIASES.get(name, (name,)):
        for norm, column in normal.items():
            ratio = difflib.SequenceMatcher(None, alias, norm).ratio()
            if alias and (alias in norm or norm in alias) and norm:
                ratio = max(ratio, 0.8)
            scores[column] = max(scores.get(column, 0.0), ratio)
    ranked = sorted((s, c) for c, s in scores.items() if s >= 0.5)
    return [c for _, c in reversed(ranked)][:n]
