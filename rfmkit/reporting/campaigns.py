"""The campaign section of the report: each measured campaign against its holdout.

:func:`campaign_section` takes what :func:`rfmkit.verbs.campaign.measure_campaign`
measured (its ``results`` DataFrame, or several by campaign name) and draws
one table per campaign: per segment and overall, the group sizes, response
rates, lift with its p-value and 95 % interval, incremental revenue and ROI.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from rfmkit import i18n
from rfmkit.reporting.page import esc, paragraph, section, table

KEY = "campaigns"
_HEADS = (
    "col.segment",
    "campaigns.col.treated",
    "campaigns.col.control",
    "campaigns.col.rate_t",
    "campaigns.col.rate_c",
    "campaigns.col.lift",
    "campaigns.col.p",
    "campaigns.col.ci",
    "campaigns.col.incremental",
    "campaigns.col.roi",
)


def campaign_section(
    campaigns: pd.DataFrame | Mapping[str, pd.DataFrame],
    lang: str,
    labels: Mapping[str, str] | None = None,
) -> str:
    """The HTML section of the measured ``campaigns`` ("" when there is none)."""
    named = {"": campaigns} if isinstance(campaigns, pd.DataFrame) else dict(campaigns)
    named = {name: frame for name, frame in named.items() if not frame.empty}
    if not named:
        return ""
    parts = [paragraph(i18n.t("campaigns.measured.note", lang), "note")]
    for name, frame in named.items():
        if name:
            parts.append(f"<h3>{esc(name)}</h3>")
        parts.append(_table(frame, lang, labels or {}))
    return section(KEY, i18n.t("report.section.campaigns", lang), *parts)


def _table(frame: pd.DataFrame, lang: str, labels: Mapping[str, str]) -> str:
    head = [i18n.t(key, lang) for key in _HEADS]
    rows = [_row(row, lang, labels) for row in frame.to_dict(orient="records")]
    return table(head, rows, numeric=[False, *([True] * (len(head) - 1))])


def _row(row: Mapping[Any, Any], lang: str, labels: Mapping[str, str]) -> list[str]:
    if row.get("scope") == "overall":
        label = i18n.t("campaign.overall", lang)
    else:
        key = str(row.get("segment"))
        label = labels.get(key, key)
    return [
        label,
        _count(row.get("customers_treatment")),
        _count(row.get("customers_control")),
        _percent(row.get("response_rate_treatment")),
        _percent(row.get("response_rate_control")),
        _points(row.get("lift")),
        _p(row.get("p_value")),
        f"[{_points(row.get('ci_low'))}, {_points(row.get('ci_high'))}]",
        _money(row.get("incremental_revenue")),
        _signed(row.get("roi")),
    ]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def _count(value: Any) -> str:
    return "-" if _missing(value) else f"{int(value):,}"


def _percent(value: Any) -> str:
    return "-" if _missing(value) else f"{float(value) * 100:.2f}%"


def _points(value: Any) -> str:
    return "-" if _missing(value) else f"{float(value) * 100:+.2f}"


def _signed(value: Any) -> str:
    return "-" if _missing(value) else f"{float(value) * 100:+.1f}%"


def _p(value: Any) -> str:
    if _missing(value):
        return "-"
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def _money(value: Any) -> str:
    return "-" if _missing(value) else f"{float(value):,.2f}"
