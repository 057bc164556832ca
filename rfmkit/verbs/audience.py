"""The audience verbs: freeze a selection of a snapshot's customers, list, show, export, push.

Each verb opens the snapshot store (``store=``: a DuckDB file, a
``postgresql://`` URL, or None for ``rfmkit-store.duckdb``), calls
:mod:`rfmkit.campaigns.audiences` and closes the store again. The keyword
arguments are the CLI's options: ``rfmkit audience create winback --as-of
2025-01-01 --segment important_winback --min clv=500`` is
``create_audience("winback", as_of="2025-01-01", segment=["important_winback"],
min={"clv": 500})``.

The suppression (opt-out) list -- the store's, plus ``suppress=`` for one
run -- is applied to every export and push; the count removed is returned.
Files given by name (``contacts``, ``suppress``) are read like the order
logs (CSV in any encoding, Excel, Parquet, JSON); their columns are found
by name (``customer_id``, ``phone``/``手机``, ``email``/``邮箱`` ...) or named
with ``map={"phone": "手机号码"}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from rfmkit import glossary as g
from rfmkit.errors import ConfigError, InputError
from rfmkit.settings import AudienceOptions, build_group
from rfmkit.store import Store, open_store

#: Header names (compared without case, spaces and punctuation) of each list column.
LIST_ALIASES: dict[str, tuple[str, ...]] = {
    "phone": ("phone", "mobile", "mobilephone", "cellphone", "tel", "手机", "手机号", "手机号码", "电话", "联系电话"),
    "email": ("email", "e-mail", "mail", "emailaddress", "邮箱", "电子邮箱", "电子邮件"),
    "group": ("group", "arm", "variant", "组", "组别", "分组"),
    "segment": ("segment", "分群", "客户分群"),
}  # fmt: skip
#: Columns of :func:`list_audiences`.
AUDIENCE_COLUMNS = ("name", "as_of", "customers", "segments", "stages", "created_at")


@dataclass(frozen=True)
class AudienceView:
    """One audience: what it is and who is in it, counted by segment and lifecycle stage."""

    name: str
    as_of: dt.date
    customers: int
    filters: dict[str, Any]
    created_at: dt.datetime
    members: pd.DataFrame


@dataclass(frozen=True)
class Exported:
    """What :func:`export_audience` wrote: the file, its rows and the customers suppressed."""

    path: Path
    rows: int
    suppressed: int


@dataclass(frozen=True)
class Pushed:
    """What :func:`push_audience` did: customers sent, skipped as sent before, and suppressed."""

    sent: int
    skipped: int
    suppressed: int
    messages: int
    report: Any


def create_audience(
    name: str,
    *,
    as_of: dt.date | str | None = None,
    segment: str | Sequence[str] = (),
    stage: str | Sequence[str] = (),
    owner: str | Sequence[str] = (),
    min: Mapping[str, float] | Sequence[str] | None = None,
    max: Mapping[str, float] | Sequence[str] | None = None,
    replace: bool = False,
    store: str | Path | None = None,
) -> AudienceView:
    """Freeze the customers of the snapshot of ``as_of`` that pass every filter as ``name``.

    ``as_of`` defaults to the latest stored snapshot.

    ``segment``, ``stage`` (lifecycle stage) and ``owner`` keep customers with
    any of the values given; ``min`` / ``max`` bound numeric columns
    (``{"clv": 500}`` or ``["clv=500"]``), inclusive. A later snapshot does
    not change who is in the audience.
    """
    from rfmkit.campaigns.audiences import create_audience as create

    ranges = _ranges(min, max)
    with open_store(store) as opened:
        create(
            opened,
            name,
            as_of if as_of is not None else _latest(opened),
            segments=_values(segment),
            lifecycle_stages=_values(stage),
            owners=_values(owner),
            ranges=ranges,
            replace=replace,
        )
        return _view(opened, name)


def list_audiences(*, store: str | Path | None = None) -> pd.DataFrame:
    """Every audience of the store (columns :data:`AUDIENCE_COLUMNS`), by name."""
    from rfmkit.campaigns.audiences import list_audiences as listed

    with open_store(store) as opened:
        rows = [
            {
                "name": a.name,
                "as_of": a.as_of,
                "customers": a.customers,
                "segments": ", ".join(a.filters.segments),
                "stages": ", ".join(a.filters.lifecycle_stages),
                "created_at": a.created_at,
            }
            for a in listed(opened)
        ]
    return pd.DataFrame(rows, columns=list(AUDIENCE_COLUMNS))


def show_audience(name: str, *, store: str | Path | None = None) -> AudienceView:
    """The audience ``name``: its filters and its members counted by segment and stage."""
    with open_store(store) as opened:
        return _view(opened, name)


def export_audience(
    name: str,
    output: str | Path,
    *,
    store: str | Path | None = None,
    raw_cells: bool = False,
    map: Mapping[str, str] | str | None = None,
    **settings: Any,
) -> Exported:
    """Write the audience's members with their contacts to ``output``, suppressed ones left out.

    Takes the settings of :class:`rfmkit.settings.AudienceOptions` by name:
    ``contacts`` (a file or a frame), ``suppress`` (a file or a frame),
    ``hash="sha256"``, ``no_pii``, ``country_code``.
    """
    from rfmkit.campaigns.audiences import export_audience as export
    from rfmkit.export import check_outputs

    options, frames = _options(settings)
    check_outputs({"output": Path(output)}, _files(options))
    with open_store(store) as opened:
        contacts, suppress = _lists(opened.con, options, frames, map)
        done = export(
            opened,
            name,
            output,
            contacts=contacts,
            suppress=suppress,
            hash=options.hash,
            no_pii=options.no_pii,
            country_code=options.country_code,
            raw_cells=raw_cells,
        )
    return Exported(done.path, done.rows, done.suppressed)


def push_audience(
    name: str,
    *,
    webhook: str | None,
    secret: str | None,
    allow_private: bool = False,
    store: str | Path | None = None,
    map: Mapping[str, str] | str | None = None,
    **settings: Any,
) -> Pushed:
    """Push the audience's members to a Standard Webhooks receiver, each customer once.

    Members are prepared as by :func:`export_audience` (suppressed customers
    left out, contacts normalised, hashed or dropped) and sent in chunks with
    the idempotency key ``audience:<name>:<customer_id>``: a customer the
    store's delivery log holds as delivered is never sent again.

    Raises
    ------
    DeliveryError
        When a chunk was not accepted (the customers sent are remembered).
    """
    from rfmkit.campaigns.audiences import push_audience as push
    from rfmkit.delivery import webhook_destination

    if not webhook or not secret:
        raise ConfigError(
            "Pushing an audience needs --webhook URL and --secret whsec_....",
            fix="Give both (the secret better as RFMKIT_SECRET than on the command line).",
        )
    destination = webhook_destination(webhook, secret, allow_private=allow_private)
    options, frames = _options(settings)
    with open_store(store) as opened:
        contacts, suppress = _lists(opened.con, options, frames, map)
        report, removed = push(
            opened,
            name,
            destination,
            contacts=contacts,
            suppress=suppress,
            hash=options.hash,
            no_pii=options.no_pii,
            country_code=options.country_code,
        )
    sent = sum(len(r.alert_keys) for r in report.results if r.ok)
    skipped = sum(report.skipped.values())
    pushed = Pushed(sent, skipped, removed, len(report.results), report)
    report.raise_for_failures()
    return pushed


# -- reading list files ------------------------------------------------------------


def read_list(
    data: Any,
    con: BaseBackend,
    wanted: Iterable[str],
    *,
    mapping: Mapping[str, str] | None = None,
    what: str = "list",
    strict: bool = True,
) -> ir.Table:
    """A file (or frame) as a table of the ``wanted`` columns it has, named canonically.

    ``wanted`` holds ``customer_id``, ``phone``, ``email``, ``group`` or
    ``segment``; each is found by ``mapping`` (``{"phone": "手机"}``; the key
    ``customer`` names ``customer_id``), else by its usual header names.
    Values are text. Columns not found are left out (the caller checks); a
    mapped column the file lacks is an error when ``strict``, else ignored.
    """
    from rfmkit.backend import as_table

    table = _read(data, con, what) if isinstance(data, str | Path) else as_table(data, con)
    found = _find_columns(list(table.columns), wanted, mapping or {}, what, strict)
    return table.select(**{name: table[column].cast("string") for name, column in found.items()})


def _read(path: str | Path, con: BaseBackend, what: str) -> ir.Table:
    from rfmkit.sources.files import read_file

    file = Path(path)
    if not file.is_file():
        raise InputError(f"The {what} file does not exist.", file=str(file), fix="Check the path.")
    return read_file(file, con, mapping={}).table


def _find_columns(
    columns: list[str],
    wanted: Iterable[str],
    mapping: Mapping[str, str],
    what: str,
    strict: bool = True,
) -> dict[str, str]:
    from rfmkit.sources.aliases import ALIASES
    from rfmkit.sources.columns import normalize_header

    given = {("customer_id" if k == "customer" else k): v for k, v in mapping.items()}
    normal = {normalize_header(c): c for c in reversed(columns)}
    found: dict[str, str] = {}
    for name in wanted:
        column = given.get(name)
        if column is not None and column not in columns and not strict:
            column = None  # a name of another file (--map names the contacts' columns)
        if column is not None and column not in columns:
            raise InputError(
                f"The {what} has no column {column!r} (--map {name}={column}).",
                column=column,
                details={"found": columns},
            )
        aliases = ALIASES["customer"] if name == g.CUSTOMER_ID else LIST_ALIASES[name]
        column = column or next(
            (normal[n] for n in map(normalize_header, aliases) if n in normal), None
        )
        if column is not None:
            found[name] = column
    return found


# -- helpers -----------------------------------------------------------------------


def _options(settings: dict[str, Any]) -> tuple[AudienceOptions, dict[str, Any]]:
    """The audience settings; frames given as ``contacts`` or ``suppress`` pass beside them."""
    frames = {k: settings.pop(k) for k in ("contacts", "suppress") if _is_data(settings.get(k))}
    unknown = [k for k in settings if k not in AudienceOptions.model_fields]
    if unknown:
        raise ConfigError(
            f"Unknown setting {unknown[0]!r}.",
            fix="Audience settings: " + ", ".join(AudienceOptions.model_fields) + ".",
        )
    return build_group(AudienceOptions, environ={}, **settings), frames


def _is_data(value: Any) -> bool:
    return value is not None and not isinstance(value, str | Path)


def _files(options: AudienceOptions) -> list[str]:
    return [str(p) for p in (options.contacts, options.suppress) if p is not None]


def _lists(
    con: BaseBackend,
    options: AudienceOptions,
    frames: dict[str, Any],
    mapping: Mapping[str, str] | str | None,
) -> tuple[ir.Table | None, ir.Table | None]:
    """The contacts and the suppression list of one run, read (None when not given)."""
    names = _mapping(mapping)
    contacts = frames.get("contacts", options.contacts)
    suppress = frames.get("suppress", options.suppress)
    read_contacts = (
        read_list(contacts, con, (g.CUSTOMER_ID, "phone", "email"), mapping=names, what="contacts")
        if contacts is not None
        else None
    )
    read_suppress = read_suppression(suppress, con, names) if suppress is not None else None
    return read_contacts, read_suppress


def read_suppression(data: Any, con: BaseBackend, mapping: Mapping[str, str]) -> ir.Table:
    """A suppression list (any of customer_id, phone, email) read from a file or frame."""
    table = read_list(
        data,
        con,
        (g.CUSTOMER_ID, "phone", "email"),
        mapping=mapping,
        what="suppression list",
        strict=False,
    )
    if not table.columns:
        raise InputError(
            "The suppression list has none of the columns customer_id, phone, email.",
            file=str(data) if isinstance(data, str | Path) else None,
            fix="Give a file with a customer id, phone or email column (or name it with --map).",
        )
    return table


def _mapping(mapping: Mapping[str, str] | str | None) -> dict[str, str]:
    if mapping is None:
        return {}
    if isinstance(mapping, str):
        from rfmkit.sources.options import parse_mapping

        return parse_mapping(mapping)
    return dict(mapping)


def _values(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def _ranges(
    low: Mapping[str, float] | Sequence[str] | None,
    high: Mapping[str, float] | Sequence[str] | None,
) -> dict[str, tuple[float | None, float | None]]:
    from rfmkit.campaigns.audiences import parse_ranges

    def texts(bound: Mapping[str, float] | Sequence[str] | None) -> list[str]:
        if bound is None:
            return []
        if isinstance(bound, Mapping):
            return [f"{k}={v}" for k, v in bound.items()]
        return [bound] if isinstance(bound, str) else list(bound)

    return parse_ranges(texts(low), texts(high))


def _latest(store: Store) -> dt.date:
    found = store.latest(1)
    if not found:
        raise ConfigError(
            f"The store {store.location} holds no snapshot to take an audience from.",
            fix="Record one first: rfmkit snapshot ORDERS --as-of DATE.",
        )
    return found[0].as_of


def _view(store: Store, name: str) -> AudienceView:
    from rfmkit.campaigns.audiences import audience_members
    from rfmkit.campaigns.audiences import show_audience as shown

    info = shown(store, name)
    members = audience_members(store, name)
    keys = [c for c in (g.SEGMENT, g.SEGMENT_LABEL, g.LIFECYCLE_STAGE) if c in members.columns]
    counts = (
        members.group_by(keys).aggregate(customers=members.count()).order_by(keys).to_pandas()
        if keys
        else pd.DataFrame({"customers": [info.customers]})
    )
    return AudienceView(
        name=info.name,
        as_of=info.as_of,
        customers=info.customers,
        filters=info.filters.model_dump(),
        created_at=info.created_at,
        members=counts,
    )
