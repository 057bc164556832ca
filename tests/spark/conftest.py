"""One Spark Connect server on 127.0.0.1 for every Spark Connect test of the session.

The server is started from the installed PySpark (``spark-submit``), with a
low result-size limit (``spark.driver.maxResultSize``): nothing big may go
through the driver. It fails (never skips) when Java is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import ibis
import pytest

from rfmkit.backend import connect
from rfmkit.spark.server import ConnectServer

#: The server's limit on results gathered by its driver; tests prove a table above it scores.
MAX_RESULT_SIZE = "1m"


@pytest.fixture(scope="session")
def connect_server() -> Iterator[ConnectServer]:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail(
            "Spark Connect tests need Java 17: run `bash scripts/system-deps.sh` "
            "(apt-get install openjdk-17-jre-headless) or set JAVA_HOME."
        )
    server = ConnectServer(
        "local[2]",
        conf={
            "spark.driver.maxResultSize": MAX_RESULT_SIZE,
            "spark.sql.shuffle.partitions": "4",
            "spark.driver.memory": "2g",
        },
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def remote_con(connect_server: ConnectServer) -> Iterator[ibis.BaseBackend]:
    """rfmkit as a client of the server (one Connect session for the test session).

    Stopped before the server is: a client left open retries its last calls
    at exit against a server that is gone.
    """
    con = connect("spark", remote=connect_server.url)
    yield con
    con._session.stop()
