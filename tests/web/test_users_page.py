"""The users screen and its API (admins): users with roles and last login, add, change role,
disable and enable, reset passwords; API tokens listed, made (shown once) and revoked; every
change audited, every form CSRF-checked, and the last admin kept."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rfmkit.store import accounts
from tests.web.conftest import PASSWORD, Seeded, app_over, bearer, csrf_of, sign_in

NEW_PASSWORD = "a brand new secret"


@pytest.fixture
def fresh(seeded: Seeded, tmp_path: Path) -> Iterator[TestClient]:
    """An app over its own copy of the seeded store (one admin: 'admin')."""
    shutil.copy(seeded.store, tmp_path / "store.duckdb")
    with app_over(tmp_path / "store.duckdb", tmp_path) as client:
        yield client


def audit_of(client: TestClient, action: str) -> list[dict[str, object]]:
    with client.app.state.web.db() as store:  # type: ignore[attr-defined]
        return [r for r in accounts.audit_rows(store, 1000) if r["action"] == action]


def user_row(page: str, name: str) -> str:
    found = re.search(rf'<tr data-user="{re.escape(name)}">(.*?)</tr>', page, re.S)
    assert found, f"no row of {name}"
    return found.group(1)


def try_login(client: TestClient, user: str, password: str) -> int:
    client.cookies.clear()
    page = client.get("/login")
    answer = client.post(
        "/login",
        data={"username": user, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    return answer.status_code


def test_only_admins_see_the_users_screen(fresh: TestClient) -> None:
    fresh.cookies.clear()
    assert (
        fresh.get("/admin/users", follow_redirects=False).headers["location"].startswith("/login")
    )
    for role in ("viewer", "marketer", "analyst"):
        sign_in(fresh, role)
        assert fresh.get("/admin/users").status_code == 403
        assert 'href="/admin/users"' not in fresh.get("/overview").text
    with fresh.app.state.web.db() as store:  # type: ignore[attr-defined]
        accounts.add_user(store, "newbie", "viewer", "hash")
    sign_in(fresh, "admin")
    page = fresh.get("/admin/users")
    assert page.status_code == 200 and 'href="/admin/users"' in page.text
    for role in ("viewer", "marketer", "analyst", "admin"):
        row = user_row(page.text, role)
        assert f'value="{role}" selected' in row
        assert re.search(r"<td>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d</td>", row)  # last login
    assert "<td>never</td>" in user_row(page.text, "newbie")


def test_an_admin_adds_a_user_who_then_signs_in(fresh: TestClient) -> None:
    csrf = sign_in(fresh, "admin")
    answer = fresh.post(
        "/admin/users",
        data={"name": "dora", "role": "marketer", "password": NEW_PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert (
        answer.status_code == 303 and answer.headers["location"] == "/admin/users?done=user_added"
    )
    page = fresh.get("/admin/users?done=user_added").text
    assert "User added." in page and 'value="marketer" selected' in user_row(page, "dora")
    [entry] = audit_of(fresh, "user.add")
    assert (entry["actor"], entry["object"], entry["ip"]) == (
        "admin",
        "dora (marketer)",
        "testclient",
    )
    assert try_login(fresh, "dora", NEW_PASSWORD) == 303
    assert fresh.get("/api/v1/me").json() == {
        "name": "dora",
        "role": "marketer",
        "scopes": ["activate", "export", "read"],
        "via": "session",
    }
    assert fresh.get("/data").status_code == 403  # a marketer does not upload


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("eve", "tiny7pw", "shorter than 8 characters"),
        ("admin", NEW_PASSWORD, "exists already"),
        ("bad name!", NEW_PASSWORD, "Invalid user name"),
    ],
)
def test_a_refused_user_is_shown_in_place(
    fresh: TestClient, name: str, password: str, message: str
) -> None:
    csrf = sign_in(fresh, "admin")
    answer = fresh.post(
        "/admin/users",
        data={"name": name, "role": "viewer", "password": password, "csrf_token": csrf},
    )
    assert answer.status_code == 400
    assert message in answer.text and 'role="alert"' in answer.text
    assert f'name="name" required maxlength="64" pattern="[A-Za-z0-9_.]+" value="{name}"' in (
        answer.text
    )  # what was typed stays, but never the password
    assert password not in answer.text
    assert audit_of(fresh, "user.add") == []


def test_forms_without_the_csrf_token_change_nothing(fresh: TestClient) -> None:
    sign_in(fresh, "admin")
    posts = [
        ("/admin/users", {"name": "mallory", "role": "admin", "password": NEW_PASSWORD}),
        ("/admin/users/viewer/role", {"role": "admin"}),
        ("/admin/users/viewer/disable", {}),
        ("/admin/users/viewer/password", {"password": NEW_PASSWORD}),
        ("/admin/tokens", {"user": "viewer", "scopes": "read"}),
    ]
    for url, data in posts:
        answer = fresh.post(url, data={**data, "csrf_token": "forged"})
        assert answer.status_code == 403, url
    with fresh.app.state.web.db() as store:  # type: ignore[attr-defined]
        assert [(u.name, u.role, u.disabled) for u in accounts.list_users(store)] == [
            ("admin", "admin", False),
            ("analyst", "analyst", False),
            ("marketer", "marketer", False),
            ("viewer", "viewer", False),
        ]
        assert {t.user_name for t in accounts.list_tokens(store)} == {"admin", "viewer"}
        assert len(accounts.list_tokens(store)) == 5  # the seeded ones only
    assert try_login(fresh, "viewer", PASSWORD) == 303


def test_role_changes_disable_and_enable(fresh: TestClient) -> None:
    csrf = sign_in(fresh, "admin")
    viewer = TestClient(fresh.app, base_url="https://testserver")
    sign_in(viewer, "viewer")
    assert viewer.get("/data").status_code == 403
    fresh.post("/admin/users/viewer/role", data={"role": "analyst", "csrf_token": csrf})
    assert viewer.get("/data").status_code == 200  # the role applies at the next request
    answer = fresh.post(
        "/admin/users/viewer/disable", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert answer.headers["location"] == "/admin/users?done=user_disabled"
    assert viewer.get("/api/v1/me").status_code == 401  # signed out at once
    assert try_login(viewer, "viewer", PASSWORD) == 401
    assert "disabled" in user_row(fresh.get("/admin/users").text, "viewer")
    fresh.post("/admin/users/viewer/enable", data={"csrf_token": csrf})
    assert try_login(viewer, "viewer", PASSWORD) == 303
    actions = [(a["action"], a["object"]) for a in reversed(audit_of(fresh, "user.role"))]
    assert actions == [("user.role", "viewer: viewer -> analyst")]
    assert [a["object"] for a in audit_of(fresh, "user.disable")] == ["viewer"]
    assert [a["object"] for a in audit_of(fresh, "user.enable")] == ["viewer"]


def test_the_last_admin_cannot_be_removed(fresh: TestClient) -> None:
    csrf = sign_in(fresh, "admin")
    for url, data in (
        ("/admin/users/admin/role", {"role": "viewer"}),
        ("/admin/users/admin/disable", {}),
    ):
        answer = fresh.post(url, data={**data, "csrf_token": csrf})
        assert answer.status_code == 400
        assert "admin is the last admin" in answer.text
    assert fresh.get("/api/v1/me").json()["role"] == "admin"
    headers = {"X-CSRF-Token": csrf}
    refused = fresh.patch("/api/v1/users/admin", json={"disabled": True}, headers=headers)
    assert refused.status_code == 400 and refused.json()["error"] == "config_error"
    # with a second admin, the first may step down
    fresh.post("/admin/users/analyst/role", data={"role": "admin", "csrf_token": csrf})
    stepped = fresh.post(
        "/admin/users/admin/role",
        data={"role": "viewer", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert stepped.status_code == 303
    assert fresh.get("/admin/users").status_code == 403  # no longer an admin


def test_a_password_reset_signs_the_user_out(fresh: TestClient) -> None:
    csrf = sign_in(fresh, "admin")
    other = TestClient(fresh.app, base_url="https://testserver")
    sign_in(other, "marketer")
    fresh.post(
        "/admin/users/marketer/password", data={"password": NEW_PASSWORD, "csrf_token": csrf}
    )
    assert other.get("/api/v1/me").status_code == 401
    assert try_login(other, "marketer", PASSWORD) == 401
    fresh.app.state.web.throttle = type(fresh.app.state.web.throttle)()  # type: ignore[attr-defined]
    assert try_login(other, "marketer", NEW_PASSWORD) == 303
    [entry] = audit_of(fresh, "user.password")
    assert entry["object"] == "marketer" and NEW_PASSWORD not in str(entry)
    short = fresh.post("/admin/users/marketer/password", data={"password": "x", "csrf_token": csrf})
    assert short.status_code == 400 and "shorter than 8" in short.text


def test_tokens_are_made_shown_once_used_and_revoked(fresh: TestClient) -> None:
    csrf = sign_in(fresh, "admin")
    made = fresh.post(
        "/admin/tokens",
        data={
            "user": "marketer",
            "scopes": ["read", "export"],
            "expires": "30d",
            "csrf_token": csrf,
        },
    )
    assert made.status_code == 201
    token = re.search(r'id="token-value">(rfk_[0-9a-f]{12}_[A-Za-z0-9_-]{43})<', made.text)
    assert token, made.text
    value = token.group(1)
    token_id = value.split("_")[1]
    fresh.cookies.clear()
    me = fresh.get("/api/v1/me", headers=bearer(value)).json()
    assert me["name"] == "marketer" and me["scopes"] == ["export", "read"]
    assert fresh.get("/api/v1/exports/latest", headers=bearer(value)).status_code == 200
    sign_in(fresh, "admin")
    listing = fresh.get("/admin/users").text
    assert value not in listing  # shown once only
    row = re.search(rf'<tr data-token="{token_id}">(.*?)</tr>', listing, re.S)
    assert row and "marketer" in row.group(1) and "read, export" in row.group(1)
    assert "active" in row.group(1)
    with fresh.app.state.web.db() as store:  # type: ignore[attr-defined]
        found = accounts.find_token(store, token_id)
        assert found is not None and value not in found[1]  # the hash is kept, not the token
    csrf = csrf_of(listing)
    fresh.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    fresh.cookies.clear()
    assert fresh.get("/api/v1/me", headers=bearer(value)).status_code == 401
    sign_in(fresh, "admin")
    assert [a["object"] for a in audit_of(fresh, "token.create")] == [
        f"token {token_id} of marketer (read,export)"
    ]
    assert [a["object"] for a in audit_of(fresh, "token.revoke")] == [f"token {token_id}"]


def test_users_and_tokens_through_the_api(fresh: TestClient, seeded: Seeded) -> None:
    headers = bearer(seeded.tokens["admin"])
    fresh.cookies.clear()
    added = fresh.post(
        "/api/v1/users", json={"name": "finn", "role": "analyst", "password": NEW_PASSWORD},
        headers=headers,
    )  # fmt: skip
    assert added.status_code == 201
    assert added.json() == {"name": "finn", "role": "analyst", "disabled": False}
    listed = {u["name"]: u for u in fresh.get("/api/v1/users", headers=headers).json()}
    assert listed["finn"]["role"] == "analyst" and listed["finn"]["last_login"] is None
    assert listed["admin"]["tokens"] == 4  # the seeded admin's active tokens
    changed = fresh.patch("/api/v1/users/finn", json={"role": "viewer"}, headers=headers)
    assert changed.json()["role"] == "viewer"
    made = fresh.post(
        "/api/v1/tokens", json={"user": "finn", "scopes": ["read"], "expires": "never"},
        headers=headers,
    ).json()  # fmt: skip
    assert made["token"].startswith("rfk_") and made["expires_at"] is None
    assert fresh.get("/api/v1/me", headers=bearer(made["token"])).json()["name"] == "finn"
    tokens = fresh.get("/api/v1/tokens", headers=headers).json()
    assert all("token" not in t for t in tokens)
    assert {t["token_id"]: t["state"] for t in tokens}[made["token_id"]] == "active"
    assert fresh.delete(f"/api/v1/tokens/{made['token_id']}", headers=headers).status_code == 200
    assert fresh.get("/api/v1/me", headers=bearer(made["token"])).status_code == 401
    reset = fresh.post(
        "/api/v1/users/finn/password", json={"password": NEW_PASSWORD + "!"}, headers=headers
    )
    assert reset.status_code == 200 and try_login(fresh, "finn", NEW_PASSWORD + "!") == 303
    fresh.cookies.clear()
    for answer, status in (
        (fresh.patch("/api/v1/users/nobody", json={"role": "viewer"}, headers=headers), 404),
        (fresh.delete("/api/v1/tokens/000000000000", headers=headers), 404),
        (
            fresh.post("/api/v1/users", json={"name": "x", "password": "short"}, headers=headers),
            400,
        ),
        (
            fresh.post(
                "/api/v1/tokens", json={"user": "nobody", "scopes": ["read"]}, headers=headers
            ),
            400,
        ),
        (
            fresh.post(
                "/api/v1/tokens", json={"user": "finn", "scopes": ["root"]}, headers=headers
            ),
            422,
        ),
    ):
        body = answer.json()
        assert answer.status_code == status and body["ok"] is False and body["status"] == status
    actions = {a["action"] for a in fresh.get("/api/v1/audit?limit=100", headers=headers).json()}
    assert {"user.add", "user.role", "user.password", "token.create", "token.revoke"} <= actions
