"""The extra sheets of an .xlsx result: segment summary, breakpoints, data quality.

Each is a small table built from what a scoring run already holds (no
engine work); :func:`report_sheets` lists those given, for
:func:`rfmkit.export.write_table` (``sheets=``) or
:func:`rfmkit.export.write_workbook`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from rfmkit.export import Sheet
    from rfmkit.quality import QualityReport
    from rfmkit.scoring import Breakpoints


def breakpoints_frame(breakpoints: Mapping[str, Breakpoints]) -> pd.DataFrame:
    """One row per metric and score: the range of values that gives the score."""
    rows = [
        {
            "metric": metric,
            "score": score,
            "above": low,
            "up_to": high,
            "meaning": bp.describe(score),
        }
        for metric, bp in breakpoints.items()
        for score, low, high in bp.score_ranges()
    ]
    columns = ["metric", "score", "above", "up_to", "meaning"]
    return pd.DataFrame(rows, columns=columns).astype({"above": "float64", "up_to": "float64"})


def quality_frame(report: QualityReport) -> pd.DataFrame:
    """The data-quality report as rows: totals first, then one row per cleaning rule."""
    read = report.rows_read or 0
    rows = [
        {"item": "rows_read", "action": "", "description": "rows read", "rows": read},
        {
            "item": "rows_used",
            "action": "used",
            "description": "rows used",
            "rows": report.rows_used,
        },
        {"item": "customers", "action": "", "description": "customers", "rows": report.customers},
    ]
    rows += [
        {"item": r.rule, "action": r.action, "description": r.description, "rows": r.count}
        for r in report.rules
    ]
    frame = pd.DataFrame(rows, columns=["item", "action", "description", "rows"])
    frame["share"] = (frame["rows"] / read).round(4) if read else 0.0
    return frame.astype({"rows": "int64", "share": "float64"})


def report_sheets(
    summary: pd.DataFrame | None = None,
    breakpoints: Mapping[str, Breakpoints] | None = None,
    quality: QualityReport | None = None,
) -> list[Sheet]:
    """The sheets ``segments``, ``breakpoints`` and ``data_quality``, for those given."""
    from rfmkit.export import Sheet

    sheets = []
    if summary is not None:
        sheets.append(Sheet("segments", summary, order_by=None))
    if breakpoints:
        sheets.append(Sheet("breakpoints", breakpoints_frame(breakpoints), order_by=None))
    if quality is not None:
        sheets.append(Sheet("data_quality", quality_frame(quality), order_by=None))
    return sheets
