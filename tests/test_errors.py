"""One JSON error shape for every shell, and the CLI's exit codes per error class."""

from __future__ import annotations

import json

import pytest

from rfmkit.cli.errors import exit_code
from rfmkit.errors import (
    ColumnNotFoundError,
    ConfigError,
    ConvergenceError,
    DataQualityError,
    DeliveryError,
    InputError,
    ModelError,
    OutputError,
    RfmError,
    SourceUnavailableError,
    StoreError,
)


def test_the_error_shape_is_pinned():
    exc = ColumnNotFoundError(
        "No customer column.",
        file="a.csv",
        row=2,
        column="客户",
        fix="Use --map.",
        details={"found": ["x"]},
    )
    assert exc.to_dict() == {
        "ok": False,
        "error": "column_not_found",
        "message": "No customer column.",
        "status": 422,
        "details": {
            "file": "a.csv",
            "row": 2,
            "column": "客户",
            "fix": "Use --map.",
            "found": ["x"],
        },
    }
    json.dumps(exc.to_dict(), allow_nan=False)


def test_an_error_without_location_still_has_every_key():
    shape = RfmError("x").to_dict()
    assert set(shape) == {"ok", "error", "message", "status", "details"}
    assert set(shape["details"]) == {"file", "row", "column", "fix"}


@pytest.mark.parametrize(
    ("exc", "code", "status"),
    [
        (InputError("x"), 2, 422),
        (ColumnNotFoundError("x"), 2, 422),
        (DataQualityError("x"), 2, 422),
        (ConfigError("x"), 2, 400),
        (SourceUnavailableError("x"), 3, 503),
        (OutputError("x"), 4, 500),
        (ModelError("x"), 5, 422),
        (ConvergenceError("x"), 5, 422),
        (StoreError("x"), 6, 503),
        (DeliveryError("x"), 7, 502),
        (RfmError("x"), 1, 500),
    ],
)
def test_exit_codes_and_http_statuses(exc, code, status):
    assert exit_code(exc) == code
    assert exc.status == status
