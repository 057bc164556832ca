"""``GET /api/v1/health``: is the server up and its store readable (no authentication)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from rfmkit import __version__
from rfmkit.web.auth import state_of

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and store check (no authentication)")
def health(request: Request) -> dict[str, Any]:
    with state_of(request).read() as store:  # reads the store each time: is it readable?
        count = len(store.snapshots())
    return {"ok": True, "version": __version__, "snapshots": count}
