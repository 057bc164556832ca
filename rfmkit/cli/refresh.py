"""``rfmkit refresh``: merge new orders into the store and record an up-to-date snapshot."""

from __future__ import annotations

from typing import Any

from rfmkit import i18n
from rfmkit.cli import common as c
from rfmkit.cli import options as o
from rfmkit.cli.history import show_store
from rfmkit.settings import HistoryOptions, RefreshOptions

#: History settings that make a series (a refresh records one snapshot).
SERIES_ONLY = ("every", "from_as_of", "to_as_of")


@o.with_settings("load", "score", "lifecycle", "history", "refresh", skip=SERIES_ONLY)
def refresh_command(inputs: o.Inputs = None, **options: Any) -> None:
    """Merge new orders into the store and record the snapshot of --as-of (incremental)."""
    from rfmkit.verbs.refresh import refresh_with

    settings = o.settings_from(options)
    history = o.group_from(HistoryOptions, options)
    refresh = o.group_from(RefreshOptions, options)
    with c.StepProgress(settings.lang).shown() as progress:
        done = refresh_with(o.paths_or_none(inputs), settings, history, refresh, progress=progress)
    out, lang = c.console(), settings.lang
    if done.rows_read:
        counts = {
            "read": f"{done.rows_read:,}",
            "new": f"{done.rows_new:,}",
            "duplicates": f"{done.duplicates:,}",
            "touched": f"{done.customers_touched:,}",
        }
        out.print(i18n.t("refresh.merged", lang, **counts), markup=False)
    else:
        out.print(i18n.t("refresh.nothing", lang, as_of=done.as_of), markup=False)
    info = done.snapshot
    customers, revenue = f"{info.customers:,}", i18n.number(info.revenue, lang, 2)
    out.print(
        i18n.t("history.cli.saved", lang, as_of=info.as_of, customers=customers, revenue=revenue),
        markup=False,
    )
    if done.breakpoints_mode == "frozen" and done.reference is not None:
        out.print(i18n.t("history.cli.frozen", lang, reference=done.reference), markup=False)
    elif done.breakpoints_mode == "refit":
        out.print(i18n.t("history.cli.refit", lang), markup=False)
    if refresh.watermark and done.watermark:
        line = i18n.t("refresh.watermark", lang, column=refresh.watermark, value=done.watermark)
        out.print(line, markup=False)
    for warning in done.warnings:
        out.print(i18n.t("warning", lang, text=warning), markup=False)
    show_store(done.store, lang)
