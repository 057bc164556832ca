"""The data pages: upload or read a database, the detected mapping (editable) with the quality
report, the run (from a saved configuration, if chosen)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from rfmkit.errors import RfmError
from rfmkit.scheme import shipped_schemes
from rfmkit.settings import build_settings
from rfmkit.store import accounts
from rfmkit.web import configs, dbreads, services
from rfmkit.web.api.common import Reader, Runner
from rfmkit.web.auth import check_csrf, client_ip, state_of
from rfmkit.web.errors import NotFound
from rfmkit.web.render import lang_of, render
from rfmkit.web.uploads import find_upload

router = APIRouter()
#: The fields a person can map on the check page.
FIELDS = ("customer", "date", "amount", "order")


def _data(request: Request, status: int = 200, **context: Any) -> Response:
    state = state_of(request)
    with state.db() as store:
        jobs = [services.job_dict(j) for j in accounts.list_jobs(store, 20)]
    return render(
        request,
        "data.html",
        status,
        jobs=jobs,
        max_mb=state.options.max_upload_mb,
        connections=dbreads.connection_names(state),
        **context,
    )


@router.get("/data")
def data_page(request: Request, who: Runner) -> Response:
    return _data(request, read={}, error=None)


@router.post("/data/database")
async def database_read(request: Request, who: Runner) -> Response:
    """Read a table or a SELECT from a stored connection, then check it like an upload."""
    form = await request.form()
    check_csrf(request, who, str(form.get("csrf_token", "")))
    given = {k: str(form.get(k) or "") for k in ("connection", "table", "query")}
    try:
        made = dbreads.new_read(
            state_of(request),
            given["connection"],
            given["table"],
            given["query"],
            who,
            client_ip(request),
        )
    except RfmError as exc:
        return _data(request, exc.status, read=given, error=exc)
    return RedirectResponse(f"/data/{made.upload_id}", status_code=303)


@router.post("/data/upload")
def upload(
    request: Request,
    file: UploadFile,
    who: Runner,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, who, csrf_token)
    saved = services.save_upload(state_of(request), file, who, client_ip(request))
    return RedirectResponse(f"/data/{saved.upload_id}", status_code=303)


def _mapping(params: Any) -> dict[str, str]:
    given = {f: str(params.get(f"map_{f}", "")).strip() for f in FIELDS}
    return {f: c for f, c in given.items() if c}


@router.get("/data/{upload_id}")
def check_page(request: Request, upload_id: str, who: Runner) -> Response:
    state = state_of(request)
    found = find_upload(state.data_dir / "uploads", upload_id)
    mapping = _mapping(request.query_params)
    checked, error = None, None
    try:
        settings = build_settings(map=mapping or None, lang=lang_of(request))
        checked = services.check_upload(state, upload_id, settings)
        mapping = {f: checked.mapping[f] for f in FIELDS if f in checked.mapping}
    except RfmError as exc:
        error = exc
    return render(
        request,
        "check.html",
        422 if error else 200,
        upload=found,
        mapping=mapping,
        fields=FIELDS,
        checked=checked,
        error=error,
        schemes=shipped_schemes(),
        configurations=configs.names(state),
    )


@router.post("/data/{upload_id}/run")
async def run(request: Request, upload_id: str, who: Runner) -> Response:
    form = await request.form()
    check_csrf(request, who, str(form.get("csrf_token", "")))
    scheme = str(form.get("scheme") or "") or None
    if scheme is not None and not services.is_shipped_scheme(scheme):
        services.refuse_scheme(scheme)
    state = state_of(request)
    chosen = str(form.get("configuration") or "")
    config = configs.load(state, chosen) if chosen else {}
    settings = configs.run_settings(
        config,
        map=_mapping(form) or None,
        as_of=str(form.get("as_of") or "") or None,
        scheme=scheme,
        lang=lang_of(request),
    )
    job_id = services.start_run(
        request.app.state.runner,
        state,
        upload_id,
        settings,
        configs.run_history(config),
        who,
        client_ip(request),
    )
    return RedirectResponse(f"/runs/{job_id}", status_code=303)


def _job(request: Request, job_id: str) -> dict[str, Any]:
    with state_of(request).db() as store:
        job = accounts.find_job(store, job_id)
    if job is None:
        raise NotFound(f"No run {job_id!r}.")
    return services.job_dict(job)


@router.get("/runs/{job_id}")
def run_page(request: Request, job_id: str, who: Reader) -> Response:
    return render(request, "run.html", job=_job(request, job_id))


@router.get("/runs/{job_id}/progress")
def run_progress(request: Request, job_id: str, who: Reader) -> Response:
    return render(request, "run_progress.html", job=_job(request, job_id))


@router.post("/data/{upload_id}/contacts")
async def use_as_contacts(request: Request, upload_id: str, who: Runner) -> Response:
    form = await request.form()
    check_csrf(request, who, str(form.get("csrf_token", "")))
    services.load_contacts(state_of(request), upload_id, who, client_ip(request))
    return RedirectResponse("/data", status_code=303)
