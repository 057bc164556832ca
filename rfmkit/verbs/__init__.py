"""The verbs of rfmkit: what every shell (CLI, Python, web app) calls.

Each verb takes its inputs and settings by name (the names of
:mod:`rfmkit.settings`) and returns a result carrying a run record; none
prints. Only the verbs made to write (``save``, ``demo``'s folder,
``report``/``chart``, the store's verbs, exports) write anything.

Each verb lives in its own module and is imported on first use (so that
``rfmkit.score`` does not load the campaign or web code).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: Public verb or result name -> the module of :mod:`rfmkit.verbs` that defines it.
VERBS: dict[str, str] = {
    "check": "check",
    "CheckResult": "check",
    "score": "score",
    "ScoreResult": "score",
    "predict": "predict",
    "ScoredPrediction": "predict",
    "save": "save",
    "demo": "demo",
    "DemoResult": "demo",
    "report": "report",
    "chart": "report",
    "Drawn": "report",
    "report_from_store": "stored",
    "snapshot": "snapshot",
    "SnapshotResult": "snapshot",
    "snapshots": "history",
    "export_snapshot": "history",
    "delete_snapshot": "history",
    "migration": "history",
    "MigrationResult": "history",
    "trend": "history",
    "customer": "history",
    "alerts": "alerts",
    "AlertsResult": "alerts",
    "refresh": "refresh",
    "RefreshResult": "refresh",
    "create_audience": "audience",
    "list_audiences": "audience",
    "show_audience": "audience",
    "export_audience": "audience",
    "push_audience": "audience",
    "create_campaign": "campaign",
    "measure_campaign": "campaign",
    "campaign_history": "campaign",
    "list_campaigns": "campaign",
}


def __getattr__(name: str) -> Any:
    module = VERBS.get(name)
    if module is None:
        raise AttributeError(f"module 'rfmkit.verbs' has no attribute {name!r}")
    return getattr(import_module(f"rfmkit.verbs.{module}"), name)


__all__ = sorted(VERBS)
