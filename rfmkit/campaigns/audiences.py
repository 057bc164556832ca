"""Audiences: named, frozen selections of one snapshot's customers, and their export.

``create_audience(store, "winback", as_of, segments=["important_winback"],
ranges={"clv": (500, None)})`` copies the matching customers of the snapshot
of ``as_of`` into the store's ``audience_members`` table, inside the store's
engine. The audience is **frozen**: a later snapshot, or the same date saved
again, does not change who is in it.

Filters (all optional; every one given must hold):

* ``segments``: segment keys; ``lifecycle_stages``: stage names; ``owners``:
  values of the customer's ``owner`` column;
* ``ranges``: ``{column: (low, high)}`` with either bound None, inclusive,
  on any numeric column of the snapshot (``rfm_score``, ``r_score``,
  ``p_alive``, ``clv``, ``monetary``, ``recency_days`` ...).

:func:`export_audience` writes the members with their contacts, always
without the suppressed customers (see :mod:`rfmkit.campaigns.suppression`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, ValidationError

from rfmkit import glossary as g
from rfmkit.backend import as_table
from rfmkit.campaigns import tables
from rfmkit.campaigns.contacts import (
    CONTACT_COLUMNS,
    DEFAULT_COUNTRY_CODE,
    PHONE,
    Hash,
    normalise_contacts,
    prepare_contacts,
)
from rfmkit.campaigns.lifecycle import LIFECYCLE_STAGE
from rfmkit.campaigns.suppression import apply_suppression
from rfmkit.delivery import DeliveryLog, DeliveryReport, WebhookDestination, push_items
from rfmkit.errors import ConfigError, StoreError
from rfmkit.export import write_table
from rfmkit.export.cells import FORMULA_PATTERN
from rfmkit.export.writers import jsonable
from rfmkit.store import Store

#: Member columns written by :func:`export_audience`, before the contacts.
EXPORT_COLUMNS = (
    g.CUSTOMER_ID,
    g.SEGMENT,
    g.SEGMENT_LABEL,
    LIFECYCLE_STAGE,
    g.R_SCORE,
    g.F_SCORE,
    g.M_SCORE,
    g.RFM_SCORE,
    g.RECENCY_DAYS,
    g.FREQUENCY,
    g.MONETARY,
    "p_alive",
    "clv",
    "owner",
)


class AudienceFilters(BaseModel):
    """Who is in an audience (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    segments: tuple[str, ...] = ()
    lifecycle_stages: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    ranges: dict[str, tuple[float | None, float | None]] = {}


@dataclass(frozen=True)
class AudienceInfo:
    """One stored audience, without its members."""

    name: str
    as_of: dt.date
    filters: AudienceFilters
    customers: int
    created_at: dt.datetime
    snapshot_id: str


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_audience` wrote: the file, its rows and the customers suppressed."""

    path: Path
    rows: int
    suppressed: int


def audience_filters(
    filters: AudienceFilters | dict[str, Any] | None = None, **given: Any
) -> AudienceFilters:
    """Validated filters from a model, a dict or keywords (``segments=[...]``)."""
    if isinstance(filters, AudienceFilters) and not given:
        return filters
    data = {
        **(filters.model_dump() if isinstance(filters, AudienceFilters) else filters or {}),
        **given,
    }
    try:
        return AudienceFilters.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"Invalid audience filter {where}: {first['msg']}.",
            fix="Filters are segments, lifecycle_stages, owners and ranges {column: (low, high)}.",
        ) from exc


def parse_ranges(
    minimum: Sequence[str] = (), maximum: Sequence[str] = ()
) -> dict[str, tuple[float | None, float | None]]:
    """Ranges from ``--min clv=500 --max recency_days=90`` style ``COLUMN=VALUE`` texts."""
    ranges: dict[str, list[float | None]] = {}
    for side, texts in ((0, minimum), (1, maximum)):
        for text in texts:
            column, _, value = str(text).partition("=")
            try:
                number = float(value)
            except ValueError as exc:
                raise ConfigError(
                    f"{text!r} is not COLUMN=NUMBER.", fix="Write e.g. --min clv=500."
                ) from exc
            ranges.setdefault(column.strip(), [None, None])[side] = number
    return {k: (v[0], v[1]) for k, v in ranges.items()}


def select_customers(customers: ir.Table, filters: AudienceFilters) -> ir.Table:
    """The rows of ``customers`` that pass every filter (in the engine)."""
    conditions = []
    for column, values in (
        (g.SEGMENT, filters.segments),
        (LIFECYCLE_STAGE, filters.lifecycle_stages),
        ("owner", filters.owners),
    ):
        if values:
            conditions.append(_column(customers, column).isin(list(values)))
    for column, (low, high) in filters.ranges.items():
        value = _column(customers, column)
        if not value.type().is_numeric():
            raise ConfigError(
                f"The range filter on {column!r} needs a numeric column, not {value.type()}.",
                column=column,
            )
        if low is not None:
            conditions.append(value >= low)
        if high is not None:
            conditions.append(value <= high)
    return customers.filter(*conditions) if conditions else customers


def create_audience(
    store: Store,
    name: str,
    as_of: dt.date | str,
    filters: AudienceFilters | dict[str, Any] | None = None,
    *,
    replace: bool = False,
    **given: Any,
) -> AudienceInfo:
    """Freeze the customers of the snapshot of ``as_of`` that pass ``filters`` as ``name``.

    Raises
    ------
    ConfigError
        When the name is taken (without ``replace``) or a filter's column is
        not in the snapshot.
    StoreError
        When there is no snapshot of ``as_of``.
    """
    chosen = audience_filters(filters, **given)
    if not name.strip():
        raise ConfigError("An audience needs a name.", fix="Give the audience a name.")
    tables.ensure_tables(store)
    snapshot = store.snapshot(as_of)
    if not replace and _find(store, name) is not None:
        raise ConfigError(
            f"There is already an audience {name!r}.",
            fix="Choose another name, or replace it (replace=True).",
        )
    selected = select_customers(store.customers(snapshot.as_of), chosen)
    columns = [c for c in tables.MEMBER_TYPES if c in selected.columns]
    sql = str(store.con.compile(selected.select(*columns)))
    info = AudienceInfo(
        name=name,
        as_of=snapshot.as_of,
        filters=chosen,
        customers=0,
        created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
        snapshot_id=snapshot.snapshot_id,
    )
    count = _write(store, info, columns, sql)
    return AudienceInfo(**{**info.__dict__, "customers": count})


def _write(store: Store, info: AudienceInfo, columns: list[str], sql: str) -> int:
    p, con = tables.prefix(store), tables.raw(store)
    names = ", ".join(columns)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {p}.audience_members WHERE audience = ?", [info.name])
        con.execute(f"DELETE FROM {p}.audiences WHERE name = ?", [info.name])
        con.execute(
            f"INSERT INTO {p}.audience_members (audience, {names}) "
            f"SELECT ?, {names} FROM ({sql}) AS chosen",
            [info.name],
        )
        row = con.execute(
            f"SELECT count(*) FROM {p}.audience_members WHERE audience = ?", [info.name]
        ).fetchone()
        count = int(row[0]) if row else 0
        con.execute(
            f"INSERT INTO {p}.audiences VALUES (?, ?, ?, ?, ?, ?)",
            [
                info.name,
                info.as_of,
                info.snapshot_id,
                info.filters.model_dump_json(),
                count,
                info.created_at,
            ],
        )
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return count


def list_audiences(store: Store) -> list[AudienceInfo]:
    """Every audience of the store, by name."""
    if not tables.has_table(store, "audiences"):
        return []
    rows = (
        tables.raw(store)
        .execute(
            f"SELECT name, as_of, filters, customers, created_at, snapshot_id "
            f"FROM {tables.prefix(store)}.audiences ORDER BY name"
        )
        .fetchall()
    )
    return [_info(row) for row in rows]


def show_audience(store: Store, name: str) -> AudienceInfo:
    """The audience ``name``; a :class:`StoreError` when there is none."""
    found = _find(store, name)
    if found is None:
        known = [a.name for a in list_audiences(store)]
        raise StoreError(
            f"There is no audience {name!r} in {store.location}.",
            fix=f"Known audiences: {', '.join(known)}." if known else "Create one first.",
            details={"audiences": known},
        )
    return found


def audience_members(store: Store, name: str) -> ir.Table:
    """The frozen members of ``name`` (an Ibis table on the store)."""
    show_audience(store, name)
    members = tables.table(store, "audience_members")
    return members.filter(members.audience == name).drop("audience")


def export_audience(
    store: Store,
    name: str,
    path: str | Path,
    *,
    contacts: Any = None,
    suppress: Any = None,
    hash: Hash | None = None,
    no_pii: bool = False,
    country_code: str = DEFAULT_COUNTRY_CODE,
    raw_cells: bool = False,
) -> ExportResult:
    """Write the audience's members (with contacts) to ``path``, suppressed customers left out.

    Parameters
    ----------
    contacts
        A table or frame with ``customer_id`` and ``phone`` and/or ``email``
        (several rows per customer allowed: the largest normalised value is used).
    suppress
        An extra suppression list for this export; the store's list always applies.
    hash
        ``"sha256"``: add ``phone_sha256`` / ``email_sha256`` (normalised, then hashed).
    no_pii
        Drop the raw ``phone`` and ``email`` columns.
    country_code
        Default country code of phone numbers without one.
    raw_cells
        Write text cells as they are (see :func:`rfmkit.export.write_table`).
        Without it, cells that a spreadsheet would run as formulas are quoted,
        except the normalised phones (``+`` and digits only), which stay usable.
    """
    ready, removed = _ready(store, name, contacts, suppress, hash, no_pii, country_code)
    if Path(path).suffix.lower() == ".csv" and not raw_cells:
        # E.164 phones start with "+" but are never formulas: quote every other risky cell.
        ready, raw_cells = _neutralised(ready, keep=(PHONE,)), True
    written = write_table(ready, path, raw_cells=raw_cells)
    rows = int(ready.count().execute())
    return ExportResult(path=written, rows=rows, suppressed=removed)


def push_audience(
    store: Store,
    name: str,
    destination: WebhookDestination,
    *,
    contacts: Any = None,
    suppress: Any = None,
    hash: Hash | None = None,
    no_pii: bool = False,
    country_code: str = DEFAULT_COUNTRY_CODE,
    log: DeliveryLog | None = None,
    **options: Any,
) -> tuple[DeliveryReport, int]:
    """Push the audience's members to a Standard Webhooks receiver, each customer once.

    The members are prepared as by :func:`export_audience` (suppressed
    customers left out, contacts normalised, hashed or dropped) and sent in
    chunks by :func:`rfmkit.delivery.push_items` with the idempotency key
    ``audience:<name>:<customer_id>``: a re-run never sends a customer twice.
    ``log`` defaults to the store's delivery log; ``options`` go to
    ``push_items`` (``clock``, ``rng``). Returns the delivery report and the
    number of customers suppressed.
    """
    ready, removed = _ready(store, name, contacts, suppress, hash, no_pii, country_code)
    items = ready.order_by(g.CUSTOMER_ID).to_pyarrow().to_pylist()
    keys = [f"audience:{name}:{item[g.CUSTOMER_ID]}" for item in items]
    report = push_items(
        destination,
        [jsonable(item) for item in items],
        keys,
        log if log is not None else store,
        event_type="rfmkit.audience",
        field="customers",
        **options,
    )
    return report, removed


def _ready(
    store: Store,
    name: str,
    contacts: Any,
    suppress: Any,
    hash: Hash | None,
    no_pii: bool,
    country_code: str,
) -> tuple[ir.Table, int]:
    """The members to export or push, suppressed customers removed (and how many)."""
    members = audience_members(store, name)
    members = members.select(*(c for c in EXPORT_COLUMNS if c in members.columns))
    if contacts is not None:
        members = _with_contacts(members, contacts, country_code)
    kept, removed = apply_suppression(members, suppress, store=store, country_code=country_code)
    return prepare_contacts(kept, hash=hash, no_pii=no_pii, country_code=country_code), removed


def _with_contacts(members: ir.Table, contacts: Any, country_code: str) -> ir.Table:
    given = as_table(contacts, members.get_backend())
    present = [c for c in CONTACT_COLUMNS if c in given.columns]
    if g.CUSTOMER_ID not in given.columns or not present:
        raise ConfigError(
            "The contacts need customer_id and a phone or email column.",
            fix="Give a contacts file with customer_id and phone and/or email.",
            details={"found": list(given.columns)},
        )
    typed = given.select(
        given[g.CUSTOMER_ID].cast("string").name(g.CUSTOMER_ID),
        *(given[c].cast("string").name(c) for c in present),
    )
    normal = normalise_contacts(typed, country_code)
    one = normal.group_by(g.CUSTOMER_ID).aggregate(**{c: normal[c].max() for c in present})
    joined = members.left_join(one, g.CUSTOMER_ID)
    return joined.select(*members.columns, *present)


def _neutralised(table: ir.Table, keep: Sequence[str]) -> ir.Table:
    """Text cells a spreadsheet would run as formulas, prefixed with ``'`` (as the CSV writer does).

    The ``keep`` columns hold only validated values (E.164 phones) and stay as they are.
    """
    changes = {}
    for name, kind in table.schema().items():
        if kind.is_string() and name not in keep:
            column = table[name]
            risky = column.re_search(FORMULA_PATTERN).fill_null(False)
            changes[name] = ibis.ifelse(risky, ibis.literal("'") + column, column)
    return table.mutate(**changes) if changes else table


def _find(store: Store, name: str) -> AudienceInfo | None:
    if not tables.has_table(store, "audiences"):
        return None
    row = (
        tables.raw(store)
        .execute(
            f"SELECT name, as_of, filters, customers, created_at, snapshot_id "
            f"FROM {tables.prefix(store)}.audiences WHERE name = ?",
            [name],
        )
        .fetchone()
    )
    return _info(row) if row else None


def _info(row: tuple[Any, ...]) -> AudienceInfo:
    name, as_of, filters, customers, created_at, snapshot_id = row
    return AudienceInfo(
        name=name,
        as_of=as_of,
        filters=AudienceFilters.model_validate(json.loads(filters or "{}")),
        customers=int(customers),
        created_at=created_at,
        snapshot_id=snapshot_id,
    )


def _column(table: ir.Table, column: str) -> ir.Column:
    if column not in table.columns:
        raise ConfigError(
            f"The snapshot has no column {column!r} to filter on.",
            column=column,
            fix="Filter on a stored column"
            + (" (the store must keep lifecycle_stage)" if column == LIFECYCLE_STAGE else "")
            + f"; stored: {', '.join(table.columns)}.",
        )
    return table[column]
