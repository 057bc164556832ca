"""Named configurations: saved, edited and deleted by admins (API and Settings screen), validated
by the settings registry exactly as the CLI validates them, and chosen when a run starts."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

import rfmkit
from rfmkit.errors import ConfigError
from tests.web.conftest import Seeded, bearer, csrf_of, sign_in

GOOD = {
    "scheme": "classic11",
    "method": "thresholds",
    "levels": 5,
    "weights": "luxury",
    "thresholds": {"recency_days": [30, 60, 90, 180]},
    "split": "median",
    "as_of": "2025-03-01",
    "breakpoints_mode": "refit",
}


def _wait(web: TestClient, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job: dict[str, Any] = web.get(f"/api/v1/runs/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError("the run did not finish in 90 s")


def test_save_get_list_and_delete_through_the_api(web: TestClient, seeded: Seeded) -> None:
    admin = bearer(seeded.tokens["admin"])
    saved = web.put("/api/v1/configurations/luxury-q1", json=GOOD, headers=admin)
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"name": "luxury-q1", "settings": GOOD}
    reader = bearer(seeded.tokens["read"])
    assert web.get("/api/v1/configurations/luxury-q1", headers=reader).json()["settings"] == GOOD
    assert web.get("/api/v1/configurations", headers=reader).json()["luxury-q1"] == GOOD
    changed = web.put(
        "/api/v1/configurations/luxury-q1", json={"weights": "1,2,1"}, headers=admin
    ).json()
    assert changed["settings"] == {"weights": "1,2,1"}  # replaced, not merged
    assert web.delete("/api/v1/configurations/luxury-q1", headers=admin).json()["deleted"]
    missing = web.get("/api/v1/configurations/luxury-q1", headers=reader)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    audit = web.get("/api/v1/audit?limit=50", headers=admin).json()
    actions = {a["action"] for a in audit if a["object"] == "luxury-q1"}
    assert {"configuration.save", "configuration.delete"} <= actions


def _cli_message(**settings: Any) -> str:
    """The message the Python API (and so the CLI) gives for the same settings."""
    import pandas as pd

    orders = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "order_date": pd.to_datetime(["2024-05-01", "2024-06-01", "2024-06-20"]),
            "amount": [10.0, 20.0, 30.0],
        }
    )
    with pytest.raises(ConfigError) as raised:
        rfmkit.score(orders, **settings)
    return raised.value.message


@pytest.mark.parametrize(
    "settings",
    [
        {"weights": "heavy"},
        {"weights": "1,-1,1"},
        {"method": "thresholds", "thresholds": {"recency_days": [90, 30, 60, 180]}},
        {"method": "thresholds", "thresholds": {"frequency": [1, 2]}},
        {"method": "thresholds", "thresholds": {"basket": [1, 2, 3, 4]}},
        {"levels": 4, "method": "thresholds", "thresholds": {"monetary": [1, 2, 3, 4]}},
    ],
    ids=["preset", "negative", "order", "count", "metric", "levels"],
)
def test_refused_as_the_cli_refuses(web: TestClient, seeded: Seeded, settings: dict) -> None:
    answer = web.put(
        "/api/v1/configurations/bad", json=settings, headers=bearer(seeded.tokens["admin"])
    )
    body = answer.json()
    assert answer.status_code == 400 and body["error"] == "config_error", body
    assert body["message"] == _cli_message(**settings)
    assert (
        web.get("/api/v1/configurations/bad", headers=bearer(seeded.tokens["read"])).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"scheme": "/etc/passwd"}, 400, "Unknown scheme"),
        ({"method": "thresholds"}, 400, "needs thresholds"),
        ({"levels": 11}, 422, "levels"),
        ({"as_of": "not a date"}, 422, "as_of"),
        ({"colour": "red"}, 422, "colour"),
    ],
)
def test_other_refusals(
    web: TestClient, seeded: Seeded, body: dict, status: int, needle: str
) -> None:
    answer = web.put(
        "/api/v1/configurations/bad", json=body, headers=bearer(seeded.tokens["admin"])
    )
    assert answer.status_code == status and needle in answer.text, answer.text


def test_only_admins_change_configurations(web: TestClient, seeded: Seeded) -> None:
    answer = web.put("/api/v1/configurations/x", json={}, headers=bearer(seeded.tokens["activate"]))
    assert answer.status_code == 403 and answer.json()["details"]["scope"] == "admin"
    csrf = sign_in(web, "analyst")
    page = web.get("/settings")
    assert page.status_code == 200 and 'id="configuration-form"' not in page.text
    refused = web.post("/settings", data={"csrf_token": csrf, "name": "x", "scheme": "cn8"})
    assert refused.status_code == 403
    sign_in(web, "viewer")
    assert web.get("/settings").status_code == 403


def test_a_run_starts_from_a_configuration(web: TestClient, seeded: Seeded) -> None:
    admin = bearer(seeded.tokens["admin"])
    config = {
        "scheme": "value4",
        "weights": "fmcg",
        "as_of": "2025-02-01",
        "levels": 4,
        "breakpoints_mode": "refit",  # 4 levels cannot reuse the stored 5-level edges
    }
    assert web.put("/api/v1/configurations/fmcg4", json=config, headers=admin).status_code == 200
    sent = web.post(
        "/api/v1/uploads", files={"file": ("o.csv", seeded.orders.read_bytes())}, headers=admin
    ).json()
    started = web.post(
        "/api/v1/runs",
        json={"upload_id": sent["upload_id"], "configuration": "fmcg4"},
        headers=admin,
    )
    assert started.status_code == 202, started.text
    job = _wait(web, started.json()["job_id"], admin)
    assert job["status"] == "done", job["error"]
    assert job["result"]["as_of"] == "2025-02-01" and job["result"]["scheme"] == "value4"
    state = web.app.state.web  # type: ignore[attr-defined]
    with state.db() as store:
        record = store.record("2025-02-01")
    assert record["settings"]["weights"] == "fmcg" and record["settings"]["levels"] == 4
    assert record["breakpoints_mode"] == "refit"
    # a value given with the run wins over the configuration's
    again = web.post(
        "/api/v1/runs",
        json={"upload_id": sent["upload_id"], "configuration": "fmcg4", "as_of": "2025-02-15"},
        headers=admin,
    )
    assert _wait(web, again.json()["job_id"], admin)["result"]["as_of"] == "2025-02-15"
    missing = web.post(
        "/api/v1/runs",
        json={"upload_id": sent["upload_id"], "configuration": "nope"},
        headers=admin,
    )
    assert missing.status_code == 404


def test_the_settings_screen_saves_edits_and_deletes(web: TestClient, seeded: Seeded) -> None:
    csrf = sign_in(web, "admin")
    web.get("/lang/zh")
    page = web.get("/settings")
    assert "评分配置" in page.text and "奢侈品" in page.text  # the presets, labelled
    form = {
        "csrf_token": csrf,
        "name": "b2b-thresholds",
        "scheme": "tier5",
        "method": "thresholds",
        "levels": "5",
        "weights": "custom",
        "weights_custom": "1,1,3",
        "thresholds_recency_days": "30，60,90,180",
        "split": "",
        "as_of": "",
    }
    saved = web.post("/settings", data=form, follow_redirects=False)
    assert (
        saved.status_code == 303 and saved.headers["location"] == "/settings?saved=b2b-thresholds"
    )
    reader = bearer(seeded.tokens["read"])
    stored = web.get("/api/v1/configurations/b2b-thresholds", headers=reader).json()["settings"]
    assert stored == {
        "scheme": "tier5",
        "method": "thresholds",
        "levels": 5,
        "weights": "1,1,3",
        "thresholds": {"recency_days": [30.0, 60.0, 90.0, 180.0]},
    }
    edit = web.get("/settings?edit=b2b-thresholds").text
    assert 'value="1,1,3"' in edit and 'value="30,60,90,180"' in edit
    wrong = web.post("/settings", data={**form, "thresholds_recency_days": "90,30"})
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text
    assert 'value="90,30"' in wrong.text  # the values come back to be corrected
    web.get("/lang/en")
    shown = web.get("/settings").text
    assert "Scoring configurations" in shown and 'data-name="b2b-thresholds"' in shown
    gone = web.post("/settings/b2b-thresholds/delete", data={"csrf_token": csrf})
    assert gone.status_code == 200 and 'data-name="b2b-thresholds"' not in gone.text


def test_the_check_page_offers_configurations(web: TestClient, seeded: Seeded) -> None:
    admin = bearer(seeded.tokens["admin"])
    web.put("/api/v1/configurations/tiers", json={"scheme": "tier5"}, headers=admin)
    csrf = sign_in(web, "analyst")
    upload = web.post(
        "/data/upload",
        data={"csrf_token": csrf},
        files={"file": ("orders.csv", seeded.orders.read_bytes())},
        follow_redirects=False,
    )
    check = web.get(upload.headers["location"]).text
    assert '<option value="tiers">tiers</option>' in check
    run = web.post(
        upload.headers["location"] + "/run",
        data={"csrf_token": csrf, "configuration": "tiers", "as_of": "2025-01-15"},
        follow_redirects=False,
    )
    job_id = run.headers["location"].rsplit("/", 1)[1]
    job = _wait(web, job_id, admin)
    assert job["result"]["scheme"] == "tier5" and job["result"]["as_of"] == "2025-01-15"
    assert csrf_of(web.get(f"/runs/{job_id}").text)
