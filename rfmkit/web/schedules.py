"""Schedules: scoring runs the server starts itself, then alerts sent on.

A schedule names a source -- a stored database connection with a table or a
SELECT, or a file path on the server that an admin gives -- a saved
configuration (:mod:`rfmkit.web.configs`), a :class:`~rfmkit.web.cadence.Cadence`
and, optionally, a destination its alerts go to afterwards. "Re-score on
the 1st of every month from connection X's query with configuration Y, then
send the alerts to Z" is one schedule.

The :class:`Scheduler` is started and stopped with the app (its lifespan).
Its thread looks at the schedules every ``tick`` seconds; a schedule is due
when the first run time of its cadence after its last run (or, before any
run, after it was saved) has passed -- so a server that was down runs a
missed schedule once when it is back, and a restart forgets nothing. A run
is claimed in the store first (``run_token``), so one schedule never runs
twice at once, even across servers sharing a PostgreSQL store; claims left
by a stopped server are released, with the interruption recorded, when the
next one starts.

A run is the web app's scoring run (:class:`rfmkit.web.runs.Runner`: the
``snapshot`` verb's steps, queued with the runs people start, shown among
them) followed by the ``alerts`` verb's delivery
(:func:`rfmkit.web.alerting.deliver_alerts`). Its result -- ok or the
error's message, customers, the snapshot's date, alerts sent, duration --
is kept with the schedule and shown on the Schedules page.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rfmkit.errors import ConfigError, RfmError
from rfmkit.settings import HistoryOptions, Settings
from rfmkit.store import accounts
from rfmkit.store.masking import mask_secrets
from rfmkit.web import configs, dbreads
from rfmkit.web.auth import Principal
from rfmkit.web.cadence import Cadence
from rfmkit.web.errors import NotFound, WebError
from rfmkit.web.runs import Runner
from rfmkit.web.state import WebState
from rfmkit.web.uploads import EXTENSIONS

log = logging.getLogger("rfmkit.web")

#: Seconds between two looks at the schedules.
TICK_SECONDS = 30.0
#: Seconds between two looks at a running job's progress.
POLL_SECONDS = 0.5
#: The actor of scheduled runs in the audit log and the run list.
ACTOR = "scheduler"
MAP_KEYS = Literal["customer", "date", "amount", "order", "quantity", "price", "owner"]


class Busy(WebError):
    """The schedule is running already."""

    code = "busy"
    status = 409


class Source(BaseModel):
    """Where a schedule reads: a stored connection with a table or a query, or a server file."""

    model_config = ConfigDict(extra="forbid")

    connection: str | None = Field(
        None, pattern=configs.NAME_PATTERN, description="A stored database connection's name."
    )
    table: str | None = Field(None, max_length=200, description="With connection: a table.")
    query: str | None = Field(
        None, max_length=dbreads.MAX_QUERY, description="With connection: one SELECT."
    )
    path: str | None = Field(
        None,
        max_length=1000,
        description="Instead of a connection: an absolute file path or glob on the server "
        "(.csv, .xlsx, .parquet ...).",
    )

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.connection is None) == (self.path is None):
            raise ValueError("give a connection (with a table or a query) or a file path")
        if self.path is not None and (self.table or self.query):
            raise ValueError("a file path takes no table or query")
        return self

    def check(self) -> None:
        """The table or query (one SELECT), or the path (absolute, a readable type)."""
        if self.connection is not None:
            dbreads.checked_read(self.table, self.query)
            return
        path = Path(self.path or "")
        if not path.is_absolute() or "\x00" in str(path) or path.suffix.lower() not in EXTENSIONS:
            raise ConfigError(
                f"The file path {str(path)[:200]!r} is not an absolute path to a readable file.",
                fix="Give the full path of a file or a glob on the server, e.g. "
                "/srv/exports/*.csv (types: " + ", ".join(EXTENSIONS) + ").",
            )

    def describe(self) -> str:
        if self.connection is None:
            return str(self.path)
        return f"{self.connection}: {self.table or 'query'}"


class ScheduleSpec(BaseModel):
    """What a schedule runs, when, and where its alerts go."""

    model_config = ConfigDict(extra="forbid")

    source: Source
    configuration: str | None = Field(
        None, pattern=configs.NAME_PATTERN, description="A saved configuration's name."
    )
    cadence: Cadence
    as_of: Literal["data", "run_day"] = Field(
        "data",
        description="Analysis date: data (the configuration's, else the day after the last "
        "order) or run_day (the day the schedule runs: orders before it count).",
    )
    map: dict[MAP_KEYS, str] | None = Field(
        None, description="Column names: customer, date, amount, order."
    )
    lang: Literal["zh", "en"] = "zh"
    alerts: bool = Field(False, description="Deliver the alerts after the run.")
    destination: str | None = Field(
        None, pattern=configs.NAME_PATTERN, description="Where the alerts go (a destination)."
    )
    enabled: bool = True

    @model_validator(mode="after")
    def _alerts_need_a_destination(self) -> Self:
        if self.alerts and not self.destination:
            raise ValueError("sending alerts needs a destination")
        return self


# -- defining ---------------------------------------------------------------------------


def check(state: WebState, spec: ScheduleSpec) -> None:
    """Everything a schedule names exists: its connection, configuration and destination."""
    spec.source.check()
    with state.db() as store:
        secrets = {s["name"]: s["kind"] for s in accounts.list_secrets(store)}
        config = accounts.configuration(store, spec.configuration) if spec.configuration else {}
    if config is None:
        raise NotFound(f"No configuration named {spec.configuration!r}.")
    if spec.source.connection is not None and secrets.get(spec.source.connection) != "database":
        raise NotFound(f"No database connection named {spec.source.connection!r}.")
    if spec.destination is not None and secrets.get(spec.destination) in (None, "database"):
        raise NotFound(f"No destination named {spec.destination!r}.")
    configs.run_settings(config, map=spec.map or None, lang=spec.lang)


def save(state: WebState, name: str, spec: ScheduleSpec, who: Principal, ip: str) -> None:
    """Check and keep the schedule ``name`` (replacing its definition, keeping its last run)."""
    check(state, spec)
    with state.db() as store:
        accounts.save_schedule(store, name, spec.model_dump(mode="json"), who.name)
        accounts.audit(
            store,
            who.name,
            "schedule.save",
            ip=ip,
            obj=name,
            detail=f"{spec.source.describe()}; {spec.cadence.describe()}",
        )


def delete(state: WebState, name: str, who: Principal, ip: str) -> None:
    with state.db() as store:
        if not accounts.delete_schedule(store, name):
            raise NotFound(f"No schedule named {name!r}.")
        accounts.audit(store, who.name, "schedule.delete", ip=ip, obj=name)


def find(state: WebState, name: str) -> dict[str, Any]:
    with state.db() as store:
        found = accounts.find_schedule(store, name)
    if found is None:
        raise NotFound(f"No schedule named {name!r}.", fix="See GET /api/v1/schedules.")
    return found


# -- when -------------------------------------------------------------------------------


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None else None


def next_run(row: dict[str, Any], tz: dt.tzinfo | None = None) -> dt.datetime | None:
    """When the schedule of store row ``row`` runs next (aware UTC); None when disabled."""
    spec = row["spec"]
    if not spec.get("enabled", True):
        return None
    cadence = Cadence.model_validate(spec["cadence"])
    since = [t for t in (_utc(row["last_started_at"]), _utc(row["updated_at"])) if t]
    return cadence.next_after(max(since), tz)


def view(row: dict[str, Any], tz: dt.tzinfo | None = None) -> dict[str, Any]:
    """A schedule for pages and JSON: definition, last run, its result, next run."""
    spec = ScheduleSpec.model_validate(row["spec"])
    when = next_run(row, tz)
    result = row["last_result"] or {}
    return {
        "name": row["name"],
        "spec": spec.model_dump(mode="json"),
        "source": spec.source.describe(),
        "cadence": spec.cadence.describe(),
        "created_by": row["created_by"],
        "updated_at": _iso(row["updated_at"]),
        "running": row["running_since"] is not None,
        "last_started_at": _iso(row["last_started_at"]),
        "last_finished_at": _iso(row["last_finished_at"]),
        "last_status": row["last_status"],
        "last_result": result,
        "next_run": when.isoformat() if when else None,
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(tzinfo=dt.UTC).isoformat() if value is not None else None


def listing(state: WebState, tz: dt.tzinfo | None = None) -> list[dict[str, Any]]:
    with state.db() as store:
        rows = accounts.list_schedules(store)
    return [view(row, tz) for row in rows]


# -- running ----------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Interrupted(RfmError):
    """The server stopped while a scheduled run waited for its turn."""

    code = "interrupted"
    status = 503


class Scheduler:
    """The server's own clock: runs due schedules, one copy of each at a time.

    ``clock`` (aware UTC now) and ``tz`` (the zone cadences are read in,
    default the machine's) are for tests.
    """

    def __init__(
        self,
        state: WebState,
        runner: Runner,
        *,
        tick: float = TICK_SECONDS,
        tz: dt.tzinfo | None = None,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        self.state = state
        self.runner = runner
        self.tick = tick
        self.tz = tz
        self.clock = clock
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[str, threading.Thread] = {}
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Release runs a stopped server left claimed, then look at the schedules in a thread."""
        with self.state.db() as store:
            released = accounts.release_schedules(store)
        if released:
            log.warning("%d scheduled runs were interrupted by the last stop", released)
        self._thread = threading.Thread(target=self._loop, name="rfmkit-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop looking, and wait (up to ``timeout`` each) for the runs under way."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        for thread in list(self._running.values()):
            thread.join(timeout)

    def wake(self) -> None:
        """Look at the schedules now rather than at the next tick."""
        self._wake.set()

    def running(self) -> set[str]:
        with self._lock:
            return set(self._running)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:  # keep the clock going; the next tick tries again
                log.exception("The scheduler could not look at its schedules")
            self._wake.wait(self.tick)
            self._wake.clear()

    def run_due(self) -> list[str]:
        """Start every schedule whose next run has come; the names started."""
        now = self.clock()
        with self.state.db() as store:
            rows = accounts.list_schedules(store)
        started = []
        for row in rows:
            try:
                when = next_run(row, self.tz)
            except ValueError:  # a definition this version cannot read
                log.exception("Schedule %s cannot be read", row["name"])
                continue
            if when is not None and when <= now and self._launch(row["name"]):
                started.append(row["name"])
        return started

    def run_now(self, name: str, who: Principal, ip: str) -> None:
        """Start ``name`` at once (:class:`Busy` when it is running)."""
        find(self.state, name)
        if not self._launch(name):
            raise Busy(
                f"The schedule {name!r} is running already.",
                fix="Wait for it to finish; its result appears on the Schedules page.",
            )
        with self.state.db() as store:
            accounts.audit(store, who.name, "schedule.run_now", ip=ip, obj=name)

    def _launch(self, name: str) -> bool:
        if self._stop.is_set():
            return False
        token = uuid.uuid4().hex
        with self._lock:
            if name in self._running:
                return False
            with self.state.db() as store:
                when = self.clock().replace(tzinfo=None, microsecond=0)
                if not accounts.claim_schedule(store, name, token, when):
                    return False
            thread = threading.Thread(
                target=self._execute, args=(name, token), name=f"rfmkit-schedule-{name}"
            )
            thread.daemon = True
            self._running[name] = thread
        thread.start()
        return True

    def _execute(self, name: str, token: str) -> None:
        started = self.clock().replace(tzinfo=None, microsecond=0)
        began = time.monotonic()
        try:
            status, result = self._attempt(name)
            result["duration_s"] = round(time.monotonic() - began, 3)
            with self.state.db() as store:
                accounts.finish_schedule(
                    store, name, token, started=started, status=status, result=result
                )
                accounts.audit(
                    store,
                    ACTOR,
                    "schedule.run",
                    obj=name,
                    row_count=result.get("customers"),
                    detail=f"{status}: {result.get('message') or 'ok'}",
                )
        except Exception:  # the store went away (the server stopped): the next start releases it
            log.exception("The result of schedule %s could not be recorded", name)
        finally:
            with self._lock:
                self._running.pop(name, None)

    def _attempt(self, name: str) -> tuple[str, dict[str, Any]]:
        try:
            spec = ScheduleSpec.model_validate(find(self.state, name)["spec"])
            return self._run(name, spec)
        except RfmError as exc:
            return "error", _failure(exc.to_dict())
        except Exception as exc:  # a bug: keep the scheduler up, log it, record it
            log.exception("Schedule %s failed", name)
            return "error", {"message": f"Internal error ({type(exc).__name__}).", "error": "bug"}

    def _run(self, name: str, spec: ScheduleSpec) -> tuple[str, dict[str, Any]]:
        path, settings, history = prepare(self.state, spec, self.clock().astimezone(self.tz))
        label = f"schedule {name} ({spec.source.describe()})"
        job_id = self.runner.start(path, settings, history, ACTOR, label)
        job = self._wait(job_id)
        if job["status"] != "done":
            return "error", {**_failure(job["error"] or {}), "job_id": job_id}
        done = job["result"] or {}
        result = {
            "job_id": job_id,
            "as_of": done.get("as_of"),
            "customers": done.get("customers"),
            "revenue": done.get("revenue"),
        }
        if not spec.alerts or spec.destination is None:
            return "ok", result
        return send_alerts(self.state, spec.destination, spec.lang, result)

    def _wait(self, job_id: str) -> dict[str, Any]:
        """The job once it has finished; :class:`Interrupted` if the server stops before it starts."""
        while True:
            with self.state.db() as store:
                job = accounts.find_job(store, job_id)
            if job is None or job["status"] in ("done", "failed"):
                return job or {"status": "failed", "error": {"message": "The run disappeared."}}
            if self._stop.wait(POLL_SECONDS) and job["status"] == "queued":
                raise Interrupted("The server stopped before the scheduled run started.")


def _failure(error: Mapping[str, Any]) -> dict[str, Any]:
    """What a schedule keeps of an error (``RfmError.to_dict()``): message, where, what to do."""
    details = error.get("details") or {}
    found = {
        "message": str(error.get("message") or "The run failed."),
        "error": error.get("error"),
        "file": details.get("file"),
        "fix": details.get("fix"),
    }
    return {k: mask_secrets(v) for k, v in found.items() if v is not None}


def prepare(
    state: WebState, spec: ScheduleSpec, today: dt.datetime
) -> tuple[Path | None, Settings, HistoryOptions]:
    """What the run reads and its settings: the configuration, the mapping, the source."""
    config = configs.load(state, spec.configuration) if spec.configuration else {}
    as_of = today.date() if spec.as_of == "run_day" else None
    settings = configs.run_settings(config, map=spec.map or None, lang=spec.lang, as_of=as_of)
    history = configs.run_history(config)
    source = spec.source
    source.check()
    if source.connection is None:
        return Path(source.path or ""), settings, history
    url = dbreads.database_url(state, source.connection)
    table, query = dbreads.checked_read(source.table, source.query)
    update = {"from_db": url, "table": table, "query": query}
    return None, settings.model_copy(update=update), history


def send_alerts(
    state: WebState, destination: str, lang: str, result: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Deliver the latest alerts to ``destination``; the run's status and result with them."""
    from rfmkit.web.alerting import deliver_alerts
    from rfmkit.web.people import Actor

    robot = Principal(ACTOR, "admin", frozenset(), "scheduler")
    sent = deliver_alerts(state, [destination], Actor(robot, "-"), lang)
    result = {**result, "alerts": sent["alerts"], "sent": sent["sent"], "destination": destination}
    if sent["ok"]:
        return "ok", result
    failed = [m for m in sent["messages"] if m["status"] not in ("delivered", "digest")]
    detail = failed[0]["detail"] if failed else ""
    message = f"The snapshot was saved, but {len(failed)} alert messages were not delivered"
    return "error", {**result, "message": mask_secrets(f"{message}: {detail}"[:500])}


# -- the Schedules form -------------------------------------------------------------------

#: Mapping fields of the Schedules form.
FORM_MAP = ("customer", "date", "amount", "order")


def spec_from_form(form: Mapping[str, Any]) -> ScheduleSpec:
    """A schedule from the Schedules form's fields (a ConfigError naming the first bad one)."""

    def text(key: str) -> str:
        return str(form.get(key) or "").strip()

    if text("source_kind") == "path":
        source: dict[str, Any] = {"path": text("path") or None}
    else:
        source = {k: text(k) or None for k in ("connection", "table", "query")}
    cadence: dict[str, Any] = {"every": text("every") or "daily", "cron": text("cron") or None}
    cadence.update({k: text(k) for k in ("hour", "minute", "weekday", "day") if text(k)})
    mapping = {f: text(f"map_{f}") for f in FORM_MAP if text(f"map_{f}")}
    data = {
        "source": source,
        "configuration": text("configuration") or None,
        "cadence": cadence,
        "as_of": text("as_of") or "data",
        "map": mapping or None,
        "lang": text("lang") or "zh",
        "alerts": bool(form.get("alerts")),
        "destination": text("destination") or None,
        "enabled": bool(form.get("enabled")),
    }
    try:
        return ScheduleSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "schedule"
        raise ConfigError(
            f"Invalid {where}: {first['msg']}.", fix="Correct the field and save again."
        ) from None


def form_values(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The Schedules form's fields of a stored definition (see :func:`spec_from_form`)."""
    source = spec.get("source", {})
    values: dict[str, Any] = {
        "source_kind": "path" if source.get("path") else "connection",
        **{k: v for k, v in source.items() if v},
        **{k: v for k, v in spec.get("cadence", {}).items() if v is not None},
        **{f"map_{k}": v for k, v in (spec.get("map") or {}).items()},
    }
    for key in ("configuration", "as_of", "lang", "alerts", "destination", "enabled"):
        values[key] = spec.get(key)
    return values


def shown(iso: str | None, tz: dt.tzinfo | None = None) -> str:
    """An ISO time as ``YYYY-MM-DD HH:MM`` on the server's clock (empty for None)."""
    if not iso:
        return ""
    return dt.datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def zone_name(tz: dt.tzinfo | None = None) -> str:
    return dt.datetime.now(dt.UTC).astimezone(tz).tzname() or "local"
