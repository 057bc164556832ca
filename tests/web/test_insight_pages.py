"""Predictions, audiences and campaigns in the web app, over a store made the documented way:
``rfmkit.predict`` saved as the latest snapshot, an audience and two campaigns from the verbs of
``rfmkit audience`` and ``rfmkit campaign`` (one measured against its holdout)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import rfmkit
from rfmkit.store import accounts, open_store
from rfmkit.verbs.audience import create_audience
from rfmkit.verbs.campaign import create_campaign, measure_campaign
from tests.web.conftest import FIRST, SECOND, Seeded, app_over, bearer, sign_in

SEGMENTS = ["important_value", "important_development", "general_value", "general_development"]


@dataclass(frozen=True)
class Insight:
    store: Path
    audience_size: int


@pytest.fixture(scope="module")
def insight(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Insight:
    folder = tmp_path_factory.mktemp("insight")
    store = folder / "store.duckdb"
    shutil.copy(seeded.store, store)
    # the empty state's instructions: predict, then store the prediction as a snapshot
    p = rfmkit.predict(str(seeded.orders), as_of=SECOND, lang="en", validate_model=False)
    with open_store(store) as s:
        s.save_snapshot(p.customers, p.record.to_dict(), as_of=p.score.as_of)
    view = create_audience("winback", as_of=FIRST, segment=SEGMENTS, store=store)
    for name in ("winback-sms", "spring-mail"):
        create_campaign(
            name, audience="winback", send_date="2025-01-06", window_days=30, cost=500,
            margin=0.3, holdout="30%", store=store,
        )  # fmt: skip
    measure_campaign("winback-sms", str(seeded.orders), store=store, lang="en")
    return Insight(store, view.customers)


@pytest.fixture(scope="module")
def app(insight: Insight, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("insight-app")
    shutil.copy(insight.store, folder / "store.duckdb")
    with app_over(folder / "store.duckdb", folder) as client:
        yield client


def store_of(client: TestClient) -> object:
    return client.app.state.web.db()  # type: ignore[attr-defined]


def table_rows(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</tbody>", 1)[0].split("<tbody>", 1)[1]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
    ]


def number(text: str) -> float:
    return float(text.replace(",", "").replace("%", ""))


# -- predictions -----------------------------------------------------------------------


def test_predictions_of_the_latest_snapshot(app: TestClient) -> None:
    sign_in(app, "viewer")
    page = app.get("/predictions")
    assert page.status_code == 200
    for name in ("p_alive", "expected_purchases", "clv_by_segment", "clv_distribution"):
        assert f'data-chart="{name}"' in page.text and f'id="chart-{name}"' in page.text
    with store_of(app) as store:  # type: ignore[attr-defined]
        customers = store.customers(SECOND)
        total_clv = customers.clv.sum().to_pyarrow().as_py()
        count = customers.count().to_pyarrow().as_py()
        best = customers.order_by([customers.clv.desc(), customers.customer_id]).limit(20)
        best_ids = best.customer_id.to_pyarrow().to_pylist()
    kpi = re.search(r'data-kpi="clv"><span>[^<]*</span><strong>([^<]+)<', page.text)
    assert kpi and math.isclose(number(kpi.group(1)), total_clv, abs_tol=0.01)
    segments = table_rows(page.text, "prediction-segments")
    assert sum(number(r[1]) for r in segments) == count
    assert math.isclose(sum(number(r[4]) for r in segments), total_clv, abs_tol=0.1)
    assert math.isclose(sum(number(r[5]) for r in segments), 100.0, abs_tol=0.1)
    top = table_rows(page.text, "top-clv")
    assert [r[0] for r in top] == best_ids
    clv = [number(r[2]) for r in top]
    assert clv == sorted(clv, reverse=True)
    assert 'src="/assets/plotly.min.js"' in page.text
    app.get("/lang/zh")
    assert "CLV 最高的 20 位客户" in app.get("/predictions").text
    app.get("/lang/en")


def test_a_snapshot_without_predictions_explains_how_to_get_them(app: TestClient) -> None:
    sign_in(app, "viewer")
    page = app.get(f"/predictions?as_of={FIRST}")
    assert page.status_code == 200
    assert 'id="no-predictions"' in page.text
    assert f"The snapshot of {FIRST} has no predictions" in page.text
    assert "rfmkit predict orders.csv" in page.text and "save_snapshot" in page.text
    assert "data-chart" not in page.text and "plotly.min.js" not in page.text
    assert f'<option value="{SECOND}"' in page.text  # another snapshot can be chosen


def test_predictions_through_the_api(app: TestClient, seeded: Seeded) -> None:
    app.cookies.clear()
    headers = bearer(seeded.tokens["read"])
    body = app.get("/api/v1/snapshots/latest/predictions?lang=en", headers=headers).json()
    assert set(body) == {"snapshot", "figures", "segments", "top_customers"}
    assert body["snapshot"]["as_of"] == SECOND.isoformat()
    assert 0 < body["figures"]["mean_p_alive"] < 1 and body["figures"]["expected_purchases"] > 0
    assert len(body["top_customers"]) == 20
    missing = app.get(f"/api/v1/snapshots/{FIRST}/predictions", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert "rfmkit predict" in missing.json()["details"]["fix"]


# -- audiences ----------------------------------------------------------------------------


def test_the_audiences_list(app: TestClient, insight: Insight) -> None:
    sign_in(app, "viewer")
    page = app.get("/audiences")
    [row] = [r for r in table_rows(page.text, "audiences") if r[0] == "winback"]
    assert number(row[1]) == insight.audience_size
    assert "Important value" in row[2] or "important_value" in row[2]
    assert row[3] == FIRST.isoformat() and row[5] == "command line"
    assert 'id="create-audience"' not in page.text  # viewers make no audiences
    listed = app.get("/api/v1/audiences").json()
    assert [a["name"] for a in listed] == ["winback"]


def test_a_marketer_makes_an_audience(app: TestClient) -> None:
    csrf = sign_in(app, "marketer")
    page = app.get("/audiences")
    assert 'id="create-audience"' in page.text
    made = app.post(
        "/audiences",
        data={"name": "vip", "segment": ["important_value"], "csrf_token": csrf},
        follow_redirects=False,
    )
    assert made.status_code == 303 and made.headers["location"] == "/audiences/vip"
    with store_of(app) as store:  # type: ignore[attr-defined]
        latest = store.customers(SECOND)
        size = latest.filter(latest.segment == "important_value").count().to_pyarrow().as_py()
        [entry] = [a for a in accounts.audit_rows(store) if a["action"] == "audience.create"]
    assert (entry["actor"], entry["object"], entry["row_count"]) == (
        "marketer",
        "audience vip",
        size,
    )
    [row] = [r for r in table_rows(app.get("/audiences").text, "audiences") if r[0] == "vip"]
    assert number(row[1]) == size and row[3] == SECOND.isoformat() and row[5] == "marketer"
    for data, message in (
        ({"name": "vip", "segment": ["important_value"]}, "already an audience"),
        ({"name": "no good", "segment": ["important_value"]}, "Invalid audience name"),
        ({"name": "empty"}, "at least one segment"),
        ({"name": "odd", "segment": ["nonsense"]}, "has no segment"),
    ):
        refused = app.post("/audiences", data={**data, "csrf_token": csrf})
        shown = re.search(r"id=\"error\">(.*?)</p>", refused.text, re.S)
        assert refused.status_code in (400, 404) and message in refused.text, (message, shown)
    csrf = sign_in(app, "viewer")
    assert (
        app.post(
            "/audiences", data={"name": "x", "segment": ["important_value"], "csrf_token": csrf}
        ).status_code
        == 403
    )


def test_one_audience_paged_with_contacts_masked_for_viewers(
    app: TestClient, insight: Insight, seeded: Seeded
) -> None:
    sign_in(app, "viewer")
    first = app.get("/audiences/winback")
    assert first.status_code == 200
    counts = table_rows(first.text, "audience-counts")
    assert sum(number(r[1]) for r in counts) == insight.audience_size
    members = first.text.split('id="audience-members"', 1)[1]
    rows = re.findall(r'<tr><td><a href="/customers/([^"]+)">', members)
    assert len(rows) == min(50, insight.audience_size)
    assert "****" in members and "+86138" in members and not re.search(r"\+86138\d{8}<", members)
    second = app.get("/audiences/winback?page=2").text.split('id="audience-members"', 1)[1]
    assert not set(rows) & set(re.findall(r'<tr><td><a href="/customers/([^"]+)">', second))
    assert 'id="export-form"' not in first.text  # viewers do not export
    sign_in(app, "marketer")
    raw = app.get("/audiences/winback").text
    assert re.search(r"<td>\+86138\d{8}</td>", raw) and 'id="export-form"' in raw
    app.cookies.clear()
    api = app.get(
        "/api/v1/audiences/winback/members?per_page=5", headers=bearer(seeded.tokens["read"])
    )
    assert api.json()["total"] == insight.audience_size and len(api.json()["rows"]) == 5
    assert all("****" in r["phone"] for r in api.json()["rows"] if r["phone"])
    assert app.get("/audiences/nobody", headers=bearer(seeded.tokens["read"])).status_code == 404


def test_audience_exports_follow_the_export_rules(
    app: TestClient, insight: Insight, seeded: Seeded
) -> None:
    sign_in(app, "marketer")
    hashed = app.get("/api/v1/audiences/winback/export?format=csv&contacts=hashed")
    assert hashed.status_code == 200
    rows = list(csv.DictReader(io.StringIO(hashed.content.decode("utf-8-sig"))))
    assert len(rows) == insight.audience_size
    assert "phone" not in rows[0] and len(rows[0]["phone_sha256"]) == 64
    raw = app.get("/api/v1/audiences/winback/export?contacts=raw")
    assert re.search(r"\+86138\d{8}", raw.content.decode("utf-8-sig"))
    xlsx = app.get("/api/v1/audiences/winback/export?format=xlsx")
    assert xlsx.content[:2] == b"PK"
    app.cookies.clear()
    read = app.get("/api/v1/audiences/winback/export", headers=bearer(seeded.tokens["read"]))
    assert read.status_code == 403 and read.json()["details"]["scope"] == "export"
    export = bearer(seeded.tokens["export"])
    assert (
        app.get("/api/v1/audiences/winback/export?contacts=raw", headers=export).status_code == 200
    )
    with store_of(app) as store:  # type: ignore[attr-defined]
        logged = [a for a in accounts.audit_rows(store, 1000) if a["action"] == "export"]
    audience = [a for a in logged if str(a["object"]).startswith("audience winback")]
    assert len(audience) == 4 and {a["row_count"] for a in audience} == {insight.audience_size}
    assert {"marketer", "admin"} == {a["actor"] for a in audience}


# -- campaigns ---------------------------------------------------------------------------


def test_campaigns_with_their_measured_results(app: TestClient, insight: Insight) -> None:
    from rfmkit.campaigns import campaign_history

    sign_in(app, "viewer")
    page = app.get("/campaigns")
    assert page.status_code == 200
    listed = table_rows(page.text, "campaigns")
    assert [r[0] for r in listed] == ["spring-mail", "winback-sms"]
    with store_of(app) as store:  # type: ignore[attr-defined]
        [(_, results)] = campaign_history(store, "winback-sms")
    overall = next(r for r in results if r["scope"] == "overall")
    measured = page.text.split("<h2>winback-sms</h2>", 1)[1].split("</section>", 1)[0]
    rows = re.findall(
        r'<tr class="(overall|)" data-significant="(yes|no)">(.*?)</tr>', measured, re.S
    )
    assert len(rows) == len(results)
    last = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", rows[-1][2], re.S)
    ]
    assert rows[-1][0] == "overall" and last[0] == rfmkit.i18n.t("campaign.overall", "en")
    assert number(last[1]) == overall["customers_treatment"]
    assert last[5] == f"{overall['lift'] * 100:+.2f}"
    assert last[6] == f"[{overall['ci_low'] * 100:+.2f}, {overall['ci_high'] * 100:+.2f}]"
    assert last[9] == f"{overall['roi'] * 100:+.1f}%"
    assert rows[-1][1] == ("yes" if overall["p_value"] < 0.05 else "no")
    [spring] = [r for r in listed if r[0] == "spring-mail"]
    assert spring[6] == "-" and "Not measured yet" in page.text.split("<h2>spring-mail</h2>", 1)[1]
    api = {c["name"]: c for c in app.get("/api/v1/campaigns?lang=en").json()}
    assert api["winback-sms"]["measurements"] == 1 and api["spring-mail"]["results"] == []
    assert api["winback-sms"]["results"][-1]["lift"] == pytest.approx(overall["lift"])
    assert api["winback-sms"]["send_date"] == dt.date(2025, 1, 6).isoformat()


def test_empty_audiences_and_campaigns(web: TestClient) -> None:
    sign_in(web, "viewer")
    assert 'id="no-campaigns"' in web.get("/campaigns").text
    assert 'id="no-audiences"' in web.get("/audiences").text
    assert 'id="no-predictions"' in web.get("/predictions").text


@pytest.mark.parametrize(
    ("path", "zh", "en"),
    [
        ("/predictions", "各分层的预测", "Predictions by segment"),
        ("/audiences", "创建者", "Created by"),
        ("/audiences/winback", "成员", "Members"),
        ("/campaigns", "对照组响应率", "Response (control)"),
        ("/alert-rules", "推送目标（仅管理员）", "Delivery destinations (admins)"),
        ("/history/alerts", "推送记录", "Delivery log"),
        ("/admin/users", "创建令牌", "Create a token"),
    ],
)
def test_every_new_page_in_both_languages(app: TestClient, path: str, zh: str, en: str) -> None:
    sign_in(app, "admin")
    for lang, text, other in (("zh", zh, en), ("en", en, zh)):
        app.get(f"/lang/{lang}")
        page = app.get(path)
        assert page.status_code == 200 and text in page.text and other not in page.text, lang
    for link in ("/predictions", "/audiences", "/campaigns", "/alert-rules", "/admin/users"):
        assert f'href="{link}"' in page.text  # in the navigation
