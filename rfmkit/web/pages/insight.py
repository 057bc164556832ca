"""Insight pages: a snapshot's predictions, the audiences and their members, the campaigns."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from rfmkit.errors import RfmError
from rfmkit.web import insights, queries
from rfmkit.web.api.common import Reader
from rfmkit.web.auth import Principal, check_csrf, client_ip, requires, state_of
from rfmkit.web.people import Actor
from rfmkit.web.render import lang_of, render

router = APIRouter()
Marketer = Annotated[Principal, requires("activate", "marketer")]
#: Members per page of an audience.
PER_PAGE = 50


@router.get("/predictions")
def predictions_page(request: Request, who: Reader, as_of: str | None = None) -> Response:
    state = state_of(request)
    with state.db() as store:
        found = store.snapshots()
        if not found:
            return render(request, "empty.html")
        info = queries.snapshot_info(store, as_of)
    view = (
        insights.predictions(state, info, lang_of(request))
        if insights.has_predictions(info)
        else None
    )
    snapshots = [queries.snapshot_dict(s) for s in reversed(found)]
    return render(
        request, "predictions.html", view=view, snapshots=snapshots, as_of=info.as_of.isoformat()
    )


def _audiences_page(
    request: Request, who: Principal, status: int = 200, **context: Any
) -> Response:
    state = state_of(request)
    lang = lang_of(request)
    with state.db() as store:
        latest = store.latest(1)
    segments = []
    if latest:
        labels = queries.segment_labels(latest[0].scheme, lang)
        segments = [{"key": k, "label": labels.get(k, k)} for k in latest[0].segment_order]
    return render(
        request,
        "audiences.html",
        status,
        audiences=insights.audiences(state, lang),
        segments=segments,
        latest=latest[0].as_of.isoformat() if latest else None,
        can_create=bool(latest) and who.can("activate") and who.at_least("marketer"),
        **{"error": None, "form": {}, **context},
    )


@router.get("/audiences")
def audiences_page(request: Request, who: Reader) -> Response:
    return _audiences_page(request, who)


@router.post("/audiences")
def create_audience(
    request: Request,
    who: Marketer,
    name: Annotated[str, Form(max_length=64)],
    segment: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, who, csrf_token)
    by = Actor(who, client_ip(request))
    try:
        if not segment:
            from rfmkit.errors import ConfigError

            raise ConfigError("Choose at least one segment.", fix="Tick the segments to take.")
        made = insights.create_audience(state_of(request), name, None, segment, by)
    except RfmError as exc:
        form = {"name": name, "segments": segment}
        return _audiences_page(request, who, exc.status, error=exc, form=form)
    from urllib.parse import quote

    return RedirectResponse(f"/audiences/{quote(made['name'], safe='')}", status_code=303)


@router.get("/audiences/{name}")
def audience_page(
    request: Request,
    name: str,
    who: Reader,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    found = insights.audience_page(
        state_of(request),
        name,
        page=page,
        per_page=PER_PAGE,
        pii=who.sees_pii,
        lang=lang_of(request),
    )
    can_export = who.can("export") and who.at_least("marketer")
    return render(request, "audience.html", found=found, can_export=can_export)


@router.get("/campaigns")
def campaigns_page(request: Request, who: Reader) -> Response:
    return render(
        request, "campaigns.html", campaigns=insights.campaigns(state_of(request), lang_of(request))
    )
