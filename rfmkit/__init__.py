"""rfmkit: customer value segments (RFM) from an order history."""

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
from rfmkit.prediction import ScoredPrediction, predict
from rfmkit.segments import Scheme, load_scheme, shipped_schemes

__version__ = "0.1.0"

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
