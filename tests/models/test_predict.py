"""rfmkit.models.forecast.fit_predict: per-customer predictions from a transaction log."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import ibis
import numpy as np
import pandas as pd
import pytest

from rfmkit.errors import ConfigError, ConvergenceError, ModelError
from rfmkit.models.forecast import (
    PREDICTION_COLUMNS,
    PROGRESS_STEPS,
    fit_predict,
    parse_horizon,
)


@pytest.fixture(scope="module")
def result(cdnow_table: ibis.Table, calibration_end: dt.date):  # type: ignore[no-untyped-def]
    return fit_predict(cdnow_table, as_of=calibration_end, horizon="39w", validate=False)


def test_columns_and_ranges(result) -> None:  # type: ignore[no-untyped-def]
    frame = result.predictions
    assert tuple(frame.columns) == PREDICTION_COLUMNS
    assert len(frame) == 2349 and frame["customer_id"].is_unique
    assert frame["p_alive"].between(0, 1).all()
    assert frame["prob_purchase"].between(0, 1).all()
    assert (frame["prob_purchase"] <= frame["p_alive"]).all()
    assert (frame["expected_purchases"] >= 0).all() and (frame["clv"] >= 0).all()
    assert (frame["next_purchase_date"] >= result.as_of).all()
    assert frame.notna().all().all()


def test_the_papers_customer(result) -> None:  # type: ignore[no-untyped-def]
    """Customer 00004 is FHL's example: x=2, t_x=30.43, T=38.86."""
    row = result.predictions.set_index("customer_id").loc["00004"]
    assert row["expected_purchases"] == pytest.approx(1.226, abs=3e-3)
    inputs = result.inputs.set_index("customer_id").loc["00004"]
    assert inputs["T"] == pytest.approx(38.86, abs=0.005)


def test_clv_is_margin_times_value_times_discounted_purchases(
    cdnow_table: ibis.Table, calibration_end: dt.date, result
) -> None:  # type: ignore[no-untyped-def]
    plain = fit_predict(
        cdnow_table,
        as_of=calibration_end,
        horizon="39w",
        discount_rate=0.0,
        margin=0.25,
        validate=False,
    ).predictions
    expected = 0.25 * plain["expected_order_value"] * plain["expected_purchases"]
    np.testing.assert_allclose(plain["clv"], expected, rtol=1e-9)
    # discounting only lowers the value, and by less than a 39-week discount
    undiscounted = 4 * plain["clv"]
    discounted = result.predictions["clv"]
    assert (discounted <= undiscounted + 1e-9).all()
    assert (discounted >= undiscounted / 1.10 ** (39 * 7 / 365.25) - 1e-9).all()


def test_time_unit_does_not_change_predictions(
    cdnow_table: ibis.Table, calibration_end: dt.date, result
) -> None:  # type: ignore[no-untyped-def]
    daily = fit_predict(
        cdnow_table, as_of=calibration_end, horizon="39w", time_unit="D", validate=False
    )
    assert daily.purchase_model.params_["alpha"] == pytest.approx(
        7 * result.purchase_model.params_["alpha"], rel=1e-3
    )
    np.testing.assert_allclose(
        daily.predictions["expected_purchases"],
        result.predictions["expected_purchases"],
        rtol=2e-3,
        atol=1e-6,
    )


def test_validation_uses_the_last_horizon(cdnow_table: ibis.Table) -> None:
    out = fit_predict(cdnow_table, horizon="26w", model="pareto")
    assert out.purchase_model.name == "pareto"
    assert out.validation is not None and out.validation_note is None
    assert out.validation.holdout_end == out.as_of
    assert (out.as_of - out.validation.calibration_end).days == 182
    short = fit_predict(cdnow_table, horizon="2y", validate=True)
    assert short.validation is None and "shorter" in (short.validation_note or "")


def test_accepts_a_pandas_frame() -> None:
    rows = (
        [("a", dt.date(2024, 1, d), 10.0 + d) for d in (1, 5, 20)]
        + [("b", dt.date(2024, 1, d), 5.0 * d) for d in (2, 9)]
        + [("c", dt.date(2024, 1, 3), 8.0)]
    )
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    out = fit_predict(frame, horizon="30d", validate=False, penalizer=0.01)
    assert list(out.predictions["customer_id"]) == ["a", "b", "c"]
    assert out.as_of == dt.date(2024, 1, 21)


def test_no_repeat_purchases_is_a_model_error() -> None:
    frame = pd.DataFrame(
        {"customer_id": ["a", "b"], "order_date": [dt.date(2024, 1, 1)] * 2, "amount": [1.0, 2.0]}
    )
    with pytest.raises(ModelError, match="No customer made a repeat purchase"):
        fit_predict(frame, validate=False)


@pytest.mark.parametrize(
    ("text", "days"),
    [("90d", 90), ("13w", 91), ("1y", 365), (30, 30), (dt.timedelta(days=2), 2), ("45", 45)],
)
def test_parse_horizon(text: object, days: float) -> None:
    assert parse_horizon(text) == days  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["3 months", "-5d", 0, "d"])
def test_bad_horizon(bad: object) -> None:
    with pytest.raises(ConfigError, match=r"Cannot read the horizon|must be a positive length"):
        parse_horizon(bad)  # type: ignore[arg-type]


def test_progress_names_each_step_as_it_starts(cdnow_table: ibis.Table) -> None:
    seen: list[tuple[str, float]] = []
    fit_predict(
        cdnow_table, horizon="26w", progress=lambda step: seen.append((step, time.monotonic()))
    )
    assert [step for step, _ in seen] == list(PROGRESS_STEPS)
    assert PROGRESS_STEPS[1:] == ("fit purchase model", "fit spend model", "predict", "validate")
    quiet: list[str] = []
    fit_predict(cdnow_table, horizon="26w", validate=False, progress=quiet.append)
    assert quiet == list(PROGRESS_STEPS[:-1])


def test_pareto_on_a_five_customer_log_ends_quickly() -> None:
    """``rfmkit predict --model pareto`` on five customers used to run for hours."""
    days = {"a": [1, 22], "b": [3], "c": [2, 40, 71], "d": [5, 100, 130, 190, 300], "e": [280]}
    rows = [
        (c, dt.date(2023, 1, 1) + dt.timedelta(days=d), 20.0 + d)
        for c, ds in days.items()
        for d in ds
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    started = time.monotonic()
    with pytest.raises(ConvergenceError, match=r"ran away.*Only 3 of 5 customers made a repeat"):
        fit_predict(frame, model="pareto", validate=False)
    assert time.monotonic() - started < 10


def test_importing_rfmkit_does_not_load_scipy() -> None:
    code = (
        "import sys, rfmkit, rfmkit.cli; rfmkit.score; sys.exit(1 if 'scipy' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0
