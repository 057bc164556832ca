"""What one running web app holds: its settings, the open store, caches and the run queue.

The server opens the store once (a DuckDB file is locked by one process at
a time) and serialises access to its connection with a lock: a block that
may write borrows it with :meth:`WebState.db`. Results that depend only on
an immutable snapshot (its overview figures, the first pages of a listing)
are cached by snapshot id. Point look-ups read on a cursor per thread
(:meth:`WebState.reader`), in parallel.

What every request needs -- the list of snapshots, who a token or session
belongs to -- is kept in :class:`Recent` for at most :data:`FRESH_FOR`
seconds, and dropped whenever a :meth:`WebState.db` block ends: a change
made in this server (a revoked token, a disabled user, a new snapshot) is
seen by the next request; one made by another process sharing a PostgreSQL
store within :data:`FRESH_FOR` seconds.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rfmkit.settings import ServeOptions
from rfmkit.store import SnapshotInfo, Store, open_store, parse_location
from rfmkit.web.finder import Finder
from rfmkit.web.security import Throttle
from rfmkit.web.vault import Vault, load_vault


@dataclass
class WebConfig:
    """Everything :func:`rfmkit.web.create_app` needs, from the settings registry."""

    serve: ServeOptions = field(default_factory=ServeOptions)
    store: str | None = None
    allow_private: bool = False
    lang: str = "zh"


#: Seconds a cached snapshot list or caller stays valid without a change made here.
FRESH_FOR = 2.0


class Cache:
    """A small least-recently-used cache (thread-safe); one computation per key at a time."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[Any, threading.Lock] = {}

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:  # the others asking for the same key wait for this one's answer
            with self._lock:
                if key in self._items:
                    return self._items[key]
            try:
                value = make()
            finally:
                with self._lock:
                    self._making.pop(key, None)
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Recent:
    """Answers kept for ``fresh_for`` seconds, all dropped by :meth:`changed` (thread-safe).

    An answer computed while a change was made is used once and not kept,
    so a change is never hidden behind an answer read before it.
    """

    def __init__(self, fresh_for: float = FRESH_FOR, size: int = 4096) -> None:
        self.fresh_for = fresh_for
        self.size = size
        self._items: dict[Any, tuple[float, Any]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            found = self._items.get(key)
            if found is not None and found[0] > now:
                return found[1]
            generation = self._generation
        value = make()
        with self._lock:
            if generation == self._generation:
                if len(self._items) >= self.size:
                    self._items.clear()
                self._items[key] = (now + self.fresh_for, value)
        return value

    def peek(self, key: Any, default: Any = None) -> Any:
        """The answer kept for ``key``, else ``default`` (nothing is computed)."""
        with self._lock:
            found = self._items.get(key)
        return found[1] if found is not None and found[0] > time.monotonic() else default

    def changed(self) -> None:
        """Forget every answer (something may have been written)."""
        with self._lock:
            self._generation += 1
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
        self.recent = Recent()
        self.vault: Vault | None = load_vault(config.serve.secret_key_file)
        self.data_dir = data_dir(config)
        self._store: Store | None = None
        self._local = threading.local()
        self._cursors: list[Any] = []
        self.token_touched: dict[str, float] = {}
        self.finder: Finder | None = None

    def open(self) -> None:
        from rfmkit.store import accounts

        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "uploads").mkdir(exist_ok=True)
        self._store = open_store(self.config.store)
        with self.db() as store:
            accounts.ensure_tables(store)
            accounts.fail_unfinished_jobs(store)
        if self._store.where.kind == "duckdb":  # row ids: a DuckDB file's, not PostgreSQL's
            self.finder = Finder(self.cursor)
            if self.finder.usable(found := self.snapshots()):
                self.finder.build(found)  # in the background, before the first look-up

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

    @contextmanager
    def cursor(self) -> Iterator[Reader]:
        """A cursor of its own for the block (a background thread's), closed after it."""
        from rfmkit.store.lookup import prefix

        with self.lock:
            if self._store is None:
                raise RuntimeError("The web app's store is not open.")
            opened = Reader(self._store.con.con.cursor(), prefix(self._store))
        try:
            yield opened
        finally:
            opened.cursor.close()

    def close(self) -> None:
        if self.finder is not None:
            self.finder.stop()
        with self.lock:
            for cursor in self._cursors:
                cursor.close()
            self._cursors.clear()
            if self._store is not None:
                self._store.close()
                self._store = None

    @contextmanager
    def db(self) -> Iterator[Store]:
        """The open store, for the duration of the block (one block at a time).

        The block may write: when it ends, :attr:`recent` is forgotten.
        """
        with self.lock:
            if self._store is None:
                raise RuntimeError("The web app's store is not open.")
            try:
                yield self._store
            finally:
                self.recent.changed()

    @contextmanager
    def read(self) -> Iterator[Store]:
        """The open store for a block that only reads (:attr:`recent` is kept)."""
        with self.lock:
            if self._store is None:
                raise RuntimeError("The web app's store is not open.")
            yield self._store

    def snapshots(self) -> list[SnapshotInfo]:
        """Every stored snapshot, oldest first (from :attr:`recent`)."""

        def read() -> list[SnapshotInfo]:
            with self.read() as store:
                return store.snapshots()

        found: list[SnapshotInfo] = self.recent.get("snapshots", read)
        return found

    def has_contacts(self) -> bool:
        """Whether the store keeps any phone or email (from :attr:`recent`)."""
        from rfmkit.store.lookup import has_contacts

        def read() -> bool:
            reader = self.reader()
            return has_contacts(reader.cursor, reader.where)

        found: bool = self.recent.get("contacts", read)
        return found


def data_dir(config: WebConfig) -> Path:
    """Where uploads go: ``data_dir``, else ``rfmkit-web`` beside a store file."""
    if config.serve.data_dir is not None:
        return Path(config.serve.data_dir)
    where = parse_location(config.store)
    if where.kind == "duckdb":
        return Path(where.target).resolve().parent / "rfmkit-web"
    return Path("rfmkit-web").resolve()
