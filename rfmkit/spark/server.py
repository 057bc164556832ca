"""A Spark Connect server on this machine, started from the installed PySpark.

PySpark 4 ships the server (``spark-connect_*.jar``); this starts it with
``spark-submit`` on ``127.0.0.1`` -- for trying rfmkit's Spark path without a
cluster, for the tests and for the benchmark::

    with ConnectServer(master="local[2]") as server:
        rfmkit.score("orders/", engine="spark", spark_remote=server.url)

A real deployment runs ``$SPARK_HOME/sbin/start-connect-server.sh`` on the
cluster instead and gives rfmkit its ``sc://HOST:15002`` address.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

from rfmkit.errors import ConfigError, SourceUnavailableError

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
#: Seconds to wait for the server to listen (the JVM starts slowly on two cores).
START_TIMEOUT = 180.0


def spark_home() -> Path:
    """The installed PySpark package, which holds ``bin/spark-submit`` and the jars."""
    try:
        import pyspark
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError("Spark needs PySpark.", fix="pip install 'rfmkit[spark]'.") from exc
    return Path(pyspark.__file__).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections at ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class ConnectServer:
    """A Spark Connect server process on ``127.0.0.1`` (a context manager).

    Parameters
    ----------
    master
        The server's own Spark master (``local[2]``: two executor threads).
    port
        The gRPC port (default: a free one).
    conf
        More Spark settings of the server (``spark.driver.maxResultSize`` ...).
    verbose
        Keep Spark's INFO log lines in the server's log file.
    """

    def __init__(
        self,
        master: str = "local[2]",
        *,
        port: int | None = None,
        conf: Mapping[str, str] | None = None,
        verbose: bool = False,
    ) -> None:
        self.master = master
        self.port = port or free_port()
        self.conf = dict(conf or {})
        self.verbose = verbose
        self.folder = Path(tempfile.mkdtemp(prefix="rfmkit-connect-"))
        self.log = self.folder / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """The address clients connect to: ``sc://127.0.0.1:PORT``."""
        return f"sc://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The ``spark-submit`` command line that runs the server."""
        from rfmkit.backend import QUIET_LOG4J

        java_options = "" if self.verbose else f"-Dlog4j2.configurationFile=file:{QUIET_LOG4J}"
        conf = {
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(self.port),
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "8",
            "spark.driver.extraJavaOptions": java_options,
            "spark.local.dir": str(self.folder),
            **self.conf,
        }
        submit = spark_home() / "bin" / "spark-submit"
        args = [str(submit), "--class", SERVER_CLASS, "--master", self.master]
        for key, value in conf.items():
            args += ["--conf", f"{key}={value}"]
        return args

    def start(self) -> ConnectServer:
        """Start the server and wait until it listens.

        Raises
        ------
        SourceUnavailableError
            When Java is missing or the server does not come up (with its log's tail).
        """
        if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
            raise SourceUnavailableError(
                "A Spark Connect server needs Java 17.",
                fix="apt-get install openjdk-17-jre-headless, or set JAVA_HOME.",
            )
        env = {**os.environ, "SPARK_HOME": str(spark_home()), "SPARK_LOCAL_IP": "127.0.0.1"}
        env.pop("SPARK_REMOTE", None)
        self._log_file = self.log.open("wb")
        self._process = subprocess.Popen(
            self.command(),
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=self.folder,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            if listening("127.0.0.1", self.port):
                return self
            time.sleep(0.5)
        tail = self.log_tail()
        self.stop()
        raise SourceUnavailableError(
            f"The Spark Connect server did not start on port {self.port}: {tail}",
            fix="Check Java 17 (java -version) and the log above.",
        )

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's log."""
        if not self.log.exists():
            return ""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server (its whole process group) and remove its folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> ConnectServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
