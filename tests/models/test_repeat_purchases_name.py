"""The models' argument is ``repeat_purchases``; ``frequency=`` is a deprecated alias."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

from rfmkit.errors import ConfigError, ModelError
from rfmkit.models import BGNBD, GammaGamma, ModifiedBGNBD, ParetoNBD
from rfmkit.models.purchase import PurchaseModel

X, TX, T = [0, 2, 5], [0.0, 10.0, 30.0], [20.0, 35.0, 38.0]
PURCHASE_METHODS = ("fit", "log_likelihood", "p_alive", "expected_purchases", "prob_purchase")


def fitted(cls: type[PurchaseModel]) -> PurchaseModel:
    params = dict(zip(cls.param_names, (0.6, 8.0, 0.8, 2.5), strict=True))
    return cls.from_dict({"format": "rfmkit-model", "model": cls.name, "params": params})


@pytest.mark.parametrize("cls", [BGNBD, ModifiedBGNBD, ParetoNBD, GammaGamma])
def test_no_public_method_is_named_frequency(cls: type) -> None:
    for name in (*PURCHASE_METHODS, "next_purchase_wait", "expected_order_value"):
        method = getattr(cls, name, None)
        if method is None:
            continue
        parameters = inspect.signature(method).parameters
        assert "frequency" not in parameters, f"{cls.__name__}.{name}"
        assert "repeat_purchases" in parameters, f"{cls.__name__}.{name}"


@pytest.mark.parametrize("cls", [BGNBD, ModifiedBGNBD, ParetoNBD])
def test_frequency_keyword_still_works_with_a_warning(cls: type[PurchaseModel]) -> None:
    model = fitted(cls)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new name warns about nothing
        new = model.expected_purchases(10.0, repeat_purchases=X, recency=TX, T=T)
        wait = model.next_purchase_wait(repeat_purchases=X, recency=TX, T=T)
    with pytest.warns(DeprecationWarning, match=r"frequency= is deprecated: call it repeat_pur"):
        old = model.expected_purchases(10.0, frequency=X, recency=TX, T=T)
    with pytest.warns(DeprecationWarning, match=r"repeat_purchases="):
        old_wait = model.next_purchase_wait(frequency=X, recency=TX, T=T)
    np.testing.assert_array_equal(old, new)
    np.testing.assert_array_equal(old_wait, wait)
    with pytest.warns(DeprecationWarning, match=r"repeat_purchases="):
        assert model.p_alive(frequency=X, recency=TX, T=T) == pytest.approx(model.p_alive(X, TX, T))


def test_fit_accepts_the_old_name(cdnow_summary) -> None:  # type: ignore[no-untyped-def]
    s = cdnow_summary
    with pytest.warns(DeprecationWarning, match=r"repeat_purchases="):
        old = BGNBD().fit(frequency=s["x"], recency=s["tx"], T=s["T"])
    new = BGNBD().fit(repeat_purchases=s["x"], recency=s["tx"], T=s["T"])
    assert old.params_ == new.params_
    with pytest.warns(DeprecationWarning, match=r"repeat_purchases="):
        spend = GammaGamma().fit(frequency=s["x"], monetary_value=s["m"])
    assert spend.params_ == GammaGamma().fit(s["x"], s["m"]).params_


def test_both_names_at_once_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"Both repeat_purchases= and its old name frequency="):
        fitted(BGNBD).p_alive(repeat_purchases=X, frequency=X, recency=TX, T=T)


def test_messages_use_the_new_name() -> None:
    with pytest.raises(ModelError, match=r"repeat_purchases must be whole numbers"):
        BGNBD().fit([1.5, 2], [1.0, 1.0], [5.0, 5.0])
