"""Weights of the composite score: industry presets (data) or explicit R,F,M."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import yaml

from rfmkit.errors import ConfigError
from rfmkit.scoring import normalise_weights


@cache
def presets() -> dict[str, dict[str, Any]]:
    """The shipped weight presets, keyed by name."""
    text = (resources.files("rfmkit") / "presets" / "weights.yaml").read_text(encoding="utf-8")
    data: dict[str, dict[str, Any]] = yaml.safe_load(text)
    return data


def resolve_weights(weights: str | Sequence[float] | None) -> tuple[float, float, float]:
    """Turn a preset name, ``"R,F,M"`` text or three numbers into weights."""
    if weights is None:
        return (1.0, 1.0, 1.0)
    if isinstance(weights, str):
        if weights in presets():
            return normalise_weights(presets()[weights]["weights"])
        try:
            values = [float(w) for w in weights.split(",")]
        except ValueError:
            raise ConfigError(
                f"Unknown weights {weights!r}.",
                fix=f"Use three numbers R,F,M (e.g. 1,2,1) or a preset: {', '.join(presets())}.",
            ) from None
        return normalise_weights(values)
    return normalise_weights(weights)
