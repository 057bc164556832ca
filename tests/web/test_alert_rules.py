"""Alert rules and destinations in the web app: the rules in effect, edited as YAML (errors in
place, saved in the store, used by the history's alerts); destinations defined by admins only,
stored encrypted, SSRF-guarded, tested with a real message to a loopback receiver; the history's
alerts delivered once per destination by marketers and admins, with the delivery log."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from rfmkit.delivery import generate_secret
from rfmkit.store import accounts
from tests.delivery.endpoint import FakeEndpoint, Reply
from tests.web.conftest import Seeded, app_over, bearer, sign_in

ONLY_FALLS = """\
scheme: cn8
rules:
  - key: fell_two_groups
    kind: fell
    steps: 2
"""


@pytest.fixture
def app(seeded: Seeded, tmp_path: Path) -> Iterator[TestClient]:
    """An app over a copy of the seeded store, with a secret key (loopback allowed)."""
    (tmp_path / "key").write_bytes(Fernet.generate_key())
    shutil.copy(seeded.store, tmp_path / "store.duckdb")
    with app_over(tmp_path / "store.duckdb", tmp_path, secret_key_file=tmp_path / "key") as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[FakeEndpoint]:
    server = FakeEndpoint().start()
    yield server
    server.stop()


def audit_of(client: TestClient, action: str) -> list[dict[str, object]]:
    with client.app.state.web.db() as store:  # type: ignore[attr-defined]
        return [r for r in accounts.audit_rows(store, 1000) if r["action"] == action]


def define(client: TestClient, csrf: str, **fields: str) -> object:
    return client.post("/admin/destinations", data={**fields, "csrf_token": csrf})


def rules_of(client: TestClient) -> list[str]:
    return sorted({a["rule"] for a in client.get("/api/v1/alerts?lang=en").json()})


def test_everyone_sees_the_rules_in_effect(app: TestClient) -> None:
    sign_in(app, "viewer")
    page = app.get("/alert-rules")
    assert page.status_code == 200
    cn8 = page.text.split('id="rules-cn8"', 1)[1].split("</section>", 1)[0]
    assert 'data-source="shipped"' in cn8 and "used by the latest snapshot" in cn8
    for key in ("vip_silent", "fell_two_groups", "p_alive_low", "segment_shift"):
        assert f"<code>{key}</code>" in cn8
    assert "no purchase for 90 days" in cn8
    assert "<textarea" not in page.text and "destinations-card" not in page.text  # viewers read
    listed = app.get("/api/v1/alert-rules").json()
    assert listed[0]["scheme"] == "cn8" and listed[0]["source"] == "shipped"
    assert [r["key"] for r in listed[0]["parsed"]["rules"]] == [
        "vip_silent",
        "fell_two_groups",
        "p_alive_low",
        "segment_shift",
    ]
    app.get("/lang/zh")
    assert "预警规则" in app.get("/alert-rules").text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ONLY_FALLS.replace("steps: 2", "steps: 0"), "(at rules.0.fell.steps)"),
        (ONLY_FALLS.replace("    steps", "  steps"), "not valid YAML"),
        (ONLY_FALLS.replace("kind: fell", "kind: vanished"), "Invalid alert rules"),
        (ONLY_FALLS.replace("scheme: cn8", "scheme: tier5"), "name the scheme 'tier5'"),
        (ONLY_FALLS + "    segments: [nobody]\n", "lacks: nobody"),
    ],
)
def test_invalid_rules_are_refused_in_place(app: TestClient, text: str, message: str) -> None:
    csrf = sign_in(app, "analyst")
    answer = app.post("/alert-rules/cn8", data={"rules": text, "csrf_token": csrf})
    assert answer.status_code == 400
    form = answer.text.split('id="rules-cn8"', 1)[1].split("</section>", 1)[0]
    error = re.search(r'id="rules-error"><p>(.*?)</p>', form, re.S)
    assert error and message in error.group(1).replace("&#39;", "'"), form
    assert "<details open>" in form and 'aria-invalid="true"' in form
    typed = text.replace("'", "&#39;").replace('"', "&#34;")
    assert f">{typed}</textarea>" in form  # what was typed stays, to be fixed
    assert rules_of(app) == ["fell_two_groups", "vip_silent"]  # nothing saved
    assert audit_of(app, "alert_rules.save") == []


def test_edited_rules_are_kept_and_used_then_reset(app: TestClient) -> None:
    csrf = sign_in(app, "analyst")
    assert rules_of(app) == ["fell_two_groups", "vip_silent"]
    saved = app.post(
        "/alert-rules/cn8", data={"rules": ONLY_FALLS, "csrf_token": csrf}, follow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/alert-rules?done=rules_saved"
    page = app.get("/alert-rules?done=rules_saved").text
    cn8 = page.split('id="rules-cn8"', 1)[1].split("</section>", 1)[0]
    assert 'data-source="stored"' in cn8 and "analyst" in cn8 and "vip_silent" not in cn8
    assert rules_of(app) == ["fell_two_groups"]  # the history's alerts follow
    history = app.get("/history/alerts").text
    assert "fell_two_groups" in history and "vip_silent" not in history
    with app.app.state.web.db() as store:  # type: ignore[attr-defined]
        assert accounts.alert_rules_text(store)["cn8"]["rules"] == ONLY_FALLS
    [entry] = audit_of(app, "alert_rules.save")
    assert (entry["actor"], entry["object"], entry["row_count"]) == (
        "analyst",
        "alert rules cn8",
        1,
    )
    app.post("/alert-rules/cn8/reset", data={"csrf_token": csrf})
    assert rules_of(app) == ["fell_two_groups", "vip_silent"]
    assert 'data-source="shipped"' in app.get("/alert-rules").text.split('id="rules-cn8"')[1]


def test_rules_through_the_api(app: TestClient, seeded: Seeded) -> None:
    app.cookies.clear()
    headers = bearer(seeded.tokens["activate"])
    put = app.put("/api/v1/alert-rules/cn8", json={"rules": ONLY_FALLS}, headers=headers)
    assert put.status_code == 200 and put.json()["parsed"]["rules"][0]["key"] == "fell_two_groups"
    bad = app.put(
        "/api/v1/alert-rules/cn8", json={"rules": ONLY_FALLS.replace("2", "-1")}, headers=headers
    )
    body = bad.json()
    assert bad.status_code == 400 and body["error"] == "config_error" and body["ok"] is False
    assert "rules.0.fell.steps" in body["message"]
    for scheme in ("nope", "..", "%2Fetc%2Fpasswd"):
        answer = app.put(f"/api/v1/alert-rules/{scheme}", json={"rules": "x"}, headers=headers)
        assert answer.status_code in (404, 422) and answer.json()["ok"] is False
    assert app.delete("/api/v1/alert-rules/cn8", headers=headers).json()["source"] == "shipped"
    viewer = app.put(
        "/api/v1/alert-rules/cn8", json={"rules": ONLY_FALLS}, headers=bearer(seeded.tokens["read"])
    )
    assert viewer.status_code == 403


def test_viewers_and_marketers_cannot_change_rules_or_destinations(app: TestClient) -> None:
    for role in ("viewer", "marketer"):
        csrf = sign_in(app, role)
        assert (
            app.post("/alert-rules/cn8", data={"rules": ONLY_FALLS, "csrf_token": csrf}).status_code
            == 403
        )
    csrf = sign_in(app, "analyst")
    assert "destinations-card" not in app.get("/alert-rules").text
    answer = define(app, csrf, name="hook", kind="webhook", url="http://127.0.0.1:9/", secret="x")
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert app.post("/admin/destinations/hook/test", data={"csrf_token": csrf}).status_code == 403


def test_destinations_are_stored_encrypted_and_never_shown(
    app: TestClient, receiver: FakeEndpoint, tmp_path: Path
) -> None:
    csrf = sign_in(app, "admin")
    secret = generate_secret()
    made = app.post(
        "/admin/destinations",
        data={"name": "crm", "kind": "webhook", "url": receiver.url + "/hooks", "secret": secret,
              "csrf_token": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303
    robot = "robot-token-0123456789"
    define(app, csrf, name="sales", kind="dingtalk", url=f"{receiver.url}/robot/send?access_token={robot}",
           secret="SECabc123")  # fmt: skip
    define(
        app,
        csrf,
        name="service",
        kind="wecom",
        url=f"{receiver.url}/cgi-bin/webhook/send?key={robot}",
    )
    page = app.get("/alert-rules?done=destination_saved").text
    rows = re.findall(r'<tr data-destination="([^"]+)"><td>[^<]*</td><td>([^<]*)</td>', page)
    assert rows == [
        ("crm", "Standard Webhook"),
        ("sales", "DingTalk robot"),
        ("service", "WeCom robot"),
    ]
    listed = app.get("/api/v1/destinations").text
    for hidden in (secret, robot, receiver.url):
        assert hidden not in page and hidden not in listed
        assert all(hidden not in str(r) for r in audit_of(app, "destination.define"))
    app.app.state.web.close()  # type: ignore[attr-defined]  # flush, then read the raw file
    raw = (tmp_path / "store.duckdb").read_bytes()
    app.app.state.web.open()  # type: ignore[attr-defined]
    assert secret.encode() not in raw and robot.encode() not in raw


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"kind": "webhook", "url": "http://127.0.0.1:9/x", "secret": "whsec_" + "A" * 32},
            "private",
        ),
        (
            {
                "kind": "webhook",
                "url": "http://169.254.169.254/latest",
                "secret": "whsec_" + "A" * 32,
            },
            "private",
        ),
        ({"kind": "webhook", "url": "https://example.com/x", "secret": "not-a-whsec"}, "secret"),
        ({"kind": "dingtalk", "access_token": "tok-123456", "secret": "nope-secret-99"}, "SEC"),
        ({"kind": "wecom"}, "exactly one of key and url"),
        ({"kind": "sms", "url": "https://example.com"}, "Unknown destination kind"),
    ],
)
def test_bad_destinations_are_refused_in_place(
    app: TestClient, fields: dict[str, str], message: str
) -> None:
    app.app.state.web.config.allow_private = False  # type: ignore[attr-defined]
    csrf = sign_in(app, "admin")
    answer = define(app, csrf, name="bad", **fields)
    assert answer.status_code == 400  # type: ignore[attr-defined]
    text = answer.text  # type: ignore[attr-defined]
    error = re.search(r'id="error">(.*?)</p>', text, re.S)
    assert error and message in error.group(1), text
    for value in fields.values():
        if value not in ("webhook", "dingtalk", "wecom", "sms"):
            assert value not in text  # nothing typed into an address or secret field comes back
    assert app.get("/api/v1/destinations").json() == []


def test_test_messages_reach_each_kind(app: TestClient, receiver: FakeEndpoint) -> None:
    csrf = sign_in(app, "admin")
    secret = generate_secret()
    receiver.webhook_secret = secret
    define(app, csrf, name="crm", kind="webhook", url=receiver.url + "/hooks", secret=secret)
    sent = app.post("/admin/destinations/crm/test", data={"csrf_token": csrf})
    assert sent.status_code == 200 and "The test message reached crm." in sent.text
    [hook] = receiver.requests
    assert hook.signature_ok is True and hook.path == "/hooks"
    assert (
        hook.json["type"] == "rfmkit.test"
        and "crm can receive alerts" in hook.json["data"]["message"]
    )
    receiver.webhook_secret = None
    receiver.dingtalk_secret = "SECabc123"
    define(app, csrf, name="sales", kind="dingtalk", url=f"{receiver.url}/robot/send?access_token=t1",
           secret="SECabc123")  # fmt: skip
    app.get("/lang/zh")
    app.post("/admin/destinations/sales/test", data={"csrf_token": csrf})
    ding = receiver.requests[-1]
    assert ding.signature_ok is True and ding.query["access_token"] == "t1"
    assert ding.json == {
        "msgtype": "text",
        "text": {"content": "rfmkit 预警推送测试：sales 已可接收预警。"},
    }
    receiver.dingtalk_secret = None
    define(
        app, csrf, name="service", kind="wecom", url=f"{receiver.url}/cgi-bin/webhook/send?key=k9"
    )
    receiver.reply(Reply(200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    app.get("/lang/en")
    failed = app.post("/admin/destinations/service/test", data={"csrf_token": csrf})
    assert receiver.requests[-1].query["key"] == "k9"
    assert "did not reach service" in failed.text and "errcode 93000" in failed.text
    tested = {
        str(a["object"]): str(a["detail"]).split(":")[0] for a in audit_of(app, "destination.test")
    }
    assert tested == {
        "webhook crm": "delivered",
        "dingtalk sales": "delivered",
        "wecom service": "config_error",
    }
    assert app.get("/api/v1/deliveries").json() == []  # a test delivers no alert
    api = app.post("/api/v1/destinations/crm/test?lang=en", headers={"X-CSRF-Token": csrf})
    assert api.json()["ok"] is True and api.json()["status"] == "delivered"
    assert (
        app.post("/api/v1/destinations/none/test", headers={"X-CSRF-Token": csrf}).status_code
        == 404
    )


def test_alerts_are_delivered_once_from_the_history(
    app: TestClient, receiver: FakeEndpoint, seeded: Seeded
) -> None:
    csrf = sign_in(app, "admin")
    secret = generate_secret()
    receiver.webhook_secret = secret
    define(app, csrf, name="crm", kind="webhook", url=receiver.url + "/hooks", secret=secret)
    customer_alerts = [a for a in app.get("/api/v1/alerts").json() if a["customer_id"]]
    assert len(customer_alerts) > 10
    history = app.get("/history").text
    assert 'hx-get="/history/alerts"' in history and 'id="alerts-panel"' in history
    csrf = sign_in(app, "marketer")
    panel = app.get("/history/alerts", headers={"HX-Request": "true"}).text
    assert panel.startswith('<section class="card" id="alerts-panel">') and "<html" not in panel
    assert 'name="to" value="crm"' in panel and "Nothing delivered yet." in panel
    done = app.post(
        "/history/alerts/deliver",
        data={"to": "crm", "csrf_token": csrf},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200
    sent = [item for r in receiver.requests for item in r.json["data"]["alerts"]]
    assert all(r.signature_ok for r in receiver.requests)
    assert sorted(a["alert_key"] for a in sent) == sorted(a["alert_key"] for a in customer_alerts)
    assert f"Delivered {len(sent)} of {len(sent)} customer alerts." in done.text
    log = re.findall(r"<tr><td>[^<]+</td><td>crm</td><td>delivered</td>", done.text)
    assert len(log) == min(len(sent), 100)
    again = app.post("/history/alerts/deliver", data={"to": "crm", "csrf_token": csrf})
    assert "Delivered 0 of" in again.text and f"crm: {len(sent)} delivered before." in again.text
    assert len(receiver.requests) == -(-len(sent) // 100)  # nothing sent twice
    entries = audit_of(app, "alerts.deliver")  # one second holds both: in no fixed order
    assert sorted((a["actor"], a["object"], a["row_count"]) for a in entries) == [
        ("marketer", "crm", 0),
        ("marketer", "crm", len(sent)),
    ]
    logged = app.get("/api/v1/deliveries?limit=1000", headers=bearer(seeded.tokens["read"])).json()
    assert len(logged) == len(sent) and {e["status"] for e in logged} == {"delivered"}


def test_viewers_see_alerts_but_cannot_deliver(app: TestClient, seeded: Seeded) -> None:
    csrf = sign_in(app, "viewer")
    page = app.get("/history/alerts")
    assert (
        page.status_code == 200 and 'id="alerts"' in page.text and "deliver-form" not in page.text
    )
    assert (
        app.post("/history/alerts/deliver", data={"to": "crm", "csrf_token": csrf}).status_code
        == 403
    )
    app.cookies.clear()
    answer = app.post(
        "/api/v1/alerts/deliver", json={"to": ["crm"]}, headers=bearer(seeded.tokens["read"])
    )
    assert answer.status_code == 403 and answer.json()["details"]["scope"] == "activate"
    unknown = app.post(
        "/api/v1/alerts/deliver",
        json={"to": ["nowhere"]},
        headers=bearer(seeded.tokens["activate"]),
    )
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
