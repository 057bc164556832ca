"""Administration pages: users and API tokens, alert rules and destinations, delivering alerts.

Every form carries the session's CSRF token; every change goes through
:mod:`rfmkit.web.people` or :mod:`rfmkit.web.alerting` (which audit it). A
refused change (the last admin, a short password, invalid rules ...) is
shown on the page it came from, with what was typed (never a password,
token or secret).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from rfmkit.errors import RfmError
from rfmkit.store import accounts
from rfmkit.web import alerting, people, views
from rfmkit.web.api.common import Admin, Reader, Runner
from rfmkit.web.auth import Principal, check_csrf, client_ip, requires, state_of
from rfmkit.web.errors import NotFound
from rfmkit.web.render import lang_of, render

router = APIRouter()
Marketer = Annotated[Principal, requires("activate", "marketer")]
Csrf = Annotated[str, Form(max_length=100)]
#: Messages a redirect may ask for (``?done=...``): anything else is ignored.
DONE = (
    "user_added",
    "role_changed",
    "user_enabled",
    "user_disabled",
    "password_reset",
    "token_revoked",
    "rules_saved",
    "rules_reset",
    "destination_saved",
    "destination_deleted",
)


def _actor(request: Request, who: Principal, csrf: str) -> people.Actor:
    check_csrf(request, who, csrf)
    return people.Actor(who, client_ip(request))


def _done(target: str, done: str) -> Response:
    return RedirectResponse(f"{target}?done={done}", status_code=303)


def _message(done: str | None) -> str | None:
    return done if done in DONE else None


# -- users and tokens -----------------------------------------------------------------


def _users_page(request: Request, status: int = 200, **context: Any) -> Response:
    state = state_of(request)
    return render(
        request,
        "users.html",
        status,
        users=people.users(state),
        tokens=people.tokens(state),
        roles=accounts.ROLES,
        scopes=accounts.SCOPES,
        **{"done": None, "error": None, "new_token": None, "form": {}, **context},
    )


@router.get("/admin/users")
def users_page(request: Request, who: Admin, done: str | None = None) -> Response:
    return _users_page(request, done=_message(done))


@router.post("/admin/users")
def add_user(
    request: Request,
    who: Admin,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=20)] = "viewer",
    csrf_token: Csrf = "",
) -> Response:
    by = _actor(request, who, csrf_token)
    try:
        people.add_user(state_of(request), name.strip(), role, password, by)
    except RfmError as exc:
        return _users_page(request, exc.status, error=exc, form={"name": name, "role": role})
    return _done("/admin/users", "user_added")


@router.post("/admin/users/{name}/role")
def change_role(
    request: Request,
    name: str,
    who: Admin,
    role: Annotated[str, Form(max_length=20)],
    csrf_token: Csrf = "",
) -> Response:
    return _change_user(
        request,
        who,
        csrf_token,
        "role_changed",
        lambda by: people.change_role(state_of(request), name, role, by),
    )


@router.post("/admin/users/{name}/enable")
def enable_user(request: Request, name: str, who: Admin, csrf_token: Csrf = "") -> Response:
    return _enabled(request, name, who, csrf_token, enabled=True)


@router.post("/admin/users/{name}/disable")
def disable_user(request: Request, name: str, who: Admin, csrf_token: Csrf = "") -> Response:
    return _enabled(request, name, who, csrf_token, enabled=False)


def _enabled(request: Request, name: str, who: Principal, csrf: str, *, enabled: bool) -> Response:
    return _change_user(
        request,
        who,
        csrf,
        "user_enabled" if enabled else "user_disabled",
        lambda by: people.set_enabled(state_of(request), name, enabled, by),
    )


@router.post("/admin/users/{name}/password")
def reset_password(
    request: Request,
    name: str,
    who: Admin,
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Csrf = "",
) -> Response:
    return _change_user(
        request,
        who,
        csrf_token,
        "password_reset",
        lambda by: people.reset_password(state_of(request), name, password, by),
    )


def _change_user(
    request: Request, who: Principal, csrf: str, done: str, change: Callable[[people.Actor], object]
) -> Response:
    """Make one change to a user (after the CSRF check); a refusal is shown on the users page."""
    by = _actor(request, who, csrf)
    try:
        change(by)
    except RfmError as exc:
        return _users_page(request, exc.status, error=exc)
    return _done("/admin/users", done)


@router.post("/admin/tokens")
def create_token(
    request: Request,
    who: Admin,
    user: Annotated[str, Form(max_length=64)],
    scopes: Annotated[list[str], Form()],
    expires: Annotated[str, Form(max_length=20)] = "90d",
    csrf_token: Csrf = "",
) -> Response:
    by = _actor(request, who, csrf_token)
    try:
        info, token = people.create_token(state_of(request), user, scopes, expires, by)
    except RfmError as exc:
        return _users_page(request, exc.status, error=exc)
    shown = {"token": token, "token_id": info.token_id, "user": info.user_name}
    return _users_page(request, 201, new_token=shown)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: str, who: Admin, csrf_token: Csrf = "") -> Response:
    by = _actor(request, who, csrf_token)
    try:
        people.revoke_token(state_of(request), token_id, by)
    except RfmError as exc:
        return _users_page(request, exc.status, error=exc)
    return _done("/admin/users", "token_revoked")


# -- alert rules and destinations ------------------------------------------------------


def _rules_page(request: Request, who: Principal, status: int = 200, **context: Any) -> Response:
    state = state_of(request)
    listed = alerting.destinations(state) if who.role == "admin" else []
    return render(
        request,
        "alert_rules.html",
        status,
        rule_sets=alerting.rule_sets(state),
        destinations=listed,
        kinds=alerting.DESTINATION_KINDS,
        can_edit=who.can("activate") and who.at_least("analyst"),
        **{"done": None, "error": None, "edited": None, "tested": None, "form": {}, **context},
    )


@router.get("/alert-rules")
def rules_page(request: Request, who: Reader, done: str | None = None) -> Response:
    return _rules_page(request, who, done=_message(done))


@router.post("/alert-rules/{scheme}")
def save_rules(
    request: Request,
    scheme: str,
    who: Runner,
    rules: Annotated[str, Form(max_length=100_000)],
    csrf_token: Csrf = "",
) -> Response:
    by = _actor(request, who, csrf_token)
    try:
        alerting.save_rules(state_of(request), scheme, rules, by)
    except RfmError as exc:
        edited = {"scheme": scheme, "text": rules, "error": exc}
        return _rules_page(request, who, exc.status, edited=edited)
    return _done("/alert-rules", "rules_saved")


@router.post("/alert-rules/{scheme}/reset")
def reset_rules(request: Request, scheme: str, who: Runner, csrf_token: Csrf = "") -> Response:
    alerting.reset_rules(state_of(request), scheme, _actor(request, who, csrf_token))
    return _done("/alert-rules", "rules_reset")


@router.post("/admin/destinations")
async def define_destination(request: Request, who: Admin) -> Response:
    form = await request.form()
    by = _actor(request, who, str(form.get("csrf_token", "")))
    name, kind = str(form.get("name", "")).strip(), str(form.get("kind", ""))
    given = {f: str(form.get(f, ""))[:2000] for f in ("url", "secret", "access_token", "key")}
    try:
        alerting.define_destination(state_of(request), name[:64], kind, given, by)
    except RfmError as exc:  # the address and secrets are not shown again
        return _rules_page(request, who, exc.status, error=exc, form={"name": name, "kind": kind})
    return _done("/alert-rules", "destination_saved")


@router.post("/admin/destinations/{name}/test")
def test_destination(request: Request, name: str, who: Admin, csrf_token: Csrf = "") -> Response:
    by = _actor(request, who, csrf_token)
    try:
        tested = alerting.send_test_message(state_of(request), name, by, lang_of(request))
    except RfmError as exc:
        return _rules_page(request, who, exc.status, error=exc)
    return _rules_page(request, who, tested=tested)


@router.post("/admin/destinations/{name}/delete")
def delete_destination(request: Request, name: str, who: Admin, csrf_token: Csrf = "") -> Response:
    alerting.remove_destination(state_of(request), name, _actor(request, who, csrf_token))
    return _done("/alert-rules", "destination_deleted")


# -- the alerts of the history page, delivered -------------------------------------------


def _alerts(request: Request, who: Principal, status: int = 200, **context: Any) -> Response:
    """The alerts panel (``HX-Request``: the fragment the history page loads; else a page)."""
    state = state_of(request)
    try:
        shown = views.history(state, lang_of(request)).alerts
    except NotFound:
        shown = []
    deliverer = who.can("activate") and who.at_least("marketer")
    fragment = request.headers.get("HX-Request") == "true"
    template = "alerts_panel.html" if fragment else "alerts.html"
    status = 200 if fragment else status  # htmx swaps only successful answers in
    return render(
        request,
        template,
        status,
        alerts=shown,
        destinations=alerting.destinations(state) if deliverer else [],
        deliverer=deliverer,
        log=alerting.delivery_log(state),
        **{"result": None, "error": None, **context},
    )


@router.get("/history/alerts")
def alerts_panel(request: Request, who: Reader) -> Response:
    return _alerts(request, who)


@router.post("/history/alerts/deliver")
def deliver_alerts(
    request: Request,
    who: Marketer,
    to: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    csrf_token: Csrf = "",
) -> Response:
    by = _actor(request, who, csrf_token)
    try:
        result = alerting.deliver_alerts(state_of(request), to, by, lang_of(request))
    except RfmError as exc:
        return _alerts(request, who, exc.status, error=exc)
    return _alerts(request, who, result=result)
