"""``rfmkit predict`` end to end: scores, predictions, churn warnings, reports."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from rfmkit.cli import main
from rfmkit.glossary import CUSTOMER_COLUMNS, PREDICTION_COLUMNS


def test_predict_writes_scores_and_predictions(
    cdnow_raw: pd.DataFrame, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    source = tmp_path / "orders.csv"
    cdnow_raw[["customer_id", "order_date", "amount"]].to_csv(source, index=False)
    out = tmp_path / "customers.csv"
    report = tmp_path / "holdout.json"
    models = tmp_path / "models"
    code = main(
        [
            "predict",
            str(source),
            "-o",
            str(out),
            "--horizon",
            "13w",
            "--as-of",
            "1998-07-01",
            "--keep-duplicates",
            "--lang",
            "en",
            "--validation-report",
            str(report),
            "--save-models",
            str(models),
        ]
    )
    assert code == 0
    customers = pd.read_csv(out, dtype={"customer_id": str}, encoding="utf-8-sig")
    assert list(customers.columns) == [
        *CUSTOMER_COLUMNS,
        *PREDICTION_COLUMNS[1:],
        "churn_risk",
        "value_segment",
        "value_segment_label",
    ]
    for column in (
        "segment",
        "rfm_score",
        "p_alive",
        "expected_purchases",
        "prob_purchase",
        "clv",
        "next_purchase_date",
        "churn_risk",
        "value_segment",
        "value_segment_label",
    ):
        assert column in customers.columns
    assert customers["p_alive"].between(0, 1).all()
    assert set(customers.value_segment) <= {
        "star",
        "valuable_at_risk",
        "rising",
        "steady",
        "fading",
    }
    at_risk = customers[customers.value_segment == "valuable_at_risk"]
    assert (at_risk.p_alive <= 0.3).all()
    flagged = customers[customers.churn_risk]
    assert len(flagged) > 0
    assert (flagged.p_alive < 0.3).all() and (flagged.m_score >= 4).all()
    assert json.loads(report.read_text())["model"] == "bgnbd"
    assert (models / "bgnbd.json").exists() and (models / "gammagamma.json").exists()
    printed = capsys.readouterr().out
    assert "Holdout check" in printed
    assert f"Churn warning: {len(flagged):,} valuable customers" in printed


def test_cli_default_churn_threshold_is_the_library_default() -> None:
    from rfmkit.models.forecast import CHURN_P_ALIVE
    from rfmkit.settings import PredictOptions

    assert PredictOptions().churn_p_alive == CHURN_P_ALIVE
