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


def shell_commands() -> list[str]:
    """Every rfmkit command line of README's bash blocks (continuations joined)."""
    commands = []
    for block in blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" # ")[0].strip()
            for prefix in (".venv/bin/rfmkit ", "rfmkit "):
                if line.startswith(prefix):
                    commands.append(line.removeprefix(prefix))
    return commands


@pytest.fixture
def demo_folder(chinese_export):
    """The files README's commands name: the demo log, a copy as orders.csv, the GBK export."""
    from rfmkit.demo_data import write_demo

    orders = write_demo(chinese_export / "rfmkit-demo", customers=600, seed=3)
    (chinese_export / "orders.csv").write_bytes(orders.read_bytes())
    return chinese_export


def test_readme_has_shell_examples():
    assert len(shell_commands()) >= 3


@pytest.mark.slow
@pytest.mark.parametrize("command", shell_commands())
def test_shell_examples_run(command, demo_folder, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert main(shlex.split(command)) == 0, command


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


def test_the_settings_table_is_the_registry():
    """Every setting, config-only ones included, is in README as the registry declares it."""
    from rfmkit.cli.options import settings_table

    block = re.search(r"<!-- settings:start -->\n(.*?)\n<!-- settings:end -->", README, re.S)
    assert block is not None
    assert block.group(1) == settings_table(), "run: python scripts/settings_doc.py"


def test_every_command_and_option_is_documented():
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert f"rfmkit {name}" in README, f"command {name} is not in README"
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt not in ("--help",):
                    assert f"`{opt}" in README, f"{name} {opt} is not in README"
