"""The settings registry: one declaration feeds kwargs, config files, RFMKIT_* and CLI options."""

from __future__ import annotations

import datetime as dt

import pytest
import typer.main

import rfmkit
from rfmkit.cli import app
from rfmkit.cli.options import flags
from rfmkit.errors import ConfigError
from rfmkit.settings import GROUPS, Settings, build_settings, fields, from_environment, is_cli
from tests.helpers import transactions_frame
from tests.test_engine import GOLDEN_ROWS


def cli_options(command: str) -> set[str]:
    group = typer.main.get_command(app)
    params = group.commands[command].params  # type: ignore[attr-defined]
    return {opt for p in params for opt in (*p.opts, *p.secondary_opts)}


@pytest.mark.parametrize(
    ("command", "groups"),
    [("score", ("load", "score", "save")), ("predict", ("load", "score", "predict", "save"))],
)
def test_every_cli_setting_of_a_command_is_an_option_spelled_from_the_registry(command, groups):
    options = cli_options(command)
    for group in groups:
        for name, info in GROUPS[group].model_fields.items():
            if not is_cli(info):
                continue
            names = flags(name, info)
            assert set(names[0].split("/")) <= options, f"{command}: {name} -> {names}"
            spelled = names[0].split("/")[0]
            assert spelled.lstrip("-").replace("-", "_") == name or name == "output"


def test_flat_keyword_arguments_are_the_settings():
    result = rfmkit.score(
        transactions_frame(GOLDEN_ROWS),
        as_of="2024-03-01",
        keep_duplicates=True,
        map={"customer": "customer_id"},
        engine="duckdb",
        lang="en",
    )
    assert result.settings.keep_duplicates is True
    assert result.as_of == dt.date(2024, 3, 1)
    assert result.quality.as_of == result.as_of


def test_the_default_as_of_is_resolved_once_and_everywhere():
    result = rfmkit.score(transactions_frame(GOLDEN_ROWS))
    assert result.as_of == dt.date(2024, 3, 6)  # the day after the latest row (D, 2024-03-05)
    assert result.quality.as_of == result.as_of
    assert result.record.as_of == "2024-03-06"
    assert result.record.settings["as_of"] == "2024-03-06"


def test_unknown_or_old_keywords_are_refused_with_the_new_name():
    with pytest.raises(ConfigError, match="Unknown setting 'keep_dupes'"):
        rfmkit.score(transactions_frame(GOLDEN_ROWS), keep_dupes=True)
    with pytest.raises(ConfigError, match="Use engine= instead"):
        rfmkit.score(transactions_frame(GOLDEN_ROWS), engine_name="duckdb")


def test_config_file_takes_prediction_settings(tmp_path):
    config = tmp_path / "f.toml"
    config.write_text("horizon = 52\nmodel = 'pareto'\nkeep_duplicates = true\n", encoding="utf-8")
    settings = build_settings(config, environ={})
    assert (settings.horizon, settings.model, settings.keep_duplicates) == ("52", "pareto", True)


def test_environment_variables_sit_between_config_and_given_values(tmp_path):
    config = tmp_path / "f.yaml"
    config.write_text("scheme: value4\nlevels: 4\n", encoding="utf-8")
    env = {"RFMKIT_SCHEME": "tier5", "RFMKIT_KEEP_FUTURE": "true", "RFMKIT_MAP": "customer=会员"}
    settings = build_settings(config, environ=env, levels=6)
    assert settings.scheme == "tier5"  # env over config
    assert settings.levels == 6  # given over config
    assert settings.keep_future is True
    assert settings.map == {"customer": "会员"}
    assert from_environment({"RFMKIT_NOT_A_SETTING": "1"}) == {}


def test_bad_values_name_the_setting_and_its_help():
    with pytest.raises(ConfigError, match=r"Invalid setting levels.*Score levels, 3 to 10"):
        build_settings(levels=-1, environ={})
    with pytest.raises(ConfigError, match="Invalid setting lang"):
        build_settings(lang="fr", environ={})


def test_every_setting_has_help_and_a_unique_name():
    names = [name for name, _info, _group in fields()]
    assert len(names) == len(set(names))
    for name, info, _group in fields():
        assert info.description, name


def test_settings_are_frozen_and_round_trip_through_json():
    settings = build_settings(as_of="2024-07-01", weights="1,2,1", environ={})
    again = Settings.model_validate_json(settings.model_dump_json())
    assert again == settings


def test_database_passwords_are_masked_in_public_settings():
    settings = build_settings(from_db="postgresql://u:S3cretPW@127.0.0.1:5432/test", environ={})
    assert "S3cretPW" not in str(settings.public())
