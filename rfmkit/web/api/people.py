"""Users and API tokens (admins): what ``rfmkit users`` and ``rfmkit tokens`` do, over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from rfmkit.web import people
from rfmkit.web.api.common import Admin, errors
from rfmkit.web.auth import Principal, check_csrf, client_ip, state_of
from rfmkit.web.services import job_dict

router = APIRouter(tags=["users and tokens"])
Role = Literal["viewer", "marketer", "analyst", "admin"]
Scope = Literal["read", "export", "activate", "admin"]
UserName = Annotated[str, Path(min_length=1, max_length=64)]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=64, description="Letters, digits, . and _.")
    role: Role = "viewer"
    password: str = Field(..., min_length=1, max_length=200, description="At least 8 characters.")


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    disabled: bool | None = None


class NewPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(..., min_length=1, max_length=200)


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(..., min_length=1, max_length=64, description="The token's owner.")
    scopes: list[Scope] = Field(..., min_length=1, max_length=4)
    expires: str | None = Field(
        "90d", max_length=20, description="Lifetime: 90d, 12w, 6m, 1y or never."
    )


def _actor(request: Request, who: Principal) -> people.Actor:
    check_csrf(request, who, None)
    return people.Actor(who, client_ip(request))


def _user(user: Any) -> dict[str, Any]:
    return {"name": user.name, "role": user.role, "disabled": user.disabled}


@router.get("/users", summary="Users with role, state, last login and active tokens (admins)")
def list_users(request: Request, who: Admin) -> list[dict[str, Any]]:
    return [job_dict(u) for u in people.users(state_of(request))]


@router.post("/users", status_code=201, summary="Add a user (admins)", responses=errors(400))
def add_user(request: Request, body: NewUser, who: Admin) -> dict[str, Any]:
    by = _actor(request, who)
    return _user(people.add_user(state_of(request), body.name, body.role, body.password, by))


@router.patch(
    "/users/{name}",
    summary="Change a user's role, or disable or enable them (admins; never the last admin)",
    responses=errors(400, 404),
)
def change_user(request: Request, name: UserName, body: UserChange, who: Admin) -> dict[str, Any]:
    by = _actor(request, who)
    state = state_of(request)
    found = people.user(state, name)
    if body.role is not None:
        found = people.change_role(state, name, body.role, by)
    if body.disabled is not None:
        found = people.set_enabled(state, name, not body.disabled, by)
    return _user(found)


@router.post(
    "/users/{name}/password",
    summary="Reset a user's password (admins; the user is signed out)",
    responses=errors(400, 404),
)
def reset_password(
    request: Request, name: UserName, body: NewPassword, who: Admin
) -> dict[str, Any]:
    people.reset_password(state_of(request), name, body.password, _actor(request, who))
    return {"name": name, "password": "reset"}


@router.get("/tokens", summary="API tokens without their secrets (admins)")
def list_tokens(request: Request, who: Admin) -> list[dict[str, Any]]:
    return [job_dict(t) for t in people.tokens(state_of(request))]


@router.post(
    "/tokens",
    status_code=201,
    summary="Make an API token, shown once (admins)",
    responses=errors(400),
)
def create_token(request: Request, body: NewToken, who: Admin) -> dict[str, Any]:
    by = _actor(request, who)
    info, token = people.create_token(
        state_of(request), body.user, list(body.scopes), body.expires, by
    )
    return {
        "token_id": info.token_id,
        "user": info.user_name,
        "scopes": list(info.scopes),
        "expires_at": _iso(info.expires_at),
        "token": token,
    }


@router.delete(
    "/tokens/{token_id}", summary="Revoke an API token at once (admins)", responses=errors(404)
)
def revoke_token(
    request: Request, token_id: Annotated[str, Path(max_length=40)], who: Admin
) -> dict[str, Any]:
    people.revoke_token(state_of(request), token_id, _actor(request, who))
    return {"token_id": token_id, "revoked": True}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
