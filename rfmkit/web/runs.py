"""Scoring runs in the background: one worker thread, progress kept in the store's job table.

A run scores an uploaded file with the same verb as ``rfmkit snapshot``
(:func:`rfmkit.verbs.score.score_with`, score edges frozen to the reference
snapshot's unless ``breakpoints_mode="refit"``) and keeps the result as the
snapshot of its ``as_of``. Scoring runs on its own engine, outside the
store's lock, so pages stay responsive; only the reference look-up and the
final save hold the store. A person can leave the page and come back: the
job row says where the run is, and what it produced or why it failed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rfmkit.errors import RfmError
from rfmkit.settings import HistoryOptions, Settings
from rfmkit.store import accounts
from rfmkit.web.dbreads import database_errors
from rfmkit.web.state import WebState

log = logging.getLogger("rfmkit.web")

#: The steps of a run, in order, and how far along each one starts.
STEPS = ("queued", "load", "metrics", "scores", "lifecycle", "summary", "save", "done")


def progress_of(step: str) -> float:
    return STEPS.index(step) / (len(STEPS) - 1) if step in STEPS else 0.0


class Runner:
    """The app's run queue (one run at a time, in order)."""

    def __init__(self, state: WebState) -> None:
        self.state = state
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rfmkit-run")

    def start(
        self,
        path: Path | None,
        settings: Settings,
        history: HistoryOptions,
        by: str,
        source: str,
        ip: str | None = None,
    ) -> str:
        """Queue a run of ``path`` (None: the database named in ``settings``); its job id."""
        job_id = uuid.uuid4().hex
        with self.state.db() as store:
            accounts.add_job(store, job_id, "score", by)
        self._pool.submit(self._run, job_id, path, settings, history, (by, ip), source)
        return job_id

    def submit(self, work: Callable[[], Any]) -> Future[Any]:
        return self._pool.submit(work)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _step(self, job_id: str, step: str) -> None:
        with self.state.db() as store:
            accounts.update_job(
                store, job_id, status="running", progress=progress_of(step), step=step
            )

    def _run(
        self,
        job_id: str,
        path: Path | None,
        settings: Settings,
        history: HistoryOptions,
        who: tuple[str, str | None],
        source: str,
    ) -> None:
        by, ip = who
        try:
            with database_errors(settings):
                result = self._score(job_id, path, settings, history)
        except RfmError as exc:
            self._failed(job_id, exc.to_dict())
            return
        except Exception as exc:  # a bug: keep the server up, log it, tell the person
            log.exception("Run %s failed", job_id)
            self._failed(job_id, {"ok": False, "error": "internal_error", "message": repr(exc)})
            return
        with self.state.db() as store:
            accounts.update_job(
                store, job_id, status="done", progress=1.0, step="done", result=result
            )
            accounts.audit(
                store,
                by,
                "run",
                ip=ip,
                obj=f"snapshot {result['as_of']} from {source}",
                row_count=result["customers"],
            )
        self.state.cache.clear()

    def _failed(self, job_id: str, error: dict[str, Any]) -> None:
        with self.state.db() as store:
            accounts.update_job(store, job_id, status="failed", progress=1.0, error=error)

    def _score(
        self, job_id: str, path: Path | None, settings: Settings, history: HistoryOptions
    ) -> dict[str, Any]:
        from rfmkit.verbs.score import score_with
        from rfmkit.verbs.snapshot import reference_breakpoints

        self._step(job_id, "load")
        with self.state.db() as store:
            frozen, reference = reference_breakpoints(store, settings, history, [settings.as_of])
        result = score_with(
            str(path) if path is not None else None,
            settings,
            progress=lambda step: self._step(job_id, step),
            verb="snapshot",
            breakpoints=frozen,
        )
        self._step(job_id, "save")
        record = result.record.to_dict()
        record["breakpoints_mode"] = history.breakpoints_mode
        record["breakpoints_reference"] = reference.isoformat() if reference else None
        customers = result.customers.to_pyarrow()
        with self.state.db() as store:
            info = store.save_snapshot(
                customers,
                record,
                as_of=result.as_of,
                scheme=result.scheme,
                breakpoints_mode=history.breakpoints_mode,
            )
        return {
            "as_of": info.as_of.isoformat(),
            "customers": info.customers,
            "revenue": info.revenue,
            "scheme": info.scheme,
            "warnings": list(result.warnings),
            "rows": dict(result.record.rows or {}),
        }
