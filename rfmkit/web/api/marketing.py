"""Audiences and campaign results, as stored by ``rfmkit audience`` and ``rfmkit campaign``."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request

from rfmkit.errors import StoreError
from rfmkit.web.api.common import Reader, errors
from rfmkit.web.auth import state_of
from rfmkit.web.errors import NotFound

router = APIRouter(tags=["audiences and campaigns"])


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@router.get("/audiences", summary="Every audience (frozen customer lists)")
def audiences(request: Request, who: Reader) -> list[dict[str, Any]]:
    from rfmkit.campaigns import list_audiences

    with state_of(request).db() as store:
        return [_plain(a) for a in list_audiences(store)]


@router.get("/audiences/{name}", summary="One audience", responses=errors(404))
def audience(request: Request, name: str, who: Reader) -> dict[str, Any]:
    from rfmkit.campaigns import show_audience

    with state_of(request).db() as store:
        try:
            found: dict[str, Any] = _plain(show_audience(store, name))
        except StoreError as exc:
            raise NotFound(exc.message, fix=exc.fix) from None
    return found


@router.get(
    "/campaigns/{name}", summary="A campaign and its measured results", responses=errors(404)
)
def campaign(request: Request, name: str, who: Reader) -> dict[str, Any]:
    from rfmkit.campaigns import campaign_history, show_campaign

    with state_of(request).db() as store:
        try:
            info = show_campaign(store, name)
            measured = campaign_history(store, name)
        except StoreError as exc:
            raise NotFound(exc.message, fix=exc.fix) from None
    results = [{"measured_at": when.isoformat(), "results": rows} for when, rows in measured]
    return {"campaign": _plain(info), "measurements": results}
