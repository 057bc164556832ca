"""Numbers, percentages and dates written the way each language reads them.

Chinese counts large numbers in 万 (10^4) and 亿 (10^8); English uses
thousands separators. :func:`ticks` gives chart axes the same spelling.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def number(value: Any, lang: str, digits: int = 0) -> str:
    """``value`` for people: ``1.23亿`` / ``4.5万`` in Chinese, ``123,456,789`` in English.

    ``digits`` is the number of decimals below 10,000 (and in English always).
    """
    if value is None:
        return "–"
    value = float(value)
    if not math.isfinite(value):
        return "–"
    if lang == "zh":
        size = abs(value)
        if size >= 1e8:
            return _trim(f"{value / 1e8:.2f}") + "亿"
        if size >= 1e4:
            return _trim(f"{value / 1e4:.2f}" if size < 1e6 else f"{value / 1e4:.1f}") + "万"
    return f"{value:,.{digits}f}"


def integer(value: Any, lang: str) -> str:
    """A count: ``12,345`` in English, ``1.23万`` in Chinese."""
    return number(value, lang, 0)


def money(value: Any, lang: str) -> str:
    """An amount: whole units from 1,000 up, two decimals below."""
    if value is not None and math.isfinite(float(value)) and abs(float(value)) < 1000:
        return number(value, lang, 2)
    return number(value, lang, 0)


def percent(value: Any, digits: int = 1) -> str:
    """``12.3%`` from 12.345 (the value is already in percent)."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    return f"{float(value):.{digits}f}%"


def date(value: dt.date | None, lang: str) -> str:
    """``2024年6月30日`` or ``30 Jun 2024``."""
    if value is None:
        return "–"
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


def ticks(low: float, high: float, lang: str, count: int = 5) -> dict[str, Any]:
    """``tickvals`` and ``ticktext`` of a linear axis from ``low`` to ``high``.

    About ``count`` round values, spelled by :func:`number`; pass the result
    to ``fig.update_xaxes(**ticks(...))``.
    """
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return {}
    step = _nice_step((high - low) / max(count, 1))
    first = math.ceil(low / step) * step
    values = [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]
    digits = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return {"tickvals": values, "ticktext": [number(v, lang, digits) for v in values]}


def log_ticks(low: float, high: float, lang: str) -> dict[str, Any]:
    """``tickvals`` and ``ticktext`` of a log axis: 1, 2, 5 times each power of ten."""
    if not (low > 0 and high > low):
        return {}
    values: list[float] = []
    for power in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        values += [m * 10.0**power for m in (1, 2, 5) if low <= m * 10.0**power <= high]
    digits = 2 if values and min(values) < 1 else 0
    return {"tickvals": values, "ticktext": [number(v, lang, digits) for v in values]}


def _nice_step(raw: float) -> float:
    power = 10.0 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text
