"""The REST API: every route's authentication and scopes, the one error shape, and the answers."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rfmkit.store import accounts
from tests.web.conftest import FIRST, SECOND, Seeded, bearer

ERROR_KEYS = {"ok", "error", "message", "status", "details"}
DETAIL_KEYS = {"file", "row", "column", "fix"}
#: Every API route with the scope it needs (health needs none); path values filled in.
ROUTES: list[tuple[str, str, str]] = [
    ("GET", "/api/v1/me", "read"),
    ("GET", "/api/v1/snapshots", "read"),
    ("GET", "/api/v1/snapshots/latest", "read"),
    ("GET", "/api/v1/snapshots/latest/segments", "read"),
    ("GET", "/api/v1/snapshots/latest/segments/champions/members", "read"),
    ("GET", "/api/v1/customers/C000001", "read"),
    ("GET", "/api/v1/history", "read"),
    ("GET", "/api/v1/alerts", "read"),
    ("GET", "/api/v1/audiences", "read"),
    ("GET", "/api/v1/audiences/x", "read"),
    ("GET", "/api/v1/campaigns/x", "read"),
    ("GET", "/api/v1/configurations", "read"),
    ("GET", "/api/v1/runs", "read"),
    ("GET", "/api/v1/runs/0", "read"),
    ("GET", "/api/v1/exports/latest", "export"),
    ("POST", "/api/v1/uploads", "activate"),
    ("POST", "/api/v1/uploads/0/check", "activate"),
    ("POST", "/api/v1/uploads/0/contacts", "activate"),
    ("POST", "/api/v1/runs", "activate"),
    ("GET", "/api/v1/audit", "admin"),
    ("GET", "/api/v1/audit.csv", "admin"),
    ("GET", "/api/v1/connections", "admin"),
    ("POST", "/api/v1/connections", "admin"),
    ("GET", "/api/v1/snapshots/latest/predictions", "read"),
    ("GET", "/api/v1/audiences/x/members", "read"),
    ("GET", "/api/v1/audiences/x/export", "export"),
    ("POST", "/api/v1/audiences", "activate"),
    ("GET", "/api/v1/campaigns", "read"),
    ("GET", "/api/v1/alert-rules", "read"),
    ("PUT", "/api/v1/alert-rules/x", "activate"),
    ("DELETE", "/api/v1/alert-rules/x", "activate"),
    ("GET", "/api/v1/destinations", "admin"),
    ("POST", "/api/v1/destinations", "admin"),
    ("DELETE", "/api/v1/destinations/x", "admin"),
    ("POST", "/api/v1/destinations/x/test", "admin"),
    ("POST", "/api/v1/alerts/deliver", "activate"),
    ("GET", "/api/v1/deliveries", "read"),
    ("GET", "/api/v1/users", "admin"),
    ("POST", "/api/v1/users", "admin"),
    ("PATCH", "/api/v1/users/x", "admin"),
    ("POST", "/api/v1/users/x/password", "admin"),
    ("GET", "/api/v1/tokens", "admin"),
    ("POST", "/api/v1/tokens", "admin"),
    ("DELETE", "/api/v1/tokens/x", "admin"),
    ("GET", "/api/v1/configurations/x", "read"),
    ("PUT", "/api/v1/configurations/x", "admin"),
    ("DELETE", "/api/v1/configurations/x", "admin"),
    ("GET", "/api/v1/schedules", "read"),
    ("GET", "/api/v1/schedules/x", "read"),
    ("PUT", "/api/v1/schedules/x", "admin"),
    ("DELETE", "/api/v1/schedules/x", "admin"),
    ("POST", "/api/v1/schedules/x/run", "admin"),
    ("POST", "/api/v1/database-reads", "activate"),
]


def shape(answer: Any, status: int, error: str) -> dict[str, Any]:
    """Assert the one error shape; return the body."""
    body = answer.json()
    assert answer.status_code == status, body
    assert set(body) == ERROR_KEYS
    assert body["ok"] is False and body["status"] == status and body["error"] == error
    assert set(body["details"]) >= DETAIL_KEYS
    assert isinstance(body["message"], str) and body["message"]
    return dict(body)


def test_every_api_route_is_tested_here(web: TestClient) -> None:
    """A new route must be added to ROUTES (and so to the 401/403 tests)."""
    import re

    documented = {
        (method.upper(), re.sub(r"\{[a-z_]+\}", "*", path))
        for path, ops in web.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        for method in ops
    }
    values = r"/(latest|champions|C000001|x|0)(?=/|$)"
    tested = {(m, re.sub(values, "/*", p)) for m, p, _ in ROUTES}
    assert documented == tested | {("GET", "/api/v1/health")}


@pytest.mark.parametrize(("method", "path", "scope"), ROUTES)
def test_no_credentials_is_401_in_the_error_shape(
    web: TestClient, method: str, path: str, scope: str
) -> None:
    web.cookies.clear()
    answer = web.request(method, path)
    body = shape(answer, 401, "unauthorized")
    assert answer.headers["www-authenticate"] == "Bearer"
    assert "token" in body["message"]


@pytest.mark.parametrize(("method", "path", "scope"), [r for r in ROUTES if r[2] != "read"])
def test_a_token_without_the_scope_is_403(
    web: TestClient, seeded: Seeded, method: str, path: str, scope: str
) -> None:
    web.cookies.clear()
    answer = web.request(method, path, headers=bearer(seeded.tokens["read"]))
    body = shape(answer, 403, "forbidden")
    assert body["details"]["scope"] == scope


def test_a_viewer_token_gets_only_what_the_role_grants(web: TestClient, seeded: Seeded) -> None:
    web.cookies.clear()
    headers = bearer(seeded.tokens["viewer_all"])
    assert web.get("/api/v1/me", headers=headers).json()["scopes"] == ["read"]
    shape(web.get("/api/v1/exports/latest", headers=headers), 403, "forbidden")
    shape(web.get("/api/v1/audit", headers=headers), 403, "forbidden")


@pytest.mark.parametrize(
    "token",
    ["nonsense", "rfk_000000000000_" + "A" * 43, "Bearer", ""],
)
def test_bad_tokens_are_401(web: TestClient, token: str) -> None:
    web.cookies.clear()
    shape(web.get("/api/v1/snapshots", headers=bearer(token)), 401, "unauthorized")


def test_revoked_and_expired_tokens_are_refused(web: TestClient, seeded: Seeded) -> None:
    import datetime as dt

    from rfmkit.web import security

    state = web.app.state.web  # type: ignore[attr-defined]
    made = {}
    with state.db() as store:
        for name, ends in (("old", dt.datetime(2020, 1, 1)), ("revoked", None)):
            token_id, token = security.new_token()
            accounts.add_token(store, token_id, "admin", security.digest(token), ("read",), ends)
            made[name] = (token_id, token)
        accounts.revoke_token(store, made["revoked"][0])
    web.cookies.clear()
    for _, token in made.values():
        shape(web.get("/api/v1/snapshots", headers=bearer(token)), 401, "unauthorized")


def test_health_needs_no_credentials(web: TestClient) -> None:
    web.cookies.clear()
    answer = web.get("/api/v1/health")
    assert answer.status_code == 200
    assert answer.json()["ok"] is True and answer.json()["snapshots"] == 2


def test_unknown_routes_and_bad_parameters_keep_the_error_shape(
    web: TestClient, seeded: Seeded
) -> None:
    headers = bearer(seeded.tokens["read"])
    shape(web.get("/api/v1/nothing-here", headers=headers), 404, "not_found")
    body = shape(
        web.get("/api/v1/snapshots/latest/segments/champions/members?per_page=0", headers=headers),
        422,
        "config_error",
    )
    assert body["details"]["errors"][0]["field"] == "per_page"
    shape(web.get("/api/v1/snapshots/1999-01-01", headers=headers), 404, "not_found")
    shape(web.get("/api/v1/customers/nobody", headers=headers), 404, "not_found")
    shape(web.get("/api/v1/runs/unknown", headers=headers), 404, "not_found")
    shape(
        web.get("/api/v1/snapshots/latest/segments/no_such/members", headers=headers),
        404,
        "not_found",
    )


def test_snapshots_segments_and_members(web: TestClient, seeded: Seeded) -> None:
    headers = bearer(seeded.tokens["read"])
    listed = web.get("/api/v1/snapshots", headers=headers).json()
    assert [s["as_of"] for s in listed] == [SECOND.isoformat(), FIRST.isoformat()]
    segments = web.get("/api/v1/snapshots/latest/segments?lang=en", headers=headers).json()
    assert sum(s["customers"] for s in segments) == listed[0]["customers"]
    biggest = max(segments, key=lambda s: s["customers"])
    url = f"/api/v1/snapshots/{SECOND}/segments/{biggest['segment']}/members"
    first = web.get(url + "?per_page=7&sort=monetary", headers=headers).json()
    assert first["total"] == biggest["customers"] and len(first["rows"]) == 7
    spend = [r["monetary"] for r in first["rows"]]
    assert spend == sorted(spend, reverse=True)
    second = web.get(url + "?per_page=7&page=2&sort=monetary", headers=headers).json()
    assert second["rows"][0]["monetary"] <= spend[-1]
    assert not {r["customer_id"] for r in first["rows"]} & {
        r["customer_id"] for r in second["rows"]
    }
    rising = web.get(url + "?sort=customer_id&desc=false&per_page=500", headers=headers).json()
    ids = [r["customer_id"] for r in rising["rows"]]
    assert ids == sorted(ids) and len(ids) == biggest["customers"]
    assert {r["segment"] for r in rising["rows"]} == {biggest["segment"]}


def test_viewers_and_read_tokens_see_contacts_masked(web: TestClient, seeded: Seeded) -> None:
    url = f"/api/v1/customers/{seeded.customer}"
    raw = web.get(url, headers=bearer(seeded.tokens["export"])).json()["latest"]
    masked = web.get(url, headers=bearer(seeded.tokens["read"])).json()["latest"]
    assert raw["phone"] == "+8613800000000" and raw["email"] == "person0@example.com"
    assert masked["phone"] == "+86138****0000" and masked["email"] == "p***@example.com"


def test_one_customer_with_history(web: TestClient, seeded: Seeded) -> None:
    body = web.get(
        f"/api/v1/customers/{seeded.customer}?lang=en", headers=bearer(seeded.tokens["read"])
    ).json()
    assert body["customer_id"] == seeded.customer
    assert [h["as_of"] for h in body["history"]][-1] == SECOND.isoformat()
    assert body["latest"]["segment"] == body["history"][-1]["segment"]


def test_history_and_alerts(web: TestClient, seeded: Seeded) -> None:
    headers = bearer(seeded.tokens["read"])
    history = web.get("/api/v1/history?lang=en", headers=headers).json()
    assert [s["as_of"] for s in history["snapshots"]] == [SECOND.isoformat(), FIRST.isoformat()]
    moved = sum(
        m["customers"] for m in history["migration"] if m["from_segment"] and m["to_segment"]
    )
    assert moved > 0
    alerts = web.get("/api/v1/alerts?lang=en", headers=headers).json()
    assert alerts == history["alerts"]
    assert all(a["as_of"] == SECOND.isoformat() for a in alerts)


def test_export_csv_hashed_or_without_contacts_and_audited(web: TestClient, seeded: Seeded) -> None:
    headers = bearer(seeded.tokens["export"])
    segments = web.get("/api/v1/snapshots/latest/segments", headers=headers).json()
    segment = max(segments, key=lambda s: s["customers"])
    url = f"/api/v1/exports/latest?segment={segment['segment']}&format=csv"
    hashed = web.get(url + "&contacts=hashed", headers=headers)
    assert hashed.status_code == 200
    rows = list(csv.DictReader(io.StringIO(hashed.content.decode("utf-8-sig"))))
    assert len(rows) == segment["customers"]
    assert "phone" not in rows[0] and len(rows[0]["phone_sha256"]) == 64
    plain = web.get(url + "&contacts=none", headers=headers)
    header = plain.content.decode("utf-8-sig").splitlines()[0]
    assert "phone" not in header and "email" not in header
    xlsx = web.get(url + "&format=xlsx", headers=headers)
    assert xlsx.content[:2] == b"PK"
    audit = web.get("/api/v1/audit", headers=bearer(seeded.tokens["admin"])).json()
    exports = [a for a in audit if a["action"] == "export"]
    assert exports[0]["row_count"] == segment["customers"]
    assert segment["segment"] in exports[0]["object"]


def test_raw_contacts_need_pii_rights(web: TestClient, seeded: Seeded) -> None:
    from tests.web.conftest import sign_in

    sign_in(web, "marketer")
    assert web.get("/api/v1/exports/latest?contacts=raw").status_code == 200
    web.cookies.clear()
    body = web.get("/api/v1/exports/latest?contacts=raw", headers=bearer(seeded.tokens["export"]))
    assert body.status_code == 200
    rows = list(csv.DictReader(io.StringIO(body.content.decode("utf-8-sig"))))
    first = next(r for r in rows if r["customer_id"] == seeded.customer)
    assert (first["phone"], first["email"]) == ("+8613800000000", "person0@example.com")


def test_audit_log_as_csv(web: TestClient, seeded: Seeded) -> None:
    answer = web.get("/api/v1/audit.csv", headers=bearer(seeded.tokens["admin"]))
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert set(rows[0]) == set(accounts.AUDIT_COLUMNS)
    assert any(r["action"] == "token.use" for r in rows)


def test_audiences_and_campaigns_read_from_the_store(web: TestClient, seeded: Seeded) -> None:
    headers = bearer(seeded.tokens["read"])
    assert web.get("/api/v1/audiences", headers=headers).json() == []
    shape(web.get("/api/v1/audiences/none", headers=headers), 404, "not_found")
    shape(web.get("/api/v1/campaigns/none", headers=headers), 404, "not_found")


def test_an_upload_becomes_the_contacts(web: TestClient, seeded: Seeded) -> None:
    headers = bearer(seeded.tokens["admin"])
    text = f"会员ID,手机,邮箱\n{seeded.customer},13900000001,NEW@Example.com\n"
    sent = web.post(
        "/api/v1/uploads", files={"file": ("contacts.csv", text.encode())}, headers=headers
    ).json()
    answer = web.post(f"/api/v1/uploads/{sent['upload_id']}/contacts", headers=headers)
    assert answer.status_code == 200 and answer.json() == {"customers": 1}
    latest = web.get(f"/api/v1/customers/{seeded.customer}", headers=headers).json()["latest"]
    assert (latest["phone"], latest["email"]) == ("13900000001", "NEW@Example.com")
    body = web.get("/api/v1/exports/latest?contacts=raw", headers=headers).content
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    mine = next(r for r in rows if r["customer_id"] == seeded.customer)
    assert (mine["phone"], mine["email"]) == ("+8613900000001", "new@example.com")
    audit = web.get("/api/v1/audit?limit=500", headers=headers).json()
    assert any(a["action"] == "contacts" and a["row_count"] == 1 for a in audit)
