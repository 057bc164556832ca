"""Run settings: one registry for the config file, the CLI and the Python API.

A config file (TOML or YAML) holds the same keys as the ``score`` keyword
arguments and CLI options (``as_of``, ``scheme``, ``method``, ``levels``,
``weights``, ``lang``, ``thresholds``, ``split``, ``top_percent``, ``map``,
``engine``, and the loading options of :class:`rfmkit.sources.LoadOptions`:
``sheet``, ``encoding``, ``delimiter``, ``timezone``, ``dayfirst``,
``strict``, ``exclude_customers``, ``drop_duplicates``, ``exclude_future``,
``max_amount``, ``outlier_iqr``, ``level``, ``from_db``, ``table``,
``query``). Values given on the command line win over the file.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rfmkit.errors import ConfigError
from rfmkit.sources import LoadOptions


class ScoreSettings(BaseModel):
    """Validated settings of a scoring run (defaults are rfmkit's defaults)."""

    model_config = ConfigDict(extra="forbid")

    as_of: dt.date | None = None
    scheme: str = "cn8"
    method: Literal["quantile", "thresholds"] = "quantile"
    levels: int = Field(default=5, ge=3, le=10)
    weights: str | list[float] | None = None
    lang: Literal["zh", "en"] = "zh"
    thresholds: dict[str, list[float]] | None = None
    split: Literal["mean", "median"] | None = None
    top_percent: float = Field(default=20.0, gt=0, lt=100)
    engine: Literal["duckdb", "spark"] = "duckdb"
    map: dict[str, str] = Field(default_factory=dict)
    sheet: str | None = None
    encoding: str | None = None
    timezone: str = "UTC"
    delimiter: str | None = None
    dayfirst: bool = False
    strict: bool = False
    exclude_customers: str | None = None
    keep_duplicates: bool = False
    keep_future: bool = False
    max_amount: float | None = Field(default=None, gt=0)
    outlier_iqr: float | None = Field(default=None, gt=0)
    level: Literal["auto", "transactions", "customers"] = "auto"
    from_db: str | None = None
    table: str | None = None
    query: str | None = None

    @field_validator("map", mode="before")
    @classmethod
    def _parse_map(cls, value: Any) -> Any:
        return parse_mapping(value) if isinstance(value, str) else value

    def load_options(self) -> LoadOptions:
        return LoadOptions(
            map=dict(self.map),
            sheet=self.sheet,
            encoding=self.encoding,
            timezone=self.timezone,
            delimiter=self.delimiter,
            dayfirst=self.dayfirst,
            strict=self.strict,
            exclude_customers=self.exclude_customers,
            keep_duplicates=self.keep_duplicates,
            keep_future=self.keep_future,
            max_amount=self.max_amount,
            outlier_iqr=self.outlier_iqr,
            level=self.level,
            from_db=self.from_db,
            table=self.table,
            query=self.query,
        )

    def score_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`rfmkit.score` (other than the input)."""
        return {
            "as_of": self.as_of,
            "scheme": self.scheme,
            "method": self.method,
            "levels": self.levels,
            "weights": self.weights,
            "lang": self.lang,
            "thresholds": self.thresholds,
            "split": self.split,
            "top_percent": self.top_percent,
            "engine_name": self.engine,
            "load": self.load_options(),
        }


def parse_mapping(text: str) -> dict[str, str]:
    """``"customer=会员ID,date=下单时间"`` to ``{"customer": "会员ID", ...}``."""
    mapping = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(
                f"Cannot read the column mapping {part!r}.",
                fix="Write it as name=COLUMN pairs: --map customer=会员ID,date=下单时间,amount=实付金额",
            )
        mapping[key.strip()] = value.strip()
    return mapping


def read_config(path: str | Path) -> dict[str, Any]:
    """The settings in a TOML or YAML file (a ``[score]`` table is also accepted)."""
    file = Path(path)
    if not file.exists():
        raise ConfigError(f"Config file not found: {file}", file=str(file))
    text = file.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if file.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot parse the config file: {exc}", file=str(file)) from exc
    if not isinstance(data, dict):
        raise ConfigError("The config file must hold key = value settings.", file=str(file))
    data = data.get("score", data)
    return {k.replace("-", "_"): v for k, v in data.items()}


def build_settings(config: str | Path | None = None, **given: Any) -> ScoreSettings:
    """Settings from a config file overlaid with explicitly given values (None = not given)."""
    values = read_config(config) if config else {}
    values.update({k: v for k, v in given.items() if v is not None})
    try:
        return ScoreSettings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"Invalid setting {name}: {first['msg']}.",
            file=str(config) if config else None,
            fix="See `rfmkit score --help` for the allowed values.",
        ) from exc
