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
    "SourceUnavailableError",
    "__version__",
]
