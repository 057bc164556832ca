"""CLI options derived from the settings registry, and the settings built from them.

A command declares its own arguments and names the setting groups it takes
(:func:`with_settings`); the options of those groups are generated from the
registry (:mod:`rfmkit.settings`), so ``--keep-duplicates`` is the setting
``keep_duplicates`` with its help text, everywhere. Every generated option
defaults to None ("not given"), so a config file or ``RFMKIT_*`` variable
is overridden only by options actually given.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from rfmkit.settings import GROUPS, SaveOptions, Settings, build_group, build_settings, is_cli

CONFIG = "config"
_Group = TypeVar("_Group", bound=BaseModel)

Inputs = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Transaction files, globs or folders (CSV, Excel, Parquet, JSON).", show_default=False
    ),
]


def _common() -> list[inspect.Parameter]:
    config = Annotated[
        Path | None,
        typer.Option("--config", help="TOML or YAML file with any settings (CLI options win)."),
    ]
    return [
        inspect.Parameter(CONFIG, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=config),
    ]


def flags(name: str, info: FieldInfo) -> list[str]:
    """The CLI spelling of a setting: ``--name-with-dashes`` unless declared otherwise."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    declared = extra.get("flag")
    if isinstance(declared, list):
        return [str(f) for f in declared]
    return ["--" + name.replace("_", "-")]


def _cli_type(info: FieldInfo) -> Any:
    """Booleans stay switches, numbers stay numbers; everything else is text for pydantic."""
    annotation = info.annotation
    for kind in (bool, int, float, Path):
        if annotation is kind or annotation == kind | None:
            return kind
    return str


def _help(info: FieldInfo) -> str:
    text = info.description or ""
    default = info.get_default(call_default_factory=True)
    if default not in (None, False, {}, []):
        text += f" [default: {default}]"
    return text


def setting_parameters(
    groups: Iterable[type[BaseModel]], skip: Iterable[str] = ()
) -> list[inspect.Parameter]:
    """One keyword parameter per CLI setting of ``groups`` (``skip`` left out)."""
    params = []
    left_out = set(skip)
    for model in groups:
        for name, info in model.model_fields.items():
            if name in left_out or not is_cli(info):
                continue
            kind = _cli_type(info)
            option = typer.Option(*flags(name, info), help=_help(info), show_default=False)
            params.append(
                inspect.Parameter(
                    name,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=None,
                    annotation=Annotated[kind | None, option],
                )
            )
    return params


def with_settings(
    *groups: str, skip: Iterable[str] = ()
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the options of the setting ``groups`` besides its own.

    The command declares its own parameters and takes the settings as
    ``**options``; Typer sees one signature with all of them.
    """
    models = [GROUPS[name] for name in groups]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for p in inspect.signature(command, eval_str=True).parameters.values()
            if p.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        params = own + setting_parameters(models, skip) + _common()

        @functools.wraps(command)
        def run(**kwargs: Any) -> None:
            command(**kwargs)

        run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in params}
        return run

    return decorate


def settings_from(options: dict[str, Any]) -> Settings:
    """The run's settings: registry defaults < config file < ``RFMKIT_*`` < options given."""
    known = {k: v for k, v in options.items() if k in Settings.model_fields}
    return build_settings(options.get(CONFIG), **known)


def group_from(model: type[_Group], options: dict[str, Any]) -> _Group:
    """The settings of one group (e.g. ``SaveOptions``) from the config file and options."""
    known = {k: v for k, v in options.items() if k in model.model_fields}
    return build_group(model, options.get(CONFIG), **known)


def save_options_from(options: dict[str, Any]) -> SaveOptions:
    return group_from(SaveOptions, options)


def paths_or_none(inputs: list[Path] | None) -> list[str] | None:
    return [str(p) for p in inputs] if inputs else None


def settings_table() -> str:
    """Every setting as a Markdown table for README (kept in sync by ``tests/test_docs.py``)."""
    from rfmkit.settings import fields

    rows = [
        "| setting (Python, config, `RFMKIT_*`) | CLI | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, info, group in fields():
        cli = " ".join(f"`{f}`" for f in flags(name, info)) if is_cli(info) else "config only"
        default = info.get_default(call_default_factory=True)
        shown = "" if default in (None, {}, []) else f"`{default}`"
        rows.append(f"| `{name}` ({group}) | {cli} | {shown} | {info.description} |")
    return "\n".join(rows)
