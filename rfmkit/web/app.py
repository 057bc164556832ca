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

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    app.add_middleware(SecurityHeaders)


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` (and ``Cache-Control: no-store`` but on static files).

    A plain ASGI middleware: it only edits the answer's headers, without the
    extra task and body stream that an ``@app.middleware("http")`` costs per
    request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
