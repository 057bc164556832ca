"""Segment exports: CSV or Excel, contacts raw, hashed (SHA-256) or left out, suppression applied.

The rules of the audience exports (:mod:`rfmkit.campaigns.audiences`) hold:
contacts are normalised (E.164, lower-cased email) before hashing, the
store's suppression list removes customers from every export, and text
cells that a spreadsheet would run as formulas are neutralised.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import ibis.expr.types as ir

from rfmkit import glossary as g
from rfmkit.campaigns.audiences import _neutralised
from rfmkit.campaigns.contacts import EMAIL, PHONE, normalise_email, normalise_phone, sha256_hex
from rfmkit.campaigns.suppression import apply_suppression
from rfmkit.export import write_table
from rfmkit.store import SnapshotInfo, Store
from rfmkit.store.store import ALIAS
from rfmkit.web.queries import MEMBER_COLUMNS, member_table

Contacts = Literal["none", "hashed", "raw"]
Format = Literal["csv", "xlsx"]


@dataclass(frozen=True)
class Exported:
    path: Path
    rows: int
    suppressed: int


def export_members(
    store: Store,
    info: SnapshotInfo,
    folder: Path,
    *,
    segment: str | None,
    q: str | None,
    fmt: Format,
    contacts: Contacts,
) -> Exported:
    """Write the matching customers of ``info`` to a new file in ``folder``."""
    table = _with_contacts(store, member_table(store, info, segment, q).select(*MEMBER_COLUMNS))
    kept, removed = apply_suppression(table, store=store)
    shaped = _contacts(kept, contacts)
    raw_cells = False
    if contacts == "raw" and fmt == "csv":
        # E.164 phones start with "+" but are never formulas: quote every other risky cell
        # (as the audience exports do) and write the phones as they are.
        shaped, raw_cells = _neutralised(shaped, keep=(PHONE,)), True
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"export-{uuid.uuid4().hex}.{fmt}"
    path = write_table(shaped, target, order_by=None, raw_cells=raw_cells)
    return Exported(path, int(shaped.count().to_pyarrow().as_py()), removed)


def _with_contacts(store: Store, table: ir.Table) -> ir.Table:
    listed = store.con.table("contacts", database=(ALIAS, store.where.schema))
    joined = table.left_join(listed, table[g.CUSTOMER_ID] == listed.customer_id)
    return joined.select(*MEMBER_COLUMNS, PHONE, EMAIL)


def _contacts(table: ir.Table, contacts: Contacts) -> ir.Table:
    if contacts == "raw":
        return table.mutate(
            phone=normalise_phone(table[PHONE]), email=normalise_email(table[EMAIL])
        )
    if contacts == "none":
        return table.drop(PHONE, EMAIL)
    hashed = table.mutate(
        phone_sha256=sha256_hex(normalise_phone(table[PHONE])),
        email_sha256=sha256_hex(normalise_email(table[EMAIL])),
    )
    return hashed.drop(PHONE, EMAIL)
