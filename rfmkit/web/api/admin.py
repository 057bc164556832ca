"""Administration: the audit log, encrypted connections and destinations, saved configurations."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from rfmkit.store import accounts
from rfmkit.web import services
from rfmkit.web.api.common import Admin, Reader, errors
from rfmkit.web.auth import check_csrf, client_ip, state_of

router = APIRouter(tags=["administration"])


@router.get("/me", summary="Who the caller is, and what they may do")
def me(who: Reader) -> dict[str, Any]:
    return {"name": who.name, "role": who.role, "scopes": sorted(who.scopes), "via": who.via}


@router.get("/audit", summary="The audit log, newest first (admins)")
def audit(
    request: Request,
    who: Admin,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    with state_of(request).db() as store:
        rows = accounts.audit_rows(store, limit, offset)
    return [services.job_dict(r) for r in rows]


@router.get("/audit.csv", summary="The audit log as CSV (admins)", response_class=Response)
def audit_csv(request: Request, who: Admin) -> Response:
    with state_of(request).db() as store:
        rows = accounts.audit_rows(store, 1_000_000)
        accounts.audit(
            store, who.name, "export", ip=client_ip(request), obj="audit log", row_count=len(rows)
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(accounts.AUDIT_COLUMNS))
    writer.writeheader()
    writer.writerows(services.job_dict(r) for r in rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="rfmkit-audit.csv"'},
    )


class Connection(BaseModel):
    """A database connection or a delivery destination; its secrets are stored encrypted."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    kind: Literal["database", "webhook"]
    url: str = Field(..., min_length=1, max_length=2000)
    secret: str | None = Field(None, max_length=500, description="A webhook's signing secret.")


@router.get("/connections", summary="Defined connections and destinations: names only (admins)")
def connections(request: Request, who: Admin) -> list[dict[str, Any]]:
    with state_of(request).db() as store:
        return [services.job_dict(s) for s in accounts.list_secrets(store)]


@router.post(
    "/connections",
    status_code=201,
    summary="Define a connection or destination, stored encrypted (admins)",
    responses=errors(400),
)
def add_connection(request: Request, body: Connection, who: Admin) -> dict[str, Any]:
    check_csrf(request, who, None)
    services.add_connection(
        state_of(request), body.name, body.kind, body.url, body.secret, who, client_ip(request)
    )
    return {"name": body.name, "kind": body.kind}


@router.get("/configurations", summary="Saved named configurations")
def configurations(request: Request, who: Reader) -> dict[str, Any]:
    with state_of(request).db() as store:
        return accounts.configurations(store)
