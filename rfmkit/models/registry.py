"""The models by name, as the CLI and :func:`rfmkit.models.forecast.fit_predict` spell them."""

from __future__ import annotations

import json
from pathlib import Path

from rfmkit.errors import ConfigError, ModelError
from rfmkit.models.base import BaseModel
from rfmkit.models.bgnbd import BGNBD
from rfmkit.models.gammagamma import GammaGamma
from rfmkit.models.mbgnbd import ModifiedBGNBD
from rfmkit.models.paretonbd import ParetoNBD
from rfmkit.models.purchase import PurchaseModel

PURCHASE_MODELS: dict[str, type[PurchaseModel]] = {
    "bgnbd": BGNBD,
    "mbgnbd": ModifiedBGNBD,
    "pareto": ParetoNBD,
}
_ALIASES = {"bg/nbd": "bgnbd", "bg-nbd": "bgnbd", "paretonbd": "pareto", "pareto/nbd": "pareto"}


def make_purchase_model(name: str, penalizer: float = 0.0) -> PurchaseModel:
    """An unfitted purchase model: ``"bgnbd"``, ``"mbgnbd"`` or ``"pareto"``."""
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in PURCHASE_MODELS:
        raise ConfigError(
            f"Unknown purchase model {name!r}.",
            fix=f"Use one of: {', '.join(PURCHASE_MODELS)}.",
        )
    return PURCHASE_MODELS[key](penalizer=penalizer)


def load_model(text_or_path: str | Path) -> BaseModel:
    """Load any model saved with ``to_json``; its class is read from the file."""
    text = str(text_or_path)
    if not text.lstrip().startswith("{"):
        try:
            text = Path(text).read_text(encoding="utf-8")
        except OSError as exc:
            raise ModelError(f"Cannot read the saved model {text_or_path}: {exc}.") from exc
    data = json.loads(text)
    classes: dict[str, type[BaseModel]] = {**PURCHASE_MODELS, GammaGamma.name: GammaGamma}
    name = data.get("model") if isinstance(data, dict) else None
    if name not in classes:
        raise ModelError(
            "This file is not a saved rfmkit model.",
            fix="Save models with model.to_json(path).",
        )
    return classes[name].from_dict(data)
