"""Write what ``predict`` fitted: the holdout check and the models, as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from rfmkit.export import atomic_path

if TYPE_CHECKING:
    from rfmkit.models.forecast import Prediction


def save_validation(prediction: Prediction, path: Path) -> Path:
    """The calibration/holdout check as JSON (``null`` where a figure is undefined)."""
    data = (
        prediction.validation.to_dict()
        if prediction.validation is not None
        else {"note": prediction.validation_note}
    )
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8"
        )
    return path


def save_models(prediction: Prediction, folder: Path) -> list[Path]:
    """The fitted purchase and spend models, one JSON file each, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    purchase = folder / f"{prediction.purchase_model.name}.json"
    spend = folder / "gammagamma.json"
    prediction.purchase_model.to_json(purchase)
    prediction.spend_model.to_json(spend)
    return [purchase, spend]
