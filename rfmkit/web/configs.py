"""Named configurations: scoring settings saved under a name, validated as the CLI validates them.

A configuration holds the settings a person chooses on the Settings screen
-- ``scheme``, ``method``, ``levels``, ``thresholds``, ``weights`` (three
numbers or an industry preset), ``split``, ``as_of`` and
``breakpoints_mode`` -- by their names in the settings registry
(:mod:`rfmkit.settings`). Saving one runs the registry's own validation and
the checks a run would make (a shipped scheme, readable weights, ascending
thresholds of the right count), so a saved configuration always runs. A run
or a schedule starts from a configuration and may override any of its values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rfmkit.errors import ConfigError
from rfmkit.settings import HistoryOptions, Settings, build_group, build_settings
from rfmkit.store import accounts
from rfmkit.web.errors import NotFound
from rfmkit.web.state import WebState

#: The settings a configuration may hold, in the order the Settings screen shows them.
KEYS = ("scheme", "method", "levels", "weights", "thresholds", "split", "as_of", "breakpoints_mode")
#: The metrics thresholds may be given for.
METRICS = ("recency_days", "frequency", "monetary")
NAME_PATTERN = r"^[\w.-]{1,64}$"


class Configuration(BaseModel):
    """A named configuration's settings, by the names of the CLI and the config file."""

    model_config = ConfigDict(extra="forbid")

    scheme: str | None = Field(None, max_length=64, description="cn8, classic11, value4, tier5.")
    method: Literal["quantile", "thresholds"] | None = None
    levels: int | None = Field(None, ge=3, le=10)
    weights: str | None = Field(
        None, max_length=60, description="R,F,M weights (1,2,1) or a preset (fmcg, luxury ...)."
    )
    thresholds: dict[str, list[float]] | None = Field(
        None, description="Score edges per metric, e.g. {recency_days: [30, 60, 90, 180]}."
    )
    split: Literal["mean", "median"] | None = None
    as_of: dt.date | None = Field(None, description="Analysis date (empty: from the data).")
    breakpoints_mode: Literal["frozen", "refit"] | None = None


def validate(values: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration ``values`` (registry names) checked as a run checks them, JSON-ready."""
    from rfmkit.scheme import shipped_schemes
    from rfmkit.scoring import threshold_breakpoints
    from rfmkit.weights import resolve_weights

    given = {k: v for k, v in values.items() if v is not None and v != "" and v != {}}
    unknown = sorted(set(given) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"Unknown setting {unknown[0]!r} in a configuration.",
            fix="A configuration holds " + ", ".join(KEYS) + ".",
        )
    scheme = given.get("scheme")
    if scheme is not None and scheme not in shipped_schemes():
        raise ConfigError(
            f"Unknown scheme {scheme!r}.",
            fix="In the web app use a shipped scheme: " + ", ".join(shipped_schemes()) + ".",
        )
    settings = build_settings(environ={}, **_run_values(given))
    history = build_group(
        HistoryOptions, environ={}, breakpoints_mode=given.get("breakpoints_mode")
    )
    resolve_weights(settings.weights)
    if settings.thresholds:
        threshold_breakpoints(settings.thresholds, settings.levels)
    if settings.method == "thresholds" and not settings.thresholds:
        raise ConfigError(
            "The method 'thresholds' needs thresholds for at least one metric.",
            fix="Give e.g. recency_days 30,60,90,180 (one number fewer than the levels).",
        )
    clean: dict[str, Any] = {}
    for key in KEYS:
        if key not in given:
            continue
        value = history.breakpoints_mode if key == "breakpoints_mode" else getattr(settings, key)
        clean[key] = value.isoformat() if isinstance(value, dt.date) else value
    return clean


def _run_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != "breakpoints_mode"}


def load(state: WebState, name: str) -> dict[str, Any]:
    """The stored configuration ``name``; :class:`NotFound` when there is none."""
    with state.db() as store:
        found = accounts.configuration(store, name)
    if found is None:
        raise NotFound(
            f"No configuration named {name!r}.", fix="Save it first on the Settings screen."
        )
    return found


def names(state: WebState) -> list[str]:
    with state.db() as store:
        return list(accounts.configurations(store))


def run_settings(config: Mapping[str, Any], **given: Any) -> Settings:
    """Settings of a run: ``config`` with the values in ``given`` (not None) over it."""
    values = {**_run_values(config), **{k: v for k, v in given.items() if v is not None}}
    return build_settings(**values)


def run_history(config: Mapping[str, Any], breakpoints_mode: str | None = None) -> HistoryOptions:
    """The history settings of a run: ``breakpoints_mode`` given, else the configuration's."""
    chosen = breakpoints_mode or config.get("breakpoints_mode")
    return build_group(HistoryOptions, breakpoints_mode=chosen)


def save(state: WebState, name: str, values: Mapping[str, Any], by: str, ip: str) -> dict[str, Any]:
    """Validate and keep ``values`` as the configuration ``name`` (replacing it); audited."""
    clean = validate(values)
    with state.db() as store:
        accounts.save_configuration(store, name, clean, by)
        accounts.audit(store, by, "configuration.save", ip=ip, obj=name, detail=_summary(clean))
    return clean


def delete(state: WebState, name: str, by: str, ip: str) -> None:
    with state.db() as store:
        if not accounts.delete_configuration(store, name):
            raise NotFound(f"No configuration named {name!r}.")
        accounts.audit(store, by, "configuration.delete", ip=ip, obj=name)


def _summary(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())[:500]


def parse_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """A configuration from the Settings form's fields (thresholds as ``30,60,90`` per metric)."""
    values: dict[str, Any] = {}
    for key in ("scheme", "method", "levels", "split", "as_of", "breakpoints_mode"):
        text = str(form.get(key) or "").strip()
        if text:
            values[key] = text
    weights = str(form.get("weights") or "").strip()
    custom = str(form.get("weights_custom") or "").strip()
    if weights == "custom" and custom:
        values["weights"] = custom
    elif weights and weights != "custom":
        values["weights"] = weights
    thresholds = {}
    for metric in METRICS:
        text = str(form.get(f"thresholds_{metric}") or "").strip()
        if text:
            thresholds[metric] = _numbers(text, metric)
    if thresholds:
        values["thresholds"] = thresholds
    return values


def _numbers(text: str, metric: str) -> list[float]:
    try:
        return [float(part) for part in text.replace("，", ",").split(",") if part.strip()]
    except ValueError:
        raise ConfigError(
            f"The thresholds of {metric} are not numbers: {text[:60]!r}.",
            fix="Write ascending numbers separated by commas, e.g. 30,60,90,180.",
        ) from None


def form_values(config: Mapping[str, Any]) -> dict[str, str]:
    """The Settings form's fields of a stored configuration (see :func:`parse_form`)."""
    from rfmkit.weights import presets

    values = {k: str(config[k]) for k in KEYS if k in config and k not in ("weights", "thresholds")}
    weights = config.get("weights")
    if isinstance(weights, list | tuple):
        weights = ",".join(f"{w:g}" for w in weights)
    if weights in presets():
        values["weights"] = str(weights)
    elif weights:
        values["weights"], values["weights_custom"] = "custom", str(weights)
    for metric, edges in (config.get("thresholds") or {}).items():
        values[f"thresholds_{metric}"] = ",".join(f"{e:g}" for e in edges)
    return values


def weight_presets(lang: str) -> list[dict[str, Any]]:
    """The industry presets of the weights, labelled in ``lang``, for a select box."""
    from rfmkit.weights import presets

    return [
        {"key": key, "label": data["label"][lang], "weights": ",".join(map(str, data["weights"]))}
        for key, data in presets().items()
    ]
