"""``rfmkit snapshot``, ``history``, ``migration``, ``trend`` and ``customer``: the store over time."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from rfmkit import i18n
from rfmkit.cli import common as c
from rfmkit.cli import options as o
from rfmkit.cli.render import show
from rfmkit.errors import ConfigError
from rfmkit.settings import HistoryOptions, SaveOptions, ScoreOptions, parse_date_setting
from rfmkit.store.location import parse_location

if TYPE_CHECKING:
    import pandas as pd

#: The history settings other than ``store`` (left out where they mean nothing).
SERIES_ONLY = ("every", "from_as_of", "to_as_of", "breakpoints_mode", "reference")
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="The snapshot's date (YYYY-MM-DD).", show_default=False),
]
Output = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write the table to this file (.csv, .parquet, .xlsx, .json)."
    ),
]
Lang = Annotated[str | None, typer.Option("--lang", help="Language of labels: zh or en.")]


def lang_of(options: dict[str, Any]) -> str:
    """The language: --lang, else the config file or RFMKIT_LANG, else zh."""
    return str(o.group_from(ScoreOptions, {k: options.get(k) for k in ("lang", o.CONFIG)}).lang)


def store_of(options: dict[str, Any]) -> str | None:
    """The store: --store, else the config file or RFMKIT_STORE, else the default file."""
    return o.group_from(HistoryOptions, options).store


def day(text: str | None) -> Any:
    """A date option in any form the data reader accepts (2024-07-01, 2024/07/01)."""
    return parse_date_setting(text) if text else None


@o.with_settings("load", "score", "lifecycle", "history", "spark", skip=("partition_by",))
def snapshot_command(inputs: o.Inputs = None, **options: Any) -> None:
    """Score transactions and keep the result as a snapshot (--every back-fills a series)."""
    from rfmkit.verbs.snapshot import snapshot_with

    settings = o.settings_from(options)
    history = o.group_from(HistoryOptions, options)
    with c.StepProgress(settings.lang).shown() as progress:
        done = snapshot_with(o.paths_or_none(inputs), settings, history, progress=progress)
    out, lang = c.console(), settings.lang
    for info in done.snapshots:
        customers, revenue = f"{info.customers:,}", i18n.number(info.revenue, lang, 2)
        line = i18n.t(
            "history.cli.saved", lang, as_of=info.as_of, customers=customers, revenue=revenue
        )
        out.print(line, markup=False)
    if done.breakpoints_mode == "frozen" and done.reference is not None:
        out.print(i18n.t("history.cli.frozen", lang, reference=done.reference), markup=False)
    elif done.breakpoints_mode == "refit":
        out.print(i18n.t("history.cli.refit", lang), markup=False)
    for warning in done.warnings:
        out.print(i18n.t("warning", lang, text=warning), markup=False)
    show_store(done.store, lang)


@o.with_settings("history", skip=SERIES_ONLY)
def history_command(
    as_of: AsOf = None,
    output: Output = None,
    delete: Annotated[
        str | None, typer.Option("--delete", help="Delete the snapshot of this date.")
    ] = None,
    lang: Lang = None,
    **options: Any,
) -> None:
    """List the stored snapshots; write one (--as-of DATE -o FILE) or delete one (--delete DATE)."""
    from rfmkit.verbs import history as h

    store, chosen = store_of(options), lang_of({**options, "lang": lang})
    out = c.console()
    if delete is not None:
        info = h.delete_snapshot(day(delete), store=store)
        out.print(i18n.t("history.cli.deleted", chosen, as_of=info.as_of), markup=False)
    elif as_of is not None:
        if output is None:
            raise ConfigError(
                "No output file was named.", fix="Name it with -o, e.g. -o customers.csv."
            )
        save = o.group_from(SaveOptions, options)
        path = h.export_snapshot(day(as_of), output, store=store, raw_cells=save.raw_cells)
        out.print(i18n.t("wrote", chosen, path=path), markup=False)
    else:
        listed = h.snapshots(store=store)
        title = i18n.t("history.cli.snapshots", chosen, count=len(listed))
        show_frame(listed, title) if len(listed) else out.print(i18n.t("history.cli.empty", chosen))
    show_store(store, chosen)


@o.with_settings("history", skip=("every", "breakpoints_mode", "reference"))
def migration_command(
    output: Output = None,
    customers: Annotated[
        Path | None, typer.Option("--customers", help="Write each customer's move to this file.")
    ] = None,
    chain: Annotated[
        bool, typer.Option("--chain", help="Also the average transition matrix and projection.")
    ] = False,
    lang: Lang = None,
    **options: Any,
) -> None:
    """Segment-to-segment moves between two snapshots (default: the two latest)."""
    from rfmkit.verbs.history import migration

    history, chosen = o.group_from(HistoryOptions, options), lang_of({**options, "lang": lang})
    moved = migration(
        history.from_as_of,
        history.to_as_of,
        store=history.store,
        lang=chosen,
        chain=chain,
        output=output,
        customers=customers,
    )
    found = moved.migration
    title = i18n.t(
        "history.cli.migration", chosen, from_as_of=found.from_as_of, to_as_of=found.to_as_of
    )
    show_frame(found.matrix, title)
    show_frame(found.directions, i18n.t("history.cli.directions", chosen))
    if moved.chain is not None:
        show_frame(
            moved.chain.matrix, i18n.t("history.cli.chain", chosen, periods=moved.chain.periods)
        )
        show_frame(moved.chain.projection, i18n.t("history.cli.projection", chosen))
    show_written(moved.written, chosen)


@o.with_settings("history", skip=SERIES_ONLY)
def trend_command(output: Output = None, lang: Lang = None, **options: Any) -> None:
    """Per snapshot and segment: customers, share, revenue, revenue share, mean scores."""
    from rfmkit.verbs.history import trend

    chosen = lang_of({**options, "lang": lang})
    frame = trend(store=store_of(options), lang=chosen, output=output)
    show_frame(frame, i18n.t("history.cli.trend", chosen))
    show_written([output] if output is not None else [], chosen)


@o.with_settings("history", skip=SERIES_ONLY)
def customer_command(
    customer_id: Annotated[str, typer.Argument(help="The customer's id, as in the order data.")],
    lang: Lang = None,
    **options: Any,
) -> None:
    """One customer's segments and scores over time."""
    from rfmkit.verbs.history import customer

    chosen = lang_of({**options, "lang": lang})
    frame = customer(customer_id, store=store_of(options), lang=chosen)
    show_frame(frame, i18n.t("history.cli.customer", chosen, customer=customer_id))


# -- rendering ---------------------------------------------------------------


def show_frame(frame: pd.DataFrame, title: str) -> None:
    """A small table as it is, numbers with thousands separators."""
    table = Table(title=title)
    for name in frame.columns:
        numeric = frame[name].dtype.kind in "iuf"
        table.add_column(str(name), justify="right" if numeric else "left", overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(cell(v) for v in row))
    show(c.console(), table)


def cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{value:,.2f}"
    return str(value)


def show_store(store: str | None, lang: str) -> None:
    """Where the store is (the default file named, so users know where it went)."""
    where = parse_location(store)
    shown = str(Path(where.target).resolve()) if where.kind == "duckdb" else where.display
    c.console().print(i18n.t("history.cli.store", lang, store=shown), markup=False)


def show_written(paths: list[Path], lang: str) -> None:
    for path in paths:
        c.console().print(i18n.t("wrote", lang, path=path), markup=False)
