"""The report's words, from the shared catalogue (:mod:`rfmkit.i18n`, keys ``report.*``).

Cleaning rules and their actions (``rule.*``, ``action.*``) are shared with
the CLI's data-quality summary.
"""

from __future__ import annotations

from typing import Any

from rfmkit import i18n


def _key(key: str) -> str:
    return key if key.startswith(("rule.", "action.")) else "report." + key


def t(key: str, lang: str, /, **fields: Any) -> str:
    """The text ``key`` in ``lang`` (``zh`` or ``en``), with ``fields`` filled in."""
    return i18n.t(_key(key), lang, **fields)


def has(key: str) -> bool:
    """Whether the catalogue holds ``key``."""
    return i18n.has(_key(key))
