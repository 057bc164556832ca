"""Prediction models: who is still active, how much they will buy, what they are worth.

* :class:`BGNBD` and :class:`ParetoNBD` model repeat purchases,
* :class:`GammaGamma` models the value of a customer's transactions,
* :func:`model_inputs` builds their inputs from a transaction log in the engine,
* :func:`calibration_holdout` checks a model on the user's own history,
* :func:`fit_predict` (:mod:`rfmkit.models.forecast`) fits both models on a
  transaction log and forecasts every customer.

The inputs are ``repeat_purchases`` (purchases after the first, same-day
purchases counted once), ``recency`` (time from the first to the last
purchase) and ``T`` (time from the first purchase to the end of the
observation window) in a model time unit, weeks by default. They are named
apart from the RFM metrics on purpose: ``recency_days`` counts days *since*
the last purchase and ``frequency`` counts all orders. The models' methods
take ``repeat_purchases`` (the keyword ``frequency=`` is a deprecated alias).
"""

from __future__ import annotations

from rfmkit.models.base import BaseModel
from rfmkit.models.bgnbd import BGNBD
from rfmkit.models.data import model_inputs, model_inputs_expr, unit_days
from rfmkit.models.forecast import Prediction, fit_predict
from rfmkit.models.gammagamma import GammaGamma
from rfmkit.models.mbgnbd import ModifiedBGNBD
from rfmkit.models.paretonbd import ParetoNBD
from rfmkit.models.purchase import PurchaseModel
from rfmkit.models.registry import PURCHASE_MODELS, load_model, make_purchase_model
from rfmkit.models.validation import ValidationReport, calibration_holdout

__all__ = [
    "BGNBD",
    "PURCHASE_MODELS",
    "BaseModel",
    "GammaGamma",
    "ModifiedBGNBD",
    "ParetoNBD",
    "Prediction",
    "PurchaseModel",
    "ValidationReport",
    "calibration_holdout",
    "fit_predict",
    "load_model",
    "make_purchase_model",
    "model_inputs",
    "model_inputs_expr",
    "unit_days",
]
