"""The FastAPI application: :func:`create_app` builds it from settings, nothing happens on import.

The store is opened when the app starts (its lifespan) and closed when it
stops; the run queue and the scheduler (:mod:`rfmkit.web.schedules`) are
started and stopped the same way. Routers: the
REST API under ``/api/v1`` (:mod:`rfmkit.web.api`), the pages
(:mod:`rfmkit.web.pages`) and the vendored static files.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from rfmkit import __version__
from rfmkit.web import errors
from rfmkit.web.paths import STATIC
from rfmkit.web.runs import Runner
from rfmkit.web.schedules import Scheduler
from rfmkit.web.state import WebConfig, WebState

#: Headers on every answer: no framing, no sniffing, scripts only from this server.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'"
    ),
}


def create_app(config: WebConfig | None = None) -> FastAPI:
    """The web app of ``config`` (default settings: the default store on 127.0.0.1:8000)."""
    state = WebState(config or WebConfig())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.open()
        app.state.runner = Runner(state)
        app.state.scheduler = Scheduler(state, app.state.runner)
        app.state.scheduler.start()
        try:
            yield
        finally:
            app.state.scheduler.stop()
            app.state.runner.close()
            state.close()

    app = FastAPI(
        title="rfmkit",
        version=__version__,
        description="Customer segments (RFM) over the snapshot store: runs, snapshots, "
        "segments, customers, alerts, audiences, campaigns and exports. Send an API token "
        "as `Authorization: Bearer rfk_...` (make one with `rfmkit tokens create`).",
        lifespan=lifespan,
        docs_url=None,  # /docs is rendered here (Swagger UI would load from a CDN)
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.web = state
    errors.install(app)
    _headers(app)
    from rfmkit.web.api import router as api_router
    from rfmkit.web.pages import router as pages_router

    app.include_router(api_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def secure(request: Request, call_next: object) -> Response:
        response: Response = await call_next(request)  # type: ignore[operator]
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
