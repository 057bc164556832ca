"""Ibis' PySpark backend on a Spark Connect session: the few places it needs help.

Ibis 12 drives a Spark Connect session (``pyspark.sql.connect``) like a
classic one, except when caching: it asserts that Spark reports the cached
DataFrame as cached, which a Connect server does not always do for a query
over temporary views. :func:`adapt` gives the connection a cache that keeps
the DataFrame (persisted on the cluster) without that assertion.
"""

from __future__ import annotations

import types
from typing import Any

import ibis
from ibis.backends import BaseBackend

#: Set when Python exits: cached tables are then left to the server (see :func:`closing`).
_exiting = False


def adapt(con: BaseBackend) -> BaseBackend:
    """``con`` (on a Spark Connect session) made safe to ``.cache()`` tables on."""
    con._create_cached_table = types.MethodType(_create_cached_table, con)
    con._drop_cached_table = types.MethodType(_drop_cached_table, con)
    return con


def _drop_cached_table(self: Any, name: str) -> None:
    """Uncache ``name``, unless Python is exiting (the server drops a gone client's caches)."""
    frame = self._cached_dataframes.pop(name, None)
    if _exiting or frame is None:
        return
    self._session.catalog.dropTempView(name)
    frame.unpersist()


def closing() -> None:
    """Python is exiting: stop talking to Connect servers, quietly.

    Ibis uncaches tables when they are garbage-collected, which at exit would
    send new requests after Python has shut its thread pools down (each
    printing ``cannot schedule new futures``); the client's own release pool
    is shut down first, letting pending releases finish.
    """
    global _exiting
    _exiting = True
    from pyspark.sql.connect.client.reattach import ExecutePlanResponseReattachableIterator

    ExecutePlanResponseReattachableIterator.shutdown()


def _create_cached_table(self: Any, name: str, expr: ibis.Table) -> ibis.Table:
    frame = self._session.sql(self.compile(expr)).persist()
    frame.createOrReplaceTempView(name)
    self._cached_dataframes[name] = frame
    return self.table(name)


def session_of(con: BaseBackend) -> Any:
    """The Spark session behind an Ibis PySpark connection."""
    return con._session


def functions(session: Any) -> Any:
    """``pyspark.sql.functions`` for ``session``: the Connect ones for a Connect session.

    PySpark picks the Connect functions only when the process was started as
    a Connect client (``SPARK_CONNECT_MODE_ENABLED``); rfmkit opens Connect
    sessions from an ordinary process, so it asks for them by the session.
    """
    if type(session).__module__.startswith("pyspark.sql.connect"):
        from pyspark.sql.connect import functions as connect_functions

        return connect_functions
    from pyspark.sql import functions as classic_functions

    return classic_functions
