"""Reading pages: overview, a segment's customers, one customer, history, the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from rfmkit.store import accounts
from rfmkit.web import queries, views
from rfmkit.web.api.common import Admin, Reader
from rfmkit.web.auth import state_of
from rfmkit.web.errors import NotFound
from rfmkit.web.render import lang_of, render

router = APIRouter()
#: Columns of the members table (phone and email last; masked for viewers).
COLUMNS = (
    "customer_id",
    "r_score",
    "f_score",
    "m_score",
    "rfm_score",
    "recency_days",
    "frequency",
    "monetary",
    "last_purchase",
    "phone",
    "email",
)


@router.get("/overview")
def overview_page(request: Request, who: Reader, as_of: str | None = None) -> Response:
    state = state_of(request)
    found = state.snapshots()
    if not found:
        return render(request, "empty.html")
    info = queries.pick_snapshot(found, as_of)
    view = views.overview(state, info, lang_of(request))
    snapshots = [queries.snapshot_dict(s) for s in reversed(found)]
    return render(request, "overview.html", view=view, snapshots=snapshots)


@router.get("/segments/{segment}")
def segment_page(
    request: Request,
    segment: str,
    who: Reader,
    as_of: str | None = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    sort: queries.SortKey = "monetary",
    desc: bool = True,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
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
        pii=who.sees_pii,
        cache=state.listings,
        contacts=state.has_contacts(),
    )
    label = queries.segment_labels(info.scheme, lang_of(request)).get(segment, segment)
    return render(
        request,
        "segment.html",
        segment=segment,
        label=label,
        as_of=info.as_of.isoformat(),
        found=found,
        columns=COLUMNS,
        sort_keys=queries.SORT_KEYS,
        sort=sort,
        desc=desc,
        q=q,
    )


@router.get("/customers/{customer_id}")
def customer_page(request: Request, customer_id: str, who: Reader) -> Response:
    state = state_of(request)
    found = state.snapshots()
    lang = lang_of(request)
    detail = queries.customer(
        state.reader(), found, customer_id, lang, who.sees_pii, state.finder, state.has_contacts()
    )
    return render(request, "customer.html", detail=detail)


@router.get("/history")
def history_page(request: Request, who: Reader) -> Response:
    try:
        view = views.history(state_of(request), lang_of(request))
    except NotFound:
        return render(request, "empty.html")
    return render(request, "history.html", view=view)


@router.get("/admin/audit")
def audit_page(request: Request, who: Admin) -> Response:
    with state_of(request).db() as store:
        rows = accounts.audit_rows(store, 500)
    return render(request, "audit.html", rows=rows)
