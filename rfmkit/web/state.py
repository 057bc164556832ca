"""What one running web app holds: its settings, the open store, caches and the run queue.

The server opens the store once (a DuckDB file is locked by one process at
a time) and serialises access to its connection with a lock; every request
borrows it with :meth:`WebState.db`. Results that depend only on an
immutable snapshot (its overview figures) are cached by snapshot id.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rfmkit.settings import ServeOptions
from rfmkit.store import Store, open_store, parse_location
from rfmkit.web.security import Throttle
from rfmkit.web.vault import Vault, load_vault


@dataclass
class WebConfig:
    """Everything :func:`rfmkit.web.create_app` needs, from the settings registry."""

    serve: ServeOptions = field(default_factory=ServeOptions)
    store: str | None = None
    allow_private: bool = False
    lang: str = "zh"


class Cache:
    """A small least-recently-used cache (thread-safe)."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass(frozen=True)
class Reader:
    """A DuckDB cursor of the store for this thread, and the prefix of the store's tables."""

    cursor: Any
    where: str


class WebState:
    """The state of one app: open it with :meth:`open`, end it with :meth:`close`."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.options = config.serve
        self.lock = threading.RLock()
        self.throttle = Throttle()
        self.cache = Cache()
        self.listings = Cache(size=256)
        self.vault: Vault | None = load_vault(config.serve.secret_key_file)
        self.data_dir = data_dir(config)
        self._store: Store | None = None
        self._local = threading.local()
        self._cursors: list[Any] = []
        self.token_touched: dict[str, float] = {}

    def open(self) -> None:
        from rfmkit.store import accounts

        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "uploads").mkdir(exist_ok=True)
        self._store = open_store(self.config.store)
        with self.db() as store:
            accounts.ensure_tables(store)
            accounts.fail_unfinished_jobs(store)

    def reader(self) -> Reader:
        """This thread's cursor for point look-ups (:mod:`rfmkit.store.lookup`), without the lock.

        DuckDB runs the cursors of one database in parallel; the store's own
        connection (:meth:`db`) stays the one writer.
        """
        found: Reader | None = getattr(self._local, "reader", None)
        if found is None:
            from rfmkit.store.lookup import prefix

            with self.lock:
                if self._store is None:
                    raise RuntimeError("The web app's store is not open.")
                found = Reader(self._store.con.con.cursor(), prefix(self._store))
                self._cursors.append(found.cursor)
            self._local.reader = found
        return found

    def close(self) -> None:
        with self.lock:
            for cursor in self._cursors:
                cursor.close()
            self._cursors.clear()
            if self._store is not None:
                self._store.close()
                self._store = None

    @contextmanager
    def db(self) -> Iterator[Store]:
        """The open store, for the duration of the block (one request at a time)."""
        with self.lock:
            if self._store is None:
                raise RuntimeError("The web app's store is not open.")
            yield self._store


def data_dir(config: WebConfig) -> Path:
    """Where uploads go: ``data_dir``, else ``rfmkit-web`` beside a store file."""
    if config.serve.data_dir is not None:
        return Path(config.serve.data_dir)
    where = parse_location(config.store)
    if where.kind == "duckdb":
        return Path(where.target).resolve().parent / "rfmkit-web"
    return Path("rfmkit-web").resolve()
