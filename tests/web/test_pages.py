"""The pages and the security around them: login, sessions, CSRF, roles, uploads, runs."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rfmkit.store import accounts
from tests.web.conftest import PASSWORD, SECOND, Seeded, bearer, csrf_of, sign_in


def test_login_sets_a_secure_httponly_samesite_session(web: TestClient) -> None:
    web.cookies.clear()
    page = web.get("/login")
    answer = web.post(
        "/login",
        data={"username": "viewer", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "rfmkit_session=" in c)
    for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert flag in cookie
    audit = web.get("/api/v1/me").json()
    assert audit["name"] == "viewer" and audit["via"] == "session"


def test_login_without_its_csrf_token_is_refused(web: TestClient) -> None:
    web.cookies.clear()
    web.get("/login")
    answer = web.post("/login", data={"username": "viewer", "password": PASSWORD})
    assert answer.status_code == 403
    assert "rfmkit_session" not in web.cookies


def test_failed_logins_are_throttled_and_audited(web: TestClient, seeded: Seeded) -> None:
    web.cookies.clear()
    statuses = []
    for _ in range(6):
        page = web.get("/login")
        answer = web.post(
            "/login",
            data={"username": "marketer", "password": "wrong", "csrf_token": csrf_of(page.text)},
        )
        statuses.append(answer.status_code)
    assert statuses == [401] * 5 + [429]
    page = web.get("/login")
    right = web.post(
        "/login",
        data={"username": "marketer", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert right.status_code == 429  # still blocked, even with the right password
    web.app.state.web.throttle = type(web.app.state.web.throttle)()  # type: ignore[attr-defined]
    audit = web.get("/api/v1/audit?limit=10", headers=bearer(seeded.tokens["admin"])).json()
    actions = [a["action"] for a in audit if a["actor"] == "marketer"]
    assert sorted(actions) == ["login.failed"] * 5 + ["login.throttled"] * 2


def test_forms_need_the_session_csrf_token(web: TestClient, seeded: Seeded) -> None:
    sign_in(web, "analyst")
    upload = web.post("/data/upload", files={"file": ("a.csv", b"customer_id,order_date,amount\n")})
    assert upload.status_code == 403 and "security token" in upload.text
    logout = web.post("/logout", data={"csrf_token": "forged"})
    assert logout.status_code == 403
    assert web.get("/api/v1/me").status_code == 200  # still signed in
    api = web.post("/api/v1/uploads", files={"file": ("a.csv", b"x,y\n1,2\n")})
    assert api.json()["error"] == "csrf_failed"


def test_logout_ends_the_session(web: TestClient) -> None:
    csrf = sign_in(web, "viewer")
    cookie = web.cookies.get("rfmkit_session")
    assert web.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    web.cookies.set("rfmkit_session", str(cookie), domain="testserver")
    assert web.get("/api/v1/me").status_code == 401
    assert (
        web.get("/overview", follow_redirects=False).headers["location"] == "/login?next=/overview"
    )


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_no_open_redirects(web: TestClient, target: str) -> None:
    answer = web.get(f"/lang/en?next={target}", follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_roles_for_pages(web: TestClient) -> None:
    sign_in(web, "viewer")
    assert web.get("/overview").status_code == 200
    assert web.get("/data").status_code == 403
    assert web.get("/admin/audit").status_code == 403
    sign_in(web, "analyst")
    assert web.get("/data").status_code == 200
    assert web.get("/admin/audit").status_code == 403
    sign_in(web, "admin")
    assert "login" in web.get("/admin/audit").text


def test_viewers_see_contacts_masked_on_pages(web: TestClient, seeded: Seeded) -> None:
    sign_in(web, "viewer")
    page = web.get(f"/customers/{seeded.customer}").text
    assert "+86138****0000" in page and "p***@example.com" in page
    assert "+8613800000000" not in page
    assert "Export" not in web.get(f"/segments/x?as_of={SECOND}").text
    sign_in(web, "marketer")
    assert "+8613800000000" in web.get(f"/customers/{seeded.customer}").text


def test_pages_overview_segment_history_in_both_languages(web: TestClient) -> None:
    sign_in(web, "viewer")
    page = web.get("/overview").text
    assert 'data-chart="value_map"' in page and 'data-kpi="customers"' in page
    segment = page.split('href="/segments/', 1)[1].split("?", 1)[0]
    listing = web.get(f"/segments/{segment}?sort=recency_days&desc=false").text
    assert 'id="members"' in listing
    web.get("/lang/zh")
    assert "客户数" in web.get("/overview").text
    web.get("/lang/en")
    history = web.get("/history").text
    assert 'data-chart="migration"' in history and 'data-chart="trend"' in history


def test_security_headers_and_no_outside_scripts(web: TestClient) -> None:
    sign_in(web, "viewer")
    answer = web.get("/overview")
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["x-frame-options"] == "DENY"
    assert "http://" not in answer.text.split("<body>")[0] and "https://" not in answer.text
    assert web.get("/assets/plotly.min.js").status_code == 200
    assert web.get("/static/htmx.min.js").status_code == 200


def test_static_files_cannot_escape_their_folder(web: TestClient) -> None:
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py"):
        assert web.get(path).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "status", "error"),
    [
        ("orders.exe", b"MZ\x00\x00", 415, "unsupported_type"),
        ("orders.xlsx", b"not a zip at all", 415, "unsupported_type"),
        ("orders.csv", b"a,b\x00\x00\x00", 415, "unsupported_type"),
        ("orders.csv", b"", 415, "unsupported_type"),
        ("orders.csv", b"x" * 1_100_000, 413, "too_large"),
    ],
)
def test_uploads_are_checked_for_type_and_size(
    seeded: Seeded, tmp_path: Path, name: str, content: bytes, status: int, error: str
) -> None:
    import shutil

    from tests.web.conftest import app_over

    shutil.copy(seeded.store, tmp_path / "store.duckdb")
    with app_over(tmp_path / "store.duckdb", tmp_path, max_upload_mb=1) as client:
        answer = client.post(
            "/api/v1/uploads",
            files={"file": (name, io.BytesIO(content))},
            headers=bearer(seeded.tokens["admin"]),
        )
        assert answer.status_code == status and answer.json()["error"] == error
        assert list((tmp_path / "data" / "uploads").iterdir()) == []


@pytest.mark.parametrize("upload_id", ["../../etc", "..%2f..%2fetc", "0" * 31, "G" * 32])
def test_upload_ids_cannot_reach_other_files(
    web: TestClient, seeded: Seeded, upload_id: str
) -> None:
    answer = web.post(
        f"/api/v1/uploads/{upload_id}/check", json={}, headers=bearer(seeded.tokens["admin"])
    )
    assert answer.status_code == 404


def test_upload_check_and_run_through_the_api(web: TestClient, seeded: Seeded) -> None:
    headers = bearer(seeded.tokens["admin"])
    sent = web.post(
        "/api/v1/uploads",
        files={"file": ("orders.csv", seeded.orders.read_bytes())},
        headers=headers,
    ).json()
    checked = web.post(
        f"/api/v1/uploads/{sent['upload_id']}/check", json={"lang": "en"}, headers=headers
    ).json()
    assert checked["mapping"] == {
        "customer": "customer_id",
        "date": "order_date",
        "amount": "amount",
        "order": "order_id",
    }
    assert len(checked["preview"]) == 8 and checked["quality"]["rows_read"] > 0
    refused = web.post(
        "/api/v1/runs",
        json={"upload_id": sent["upload_id"], "scheme": "/etc/passwd"},
        headers=headers,
    )
    assert refused.status_code == 400 and refused.json()["error"] == "config_error"
    started = web.post(
        "/api/v1/runs",
        json={"upload_id": sent["upload_id"], "as_of": "2025-03-01", "breakpoints_mode": "refit"},
        headers=headers,
    )
    assert started.status_code == 202, started.text
    job = _wait(web, started.json()["job_id"], headers)
    assert job["status"] == "done", job
    assert job["result"]["as_of"] == "2025-03-01"
    dates = [s["as_of"] for s in web.get("/api/v1/snapshots", headers=headers).json()]
    assert "2025-03-01" in dates
    audit = web.get("/api/v1/audit", headers=headers).json()
    runs = [a for a in audit if a["action"] == "run" and "2025-03-01" in a["object"]]
    assert runs[0]["ip"] == "testclient" and runs[0]["actor"] == "admin"
    assert runs[0]["row_count"] == job["result"]["customers"]  # type: ignore[index]


def test_a_failing_run_says_why(web: TestClient, seeded: Seeded) -> None:
    headers = bearer(seeded.tokens["admin"])
    sent = web.post(
        "/api/v1/uploads", files={"file": ("x.csv", b"who,when\n1,2\n")}, headers=headers
    ).json()
    started = web.post("/api/v1/runs", json={"upload_id": sent["upload_id"]}, headers=headers)
    job = _wait(web, started.json()["job_id"], headers)
    assert job["status"] == "failed"
    assert job["error"]["error"] == "column_not_found" and job["error"]["ok"] is False


def _wait(web: TestClient, job_id: str, headers: dict[str, str]) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job: dict[str, object] = web.get(f"/api/v1/runs/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError("the run did not finish in 60 s")


def test_connections_are_encrypted_and_webhooks_guarded(seeded: Seeded, tmp_path: Path) -> None:
    import shutil

    from cryptography.fernet import Fernet

    from tests.web.conftest import app_over

    key = Fernet.generate_key()
    (tmp_path / "key").write_bytes(key)
    shutil.copy(seeded.store, tmp_path / "store.duckdb")
    headers = bearer(seeded.tokens["admin"])
    secret_url = "postgresql://reader:S3cretPw@db.example.com/shop"
    with app_over(tmp_path / "store.duckdb", tmp_path, secret_key_file=tmp_path / "key") as client:
        client.app.state.web.config.allow_private = False  # type: ignore[attr-defined]
        made = client.post(
            "/api/v1/connections",
            json={"name": "shop", "kind": "database", "url": secret_url},
            headers=headers,
        )
        assert made.status_code == 201 and "S3cretPw" not in made.text
        listed = client.get("/api/v1/connections", headers=headers)
        assert [c["name"] for c in listed.json()] == ["shop"] and "S3cretPw" not in listed.text
        private = client.post(
            "/api/v1/connections",
            json={"name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/x"},
            headers=headers,
        )
        assert private.status_code == 400 and private.json()["error"] == "unsafe_url"
        state = client.app.state.web  # type: ignore[attr-defined]
        with state.db() as store:
            kind, sealed = accounts.get_secret(store, "shop") or ("", "")
            assert kind == "database"
            assert "S3cretPw" not in sealed and state.vault.open(sealed)["url"] == secret_url
            logged = accounts.audit_rows(store)
        assert not any("S3cretPw" in str(row) for row in logged)
    raw = (tmp_path / "store.duckdb").read_bytes()
    assert b"S3cretPw" not in raw


def test_connections_need_a_key(web: TestClient, seeded: Seeded) -> None:
    answer = web.post(
        "/api/v1/connections",
        json={"name": "x", "kind": "database", "url": "postgresql://a@b/c"},
        headers=bearer(seeded.tokens["admin"]),
    )
    assert answer.status_code == 400 and "RFMKIT_SECRET_KEY" in answer.json()["details"]["fix"]
