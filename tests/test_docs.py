"""README stays true: its Python examples run, its YAML and TOML examples load,
and every CLI option is documented."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest

from rfmkit.cli import app, main
from rfmkit.segments import parse_scheme
from rfmkit.settings import Settings

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


@pytest.fixture
def chinese_export(tmp_path, monkeypatch):
    """The README's GBK shop export, written where its examples expect it."""
    text = next(b for b in blocks("text") if "客户ID" in b)
    (tmp_path / "订单导出.csv").write_bytes(text.encode("gbk"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("code", blocks("python"))
def test_python_examples_run(code, chinese_export):
    exec(compile(code, "README.md", "exec"), {})


def test_the_chinese_export_example_prints_what_readme_shows(chinese_export, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    session = next(b for b in blocks("console") if "rfmkit check 订单导出.csv" in b)
    command, *expected = session.strip().splitlines()
    assert main(shlex.split(command.removeprefix("$ rfmkit "))) == 0
    assert capsys.readouterr().out.strip().splitlines() == expected
    assert (chinese_export / "rejects.csv").exists()
    assert (chinese_export / "quality.json").exists()


def test_yaml_scheme_example_is_a_valid_scheme():
    schemes = [b for b in blocks("yaml") if "segments:" in b]
    assert schemes
    for text in schemes:
        assert parse_scheme(text, source="README.md").segments[-1].catch_all


def test_toml_config_example_is_valid():
    for text in blocks("toml"):
        Settings.model_validate(tomllib.loads(text))


def test_every_command_and_option_is_documented():
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert f"rfmkit {name}" in README, f"command {name} is not in README"
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt not in ("--help",):
                    assert f"`{opt}" in README, f"{name} {opt} is not in README"
