"""Snapshots, their segments and members, the history and the alerts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from rfmkit.web import queries, views
from rfmkit.web.api.common import Lang, Page, PerPage, Reader, errors
from rfmkit.web.auth import state_of

router = APIRouter(tags=["snapshots"])


@router.get("/snapshots", summary="Every stored snapshot, newest first")
def list_snapshots(request: Request, who: Reader) -> list[dict[str, Any]]:
    return [queries.snapshot_dict(s) for s in reversed(state_of(request).snapshots())]


@router.get(
    "/snapshots/{as_of}",
    summary="A snapshot's key figures and segments ('latest' for the newest)",
    responses=errors(404),
)
def get_snapshot(request: Request, as_of: str, who: Reader, lang: Lang = "zh") -> dict[str, Any]:
    state = state_of(request)
    info = queries.pick_snapshot(state.snapshots(), as_of)
    return views.overview(state, info, lang).to_dict()


@router.get(
    "/snapshots/{as_of}/segments",
    summary="The segments of a snapshot: customers, revenue, recommended action",
    responses=errors(404),
)
def segments(request: Request, as_of: str, who: Reader, lang: Lang = "zh") -> list[dict[str, Any]]:
    return get_snapshot(request, as_of, who, lang)["segments"]


@router.get(
    "/snapshots/{as_of}/segments/{segment}/members",
    summary="A segment's customers, sorted and paged (phone and email masked for viewers)",
    responses=errors(404),
)
def members(
    request: Request,
    as_of: str,
    segment: str,
    who: Reader,
    page: Page = 1,
    per_page: PerPage = 50,
    sort: queries.SortKey = "monetary",
    desc: bool = True,
    q: Annotated[str | None, Query(max_length=100, description="Part of a customer id.")] = None,
) -> dict[str, Any]:
    state = state_of(request)
    info = queries.pick_snapshot(state.snapshots(), as_of)
    found = queries.members(
        state.reader(),
        info,
        segment=segment,
        q=q,
        sort=sort,
        desc=desc,
        page=page,
        per_page=per_page,
        pii=who.sees_pii,
        cache=state.listings,
        contacts=state.has_contacts(),
    )
    return {"as_of": info.as_of.isoformat(), "segment": segment, **found.to_dict()}


@router.get(
    "/history",
    summary="Snapshots, the latest migration, the trend and alerts",
    responses=errors(404),
)
def history(request: Request, who: Reader, lang: Lang = "zh") -> dict[str, Any]:
    return views.history(state_of(request), lang).to_dict()


@router.get(
    "/alerts",
    summary="The alerts of the latest snapshot against the one before",
    responses=errors(404),
)
def alerts(request: Request, who: Reader, lang: Lang = "zh") -> list[dict[str, Any]]:
    return views.history(state_of(request), lang).alerts
