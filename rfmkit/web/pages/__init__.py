"""The server-rendered pages: login, data and runs, overview, segments, customers, history, audit."""

from __future__ import annotations

from fastapi import APIRouter

from rfmkit.web.pages import browse, data, session

router = APIRouter(include_in_schema=False)
for module in (session, data, browse):
    router.include_router(module.router)

__all__ = ["router"]
