"""Pages from Jinja2 templates, in the visitor's language, with the CSRF token of their session.

The language is the ``rfmkit_lang`` cookie (set by the zh/en switch), else
the server's ``lang`` setting. Templates escape every value (autoescape on);
chart data goes into ``<script type="application/json">`` blocks made safe
against an early ``</script>``.
"""

from __future__ import annotations

import functools
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from rfmkit import i18n
from rfmkit.errors import RfmError
from rfmkit.web.paths import TEMPLATES

LANG_COOKIE = "rfmkit_lang"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = _number
    env.filters["pct"] = _pct
    env.filters["json_block"] = _json_block
    return env


def lang_of(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in i18n.LANGS:
        return str(chosen)
    state = getattr(request.app.state, "web", None)
    return state.config.lang if state is not None else "zh"


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The page ``template`` with the shared context: lang, t(), the caller and its CSRF token."""
    lang = lang_of(request)
    who = getattr(request.state, "principal", None)

    def t(key: str, **values: Any) -> str:
        return i18n.t("web." + key, lang, **values)

    text = (
        environment()
        .get_template(template)
        .render(
            request=request,
            lang=lang,
            t=t,
            who=who,
            csrf=getattr(who, "csrf", None) or context.pop("csrf", None),
            path=request.url.path,
            **context,
        )
    )
    return HTMLResponse(text, status_code=status)


def error_page(request: Request, exc: RfmError) -> HTMLResponse:
    return render(request, "error.html", status=exc.status, error=exc)


def _number(value: Any, digits: int = 0) -> str:
    if value is None:
        return "-"
    try:
        return f"{float(value):,.{digits}f}"
    except (TypeError, ValueError):
        return str(value)


def _pct(value: Any) -> str:
    return "-" if value is None else f"{float(value):.1f}%"


def _json_block(text: str) -> Markup:
    safe = text.replace("</", "<\\/").replace("<!--", "<\\!--")
    return Markup(safe)  # JSON made safe for a <script type="application/json">
