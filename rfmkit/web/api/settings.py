"""Named configurations, schedules and database reads.

Reading needs the ``read`` scope; changing a configuration or a schedule
needs ``admin``; reading a database (for a check and a run) needs
``activate``, like an upload.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from rfmkit.web import configs, dbreads, schedules
from rfmkit.web.api.common import Admin, Reader, Runner, errors
from rfmkit.web.auth import check_csrf, client_ip, state_of
from rfmkit.web.schedules import ScheduleSpec

router = APIRouter(tags=["configurations and schedules"])
Name = Annotated[str, Path(pattern=configs.NAME_PATTERN, description="Letters, digits, _ . -")]


@router.get("/configurations/{name}", summary="One saved configuration", responses=errors(404))
def configuration(request: Request, name: Name, who: Reader) -> dict[str, Any]:
    return {"name": name, "settings": configs.load(state_of(request), name)}


@router.put(
    "/configurations/{name}",
    summary="Save a named configuration, validated as the CLI validates settings (admins)",
    responses=errors(400),
)
def save_configuration(
    request: Request, name: Name, body: configs.Configuration, who: Admin
) -> dict[str, Any]:
    check_csrf(request, who, None)
    values = body.model_dump(exclude_none=True)
    saved = configs.save(state_of(request), name, values, who.name, client_ip(request))
    return {"name": name, "settings": saved}


@router.delete(
    "/configurations/{name}", summary="Forget a configuration (admins)", responses=errors(404)
)
def delete_configuration(request: Request, name: Name, who: Admin) -> dict[str, Any]:
    check_csrf(request, who, None)
    configs.delete(state_of(request), name, who.name, client_ip(request))
    return {"name": name, "deleted": True}


@router.get("/schedules", summary="Schedules with their last run, its result and the next run")
def list_schedules(request: Request, who: Reader) -> list[dict[str, Any]]:
    return schedules.listing(state_of(request), request.app.state.scheduler.tz)


@router.get("/schedules/{name}", summary="One schedule", responses=errors(404))
def get_schedule(request: Request, name: Name, who: Reader) -> dict[str, Any]:
    found = schedules.find(state_of(request), name)
    return schedules.view(found, request.app.state.scheduler.tz)


@router.put(
    "/schedules/{name}",
    summary="Define or change a schedule (admins)",
    responses=errors(400, 404),
)
def save_schedule(request: Request, name: Name, body: ScheduleSpec, who: Admin) -> dict[str, Any]:
    check_csrf(request, who, None)
    state = state_of(request)
    schedules.save(state, name, body, who, client_ip(request))
    return get_schedule(request, name, who)


@router.delete("/schedules/{name}", summary="Delete a schedule (admins)", responses=errors(404))
def delete_schedule(request: Request, name: Name, who: Admin) -> dict[str, Any]:
    check_csrf(request, who, None)
    schedules.delete(state_of(request), name, who, client_ip(request))
    return {"name": name, "deleted": True}


@router.post(
    "/schedules/{name}/run",
    status_code=202,
    summary="Run a schedule now (admins)",
    responses=errors(404, 409),
)
def run_schedule(request: Request, name: Name, who: Admin) -> dict[str, Any]:
    check_csrf(request, who, None)
    request.app.state.scheduler.run_now(name, who, client_ip(request))
    return {"name": name, "status": "started"}


class DatabaseRead(BaseModel):
    """A stored connection and a table or one SELECT (never a URL)."""

    model_config = ConfigDict(extra="forbid")

    connection: str = Field(..., pattern=configs.NAME_PATTERN)
    table: str | None = Field(None, max_length=200, description="NAME or SCHEMA.NAME.")
    query: str | None = Field(None, max_length=dbreads.MAX_QUERY, description="One SELECT.")


@router.post(
    "/database-reads",
    status_code=201,
    summary="Read a table or a SELECT from a stored database connection, read-only; "
    "check and run it like an upload (its upload_id)",
    responses=errors(400, 404),
)
def database_read(request: Request, body: DatabaseRead, who: Runner) -> dict[str, Any]:
    check_csrf(request, who, None)
    state = state_of(request)
    made = dbreads.new_read(state, body.connection, body.table, body.query, who, client_ip(request))
    return {"upload_id": made.upload_id, "name": made.name, "database": made.database}
