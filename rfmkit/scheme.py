"""Segment schemes as data: the validated model of a scheme YAML file, and loading it.

See :mod:`rfmkit.segments` for the rules' meaning and their evaluation in the engine.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rfmkit import datafiles
from rfmkit import glossary as g
from rfmkit.errors import ConfigError

Lang = Literal["zh", "en"]
LANGS: tuple[str, ...] = ("zh", "en")
Split = Literal["mean", "median"]
Bound = Literal["high", "low"] | tuple[float, float]

#: Metric behind each high/low condition, and whether a larger value is "high".
HIGH_LOW = {
    "r": (g.RECENCY_DAYS, False),
    "f": (g.FREQUENCY, True),
    "m": (g.MONETARY, True),
    "clv": ("clv", True),
}
#: Condition fields that need the predictions of ``rfmkit predict``.
PREDICTION_FIELDS = frozenset({"p_alive", "clv"})


class Text(BaseModel):
    """A text in Chinese and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Condition(BaseModel):
    """All the given bounds must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    r: Bound | None = None
    f: Bound | None = None
    m: Bound | None = None
    fm: tuple[float, float] | None = None
    rfm_score: tuple[float, float] | None = None
    p_alive: tuple[float, float] | None = None
    clv: Bound | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Condition:
        if not self.bounds():
            raise ValueError("a condition needs at least one of r, f, m, fm, rfm_score")
        for name, bound in self.bounds().items():
            if isinstance(bound, tuple) and bound[0] > bound[1]:
                raise ValueError(f"{name}: range [{bound[0]}, {bound[1]}] is empty")
        return self

    def bounds(self) -> dict[str, Bound]:
        return {k: v for k, v in self.model_dump().items() if v is not None}

    def uses_split(self) -> bool:
        return any(isinstance(b, str) for b in self.bounds().values())

    def uses_predictions(self) -> bool:
        return bool(PREDICTION_FIELDS & self.bounds().keys())


class Segment(BaseModel):
    """One segment: key, bilingual texts, and the rule that selects it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    key: str
    label: Text
    description: Text
    action: Text
    when: list[Condition] | None = None

    @field_validator("key")
    @classmethod
    def _key_is_identifier(cls, key: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise ValueError(f"segment key {key!r} must be lower_snake_case")
        return key

    @field_validator("when", mode="before")
    @classmethod
    def _one_or_many(cls, when: Any) -> Any:
        return [when] if isinstance(when, dict) else when

    @property
    def catch_all(self) -> bool:
        return not self.when


class Scheme(BaseModel):
    """A named, validated set of segments."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    key: str
    name: Text
    description: Text
    split: Split = "mean"
    scale: int = Field(default=5, ge=3, le=10)
    segments: list[Segment]

    @model_validator(mode="after")
    def _covers_everyone(self) -> Scheme:
        keys = [s.key for s in self.segments]
        duplicated = sorted({k for k in keys if keys.count(k) > 1})
        if duplicated:
            raise ValueError(f"segment keys appear twice: {', '.join(duplicated)}")
        if not self.segments or not self.segments[-1].catch_all:
            raise ValueError(
                "the last segment must be a catch-all (no 'when'), "
                "so that no customer is left without a segment"
            )
        early = [s.key for s in self.segments[:-1] if s.catch_all]
        if early:
            raise ValueError(
                f"segment {early[0]!r} has no rule but is not last: the segments after it "
                "could never match"
            )
        return self

    def segment(self, key: str) -> Segment:
        for seg in self.segments:
            if seg.key == key:
                return seg
        raise KeyError(key)

    def uses_split(self) -> bool:
        return any(c.uses_split() for c in self.conditions())

    def uses_predictions(self) -> bool:
        """True when a rule looks at ``p_alive`` or ``clv`` (only ``rfmkit predict`` has them)."""
        return any(c.uses_predictions() for c in self.conditions())

    def split_fields(self) -> list[str]:
        """The fields that some rule splits high/low."""
        fields = {k for c in self.conditions() for k, b in c.bounds().items() if isinstance(b, str)}
        return sorted(fields)

    def conditions(self) -> list[Condition]:
        return [c for s in self.segments for c in s.when or []]


# -- loading -----------------------------------------------------------------


def shipped_schemes() -> list[str]:
    """Keys of the schemes that ship with rfmkit."""
    return datafiles.shipped("schemes")


def load_scheme(name_or_path: str | Path) -> Scheme:
    """A shipped scheme by key (``cn8``) or a user's scheme file by path."""
    if str(name_or_path) in shipped_schemes():
        return _shipped(str(name_or_path))
    text, source = datafiles.user_text(name_or_path, "schemes", "scheme")
    return parse_scheme(text, source=source)


@cache
def _shipped(key: str) -> Scheme:
    return parse_scheme(datafiles.shipped_text("schemes", key), source=f"{key}.yaml")


def parse_scheme(text: str, *, source: str = "<scheme>") -> Scheme:
    """Validate a scheme from YAML text; errors name the file and the field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"The scheme is not valid YAML: {exc}", file=source) from exc
    try:
        return Scheme.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        fix = "See `rfmkit schemes cn8` for an example and README, section Segment schemes, for the format."
        if any(
            part in ("label", "description", "action", "name") for part in map(str, first["loc"])
        ):
            fix = 'Quote texts that contain a comma, e.g. en: "Recent, frequent". ' + fix
        raise ConfigError(
            f"Invalid scheme: {first['msg']} (at {where or 'top level'}).",
            file=source,
            fix=fix,
            details={"errors": [e["msg"] for e in exc.errors()]},
        ) from exc
