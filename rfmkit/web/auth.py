"""Who is asking: a session (people, pages) or an API token (other systems), and what they may do.

Roles and scopes meet in one table: a role grants scopes, and a token's
effective scopes are the ones it was made with that its owner's role still
grants. ``read`` lists and looks up; ``export`` writes files with contact
data; ``activate`` starts runs and creates or pushes audiences; ``admin``
manages users, connections and the audit log. Viewers see phone numbers
and email addresses masked.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from rfmkit.store import accounts
from rfmkit.web import security
from rfmkit.web.errors import CsrfFailed, Forbidden, Unauthorized
from rfmkit.web.state import WebState

COOKIE = "rfmkit_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "marketer": frozenset({"read", "export", "activate"}),
    "analyst": frozenset({"read", "export", "activate"}),
    "admin": frozenset(accounts.SCOPES),
}
#: Seconds between two writes of a token's ``last_used_at`` (and its audit entry).
TOUCH_EVERY = 60.0


@dataclass(frozen=True)
class Principal:
    """A signed-in user (``via="session"``) or an API token's owner (``via="token"``)."""

    name: str
    role: str
    scopes: frozenset[str]
    via: str
    csrf: str | None = None
    token_id: str | None = None

    def can(self, scope: str) -> bool:
        return scope in self.scopes

    def at_least(self, role: str) -> bool:
        return accounts.ROLES.index(self.role) >= accounts.ROLES.index(role)

    @property
    def sees_pii(self) -> bool:
        """Raw phone and email: everyone but viewers and read-only tokens."""
        return self.role != "viewer" and self.can("export")


def state_of(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


def principal(request: Request) -> Principal:
    """The caller, from ``Authorization: Bearer`` or the session cookie; 401 otherwise."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        found = _from_token(request, header[7:].strip())
    elif (cookie := request.cookies.get(COOKIE)) is not None:
        found = _from_session(request, cookie)
    else:
        raise Unauthorized(
            "Sign in, or send an API token (Authorization: Bearer rfk_...).",
            fix="Make a token with rfmkit tokens create --user NAME --scopes read.",
        )
    request.state.principal = found
    return found


async def caller(request: Request) -> Principal:
    """:func:`principal` as a dependency: on the event loop when the caller is known.

    A caller remembered in :attr:`WebState.recent`, whose token has no use
    to record, is answered at once; otherwise :func:`principal` runs in a
    worker thread (it reads and may write the store).
    """
    found = _remembered(request)
    return found if found is not None else await run_in_threadpool(principal, request)


_UNKNOWN = object()


def _remembered(request: Request) -> Principal | None:
    """The caller if known without the store (a valid cached token or session), else None."""
    state = state_of(request)
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        token = state.recent.peek(("token", security.digest(header[7:].strip())), _UNKNOWN)
        if not isinstance(token, tuple) or token[1].expired() or _touch_due(state, token[1]):
            return None
        who: Principal = token[0]
    elif (cookie := request.cookies.get(COOKIE)) is not None:
        session = state.recent.peek(("session", security.digest(cookie)), _UNKNOWN)
        if not isinstance(session, tuple) or session[1] <= _utc_now():
            return None
        who = session[0]
    else:
        return None
    request.state.principal = who
    return who


def _from_token(request: Request, token: str) -> Principal:
    """The token's owner; the answer is kept briefly (:class:`rfmkit.web.state.Recent`).

    A revoked token, a disabled owner or a changed role is seen at once when
    the change is made in this server, within ``FRESH_FOR`` seconds when
    another process made it; the expiry is checked on every request.
    """
    state = state_of(request)
    hashed = security.digest(token)
    found: tuple[Principal, accounts.TokenInfo] | None = state.recent.get(
        ("token", hashed), lambda: _token_owner(state, token, hashed)
    )
    if found is None or found[1].expired():
        raise Unauthorized("The API token is invalid, revoked or expired.")
    who, info = found
    _touch(state, info, request)
    return who


def _token_owner(
    state: WebState, token: str, hashed: str
) -> tuple[Principal, accounts.TokenInfo] | None:
    """The principal of a valid token and the token, read from the store; None otherwise."""
    token_id = security.token_id_of(token)
    if token_id is None:
        return None
    with state.read() as store:
        found = accounts.find_token(store, token_id)
        if found is None:
            return None
        info, stored = found
        user = accounts.find_user(store, info.user_name)
    if not security.same(stored, hashed) or info.revoked or user is None or user.disabled:
        return None
    scopes = frozenset(info.scopes) & ROLE_SCOPES[user.role]
    return Principal(user.name, user.role, scopes, "token", token_id=token_id), info


def _touch(state: WebState, info: accounts.TokenInfo, request: Request) -> None:
    """Record the token's last use (and audit it) at most once a minute."""
    if not _touch_due(state, info):
        return
    state.token_touched[info.token_id] = time.monotonic()
    when = _utc_now()
    with state.db() as store:
        accounts.touch_token(store, info.token_id, when)
        accounts.audit(
            store,
            info.user_name,
            "token.use",
            ip=client_ip(request),
            obj=f"token {info.token_id}",
            detail=f"{request.method} {request.url.path}",
        )


def _touch_due(state: WebState, info: accounts.TokenInfo) -> bool:
    last = state.token_touched.get(info.token_id, -TOUCH_EVERY)
    return time.monotonic() - last >= TOUCH_EVERY


def _from_session(request: Request, cookie: str) -> Principal:
    """The session's user (kept briefly, like a token's owner; the expiry checked every time)."""
    state = state_of(request)
    hashed = security.digest(cookie)
    found: tuple[Principal, dt.datetime] | None = state.recent.get(
        ("session", hashed), lambda: _session_user(state, hashed)
    )
    if found is None or found[1] <= _utc_now():
        raise Unauthorized("Your session has ended; sign in again.")
    return found[0]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _session_user(state: WebState, hashed: str) -> tuple[Principal, dt.datetime] | None:
    with state.read() as store:
        found = accounts.find_session(store, hashed)
        user = accounts.find_user(store, found[0]) if found else None
    if found is None or user is None or user.disabled:
        return None
    who = Principal(user.name, user.role, ROLE_SCOPES[user.role], "session", csrf=found[1])
    return who, found[2]


def optional_principal(request: Request) -> Principal | None:
    try:
        return principal(request)
    except Unauthorized:
        return None


def check_csrf(request: Request, who: Principal, sent: str | None) -> None:
    """A session's form or script must send its CSRF token (tokens need none)."""
    if who.via != "session":
        return
    given = sent or request.headers.get(CSRF_HEADER)
    if not given or who.csrf is None or not security.same(given, who.csrf):
        raise CsrfFailed(
            "The form is missing its security token or it has expired.",
            fix="Reload the page and send the form again.",
        )


def requires(scope: str, role: str = "viewer") -> object:
    """A dependency: the caller, who must hold ``scope`` and at least ``role``."""

    async def check(who: Annotated[Principal, Depends(caller)]) -> Principal:
        if not who.can(scope) or not who.at_least(role):
            what = f"the scope {scope!r}" if who.via == "token" else f"the role {role} or higher"
            raise Forbidden(
                f"This needs {what}; {who.name} ({who.role}) does not have it.",
                fix="Ask an administrator for the access, or use a token with that scope.",
                details={"scope": scope, "role": role},
            )
        return who

    return Depends(check)
