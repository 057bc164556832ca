"""The web app's own errors, and every error turned into the one JSON shape.

Every API answer that is not a success is ``RfmError.to_dict()``:
``{"ok": false, "error", "message", "status", "details"}`` -- rfmkit's own
errors, FastAPI's validation errors, unknown routes and unexpected failures
alike (pinned by ``tests/web/test_api_errors.py``). Pages show the same
message in HTML; a page that needs a login redirects to it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from rfmkit.errors import ConfigError, RfmError

log = logging.getLogger("rfmkit.web")


class WebError(RfmError):
    """An error of a web request (authentication, permission, a missing object ...)."""

    code = "web_error"
    status = 400


class Unauthorized(WebError):
    """No valid session or API token."""

    code = "unauthorized"
    status = 401


class Forbidden(WebError):
    """Signed in, but the role or the token's scopes do not allow this."""

    code = "forbidden"
    status = 403


class CsrfFailed(Forbidden):
    """A form was sent without the session's CSRF token."""

    code = "csrf_failed"


class NotFound(WebError):
    """The snapshot, segment, customer, run or file asked for does not exist."""

    code = "not_found"
    status = 404


class TooLarge(WebError):
    """An upload is larger than ``max_upload_mb``."""

    code = "too_large"
    status = 413


class Unsupported(WebError):
    """An upload of a type that cannot be read."""

    code = "unsupported_type"
    status = 415


class TooManyRequests(WebError):
    """Too many failed logins: wait before trying again."""

    code = "too_many_requests"
    status = 429


class Internal(RfmError):
    """An unexpected failure of the server (details go to the server's log only)."""

    code = "internal_error"
    status = 500


_HTTP_CODES = {401: Unauthorized, 403: Forbidden, 404: NotFound, 413: TooLarge, 415: Unsupported}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, exc: RfmError) -> Response:
    """JSON for the API, a page (or a redirect to the login) for people."""
    if not is_api(request):
        if isinstance(exc, Unauthorized):
            return RedirectResponse("/login?next=" + _next(request), status_code=303)
        from rfmkit.web.render import error_page

        return error_page(request, exc)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)


def _next(request: Request) -> str:
    from urllib.parse import quote

    return quote(request.url.path if request.method == "GET" else "/", safe="/")


def install(app: FastAPI) -> None:
    """Route every error through :func:`error_response`."""

    @app.exception_handler(RfmError)
    async def _rfm(request: Request, exc: RfmError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [_problem(e) for e in exc.errors()]
        first = problems[0] if problems else {"field": "request", "message": "invalid"}
        error = ConfigError(
            f"Invalid {first['field']}: {first['message']}.",
            fix="See /docs for the parameters of this route.",
            details={"errors": problems},
        )
        error.status = 422
        return error_response(request, error)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        cls = _HTTP_CODES.get(exc.status_code, WebError)
        error = cls(str(exc.detail) if exc.detail else "Request refused.")
        error.status = exc.status_code
        return error_response(request, error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("Unexpected error on %s %s", request.method, request.url.path)
        return error_response(
            request,
            Internal(
                "The server failed to answer this request.",
                fix="Try again; if it persists, see the server's log.",
            ),
        )


def _problem(error: dict[str, Any]) -> dict[str, str]:
    where = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    return {"field": ".".join(where) or "request", "message": str(error.get("msg", "invalid"))}
