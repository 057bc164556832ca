"""The REST API under ``/api/v1``: one router per resource, documented at ``/docs``."""

from __future__ import annotations

from fastapi import APIRouter

from rfmkit.web.api import (
    admin,
    alerting,
    customers,
    exports,
    health,
    insights,
    marketing,
    people,
    runs,
    settings,
    snapshots,
)

router = APIRouter(prefix="/api/v1")
for module in (health, runs, snapshots, customers, exports, marketing, admin):
    router.include_router(module.router)
for module in (insights, alerting, people, settings):
    router.include_router(module.router)

__all__ = ["router"]
