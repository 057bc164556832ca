"""Users and API tokens, managed by admins: the steps behind the users page and its API.

The same store functions as ``rfmkit users`` and ``rfmkit tokens``
(:mod:`rfmkit.store.accounts`), each change written to the audit log with
the admin, the address and the user or token concerned (never a password or
a token). A token is returned once, when it is made; the store keeps its
SHA-256. The last enabled admin can be neither demoted nor disabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rfmkit.store import accounts
from rfmkit.web import security
from rfmkit.web.auth import ROLE_SCOPES, Principal
from rfmkit.web.errors import NotFound
from rfmkit.web.state import WebState


@dataclass(frozen=True)
class Actor:
    """Who changes something, and from where (for the audit log)."""

    who: Principal
    ip: str


def users(state: WebState) -> list[dict[str, Any]]:
    """Every user with role, state, last login and active tokens."""
    with state.db() as store:
        found = accounts.list_users(store)
        logins = accounts.last_logins(store)
        tokens = accounts.list_tokens(store)
    active: dict[str, int] = {}
    for token in tokens:
        if not token.revoked and not token.expired():
            active[token.user_name] = active.get(token.user_name, 0) + 1
    return [
        {
            "name": u.name,
            "role": u.role,
            "disabled": u.disabled,
            "created_at": u.created_at,
            "last_login": logins.get(u.name),
            "tokens": active.get(u.name, 0),
        }
        for u in found
    ]


def add_user(state: WebState, name: str, role: str, password: str, by: Actor) -> accounts.User:
    """Add a user with an initial password (argon2id)."""
    accounts.check_role(role)
    hashed = security.hash_password(password)
    with state.db() as store:
        user = accounts.add_user(store, name, role, hashed)
        _audit(store, by, "user.add", f"{user.name} ({user.role})")
    return user


def user(state: WebState, name: str) -> accounts.User:
    """The user ``name``; a :class:`NotFound` when there is none."""
    with state.db() as store:
        return _existing(store, name)


def _existing(store: accounts.Store, name: str) -> accounts.User:
    found = accounts.find_user(store, name)
    if found is None:
        raise NotFound(f"No user {name!r}.", fix="See the users page for their names.")
    return found


def change_role(state: WebState, name: str, role: str, by: Actor) -> accounts.User:
    with state.db() as store:
        before = _existing(store, name).role
        user = accounts.set_role(store, name, role)
        _audit(store, by, "user.role", f"{name}: {before} -> {role}")
    return user


def set_enabled(state: WebState, name: str, enabled: bool, by: Actor) -> accounts.User:
    """Enable or disable ``name`` (disabling signs them out and stops their tokens)."""
    with state.db() as store:
        _existing(store, name)
        user = accounts.set_disabled(store, name, not enabled)
        _audit(store, by, "user.enable" if enabled else "user.disable", name)
    return user


def reset_password(state: WebState, name: str, password: str, by: Actor) -> None:
    """Set a new password for ``name`` and sign them out everywhere."""
    hashed = security.hash_password(password)
    with state.db() as store:
        _existing(store, name)
        accounts.set_password(store, name, hashed)
        accounts.end_sessions_of(store, name)
        _audit(store, by, "user.password", name)


def tokens(state: WebState) -> list[dict[str, Any]]:
    """Every token without its secret: owner, scopes (and those the role grants), state."""
    with state.db() as store:
        found = accounts.list_tokens(store)
        roles = {u.name: u.role for u in accounts.list_users(store)}
    return [
        {
            "token_id": t.token_id,
            "user_name": t.user_name,
            "scopes": list(t.scopes),
            "effective": [
                s for s in t.scopes if s in ROLE_SCOPES.get(roles.get(t.user_name, ""), ())
            ],
            "created_at": t.created_at,
            "expires_at": t.expires_at,
            "last_used_at": t.last_used_at,
            "state": "revoked" if t.revoked else "expired" if t.expired() else "active",
        }
        for t in reversed(found)
    ]


def create_token(
    state: WebState, user: str, scopes: list[str], expires: str | None, by: Actor
) -> tuple[accounts.TokenInfo, str]:
    """Make a token for ``user``; the token itself is returned here only."""
    chosen = accounts.check_scopes(scopes)
    ends = security.expiry(expires)
    token_id, token = security.new_token()
    with state.db() as store:
        info = accounts.add_token(store, token_id, user, security.digest(token), chosen, ends)
        _audit(store, by, "token.create", f"token {token_id} of {user} ({','.join(chosen)})")
    return info, token


def revoke_token(state: WebState, token_id: str, by: Actor) -> None:
    with state.db() as store:
        if accounts.find_token(store, token_id) is None:
            raise NotFound(f"No token {token_id!r}.", fix="See the tokens on the users page.")
        accounts.revoke_token(store, token_id)
        _audit(store, by, "token.revoke", f"token {token_id}")


def _audit(store: accounts.Store, by: Actor, action: str, obj: str) -> None:
    accounts.audit(store, by.who.name, action, ip=by.ip, obj=obj)
