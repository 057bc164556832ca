"""Turn what users bring (files, frames, tables, databases) into canonical transactions.

The canonical table has the columns of :mod:`rfmkit.glossary`
(``customer_id, order_date, amount, order_id, source``). Loading reads every
input inside the engine, recognises its columns, parses ids, dates and
amounts, classifies every row by the cleaning rules of :mod:`rfmkit.quality`
and reports what it found. It has no side effect besides reading the inputs:
writing the rejects or the report is up to the caller
(:func:`rfmkit.quality.write_rejects`, :func:`rfmkit.quality.write_report`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from rfmkit.sources.options import LoadOptions

if TYPE_CHECKING:
    from rfmkit.quality import QualityReport
    from rfmkit.sources.loading import Loaded, load_transactions, read_sources

#: Names loaded on first use, so that the settings (LoadOptions) import without the engine.
_LAZY = {
    "Loaded": "rfmkit.sources.loading",
    "load_transactions": "rfmkit.sources.loading",
    "read_sources": "rfmkit.sources.loading",
    "QualityReport": "rfmkit.quality",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rfmkit.sources' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = ["LoadOptions", "Loaded", "QualityReport", "load_transactions", "read_sources"]
