"""The words of delivered messages, from the shared catalogue (:mod:`rfmkit.i18n`, ``delivery.*``)."""

from __future__ import annotations

from typing import Any, Literal

from rfmkit import i18n

Language = Literal["zh", "en"]


def t(key: str, language: Language, **values: Any) -> str:
    """The text ``key`` in ``language`` with ``values`` filled in."""
    return i18n.t("delivery." + key, language, **values)


def money(value: float) -> str:
    """A money amount with thousands separators and two decimals (``12,345.60``)."""
    return f"{value:,.2f}"
