"""A snapshot's predictions; audiences' members, exports and creation; the list of campaigns."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from rfmkit.web import insights, queries
from rfmkit.web.api.common import Exporter, Lang, Page, PerPage, Reader, download, errors
from rfmkit.web.auth import Principal, check_csrf, client_ip, requires, state_of
from rfmkit.web.exports import Contacts, Format
from rfmkit.web.people import Actor

router = APIRouter()
Marketer = Annotated[Principal, requires("activate", "marketer")]
AudienceName = Annotated[str, Path(min_length=1, max_length=64)]


class NewAudience(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=64, description="Letters, digits, - and _.")
    as_of: str | None = Field(None, max_length=20, description="The snapshot (default: latest).")
    segment: list[Annotated[str, Field(max_length=64)]] = Field(
        ..., min_length=1, max_length=20, description="Segment keys to take."
    )


@router.get(
    "/snapshots/{as_of}/predictions",
    tags=["snapshots"],
    summary="A snapshot's predictions: P(alive), expected purchases, CLV by segment, top customers",
    responses=errors(404),
)
def predictions(request: Request, as_of: str, who: Reader, lang: Lang = "zh") -> dict[str, Any]:
    state = state_of(request)
    with state.db() as store:
        info = queries.snapshot_info(store, as_of)
    return insights.predictions(state, info, lang).to_dict()


@router.post(
    "/audiences",
    status_code=201,
    tags=["audiences and campaigns"],
    summary="Freeze the customers of segments of a snapshot as an audience",
    responses=errors(400, 404),
)
def create_audience(request: Request, body: NewAudience, who: Marketer) -> dict[str, Any]:
    check_csrf(request, who, None)
    by = Actor(who, client_ip(request))
    return insights.create_audience(state_of(request), body.name, body.as_of, body.segment, by)


@router.get(
    "/audiences/{name}/members",
    tags=["audiences and campaigns"],
    summary="An audience's customers, paged by spend (phone and email masked for viewers)",
    responses=errors(404),
)
def audience_members(
    request: Request,
    name: AudienceName,
    who: Reader,
    page: Page = 1,
    per_page: PerPage = 50,
    lang: Lang = "zh",
) -> dict[str, Any]:
    found = insights.audience_page(
        state_of(request), name, page=page, per_page=per_page, pii=who.sees_pii, lang=lang
    )
    return found.to_dict()


@router.get(
    "/audiences/{name}/export",
    tags=["exports"],
    summary="Download an audience as CSV or Excel (suppressed customers left out)",
    response_class=FileResponse,
    responses=errors(404),
)
def export_audience(
    request: Request,
    name: AudienceName,
    who: Exporter,
    format: Format = "csv",
    contacts: Contacts = "none",
) -> FileResponse:
    state = state_of(request)
    done = insights.export_audience(state, name, who, client_ip(request), format, contacts)
    return download(done.path, f"rfmkit-audience-{name}.{format}")


@router.get(
    "/campaigns",
    tags=["audiences and campaigns"],
    summary="Every campaign with its groups and latest measurement against the holdout",
)
def campaigns(request: Request, who: Reader, lang: Lang = "zh") -> list[dict[str, Any]]:
    return insights.campaigns(state_of(request), lang)
