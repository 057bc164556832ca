"""Alert rules as data: YAML files validated like segment schemes.

Shipped rule sets live in ``rfmkit/alerts/<scheme>.yaml`` (one per shipped
scoring scheme); a user's file is loaded the same way. A file names the
scheme its segment keys belong to and lists rules of four kinds:

``silent``        the customer was in one of ``segments`` (in either of the
                  last two snapshots) and has not bought for ``days`` days
                  (latest ``recency_days >= days``)
``fell``          the customer fell at least ``steps`` segments in the
                  scheme's order between the last two snapshots
``p_alive``       ``p_alive`` dropped below ``below`` (it is below now and was
                  not, or was not known, in the previous snapshot)
``segment_size``  a segment's customer count changed by more than
                  ``percent`` % between the last two snapshots

A rule may set ``reason: {zh: ..., en: ...}``, a template with the
placeholders ``{segment_label}``, ``{from_label}``, ``{to_label}``,
``{recency_days}``, ``{days}``, ``{steps}``, ``{p_alive}``,
``{previous_p_alive}``, ``{below}``, ``{monetary}`` (customer rules) or
``{label}``, ``{from_customers}``, ``{to_customers}``, ``{change}``,
``{percent}`` (``segment_size``).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rfmkit import datafiles
from rfmkit.errors import ConfigError
from rfmkit.segments import Text, load_scheme, shipped_schemes


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key: str
    reason: Text | None = None

    @field_validator("key")
    @classmethod
    def _snake(cls, key: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise ValueError(f"rule key {key!r} must be lower_snake_case")
        return key

    def segment_keys(self) -> list[str]:
        return []


class SilentRule(_Rule):
    """A valuable customer who has not bought for ``days`` days."""

    kind: Literal["silent"]
    segments: list[str] = Field(min_length=1)
    days: int = Field(ge=1)

    def segment_keys(self) -> list[str]:
        return self.segments


class FellRule(_Rule):
    """A customer who fell at least ``steps`` segments (optionally only from ``segments``)."""

    kind: Literal["fell"]
    steps: int = Field(ge=1)
    segments: list[str] | None = None

    def segment_keys(self) -> list[str]:
        return self.segments or []


class PAliveRule(_Rule):
    """``p_alive`` dropped below ``below`` (needs predictions stored)."""

    kind: Literal["p_alive"]
    below: float = Field(gt=0, lt=1)
    segments: list[str] | None = None

    def segment_keys(self) -> list[str]:
        return self.segments or []


class SegmentSizeRule(_Rule):
    """A segment grew or shrank by more than ``percent`` %."""

    kind: Literal["segment_size"]
    percent: float = Field(gt=0)
    segments: list[str] | None = None

    def segment_keys(self) -> list[str]:
        return self.segments or []


Rule = Annotated[SilentRule | FellRule | PAliveRule | SegmentSizeRule, Field(discriminator="kind")]


class AlertRules(BaseModel):
    """A validated set of alert rules for one scheme."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    scheme: str
    name: Text | None = None
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_keys(self) -> AlertRules:
        keys = [r.key for r in self.rules]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ValueError(f"rule keys appear twice: {', '.join(twice)}")
        return self

    def rule(self, key: str) -> Rule:
        for rule in self.rules:
            if rule.key == key:
                return rule
        raise KeyError(key)


def shipped_alert_rules() -> list[str]:
    """Schemes that ship with alert rules."""
    return datafiles.shipped("alerts")


def load_alert_rules(name_or_path: str | Path) -> AlertRules:
    """The shipped rules of a scheme (``cn8``) or a user's rule file by path."""
    if str(name_or_path) in shipped_alert_rules():
        return _shipped(str(name_or_path))
    text, source = datafiles.user_text(name_or_path, "alerts", "alert rules")
    return parse_alert_rules(text, source=source)


@cache
def _shipped(key: str) -> AlertRules:
    return parse_alert_rules(datafiles.shipped_text("alerts", key), source=f"{key}.yaml")


def parse_alert_rules(text: str, *, source: str = "<alerts>") -> AlertRules:
    """Validate alert rules from YAML text; errors name the file and the field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"The alert rules are not valid YAML: {exc}", file=source) from exc
    try:
        rules = AlertRules.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"Invalid alert rules: {first['msg']} (at {where or 'top level'}).",
            file=source,
            fix="See rfmkit/alerts/cn8.yaml for an example of the format.",
            details={"errors": [e["msg"] for e in exc.errors()]},
        ) from exc
    _check_segments(rules, source)
    return rules


def _check_segments(rules: AlertRules, source: str) -> None:
    """Segment keys must exist in the rules' scheme (when it can be loaded)."""
    if rules.scheme not in shipped_schemes() and not Path(rules.scheme).exists():
        return
    known = {s.key for s in load_scheme(rules.scheme).segments}
    for rule in rules.rules:
        unknown = [k for k in rule.segment_keys() if k not in known]
        if unknown:
            raise ConfigError(
                f"Rule {rule.key!r} names segments that scheme {rules.scheme!r} lacks: "
                f"{', '.join(unknown)}.",
                file=source,
                fix=f"Use keys of {rules.scheme}: {', '.join(sorted(known))}.",
            )
