"""The settings registry: every option of rfmkit, declared once.

:class:`Settings` composes the setting groups -- loading
(:class:`rfmkit.sources.LoadOptions`), scoring (:class:`ScoreOptions`),
prediction (:class:`PredictOptions`) and lifecycle stages (:class:`LifecycleOptions`);
the other groups (saving, the store, audiences, campaigns ...) are built alone
with :func:`build_group`. Every shell derives its spelling from
these declarations:

* Python keyword arguments: ``rfmkit.score(path, as_of="2024-07-01", keep_duplicates=True)``;
* config files (TOML or YAML, top level or a ``[score]`` table): ``keep_duplicates = true``;
* environment variables: ``RFMKIT_KEEP_DUPLICATES=1``;
* CLI options: ``--keep-duplicates`` (see :mod:`rfmkit.cli.options`).

Precedence, lowest first: defaults, the config file, the environment,
explicitly given values. Settings declared with ``cli=False`` (nested ones
such as ``thresholds``) come from config files and Python only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, Self, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo

from rfmkit.errors import ConfigError
from rfmkit.fields import setting
from rfmkit.sources.options import LoadOptions

ENV_PREFIX = "RFMKIT_"
_Group = TypeVar("_Group", bound=BaseModel)


class ScoreOptions(BaseModel):
    """How customers are scored and segmented."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    as_of: dt.date | None = setting(
        None, "Analysis date: only orders before it count (default: day after the last order)."
    )
    scheme: str = setting(
        "cn8", "Segment scheme: cn8, classic11, value4, tier5 or a scheme YAML file."
    )
    method: Literal["quantile", "thresholds"] = setting(
        "quantile", "Scoring method: quantile or thresholds."
    )
    levels: int = setting(5, "Score levels, 3 to 10.", ge=3, le=10)
    weights: str | tuple[float, float, float] | None = setting(
        None, "R,F,M weights of rfm_score (e.g. 1,2,1) or a preset (fmcg, luxury, ...)."
    )
    lang: Literal["zh", "en"] = setting("zh", "Language of labels and output: zh or en.")
    thresholds: dict[str, list[float]] | None = setting(
        None,
        "Score edges per metric for method thresholds, e.g. recency_days = [30, 60, 90, 180].",
        cli=False,
    )
    split: Literal["mean", "median"] | None = setting(
        None, "High/low line of schemes such as cn8: mean or median (default: the scheme's)."
    )
    top_percent: float = setting(
        20.0, "Pareto: the revenue share of the top N% of customers.", gt=0, lt=100
    )
    engine: Literal["duckdb", "spark"] = setting("duckdb", "Engine: duckdb or spark.")
    verbose: bool = setting(False, "Show the engine's own log lines and progress bars (Spark).")
    money_decimals: int = setting(
        2,
        "Decimals of the currency's minor unit (2 = cents, 0 = yen): amounts are summed "
        "exactly and written rounded to it.",
        ge=0,
        le=6,
    )

    @field_validator("as_of", mode="before")
    @classmethod
    def _parse_as_of(cls, value: Any) -> Any:
        return parse_date_setting(value)

    @field_validator("weights", mode="before")
    @classmethod
    def _parse_weights(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value


class PredictOptions(BaseModel):
    """How the purchase and spend models are fitted and used."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    horizon: str = setting("90d", "How far ahead to predict: 90d, 13w, 1y (or days).")
    model: Literal["bgnbd", "mbgnbd", "pareto"] = setting(
        "bgnbd", "Purchase model: bgnbd, mbgnbd (modified BG/NBD) or pareto."
    )
    time_unit: str = setting("W", "Model time unit: W (weeks) or D (days).")
    discount_rate: float = setting(0.10, "Yearly discount rate of the CLV.", gt=-1)
    margin: float = setting(
        1.0, "Share of revenue that is profit (for the CLV and a campaign's ROI).", ge=0
    )
    penalizer: float = setting(0.0, "L2 penalty when a model does not converge.", ge=0)
    churn_p_alive: float = setting(
        0.3, "Flag valuable customers whose p_alive is below this.", ge=0, le=1
    )
    value_scheme: str = setting(
        "clv5", "Scheme on predictions for value_segment (clv5, a YAML file, or none)."
    )
    validate_model: bool = setting(
        True,
        "Check the model on the last horizon of the history.",
        flag="--validate-model/--no-validate-model",
    )

    @field_validator("horizon", mode="before")
    @classmethod
    def _horizon_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value


class LifecycleOptions(BaseModel):
    """How lifecycle stages are judged (the rules: :mod:`rfmkit.campaigns.lifecycle`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    new_days: int = setting(
        30, "Customers whose first order is at most this many days old are new.", ge=0
    )
    at_risk_factor: float = setting(
        2.0, "At risk when days since the last order exceed this many typical intervals.", gt=0
    )
    lapsed_factor: float = setting(
        4.0, "Lapsed when days since the last order exceed this many typical intervals.", gt=0
    )
    at_risk_days: int | None = setting(
        None, "Fixed days since the last order after which a customer is at risk.", gt=0
    )
    lapsed_days: int | None = setting(
        None, "Fixed days since the last order after which a customer is lapsed.", gt=0
    )
    min_interval_days: float = setting(
        7.0, "Smallest typical inter-purchase interval used, in days.", ge=0
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if (self.at_risk_days is None) != (self.lapsed_days is None):
            raise ValueError("give at_risk_days and lapsed_days together")
        if self.at_risk_days is not None and self.lapsed_days is not None:
            if self.lapsed_days <= self.at_risk_days:
                raise ValueError("lapsed_days must be greater than at_risk_days")
        elif self.lapsed_factor <= self.at_risk_factor:
            raise ValueError("lapsed_factor must be greater than at_risk_factor")
        return self

    @property
    def fixed_days(self) -> bool:
        """Whether thresholds are configured days rather than intervals."""
        return self.at_risk_days is not None


class SaveOptions(BaseModel):
    """Where a run's results are written (the ``save`` verb)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    output: Path | None = setting(
        None,
        "Output file of the customer table: .csv, .parquet, .xlsx or .json.",
        flag=("--output", "-o"),
    )
    summary: Path | None = setting(None, "Also write the segment summary (.csv, .xlsx, ...).")
    quality_report: Path | None = setting(None, "Also write the data-quality report as JSON.")
    rejects: Path | None = setting(
        None, "Also write the rows left out (file, line, reason, raw values) as CSV."
    )
    raw_cells: bool = setting(
        False,
        "Write text cells as they are, without neutralising spreadsheet formulas "
        "(=, +, -, @): unsafe to open in Excel or WPS.",
    )


class ReportOptions(BaseModel):
    """What ``rfmkit report`` and ``rfmkit chart`` draw and how large."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    predict: bool = setting(
        False, "Also fit the prediction models and draw their charts (P(alive), CLV, ...)."
    )
    width: int = setting(1000, "Chart width in CSS pixels (rfmkit chart).", ge=100, le=10000)
    height: int = setting(600, "Chart height in CSS pixels (rfmkit chart).", ge=100, le=10000)
    scale: float = setting(1.0, "Pixel density of PNG charts (2 for sharp images).", gt=0, le=8)


class DemoOptions(BaseModel):
    """The generated demo order log of ``rfmkit demo``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    customers: int = setting(5000, "Number of demo customers (1 to 10,000,000).", ge=1, le=10**7)
    seed: int = setting(42, "Random seed of the demo data.")


class HistoryOptions(BaseModel):
    """Where snapshots are stored and how a series of them is back-filled."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    store: str | None = setting(
        None,
        "Snapshot store: a DuckDB file or a postgresql://user@host/db?schema=NAME URL "
        "(default: rfmkit-store.duckdb in the current folder).",
    )
    every: Literal["month", "quarter", "year"] | None = setting(
        None, "Back-fill one snapshot per month, quarter or year from --from to --to."
    )
    from_as_of: dt.date | None = setting(
        None,
        "First date: of a back-filled series, or the earlier snapshot of a migration.",
        flag="--from",
    )
    to_as_of: dt.date | None = setting(
        None,
        "Last date (included): of a back-filled series, or the later snapshot of a migration.",
        flag="--to",
    )
    breakpoints_mode: Literal["frozen", "refit"] = setting(
        "frozen",
        "frozen: reuse the score edges of a reference snapshot, so that moves mean changed "
        "behaviour; refit: fit them again for every snapshot.",
        flag="--breakpoints",
    )
    reference: dt.date | None = setting(
        None,
        "The stored snapshot whose score edges frozen snapshots reuse (default: the latest "
        "stored one, or the last date of a back-filled series).",
    )

    @field_validator("from_as_of", "to_as_of", "reference", mode="before")
    @classmethod
    def _parse_dates(cls, value: Any) -> Any:
        return parse_date_setting(value)


class RefreshOptions(BaseModel):
    """How ``rfmkit refresh`` reads only the new rows of a database table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    watermark: str | None = setting(
        None,
        "With --from-db: a column that only grows (insert timestamp or id); each refresh "
        "reads the rows past the value stored by the last one.",
    )


class AlertOptions(BaseModel):
    """Which alert rules run on the snapshots and where their alerts are delivered."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: str | None = setting(
        None,
        "Alert rules: a rules YAML file or a shipped scheme key (default: the snapshots' scheme's).",
    )
    webhook: str | None = setting(
        None, "A Standard Webhooks URL to deliver to (the alerts, or a pushed audience)."
    )
    secret: str | None = setting(
        None,
        "The webhook's signing secret, whsec_... (better from RFMKIT_SECRET than the command line).",
    )
    owners: Path | None = setting(
        None, "Owners file (CSV, Excel ...): owner, name, mobile, dingtalk_user_id, wecom_user_id."
    )
    allow_private: bool = setting(
        False, "Allow delivery to private, loopback or link-local addresses (an intranet receiver)."
    )
    destinations: dict[str, dict[str, Any]] | None = setting(
        None,
        "Named delivery destinations (kind webhook, dingtalk or wecom, with address and secret).",
        cli=False,
    )


class AudienceOptions(BaseModel):
    """How audiences are exported and pushed: contacts, the suppression list, hashing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contacts: Path | None = setting(
        None,
        "Contacts file (a customers file or the order log): customer id and phone and/or "
        "email columns (name them with --map phone=COL,email=COL).",
    )
    suppress: Path | None = setting(
        None,
        "Suppression (opt-out) file with customer_id, phone or email: those customers are "
        "never exported, pushed or treated (the store's list always applies too).",
    )
    hash: Literal["sha256"] | None = setting(
        None, "Add SHA-256 hashes of the normalised phone and email (ad-platform matching)."
    )
    no_pii: bool = setting(False, "Leave out the raw phone and email columns.")
    country_code: str = setting(
        "86", "Country calling code of phone numbers written without one (E.164)."
    )
    replace: bool = setting(False, "Replace an audience of the same name.")

    @field_validator("country_code", mode="before")
    @classmethod
    def _code_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class CampaignOptions(BaseModel):
    """A campaign: its channel, send date, measurement window, cost and holdout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: str = setting("sms", "The campaign's channel (sms, wechat, email, coupon ...).")
    send_date: dt.date | None = setting(
        None, "The day the campaign was sent: the measurement window starts on it."
    )
    window_days: int | None = setting(
        None,
        "Days after the send date in which an order counts as a response.",
        flag="--window",
        gt=0,
    )
    cost: float = setting(0.0, "What the campaign cost in total (for the ROI).", ge=0)
    holdout: str = setting(
        "10%", "Share of each segment held out as the control group (10% or 0.1)."
    )
    global_control: str = setting(
        "0",
        "Share of all customers kept out of every campaign (0, or 1% to 15%).",
    )
    assignments: Path | None = setting(
        None,
        "Measure a campaign run elsewhere: a file with customer_id, group "
        "(treatment/control) and optionally segment.",
    )

    @field_validator("send_date", mode="before")
    @classmethod
    def _parse_send_date(cls, value: Any) -> Any:
        return parse_date_setting(value)

    @field_validator("holdout", "global_control", mode="before")
    @classmethod
    def _share_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value


class SparkOptions(BaseModel):
    """Which Spark a run with ``engine = "spark"`` uses (local mode unless told)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spark_remote: str | None = setting(
        None,
        "Spark Connect server, sc://HOST:PORT (or the SPARK_REMOTE environment variable).",
    )
    spark_master: str | None = setting(
        None, "Classic Spark master: spark://HOST:PORT, yarn, k8s://... (default: local[*])."
    )
    spark_conf: dict[str, str] | None = setting(
        None,
        "Spark configuration, KEY=VALUE (repeatable, or a comma list), e.g. "
        "spark.executor.memory=8g.",
    )
    partition_by: str | None = setting(
        None,
        "Partition a Parquet folder output (-o URI/ or a path without suffix, on Spark) "
        "by this column, e.g. segment.",
    )

    @field_validator("spark_conf", mode="before")
    @classmethod
    def _parse_conf(cls, value: Any) -> Any:
        from rfmkit.spark.conf import parse_spark_conf

        return parse_spark_conf(value)

    @model_validator(mode="after")
    def _one_spark(self) -> Self:
        if self.spark_remote and self.spark_master:
            raise ValueError("give either spark_remote or spark_master, not both")
        return self


class ServeOptions(BaseModel):
    """The web app of ``rfmkit serve``: where it listens, uploads, sessions and secrets."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = setting("127.0.0.1", "Address the web app listens on (behind a TLS proxy).")
    port: int = setting(8000, "Port the web app listens on.", ge=1, le=65535)
    data_dir: Path | None = setting(
        None, "Folder of uploaded files and exports (default: rfmkit-web beside the store)."
    )
    max_upload_mb: int = setting(200, "Largest upload accepted, in MB.", ge=1, le=100_000)
    secret_key_file: Path | None = setting(
        None,
        "File holding the Fernet key that encrypts stored credentials (or set RFMKIT_SECRET_KEY).",
    )
    secure_cookies: bool = setting(
        True,
        "Send the session cookie over HTTPS only (turn off only for plain-HTTP testing).",
        flag="--secure-cookies/--no-secure-cookies",
    )
    session_hours: int = setting(12, "Hours a login lasts.", ge=1, le=24 * 90)


class Settings(LoadOptions, ScoreOptions, PredictOptions, LifecycleOptions, SparkOptions):
    """Every setting of a run, validated (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def group(self, model: type[BaseModel]) -> Any:
        """The settings of one group, e.g. ``settings.group(LoadOptions)``."""
        return model.model_validate({k: getattr(self, k) for k in model.model_fields})

    def public(self) -> dict[str, Any]:
        """The settings as JSON-ready data, secrets masked (for run records and logs)."""
        from rfmkit.sources.databases import mask_url

        data = self.model_dump(mode="json")
        if data.get("from_db"):
            data["from_db"] = mask_url(data["from_db"])
        if data.get("spark_conf"):
            from rfmkit.spark.conf import mask_spark_conf

            data["spark_conf"] = mask_spark_conf(data["spark_conf"])
        return data


#: The groups :class:`Settings` composes (the settings of a scoring run).
RUN_GROUPS = ("load", "score", "predict", "lifecycle", "spark")
GROUPS: dict[str, type[BaseModel]] = {
    "load": LoadOptions,
    "score": ScoreOptions,
    "predict": PredictOptions,
    "lifecycle": LifecycleOptions,
    "spark": SparkOptions,
    "save": SaveOptions,
    "report": ReportOptions,
    "demo": DemoOptions,
    "history": HistoryOptions,
    "refresh": RefreshOptions,
    "alerts": AlertOptions,
    "audience": AudienceOptions,
    "campaign": CampaignOptions,
    "serve": ServeOptions,
}


def fields() -> Iterator[tuple[str, FieldInfo, str]]:
    """Every setting: ``(name, declaration, group)`` in declaration order."""
    for group, model in GROUPS.items():
        for name, info in model.model_fields.items():
            yield name, info, group


def is_cli(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return not isinstance(extra, dict) or extra.get("cli", True) is not False


def parse_date_setting(value: Any) -> Any:
    """A date setting from text in any form the data reader accepts (``2024/07/01`` too)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        from rfmkit.sources.values import parse_day

        return parse_day(value)
    return value


def read_config(path: str | Path) -> dict[str, Any]:
    """The settings in a TOML or YAML file (a ``[score]`` table is also accepted)."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(
            f"Config file not found: {file}", file=str(file), fix="Check the --config path."
        )
    text = file.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if file.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot parse the config file: {exc}", file=str(file)) from exc
    if not isinstance(data, dict):
        raise ConfigError("The config file must hold key = value settings.", file=str(file))
    nested = data.pop("score", None)
    if isinstance(nested, dict):
        data = {**data, **nested}
    return {k.replace("-", "_"): v for k, v in data.items()}


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings given as ``RFMKIT_<NAME>`` environment variables."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, info, _group in fields():
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is None or raw == "":
            continue
        values[name] = _env_value(raw, info)
    return values


def _env_value(raw: str, info: FieldInfo) -> Any:
    """Text from the environment: JSON for nested settings, the text itself otherwise."""
    if info.annotation is not None and "dict" in str(info.annotation) and raw.lstrip()[:1] == "{":
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def build_settings(
    config: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    **given: Any,
) -> Settings:
    """Settings from defaults, a config file, the environment and given values (None = not given)."""
    values = read_config(config) if config else {}
    values.update(from_environment(environ))
    values.update({k: v for k, v in given.items() if v is not None})
    others = {
        name: info
        for group, model in GROUPS.items()
        if group not in RUN_GROUPS
        for name, info in model.model_fields.items()
    }
    run = {k: v for k, v in values.items() if k not in others}
    try:
        return Settings.model_validate(run)
    except ValidationError as exc:
        raise _config_error(exc, config) from None


def build_group(
    model: type[_Group],
    config: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    **given: Any,
) -> _Group:
    """The settings of one group (``SaveOptions``, ``DemoOptions``), precedence as above."""
    values = read_config(config) if config else {}
    values.update(from_environment(environ))
    values.update({k: v for k, v in given.items() if v is not None})
    chosen = {k: v for k, v in values.items() if k in model.model_fields}
    try:
        return model.model_validate(chosen)
    except ValidationError as exc:
        raise _config_error(exc, config) from None


def build_save_options(
    config: str | Path | None = None, *, environ: Mapping[str, str] | None = None, **given: Any
) -> SaveOptions:
    """The ``save`` settings (see :func:`build_group`)."""
    return build_group(SaveOptions, config, environ=environ, **given)


def _config_error(exc: ValidationError, config: str | Path | None) -> ConfigError:
    first = exc.errors()[0]
    name = ".".join(str(p) for p in first["loc"]) or "settings"
    fix: str | None
    if first["type"] == "extra_forbidden":
        message = f"Unknown setting {name!r}."
        fix = "See README (Settings) for every setting's name; CLI options use dashes: --" + (
            name.replace("_", "-")
        )
    else:
        message = f"Invalid setting {name}: {first['msg']} (given: {first.get('input')!r})."
        info = _field(name)
        fix = info.description if info is not None and info.description else None
    return ConfigError(message, file=str(config) if config else None, fix=fix)


def _field(name: str) -> FieldInfo | None:
    return next((info for n, info, _g in fields() if n == name), None)


__all__ = [
    "GROUPS",
    "RUN_GROUPS",
    "AlertOptions",
    "AudienceOptions",
    "CampaignOptions",
    "DemoOptions",
    "HistoryOptions",
    "LifecycleOptions",
    "LoadOptions",
    "PredictOptions",
    "RefreshOptions",
    "ReportOptions",
    "SaveOptions",
    "ScoreOptions",
    "ServeOptions",
    "Settings",
    "SparkOptions",
    "build_group",
    "build_save_options",
    "build_settings",
    "fields",
    "from_environment",
    "read_config",
]
