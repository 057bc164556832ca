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
    #: The HTTP status a web API answers with for this error.
    status = 500

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
        """The one JSON error shape of every shell (pinned by ``tests/test_errors.py``).

        ``{"ok": false, "error": code, "message": text, "status": http_status,
        "details": {"file", "row", "column", "fix", ...}}``: ``error`` is the
        class's stable :attr:`code`; ``details`` always holds the location
        keys and the fix (None when unknown) besides any extra data.
        """
        return {
            "ok": False,
            "error": self.code,
            "message": self.message,
            "status": self.status,
            "details": {
                "file": self.location.file,
                "row": self.location.row,
                "column": self.location.column,
                "fix": self.fix,
                **self.details,
            },
        }


class InputError(RfmError):
    """An input file or table cannot be read or lacks what rfmkit needs."""

    code = "input_error"
    status = 422


class ColumnNotFoundError(InputError):
    """A needed column (customer id, date, amount, ...) is not in the input."""

    code = "column_not_found"


class DataQualityError(InputError):
    """Rows were rejected or excluded while ``strict`` was asked for."""

    code = "data_quality"


class SourceUnavailableError(RfmError):
    """A database or other source could not be reached."""

    code = "source_unavailable"
    status = 503


class ConfigError(RfmError):
    """A parameter, config file, scheme or preset is invalid."""

    code = "config_error"
    status = 400


class ModelError(RfmError):
    """A predictive model cannot be fitted or used on the given data."""

    code = "model_error"
    status = 422


class ConvergenceError(ModelError):
    """The optimiser did not converge while fitting a model."""

    code = "convergence_error"


class OutputError(RfmError):
    """An output file cannot be written."""

    code = "output_error"
    status = 500


class StoreError(RfmError):
    """The snapshot store cannot be opened, read or written."""

    code = "store_error"
    status = 503


class DeliveryError(RfmError):
    """A message could not be delivered to a webhook or robot."""

    code = "delivery_error"
    status = 502
