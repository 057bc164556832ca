"""Spark settings and connections, without starting Spark: conf pairs, addresses, errors."""

from __future__ import annotations

import pytest


def test_spark_conf_takes_pairs_lists_and_comma_lists() -> None:
    from rfmkit.spark.conf import parse_spark_conf

    assert parse_spark_conf("spark.a=1, spark.jars.packages=g:a:1,g:b:2") == {
        "spark.a": "1",
        "spark.jars.packages": "g:a:1,g:b:2",
    }
    assert parse_spark_conf(["a.b=x=y", "c=2"]) == {"a.b": "x=y", "c": "2"}
    assert parse_spark_conf({"k": True}) == {"k": "true"}
    with pytest.raises(ValueError, match="expected KEY=VALUE, got 'nonsense'"):
        parse_spark_conf("nonsense")


def test_spark_settings_are_in_the_registry_and_secrets_masked() -> None:
    from rfmkit.errors import ConfigError
    from rfmkit.settings import GROUPS, SparkOptions, build_settings

    assert GROUPS["spark"] is SparkOptions
    run = build_settings(
        environ={"RFMKIT_SPARK_CONF": "fs.s3a.secret.key=hush,spark.executor.memory=8g"},
        engine="spark",
        spark_remote="sc://spark-head:15002",
    )
    assert run.spark_conf == {"fs.s3a.secret.key": "hush", "spark.executor.memory": "8g"}
    assert run.public()["spark_conf"] == {
        "fs.s3a.secret.key": "***",
        "spark.executor.memory": "8g",
    }
    with pytest.raises(ConfigError, match="either spark_remote or spark_master"):
        build_settings(environ={}, spark_remote="sc://h:1", spark_master="yarn")
    with pytest.raises(ConfigError, match="Invalid setting spark_conf"):
        build_settings(environ={}, spark_conf="no-equals-sign")


def test_spark_settings_without_the_spark_engine_are_refused() -> None:
    from rfmkit.errors import ConfigError
    from rfmkit.settings import build_settings
    from rfmkit.verbs.score import connection

    with pytest.raises(ConfigError, match="engine is duckdb") as caught:
        connection(build_settings(environ={}, spark_remote="sc://127.0.0.1:1"))
    assert caught.value.fix == 'Add --engine spark (engine = "spark" in a config file).'


def test_connect_addresses() -> None:
    from rfmkit.backend import connect_address
    from rfmkit.errors import ConfigError

    assert connect_address("sc://spark-head:15003/;token=x") == ("spark-head", 15003)
    assert connect_address("sc://spark-head") == ("spark-head", 15002)
    assert connect_address("sc://[::1]:9") == ("::1", 9)
    with pytest.raises(ConfigError, match="has no valid port"):
        connect_address("sc://host:port")


def test_an_unreachable_connect_server_is_a_clear_error(monkeypatch) -> None:
    from rfmkit.backend import connect
    from rfmkit.errors import ConfigError, SourceUnavailableError
    from rfmkit.spark.server import free_port

    port = free_port()
    with pytest.raises(
        SourceUnavailableError, match=f"No Spark Connect server answers at 127.0.0.1:{port}"
    ):
        connect("spark", remote=f"sc://127.0.0.1:{port}")
    monkeypatch.setenv("SPARK_REMOTE", f"sc://127.0.0.1:{port}")  # the variable is the default
    with pytest.raises(SourceUnavailableError, match=f"127.0.0.1:{port}"):
        connect("spark")
    with pytest.raises(ConfigError, match="starts with sc://"):
        connect("spark", remote="http://127.0.0.1:1")
