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

#: Public name -> the module that defines it.
_LAZY = {
    "RunRecord": "rfmkit.record",
    "Scheme": "rfmkit.scheme",
    "load_scheme": "rfmkit.scheme",
    "shipped_schemes": "rfmkit.scheme",
    "LoadOptions": "rfmkit.sources.options",
    "Settings": "rfmkit.settings",
    "CheckResult": "rfmkit.verbs.check",
    "check": "rfmkit.verbs.check",
    "DemoResult": "rfmkit.verbs.demo",
    "demo": "rfmkit.verbs.demo",
    "save": "rfmkit.verbs.save",
    "ScoreResult": "rfmkit.verbs.score",
    "score": "rfmkit.verbs.score",
    "ScoredPrediction": "rfmkit.verbs.predict",
    "predict": "rfmkit.verbs.predict",
    "report": "rfmkit.verbs.report",
    "chart": "rfmkit.verbs.report",
}

if TYPE_CHECKING:
    from rfmkit.record import RunRecord
    from rfmkit.scheme import Scheme, load_scheme, shipped_schemes
    from rfmkit.settings import Settings
    from rfmkit.sources.options import LoadOptions
    from rfmkit.verbs.check import CheckResult, check
    from rfmkit.verbs.demo import DemoResult, demo
    from rfmkit.verbs.predict import ScoredPrediction, predict
    from rfmkit.verbs.report import chart, report
    from rfmkit.verbs.save import save
    from rfmkit.verbs.score import ScoreResult, score


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rfmkit' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "CheckResult",
    "ColumnNotFoundError",
    "ConfigError",
    "ConvergenceError",
    "DataQualityError",
    "DemoResult",
    "InputError",
    "LoadOptions",
    "ModelError",
    "OutputError",
    "RfmError",
    "RunRecord",
    "Scheme",
    "ScoreResult",
    "ScoredPrediction",
    "Settings",
    "SourceUnavailableError",
    "__version__",
    "chart",
    "check",
    "demo",
    "load_scheme",
    "predict",
    "report",
    "save",
    "score",
    "shipped_schemes",
]
