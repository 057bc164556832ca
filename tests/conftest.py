"""Shared fixtures: engine connections and small canonical transaction tables."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import ibis
import pytest

from rfmkit.backend import connect


@pytest.fixture
def con() -> ibis.BaseBackend:
    return connect("duckdb")


@pytest.fixture(scope="session")
def spark_con() -> Iterator[ibis.BaseBackend]:
    """A local Spark session. Fails (never skips) when Java is missing."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail(
            "Spark tests need Java 17: run `bash scripts/system-deps.sh` "
            "(apt-get install openjdk-17-jre-headless) or set JAVA_HOME."
        )
    con = connect("spark", master="local[2]")
    yield con
