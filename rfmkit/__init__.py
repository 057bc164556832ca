"""rfmkit: customer value segments (RFM) from an order history."""

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
from rfmkit.pipeline import ScoreResult, score
from rfmkit.segments import Scheme, load_scheme, shipped_schemes

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # the prediction models pull in SciPy: import them only when asked for
    if name in ("predict", "ScoredPrediction"):
        from rfmkit import prediction

        return getattr(prediction, name)
    raise AttributeError(f"module 'rfmkit' has no attribute {name!r}")


__all__ = [
    "ColumnNotFoundError",
    "ConfigError",
    "ConvergenceError",
    "DataQualityError",
    "InputError",
    "ModelError",
    "OutputError",
    "RfmError",
    "Scheme",
    "ScoreResult",
    "ScoredPrediction",
    "SourceUnavailableError",
    "__version__",
    "load_scheme",
    "predict",
    "score",
    "shipped_schemes",
]
