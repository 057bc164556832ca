"""Signing in and out, the language switch, the home page, /docs and plotly.js.

The login form carries a CSRF token of its own (a short-lived cookie
compared with the form field), since there is no session yet; the session
cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` (unless
``secure_cookies`` is off for plain-HTTP testing). Failed logins are
throttled per user name and per address, and every login is audited.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import plotly
from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from rfmkit.store import accounts
from rfmkit.web import security
from rfmkit.web.auth import COOKIE, client_ip, optional_principal, principal, state_of
from rfmkit.web.errors import CsrfFailed
from rfmkit.web.render import LANG_COOKIE, render

router = APIRouter()
LOGIN_CSRF = "rfmkit_login_csrf"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def local_path(target: str | None) -> str:
    """``target`` when it is a path on this site, else ``/`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _cookie_flags(request: Request) -> dict[str, object]:
    secure = state_of(request).options.secure_cookies
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/"}


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    token = security.new_secret()
    page = render(request, "login.html", csrf=token, next=local_path(next), message=None)
    page.set_cookie(LOGIN_CSRF, token, max_age=3600, **_cookie_flags(request))  # type: ignore[arg-type]
    return page


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    state = state_of(request)
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not security.same(expected, csrf_token):
        raise CsrfFailed("The sign-in form has expired.", fix="Reload the page and sign in again.")
    ip = client_ip(request)
    keys = (f"user:{username}", f"ip:{ip}")
    if state.throttle.blocked(*keys):
        with state.db() as store:
            accounts.audit(store, username, "login.throttled", ip=ip)
        return _again(request, "login.throttled", next, 429)
    with state.db() as store:
        hashed = accounts.password_hash(store, username)
    if not security.verify_password(hashed, password):
        state.throttle.failed(*keys)
        with state.db() as store:
            accounts.audit(store, username, "login.failed", ip=ip)
        return _again(request, "login.failed", next, 401)
    state.throttle.succeeded(keys[0])
    return _signed_in(request, username, ip, next)


def _again(request: Request, message: str, next: str, status: int) -> Response:
    from rfmkit import i18n
    from rfmkit.web.render import lang_of

    token = security.new_secret()
    text = i18n.t("web." + message, lang_of(request))
    page = render(request, "login.html", status, csrf=token, next=local_path(next), message=text)
    page.set_cookie(LOGIN_CSRF, token, max_age=3600, **_cookie_flags(request))  # type: ignore[arg-type]
    return page


def _signed_in(request: Request, username: str, ip: str, next: str) -> Response:
    state = state_of(request)
    session, csrf = security.new_secret(), security.new_secret()
    hours = state.options.session_hours
    ends = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=hours)
    with state.db() as store:
        accounts.add_session(store, security.digest(session), username, csrf, ends)
        accounts.audit(store, username, "login", ip=ip)
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(COOKIE, session, max_age=hours * 3600, **_cookie_flags(request))  # type: ignore[arg-type]
    response.delete_cookie(LOGIN_CSRF, path="/")
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    from rfmkit.web.auth import check_csrf

    who = principal(request)
    check_csrf(request, who, csrf_token)
    state = state_of(request)
    with state.db() as store:
        accounts.end_session(store, security.digest(request.cookies.get(COOKIE, "")))
        accounts.audit(store, who.name, "logout", ip=client_ip(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str = "/") -> Response:
    response = RedirectResponse(local_path(next), status_code=303)
    if lang in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/")
def home(request: Request) -> Response:
    who = optional_principal(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    with state_of(request).db() as store:
        empty = not store.snapshots()
    target = "/data" if empty and who.at_least("analyst") else "/overview"
    return RedirectResponse(target, status_code=303)


@router.get("/docs")
def docs(request: Request) -> Response:
    optional_principal(request)
    return render(request, "docs.html", spec=request.app.openapi())


@router.get("/assets/plotly.min.js")
def plotly_js() -> Response:
    """plotly.js as shipped inside the plotly package (no CDN)."""
    return FileResponse(
        PLOTLY_JS,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )
