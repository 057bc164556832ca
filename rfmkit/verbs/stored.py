"""A stored snapshot as a scoring result: the report drawn from the store, not the inputs.

:func:`stored_result` rebuilds the :class:`~rfmkit.verbs.score.ScoreResult`
of a snapshot from its customer table and run record (settings,
breakpoints, weights, row counts); :func:`report_from_store` writes the
HTML report of it with the history sections (the move from the snapshot
before, and the trend up to it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rfmkit.errors import ConfigError
from rfmkit.quality import QualityReport
from rfmkit.record import RunRecord
from rfmkit.scoring import Breakpoints
from rfmkit.segments import Scheme, SplitLine, load_scheme
from rfmkit.settings import Settings, build_settings
from rfmkit.sources import Loaded
from rfmkit.store import SnapshotInfo, Store
from rfmkit.summary import pareto, segment_summary
from rfmkit.verbs.history import opened, report_history
from rfmkit.verbs.report import Drawn
from rfmkit.verbs.score import ScoreResult


def report_from_store(
    output: str | Path,
    *,
    store: str | Path | None = None,
    as_of: dt.date | str | None = None,
    lang: str | None = None,
) -> Drawn:
    """Write the HTML report of the snapshot of ``as_of`` (default: the latest) with its history."""
    from rfmkit.reporting import write_report

    with opened(store) as found:
        info = found.snapshot(as_of) if as_of is not None else _latest(found)
        result = stored_result(found, info, lang)
        history = report_history(found, info.as_of, result.lang)
        path = write_report(result, output, history=history)
    return Drawn(path, result)


def _latest(store: Store) -> SnapshotInfo:
    found = store.latest(1)
    if not found:
        raise ConfigError(
            f"The store {store.location} holds no snapshot.",
            fix="Record one with rfmkit snapshot.",
        )
    return found[0]


def stored_result(store: Store, info: SnapshotInfo, lang: str | None = None) -> ScoreResult:
    """The scoring result of a stored snapshot (valid while the store is open)."""
    record = store.record(info.as_of)
    settings = _settings(record, info, lang)
    scheme = _scheme(info, settings)
    customers = store.customers(info.as_of)
    rows = record.get("rows") or {}
    quality = QualityReport(
        rows_read=int(rows.get("read", 0)),
        rows_used=int(rows.get("used", 0)),
        customers=int(rows.get("customers", info.customers)),
        as_of=info.as_of,
    )
    splits = record.get("splits")
    return ScoreResult(
        customers=customers,
        as_of=info.as_of,
        scheme=scheme,
        settings=settings,
        weights=_weights(record),
        breakpoints=_breakpoints(record),
        split=SplitLine(settings.split or "mean", dict(splits)) if splits else None,
        summary=segment_summary(customers, scheme, settings.lang),
        pareto=pareto(customers, settings.top_percent, customers=info.customers),
        unscored_customers=int(rows.get("unscored", 0)),
        quality=quality,
        record=RunRecord.from_dict(record),
        loaded=Loaded(None, quality),
    )


def _settings(record: dict[str, Any], info: SnapshotInfo, lang: str | None) -> Settings:
    given = record.get("settings") or {}
    known = {k: v for k, v in given.items() if k in Settings.model_fields}
    if lang is not None:
        known["lang"] = lang
    try:
        return Settings.model_validate(known)
    except ValidationError:  # a record of another version: what the report needs
        return build_settings(environ={}, scheme=info.scheme, lang=lang or "zh")


def _scheme(info: SnapshotInfo, settings: Settings) -> Scheme:
    for name in (info.scheme, settings.scheme):
        try:
            return load_scheme(name)
        except ConfigError:
            continue
    raise ConfigError(
        f"The scheme {info.scheme!r} of the snapshot of {info.as_of} cannot be found.",
        fix="Keep the scheme file where it was when the snapshot was recorded.",
    )


def _breakpoints(record: dict[str, Any]) -> dict[str, Breakpoints]:
    stored = record.get("breakpoints") or {}
    return {
        metric: Breakpoints(metric, tuple(bp["edges"]), bool(bp["higher_is_better"]))
        for metric, bp in stored.items()
        if isinstance(bp, dict) and "edges" in bp
    }


def _weights(record: dict[str, Any]) -> tuple[float, float, float]:
    r, f, m = (float(w) for w in (record.get("weights") or (1.0, 1.0, 1.0)))
    return r, f, m
