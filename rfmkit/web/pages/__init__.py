"""The server-rendered pages: login, data and runs, overview, segments, customers, history, audit,
predictions, audiences, campaigns, users and tokens, alert rules and destinations."""

from __future__ import annotations

from fastapi import APIRouter

from rfmkit.web.pages import admin, browse, data, insight, session, settings

router = APIRouter(include_in_schema=False)
for module in (session, data, browse, insight, admin, settings):
    router.include_router(module.router)

__all__ = ["router"]
