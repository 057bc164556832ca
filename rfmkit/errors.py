"""The one exception family of rfmkit.

Every error a user can cause is an :class:`RfmError` carrying structured
fields (what went wrong, where, how to fix it), so that the CLI and the web
app render one clear paragraph instead of a traceback, and callers can match
on the class rather than on message text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Location:
    """Where in the input a problem sits; every field is optional."""

    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(f"file {self.file}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)


class RfmError(Exception):
    """Base class of every error rfmkit raises on purpose.

    Parameters
    ----------
    message
        What went wrong, in one sentence.
    file, row, column
        Where it went wrong, when known.
    fix
        What the user can do about it.
    details
        Extra structured data (for example the columns that were found).
    """

    code = "rfm_error"
    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = Location(file=file, row=row, column=column)
        self.fix = fix
        self.details = dict(details or {})

    def __str__(self) -> str:
        text = self.message
        where = str(self.location)
        if where:
            text += f" ({where})"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, the same shape for the CLI, the web API and logs."""
        return {
            "error": self.code,
            "message": self.message,
            "file": self.location.file,
            "row": self.location.row,
            "column": self.location.column,
            "fix": self.fix,
            "details": self.details,
        }


class InputError(RfmError):
    """An input file or table cannot be read or lacks what rfmkit needs."""

    code = "input_error"
    exit_code = 2


class ColumnNotFoundError(InputError):
    """A needed column (customer id, date, amount, ...) is not in the input."""

    code = "column_not_found"


class DataQualityError(InputError):
    """Rows were rejected or excluded while ``strict`` was asked for."""

    code = "data_quality"


class SourceUnavailableError(RfmError):
    """A database or other source could not be reached."""

    code = "source_unavailable"
    exit_code = 3


class ConfigError(RfmError):
    """A parameter, config file, scheme or preset is invalid."""

    code = "config_error"
    exit_code = 2


class ModelError(RfmError):
    """A predictive model cannot be fitted or used on the given data."""

    code = "model_error"


class ConvergenceError(ModelError):
    """The optimiser did not converge while fitting a model."""

    code = "convergence_error"


class OutputError(RfmError):
    """An output file cannot be written."""

    code = "output_error"
    exit_code = 4
