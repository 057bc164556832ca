"""The verbs of rfmkit: what every shell (CLI, Python, web app) calls.

Each verb takes its inputs and settings by name (the names of
:mod:`rfmkit.settings`) and returns a result carrying a run record; none
prints, and only ``save`` (and ``demo``, which writes its demo folder)
writes files.
"""

from rfmkit.verbs.alerts import AlertsResult, alerts
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
from rfmkit.verbs.save import save
from rfmkit.verbs.score import ScoreResult, score
from rfmkit.verbs.snapshot import SnapshotResult, snapshot
from rfmkit.verbs.stored import report_from_store

__all__ = [
    "AlertsResult",
    "CheckResult",
    "DemoResult",
    "MigrationResult",
    "ScoreResult",
    "SnapshotResult",
    "alerts",
    "check",
    "customer",
    "delete_snapshot",
    "demo",
    "export_snapshot",
    "migration",
    "report_from_store",
    "save",
    "score",
    "snapshot",
    "snapshots",
    "trend",
]
