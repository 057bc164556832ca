"""The history analyses' words, from the shared catalogue (:mod:`rfmkit.i18n`, ``history.*``)."""

from __future__ import annotations

from rfmkit import i18n


def text(key: str, lang: str = "zh") -> str:
    """The text of ``key`` in ``lang`` (English when the language is unknown)."""
    return i18n.t("history." + key, lang)
