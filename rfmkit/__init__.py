"""rfmkit: customer value segments (RFM) from an order history.

The verbs (:mod:`rfmkit.verbs`) take their settings by name, the same names
as the CLI options and config keys (:mod:`rfmkit.settings`)::

    result = rfmkit.score("orders.csv", as_of="2024-07-01", keep_duplicates=True)
    rfmkit.save(result, output="customers.xlsx")

Everything but the errors is imported on first use, so ``import rfmkit``
(and the ``rfmkit`` command's start) stays fast.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from rfmkit.errors import (
    ColumnNotFoundError,
    ConfigError,
    ConvergenceError,
    DataQualityError,
    InputError,
    ModelError,
    OutputError,
    RfmError,
    SourceUnavailableError,
)

__version__ = "0.1.0"

#: The verbs and their results (:mod:`rfmkit.verbs`), loaded on first use.
VERBS = frozenset(
    {
        "check",
        "CheckResult",
        "score",
        "ScoreResult",
        "predict",
        "ScoredPrediction",
        "save",
        "demo",
        "DemoResult",
        "report",
        "chart",
        "Drawn",
        "report_from_store",
        "snapshot",
        "SnapshotResult",
        "snapshots",
        "export_snapshot",
        "delete_snapshot",
        "migration",
        "MigrationResult",
        "trend",
        "customer",
        "alerts",
        "AlertsResult",
        "refresh",
        "RefreshResult",
        "create_audience",
        "list_audiences",
        "show_audience",
        "export_audience",
        "push_audience",
        "create_campaign",
        "measure_campaign",
        "campaign_history",
        "list_campaigns",
    }
)

#: Other public names -> their module.
_LAZY = {
    "RunRecord": "rfmkit.record",
    "Scheme": "rfmkit.scheme",
    "load_scheme": "rfmkit.scheme",
    "shipped_schemes": "rfmkit.scheme",
    "LoadOptions": "rfmkit.sources.options",
    "Settings": "rfmkit.settings",
}

if TYPE_CHECKING:
    from rfmkit.record import RunRecord
    from rfmkit.scheme import Scheme, load_scheme, shipped_schemes
    from rfmkit.settings import Settings
    from rfmkit.sources.options import LoadOptions
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name) or ("rfmkit.verbs" if name in VERBS else None)
    if module is None:
        raise AttributeError(f"module 'rfmkit' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "AlertsResult",
    "CheckResult",
    "ColumnNotFoundError",
    "ConfigError",
    "ConvergenceError",
    "DataQualityError",
    "DemoResult",
    "Drawn",
    "InputError",
    "LoadOptions",
    "MigrationResult",
    "ModelError",
    "OutputError",
    "RefreshResult",
    "RfmError",
    "RunRecord",
    "Scheme",
    "ScoreResult",
    "ScoredPrediction",
    "Settings",
    "SnapshotResult",
    "SourceUnavailableError",
    "__version__",
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
    "load_scheme",
    "measure_campaign",
    "migration",
    "predict",
    "push_audience",
    "refresh",
    "report",
    "report_from_store",
    "save",
    "score",
    "shipped_schemes",
    "show_audience",
    "snapshot",
    "snapshots",
    "trend",
]
