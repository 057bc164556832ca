"""README stays true: its Python examples run, its YAML and TOML examples load,
and every CLI option is documented."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from rfmkit.cli import app
from rfmkit.segments import parse_scheme
from rfmkit.settings import ScoreSettings

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("code", blocks("python"))
def test_python_examples_run(code):
    exec(compile(code, "README.md", "exec"), {})


def test_yaml_scheme_example_is_a_valid_scheme():
    schemes = [b for b in blocks("yaml") if "segments:" in b]
    assert schemes
    for text in schemes:
        assert parse_scheme(text, source="README.md").segments[-1].catch_all


def test_toml_config_example_is_valid():
    for text in blocks("toml"):
        ScoreSettings.model_validate(tomllib.loads(text))


def test_every_command_and_option_is_documented():
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert f"rfmkit {name}" in README, f"command {name} is not in README"
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt not in ("--help",):
                    assert f"`{opt}" in README, f"{name} {opt} is not in README"
