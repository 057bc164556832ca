"""Uploads and runs: send a file, check its columns and quality, score it in the background."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from fastapi import APIRouter, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from rfmkit.settings import HistoryOptions, Settings
from rfmkit.store import accounts
from rfmkit.web import configs, services
from rfmkit.web.api.common import Reader, Runner, errors
from rfmkit.web.auth import check_csrf, client_ip, state_of
from rfmkit.web.errors import NotFound
from rfmkit.web.state import WebState

router = APIRouter(tags=["runs"])


class RunSettings(BaseModel):
    """The settings of a run, by the names of the CLI and the config file."""

    model_config = ConfigDict(extra="forbid")

    as_of: dt.date | None = Field(
        None, description="Analysis date (default: day after the last order)."
    )
    scheme: str | None = Field(None, description="Segment scheme: cn8, classic11, value4, tier5.")
    method: Literal["quantile", "thresholds"] | None = None
    levels: int | None = Field(None, ge=3, le=10)
    weights: str | None = Field(None, description="R,F,M weights (1,2,1) or a preset.")
    split: Literal["mean", "median"] | None = None
    lang: Literal["zh", "en"] | None = None
    map: dict[str, str] | None = Field(
        None, description="Column names: customer, date, amount, order."
    )
    keep_duplicates: bool | None = None
    breakpoints_mode: Literal["frozen", "refit"] | None = None
    configuration: str | None = Field(
        None,
        pattern=configs.NAME_PATTERN,
        description="A saved configuration to start from; the values given here override it.",
    )

    def settings(self, base: Mapping[str, Any] | None = None) -> Settings:
        exclude = {"breakpoints_mode", "upload_id", "configuration"}
        given = self.model_dump(exclude=exclude, exclude_none=True)
        if self.scheme is not None and not services.is_shipped_scheme(self.scheme):
            services.refuse_scheme(self.scheme)
        return configs.run_settings(base or {}, **given)

    def history(self, base: Mapping[str, Any] | None = None) -> HistoryOptions:
        return configs.run_history(base or {}, self.breakpoints_mode)

    def resolved(self, state: WebState) -> tuple[Settings, HistoryOptions]:
        """The settings and history settings, over the saved configuration when one is named."""
        base = configs.load(state, self.configuration) if self.configuration else {}
        return self.settings(base), self.history(base)


class RunRequest(RunSettings):
    upload_id: str = Field(..., description="The id returned by POST /api/v1/uploads.")


@router.post(
    "/uploads", status_code=201, summary="Upload a file of orders", responses=errors(413, 415)
)
def upload(request: Request, file: UploadFile, who: Runner) -> dict[str, Any]:
    check_csrf(request, who, None)
    state = state_of(request)
    saved = services.save_upload(state, file, who, client_ip(request))
    return {"upload_id": saved.upload_id, "name": saved.name, "size": saved.size}


@router.post(
    "/uploads/{upload_id}/check",
    summary="Detected column mapping, a preview and the data-quality report",
    responses=errors(404),
)
def check(request: Request, upload_id: str, body: RunSettings, who: Runner) -> dict[str, Any]:
    check_csrf(request, who, None)
    state = state_of(request)
    return services.check_upload(state, upload_id, body.resolved(state)[0]).to_dict()


@router.post(
    "/runs", status_code=202, summary="Score an upload in the background", responses=errors(404)
)
def start_run(request: Request, body: RunRequest, who: Runner) -> dict[str, Any]:
    check_csrf(request, who, None)
    state = state_of(request)
    settings, history = body.resolved(state)
    job_id = services.start_run(
        request.app.state.runner,
        state,
        body.upload_id,
        settings,
        history,
        who,
        client_ip(request),
    )
    return {"job_id": job_id, "status": "queued", "progress": 0.0}


@router.get("/runs", summary="Recent runs, newest first")
def list_runs(request: Request, who: Reader) -> list[dict[str, Any]]:
    with state_of(request).db() as store:
        return [services.job_dict(j) for j in accounts.list_jobs(store)]


@router.get("/runs/{job_id}", summary="A run's progress and result", responses=errors(404))
def get_run(request: Request, job_id: str, who: Reader) -> dict[str, Any]:
    with state_of(request).db() as store:
        job = accounts.find_job(store, job_id)
    if job is None:
        raise NotFound(f"No run {job_id!r}.")
    return services.job_dict(job)


@router.post(
    "/uploads/{upload_id}/contacts",
    summary="Use an upload as the contacts (customer id, phone, email)",
    responses=errors(404),
)
def contacts(request: Request, upload_id: str, who: Runner) -> dict[str, Any]:
    check_csrf(request, who, None)
    count = services.load_contacts(state_of(request), upload_id, who, client_ip(request))
    return {"customers": count}
