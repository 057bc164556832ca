"""One customer: the latest scores, contacts (masked for viewers) and the history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from rfmkit.web import queries
from rfmkit.web.api.common import Reader, errors
from rfmkit.web.auth import state_of

router = APIRouter(tags=["customers"])


@router.get("/customers/{customer_id}", summary="One customer with history", responses=errors(404))
def customer(
    request: Request,
    customer_id: Annotated[str, Path(min_length=1, max_length=200)],
    who: Reader,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
) -> dict[str, Any]:
    state = state_of(request)
    found = state.snapshots()
    return queries.customer(
        state.reader(), found, customer_id, lang, who.sees_pii, state.finder, state.has_contacts()
    )
