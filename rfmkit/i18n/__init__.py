"""Bilingual text (Chinese and English) of rfmkit's output, in one place.

Every sentence a person reads -- CLI tables and messages, the data-quality
report, the HTML report and charts, alert messages, web pages -- comes from
:data:`CATALOGUE` through :func:`t`. The catalogue is assembled from one
module per area (``core``, ``report``, ``history``, ``delivery``, ``web``), whose keys
are prefixed by the area (``report.section.segments``) except ``core``'s.
Segment schemes keep their own labels in their YAML files.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from rfmkit.i18n import core, delivery, history, report, web

LANGS = ("zh", "en")


def _catalogue() -> dict[str, dict[str, str]]:
    merged = dict(core.TEXT)
    areas = (("report.", report), ("history.", history), ("delivery.", delivery), ("web.", web))
    for prefix, area in areas:
        merged.update({prefix + key: text for key, text in area.TEXT.items()})
    return merged


CATALOGUE: dict[str, dict[str, str]] = _catalogue()


def has(key: str) -> bool:
    """Whether the catalogue holds ``key``."""
    return key in CATALOGUE


def t(key: str, lang: str = "zh", /, **values: Any) -> str:
    """The text of ``key`` in ``lang`` (English when a language is missing), filled in."""
    entry = CATALOGUE[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def rule_action(action: str, lang: str) -> str:
    """What a cleaning rule does to its rows, in ``lang``."""
    key = f"action.{action}"
    return t(key, lang) if key in CATALOGUE else action


def rule_description(rule: str, default: str, lang: str) -> str:
    """A cleaning rule's one-line description in ``lang`` (``default`` when not translated)."""
    key = f"rule.{rule}"
    return t(key, lang) if key in CATALOGUE else default


def number(value: float | int | None, lang: str = "zh", decimals: int = 0) -> str:
    """A number for people: thousands separators (en) or 万/亿 for large values (zh)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if lang == "zh" and abs(value) >= 100_000:
        for unit, size in (("亿", 1e8), ("万", 1e4)):
            if abs(value) >= size:
                return f"{value / size:,.2f}{unit}"
    return f"{value:,.{decimals}f}"


def day(value: dt.date | None, lang: str = "zh") -> str:
    """A date for people: 2024年7月1日 (zh) or 2024-07-01 (en)."""
    if value is None:
        return "-"
    return f"{value.year}年{value.month}月{value.day}日" if lang == "zh" else value.isoformat()
