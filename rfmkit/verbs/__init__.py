"""The verbs of rfmkit: what every shell (CLI, Python, web app) calls.

Each verb takes its inputs and settings by name (the names of
:mod:`rfmkit.settings`) and returns a result carrying a run record; none
prints. Only the verbs made to write (``save``, ``demo``'s folder,
``report``/``chart``, the store's verbs, exports) write anything.

Each verb lives in its own module (``rfmkit.verbs.score`` ...); ``import rfmkit``
loads them on first use (see ``rfmkit.VERBS``).
"""

from __future__ import annotations

from rfmkit.verbs.alerts import AlertsResult, alerts
from rfmkit.verbs.audience import (
    create_audience,
    export_audience,
    list_audiences,
    push_audience,
    show_audience,
)
from rfmkit.verbs.campaign import (
    campaign_history,
    create_campaign,
    list_campaigns,
    measure_campaign,
)
from rfmkit.verbs.check import CheckResult, check
from rfmkit.verbs.demo import DemoResult, demo
from rfmkit.verbs.history import (
    MigrationResult,
    customer,
    delete_snapshot,
    export_snapshot,
    migration,
    snapshots,
    trend,
)
from rfmkit.verbs.predict import ScoredPrediction, predict
from rfmkit.verbs.refresh import RefreshResult, refresh
from rfmkit.verbs.report import Drawn, chart, report
from rfmkit.verbs.save import save
from rfmkit.verbs.score import ScoreResult, score
from rfmkit.verbs.snapshot import SnapshotResult, snapshot
from rfmkit.verbs.stored import report_from_store

__all__ = [
    "AlertsResult",
    "CheckResult",
    "DemoResult",
    "Drawn",
    "MigrationResult",
    "RefreshResult",
    "ScoreResult",
    "ScoredPrediction",
    "SnapshotResult",
    "alerts",
    "campaign_history",
    "chart",
    "check",
    "create_audience",
    "create_campaign",
    "customer",
    "delete_snapshot",
    "demo",
    "export_audience",
    "export_snapshot",
    "list_audiences",
    "list_campaigns",
    "measure_campaign",
    "migration",
    "predict",
    "push_audience",
    "refresh",
    "report",
    "report_from_store",
    "save",
    "score",
    "show_audience",
    "snapshot",
    "snapshots",
    "trend",
]
