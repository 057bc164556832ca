"""Calibration/holdout report on CDNOW (39 + 39 weeks, as in FHL 2005)."""

from __future__ import annotations

import datetime as dt
import json
import re

import ibis
import pandas as pd
import pytest

from rfmkit.backend import as_table
from rfmkit.errors import ConfigError
from rfmkit.models import calibration_holdout


@pytest.fixture(scope="module")
def report(cdnow_table: ibis.Table, calibration_end: dt.date, holdout_end: dt.date):  # type: ignore[no-untyped-def]
    return calibration_holdout(
        cdnow_table, calibration_end=calibration_end, holdout_end=holdout_end
    )


def test_totals_and_tables_agree(report) -> None:  # type: ignore[no-untyped-def]
    assert report.customers == 2349
    assert report.model.params_["r"] == pytest.approx(0.243, abs=0.002)
    periods = report.by_period
    assert len(periods) == 39
    assert periods["actual"].sum() == report.total_actual
    assert periods["predicted"].sum() == pytest.approx(report.total_predicted)
    freq = report.by_frequency
    assert freq["customers"].sum() == 2349
    assert list(freq["repeat_purchases"]) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    weighted = (freq["customers"] * freq["actual_mean"]).sum()
    assert weighted == pytest.approx(report.total_actual)


def test_bgnbd_tracks_the_cdnow_holdout(report) -> None:  # type: ignore[no-untyped-def]
    """The BG/NBD under-predicts CDNOW's second 39 weeks by about a tenth (FHL 2005, fig. 3)."""
    assert report.total_actual == 1882
    assert -15 < report.total_error_pct < -5
    # customers with more calibration purchases buy more in the holdout, as predicted
    means = report.by_frequency["predicted_mean"].to_numpy()
    assert (means[1:] > means[:-1]).all()
    assert report.customer_mae < 1.0


def test_report_is_json_ready(report) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["model"] == "bgnbd" and len(data["by_period"]) == 39
    assert data["by_period"][0]["start"] == "1997-10-01"


def test_holdout_must_follow_calibration(
    cdnow_table: ibis.Table, calibration_end: dt.date, holdout_end: dt.date
) -> None:
    with pytest.raises(ConfigError, match="holdout_end must come after calibration_end"):
        calibration_holdout(cdnow_table, calibration_end=holdout_end, holdout_end=calibration_end)


def test_empty_holdout_gives_strict_json_with_a_note(
    cdnow_raw: pd.DataFrame, calibration_end: dt.date
) -> None:
    """Nobody bought in the holdout: no NaN in the JSON, and a note saying why."""
    before = cdnow_raw[cdnow_raw["order_date"] < calibration_end]
    frame = before[["customer_id", "order_date", "amount"]]
    report = calibration_holdout(
        as_table(frame),
        calibration_end=calibration_end,
        holdout_end=calibration_end + dt.timedelta(days=28),
    )
    assert report.total_actual == 0 and report.total_predicted > 0
    data = report.to_dict()
    text = json.dumps(data, allow_nan=False)  # raised ValueError on NaN before
    assert json.loads(text)["total_error_pct"] is None
    assert data["note"] is not None
    assert re.search(r"No customer bought again between 1997-10-01 and 1997-10-28", data["note"])


def test_note_is_null_when_every_figure_is_there(report) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["note"] is None and data["total_error_pct"] == pytest.approx(-11.9, abs=3)
