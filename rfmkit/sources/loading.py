"""Loading: inputs in, canonical transactions and their data-quality report out (see :mod:`rfmkit.sources`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from rfmkit import glossary as g
from rfmkit.backend import engine_name
from rfmkit.errors import ConfigError, DataQualityError, InputError
from rfmkit.quality import QualityReport, enforce_strict
from rfmkit.sources import report as reporting
from rfmkit.sources.base import RawSource
from rfmkit.sources.columns import ColumnMap, normalize_mapping, resolve
from rfmkit.sources.combine import (
    Rules,
    build_stage,
    data_columns,
    mark_duplicates,
    mark_outliers,
)
from rfmkit.sources.databases import read_database
from rfmkit.sources.files import read_file, read_frame
from rfmkit.sources.options import LoadOptions
from rfmkit.sources.paths import Expanded, expand_inputs
from rfmkit.sources.reading import Reading


@dataclass
class Loaded:
    """The canonical transactions (or customers) and what loading them found.

    Attributes
    ----------
    transactions
        Canonical transactions; None for customer-level input.
    quality
        The data-quality report.
    customers
        For customer-level input: ``customer_id, last_purchase, frequency,
        monetary, first_purchase``; None otherwise.
    trusted_ids
        The id fields (``customer``, ``order``) read as they are, unchecked,
        from some typed source (only when loaded with ``check_ids=False``):
        the caller checks them once grouped and, if one is not clean, loads
        again with :meth:`cleaning_ids`.
    """

    transactions: ibis.Table | None
    quality: QualityReport = field(default_factory=QualityReport)
    customers: ibis.Table | None = None
    stage: ibis.Table | None = field(default=None, repr=False)
    offsets: pd.DataFrame | None = field(default=None, repr=False)
    trusted_ids: frozenset[str] = frozenset()
    _reload: Callable[[], Loaded] | None = field(default=None, repr=False)
    #: ``transactions`` with the ids of integer id columns as read (see
    #: :func:`rfmkit.sources.combine.integer_keys`): grouping by them is
    #: grouping by the canonical text ids, faster. None when no id is such.
    keyed: ibis.Table | None = field(default=None, repr=False)
    #: ``customer_id, owner``: each customer's owner (salesperson) from the orders,
    #: the one of their latest order; None when no input names an owner column.
    owners: ibis.Table | None = field(default=None, repr=False)

    def cleaning_ids(self) -> Loaded:
        """The same inputs loaded again, every id cleaned (some trusted id was not clean).

        Every source whose ids had been trusted is marked
        ``ids_need_cleaning`` in the report. Transactions whose ids were
        checked when loaded (``check_ids=True``) are returned as they are.
        """
        return self if self._reload is None else self._reload()

    def rejects(self) -> ibis.Table:
        """Every row left out, with source, file, line, reason and its raw values."""
        if self.stage is None or self.offsets is None:
            raise ConfigError("These transactions were not loaded by load_transactions.")
        return reporting.rejects(self.stage, self.offsets)


def load_transactions(
    inputs: Any = None,
    *,
    con: BaseBackend,
    options: LoadOptions | None = None,
    as_of: date | None = None,
    count_customers: bool = True,
    check_ids: bool = True,
) -> Loaded:
    """Read ``inputs`` into canonical transactions, cleaned and reported.

    Parameters
    ----------
    inputs
        A path, glob or folder, a list of them, a pandas/polars/pyarrow frame
        or an Ibis table; None when ``options.from_db`` is set.
    con
        The engine connection the tables live on.
    options
        How to read and clean (see :class:`LoadOptions`).
    as_of
        Rows dated on or after it are left out (rule ``after_as_of``).
    count_customers
        Count the distinct customers for the report. A caller that groups
        by customer anyway (scoring) passes False and fills
        ``quality.customers`` itself, saving a pass over the rows.
    check_ids
        Check row by row that the text ids of typed sources, read as they
        are, need no cleaning (and clean them if some do). A caller that
        groups by customer and order anyway passes False and checks the
        groups instead, far fewer values (see ``Loaded.trusted_ids``).

    Raises
    ------
    InputError, ColumnNotFoundError, SourceUnavailableError
        When an input cannot be read or lacks the needed columns.
    DataQualityError
        When ``options.strict`` and some row was left out, or when no row is usable.
    """
    options = options or LoadOptions()
    mapping = normalize_mapping(options.map)
    _check_pattern(options.exclude_customers)
    reading = Reading()
    sources = read_sources(inputs, con, options, mapping, reading=reading)
    maps = reading.resolved(sources, lambda raw: _resolve(raw, mapping, options))
    level = _one_level(maps, sources)
    rules = _rules(options, as_of)
    distinct_customers = count_customers or level == "customers"

    def build(distrust: Sequence[int] = (), flag_dirty: bool = check_ids) -> Loaded:
        try:
            stage, trusted, report = _stage_and_report(
                con, sources, maps, rules, distinct_customers, distrust, flag_dirty
            )
        except InputError as error:
            reading.drop_failed(error, sources, maps)  # re-raises unless skipping bad files
            return build((), flag_dirty)
        reading.fill(report)
        dirty = reporting.dirty_sources(report)
        if dirty:  # some trusted ids were not clean after all: clean them
            return build(dirty)
        for index in distrust:
            report.sources[index].detected["ids_need_cleaning"] = True
        _check_usable(report, sources)
        if options.strict:
            enforce_strict(report)
        loaded = _loaded(stage, report, level, sources, maps)
        if not flag_dirty:
            loaded.trusted_ids = frozenset().union(*trusted.values())
            loaded._reload = lambda: build(sorted(trusted), flag_dirty=False)
        return loaded

    return build()


def _loaded(
    stage: ibis.Table,
    report: QualityReport,
    level: str,
    sources: Sequence[RawSource],
    maps: Sequence[ColumnMap] = (),
) -> Loaded:
    used = stage.filter(stage._reason.isnull())
    offsets = reporting.source_table(sources)
    if level == "customers":
        customers = used.select(
            customer_id=used.customer_id,
            last_purchase=used.order_date,
            frequency=used.frequency,
            monetary=used.amount,
            first_purchase=used.first_purchase,
        )
        return Loaded(None, report, customers, stage, offsets)
    transactions = used.select(*g.TRANSACTION_COLUMNS)
    loaded = Loaded(transactions, report, None, stage, offsets)
    if any("owner" in m.fields for m in maps):
        named = used.filter(used.owner.notnull())
        loaded.owners = named.group_by(g.CUSTOMER_ID).aggregate(
            owner=named.owner.argmax(named.order_date)
        )
    keys = {f"{name}_id": f"_{name}_key" for name in ("customer", "order")}
    if any(key in stage.columns for key in keys.values()):
        loaded.keyed = used.select(
            *(
                used[keys.get(c, c)].name(c) if keys.get(c) in stage.columns else c
                for c in g.TRANSACTION_COLUMNS
            )
        )
    return loaded


def _stage_and_report(
    con: BaseBackend,
    sources: Sequence[RawSource],
    maps: Sequence[ColumnMap],
    rules: Rules,
    customers: bool,
    distrust: Sequence[int],
    flag_dirty: bool,
) -> tuple[ibis.Table, dict[int, frozenset[str]], QualityReport]:
    stage, trusted = build_stage(
        con, sources, maps, rules, distrust=distrust, flag_dirty=flag_dirty
    )
    stage, overlaps = mark_duplicates(con, stage, rules)
    stage = mark_outliers(con, stage, rules)
    report = reporting.build_report(
        stage,
        sources,
        maps,
        rules,
        currencies=_text_amounts(sources, maps),
        customers=customers,
    )
    report.overlaps = [
        {
            "files": [sources[a].file or sources[a].name, sources[b].file or sources[b].name],
            "rows": rows,
        }
        for a, b, rows in overlaps
    ]
    report.warnings.extend(
        f"{o['rows']:,} rows of {o['files'][1]} repeat rows of {o['files'][0]} "
        "(overlapping files: counted once)"
        for o in report.overlaps
    )
    return stage, trusted, report


def read_sources(
    inputs: Any,
    con: BaseBackend,
    options: LoadOptions,
    mapping: dict[str, str],
    *,
    reading: Reading | None = None,
) -> list[RawSource]:
    """Every input as a :class:`RawSource` (files expanded, each once; databases attached).

    ``reading`` collects the notes on inputs named twice and, with
    ``options.skip_bad_files``, the files that could not be read.
    """
    reading = reading if reading is not None else Reading()
    reading.skip = options.skip_bad_files
    sources: list[RawSource] = []
    if options.from_db:
        sources.append(
            read_database(con, options.from_db, table=options.table, query=options.query)
        )
    items = _as_list(inputs)
    if engine_name(con) == "spark":  # URIs, catalog tables, anything on a remote session
        items = read_spark_sources(items, con, options, mapping, reading, sources)
    if not items and not sources:
        raise ConfigError(
            "No input was given.", fix="Name a file, a folder or a glob, or use --from-db."
        )
    found = Expanded()
    planned: list[Path | Any] = []
    for item in items:
        if isinstance(item, str | Path):
            before = len(found.paths)
            expand_inputs([item], found)
            planned.extend(found.paths[before:])
        else:
            planned.append(item)
    reading.notes.extend(found.warnings)
    reading.files = len(found.paths)
    frames = 0
    for item in planned:
        if isinstance(item, Path):
            with reading.guard(item):
                sources.append(
                    read_file(
                        item,
                        con,
                        mapping=mapping,
                        encoding=options.encoding,
                        delimiter=options.delimiter,
                        sheet=options.sheet,
                    )
                )
        else:
            frames += 1
            sources.append(read_frame(item, con, "input" if frames == 1 else f"input{frames}"))
    reading.check_some(sources)
    _unique_names(sources)
    return sources


def read_spark_sources(
    items: list[Any],
    con: BaseBackend,
    options: LoadOptions,
    mapping: dict[str, str],
    reading: Reading,
    sources: list[RawSource],
) -> list[Any]:
    """Read with Spark's own readers what Spark reads (see :mod:`rfmkit.spark.reading`).

    Adds a catalog table (``table`` without ``from_db``) and every item that
    Spark reads itself to ``sources``; returns the items left for the local readers.
    """
    from rfmkit.spark.reading import read_catalog, read_input, spark_reads

    if options.table and not options.from_db:
        sources.append(read_catalog(con, options.table))
    left = []
    for item in items:
        if not (isinstance(item, str | Path) and spark_reads(item, con)):
            left.append(item)
            continue
        reading.files += 1
        with reading.guard(str(item)):
            raw = read_input(
                item,
                con,
                mapping=mapping,
                encoding=options.encoding,
                delimiter=options.delimiter,
                sheet=options.sheet,
            )
            if raw.info.get("read_on_driver"):
                reading.notes.append(
                    f"{raw.file}: Excel is read on this machine and sent to Spark "
                    "(small workbooks only); save large ones as CSV or Parquet."
                )
            sources.append(raw)
    return left


def _as_list(inputs: Any) -> list[Any]:
    if inputs is None:
        return []
    if isinstance(inputs, list | tuple):
        return list(inputs)
    return [inputs]


def _unique_names(sources: Sequence[RawSource]) -> None:
    seen: dict[str, int] = {}
    for raw in sources:
        count = seen.get(raw.name, 0)
        seen[raw.name] = count + 1
        if count:
            raw.name = f"{raw.name}_{count + 1}"


def _resolve(raw: RawSource, mapping: dict[str, str], options: LoadOptions) -> ColumnMap:
    return resolve(data_columns(raw.table), mapping, level=options.level, file=raw.file)


_AMOUNT_FIELDS = ("amount", "price", "monetary")


def _text_amounts(sources: Sequence[RawSource], maps: Sequence[ColumnMap]) -> bool:
    """Whether some amount is read from text (only then can it carry a currency)."""
    return any(
        raw.table[column].type().is_string()
        for raw, columns in zip(sources, maps, strict=True)
        for field, column in columns.fields.items()
        if field in _AMOUNT_FIELDS
    )


def _one_level(maps: Sequence[ColumnMap], sources: Sequence[RawSource]) -> str:
    levels = {m.level for m in maps}
    if len(levels) > 1:
        kinds = ", ".join(
            f"{s.file or s.name}: {m.level}" for s, m in zip(sources, maps, strict=True)
        )
        raise InputError(
            f"Transaction and customer-level inputs cannot be mixed ({kinds}).",
            fix="Load them separately, or give --level to read all of them one way.",
        )
    return levels.pop()


def _rules(options: LoadOptions, as_of: date | None) -> Rules:
    return Rules(
        as_of=as_of,
        today=options.today or date.today(),
        timezone=options.timezone,
        dayfirst=options.dayfirst,
        exclude_customers=options.exclude_customers,
        exclude_future=not options.keep_future,
        max_amount=options.max_amount,
        drop_duplicates=not options.keep_duplicates,
        outlier_iqr=options.outlier_iqr,
        missing_ids=tuple(options.missing_ids),
        min_date=options.min_date,
    )


def _check_pattern(pattern: str | None) -> None:
    if pattern is None:
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(
            f"The exclude pattern {pattern!r} is not a valid regular expression: {exc}.",
            fix="Write it like ^TEST or (test|demo).",
        ) from exc


def _check_usable(report: QualityReport, sources: Sequence[RawSource]) -> None:
    if report.rows_read == 0:
        where = sources[0].file if len(sources) == 1 else None
        raise InputError(
            "The input has no data rows.", file=where, fix="Export the data again, with its rows."
        )
    if report.rows_used == 0:
        taken = sorted(
            (r for r in report.rules if r.count and r.action != "info"), key=lambda r: -r.count
        )
        counts = ", ".join(f"{r.rule}: {r.count}" for r in taken)
        example = next((r.examples[0] for r in taken if r.examples), {})
        raise DataQualityError(
            f"No usable row: all {report.rows_read} rows were left out ({counts}).",
            file=example.get("file"),
            row=example.get("line"),
            fix=_UNUSABLE_FIX.get(taken[0].rule if taken else "", _UNUSABLE_FIX[""]),
            details={"quality": report.to_dict()},
        )


#: What to try when every row was left out, by the rule that took the most.
_UNUSABLE_FIX = {
    "future_date": "Every date lies after today: check the date format (--dayfirst), the "
    "machine's clock, or keep them with --keep-future.",
    "after_as_of": "Every row is dated on or after --as-of: give a later --as-of, or leave "
    "it out to use the day after the latest order.",
    "unparsable_date": "No date could be read: check the date column (--map date=COL) and "
    "its format (--dayfirst).",
    "unparsable_amount": "No amount could be read: check the amount column (--map amount=COL).",
    "missing_customer": "No row has a customer id: name the customer column with "
    "--map customer=COL (or adjust --missing-ids).",
    "implausible_date": "Every date is implausible (before --min-date or after 2100): check "
    "the date column, or lower --min-date.",
    "duplicate": "Every row repeats another: keep them with --keep-duplicates if they are "
    "real orders.",
    "": "Check the column mapping (--map), the date format (--dayfirst) and --as-of.",
}
