"""rfmkit: customer value segments (RFM) from an order history.

The verbs (:mod:`rfmkit.verbs`) take their settings by name, the same names
as the CLI options and config keys (:mod:`rfmkit.settings`)::

    result = rfmkit.score("orders.csv", as_of="2024-07-01", keep_duplicates=True)
    rfmkit.save(result, output="customers.xlsx")
"""

from typing import Any

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
from rfmkit.record import RunRecord
from rfmkit.segments import Scheme, load_scheme, shipped_schemes
from rfmkit.settings import LoadOptions, Settings
from rfmkit.verbs import CheckResult, DemoResult, ScoreResult, check, demo, save, score

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # the prediction models pull in SciPy: import them only when asked for
    if name in ("predict", "ScoredPrediction"):
        from rfmkit.verbs import predict

        return getattr(predict, name)
    raise AttributeError(f"module 'rfmkit' has no attribute {name!r}")


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
    "check",
    "demo",
    "load_scheme",
    "predict",
    "save",
    "score",
    "shipped_schemes",
]
