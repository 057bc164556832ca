"""The Settings and Schedules screens: named configurations, and the jobs the server runs.

Analysts and admins see both; only admins change them (as in the API). Every
form carries the session's CSRF token; a refused form comes back with its
values and the reason.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from rfmkit.errors import ConfigError, RfmError
from rfmkit.scheme import shipped_schemes
from rfmkit.store import accounts
from rfmkit.web import configs, dbreads, schedules
from rfmkit.web.api.common import Admin, Runner
from rfmkit.web.auth import check_csrf, client_ip, state_of
from rfmkit.web.render import lang_of, render

router = APIRouter()


# -- configurations -------------------------------------------------------------------------


def _settings(
    request: Request,
    status: int = 200,
    *,
    edit: str | None = None,
    values: dict[str, Any] | None = None,
    error: RfmError | None = None,
    saved: str | None = None,
) -> Response:
    with state_of(request).db() as store:
        found = accounts.configurations(store)
    if values is None:
        values = configs.form_values(found[edit]) if edit in found else {}
    return render(
        request,
        "settings.html",
        status,
        configurations=found,
        edit=edit,
        values=values,
        error=error,
        saved=saved,
        schemes=shipped_schemes(),
        presets=configs.weight_presets(lang_of(request)),
        metrics=configs.METRICS,
    )


@router.get("/settings")
def settings_page(
    request: Request, who: Runner, edit: str | None = None, saved: str | None = None
) -> Response:
    return _settings(request, edit=edit, saved=saved)


@router.post("/settings")
async def save_configuration(request: Request, who: Admin) -> Response:
    form = await request.form()
    check_csrf(request, who, str(form.get("csrf_token", "")))
    name = str(form.get("name") or "").strip()
    try:
        _check_name(name)
        values = configs.parse_form(form)
        configs.save(state_of(request), name, values, who.name, client_ip(request))
    except RfmError as exc:
        raw = {k: str(v) for k, v in form.items() if k != "csrf_token"}
        return _settings(request, exc.status, edit=name or None, values=raw, error=exc)
    return RedirectResponse(f"/settings?saved={quote(name)}", status_code=303)


@router.post("/settings/{name}/delete")
async def delete_configuration(request: Request, name: str, who: Admin) -> Response:
    form = await request.form()
    check_csrf(request, who, str(form.get("csrf_token", "")))
    configs.delete(state_of(request), name, who.name, client_ip(request))
    return RedirectResponse("/settings", status_code=303)


def _check_name(name: str) -> None:
    if not re.match(configs.NAME_PATTERN, name):
        raise ConfigError(
            f"Invalid name {name[:80]!r}.",
            fix="Use 1 to 64 letters, digits, _ . or - (no spaces).",
        )


# -- schedules ------------------------------------------------------------------------------


def _rows(request: Request) -> list[dict[str, Any]]:
    tz = request.app.state.scheduler.tz
    rows = schedules.listing(state_of(request), tz)
    for row in rows:
        row["next_shown"] = schedules.shown(row["next_run"], tz)
        row["last_shown"] = schedules.shown(row["last_started_at"], tz)
    return rows


def _schedules(
    request: Request,
    status: int = 200,
    *,
    edit: str | None = None,
    values: dict[str, Any] | None = None,
    error: RfmError | None = None,
    started: str | None = None,
) -> Response:
    state = state_of(request)
    rows = _rows(request)
    if values is None:
        current = next((r for r in rows if r["name"] == edit), None)
        values = schedules.form_values(current["spec"]) if current else {"enabled": True}
    with state.db() as store:
        secrets = accounts.list_secrets(store)
    return render(
        request,
        "schedules.html",
        status,
        rows=rows,
        edit=edit,
        values=values,
        error=error,
        started=started,
        connections=dbreads.connection_names(state),
        destinations=[s["name"] for s in secrets if s["kind"] != "database"],
        configurations=configs.names(state),
        zone=schedules.zone_name(request.app.state.scheduler.tz),
        map_fields=schedules.FORM_MAP,
    )


@router.get("/schedules")
def schedules_page(
    request: Request, who: Runner, edit: str | None = None, started: str | None = None
) -> Response:
    return _schedules(request, edit=edit, started=started)


@router.get("/schedules/table")
def schedules_table(request: Request, who: Runner) -> Response:
    """The list alone (the page reloads it while a schedule runs)."""
    return render(request, "schedules_table.html", rows=_rows(request))


@router.post("/schedules")
async def save_schedule(request: Request, who: Admin) -> Response:
    form = await request.form()
    check_csrf(request, who, str(form.get("csrf_token", "")))
    name = str(form.get("name") or "").strip()
    try:
        _check_name(name)
        spec = schedules.spec_from_form(form)
        schedules.save(state_of(request), name, spec, who, client_ip(request))
    except RfmError as exc:
        raw = {k: str(v) for k, v in form.items() if k != "csrf_token"}
        return _schedules(request, exc.status, edit=name or None, values=raw, error=exc)
    return RedirectResponse("/schedules", status_code=303)


@router.post("/schedules/{name}/delete")
async def delete_schedule(request: Request, name: str, who: Admin) -> Response:
    form = await request.form()
    check_csrf(request, who, str(form.get("csrf_token", "")))
    schedules.delete(state_of(request), name, who, client_ip(request))
    return RedirectResponse("/schedules", status_code=303)


@router.post("/schedules/{name}/run")
async def run_schedule(request: Request, name: str, who: Admin) -> Response:
    form = await request.form()
    check_csrf(request, who, str(form.get("csrf_token", "")))
    request.app.state.scheduler.run_now(name, who, client_ip(request))
    return RedirectResponse(f"/schedules?started={quote(name)}", status_code=303)
