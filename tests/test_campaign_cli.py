"""Act on segments through ``rfmkit.cli.main``: lifecycle stages in the scored table,
frozen audiences, exports and pushes without the suppressed, campaigns with a holdout
and their measurement (golden values), exact exit codes and no traceback."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
from pathlib import Path

import pandas as pd
import pytest

from rfmkit.cli import main
from rfmkit.glossary import CUSTOMER_COLUMNS
from rfmkit.verbs.audience import export_audience, show_audience
from rfmkit.verbs.campaign import campaign_history, create_campaign, measure_campaign
from tests.delivery.endpoint import FakeEndpoint
from tests.delivery.helpers import SECRET

Q1, Q2 = dt.date(2024, 4, 1), dt.date(2024, 7, 1)
SEND = dt.date(2024, 7, 10)
WINDOW = 30
Z95 = 1.959963984540054


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    return code, " ".join(text.split())


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# -- a hand-made shop ------------------------------------------------------------------

#: customer -> (order dates, amount per order, phone, email)
SHOP: dict[str, tuple[list[dt.date], float, str, str]] = {
    # big spenders who stopped buying in 2023: important win-back / retention in cn8 at Q1
    "w1": (
        [dt.date(2023, 1, 5), dt.date(2023, 3, 5), dt.date(2023, 5, 5)],
        900.0,
        "138 0013 8001",
        "W1@shop.cn",
    ),
    "w2": (
        [dt.date(2023, 2, 1), dt.date(2023, 4, 1), dt.date(2023, 6, 1)],
        800.0,
        "13800138002",
        "w2@shop.cn",
    ),
    "w3": ([dt.date(2023, 1, 9), dt.date(2023, 6, 9)], 1200.0, "+86 138-0013-8003", "w3@shop.cn"),
    "w4": (
        [dt.date(2023, 3, 3), dt.date(2023, 5, 3), dt.date(2023, 7, 3)],
        700.0,
        "013800138004",
        "w4@shop.cn",
    ),
    # recent, frequent, high value
    "v1": (
        [dt.date(2024, 1, d) for d in (5, 15, 25)] + [dt.date(2024, 3, 20)],
        600.0,
        "13800138011",
        "v1@shop.cn",
    ),
    "v2": (
        [dt.date(2024, 2, d) for d in (2, 12, 22)] + [dt.date(2024, 3, 25)],
        650.0,
        "13800138012",
        "v2@shop.cn",
    ),
    # small, old, rare
    "s1": ([dt.date(2023, 2, 14)], 20.0, "13800138021", "s1@shop.cn"),
    "s2": ([dt.date(2023, 3, 14)], 25.0, "13800138022", "s2@shop.cn"),
    "s3": ([dt.date(2023, 4, 14)], 30.0, "13800138023", "s3@shop.cn"),
    # a new customer: first order two weeks before Q1
    "n1": ([dt.date(2024, 3, 18)], 40.0, "13800138031", "n1@shop.cn"),
}


def orders() -> pd.DataFrame:
    rows = [
        {"customer_id": cid, "order_id": f"{cid}-{i}", "order_date": day, "amount": amount}
        for cid, (days, amount, _phone, _email) in SHOP.items()
        for i, day in enumerate(days)
    ]
    # after Q1: w1 and w2 come back (so at Q2 they are no longer win-back customers)
    rows += [
        {
            "customer_id": "w1",
            "order_id": "w1-b",
            "order_date": dt.date(2024, 5, 2),
            "amount": 900.0,
        },
        {
            "customer_id": "w2",
            "order_id": "w2-b",
            "order_date": dt.date(2024, 6, 2),
            "amount": 800.0,
        },
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    orders().to_csv(tmp_path / "orders.csv", index=False)
    contacts = [(cid, phone, email) for cid, (_d, _a, phone, email) in SHOP.items()]
    pd.DataFrame(contacts, columns=["会员ID", "手机号码", "邮箱"]).to_csv(
        tmp_path / "contacts.csv", index=False
    )
    return tmp_path


def snapshot(capsys: pytest.CaptureFixture[str], day: dt.date) -> None:
    code, text = run(capsys, "snapshot", "orders.csv", "--as-of", day, "--store", "s.duckdb")
    assert code == 0, text


# -- lifecycle stages ---------------------------------------------------------------


def test_score_writes_lifecycle_stage_and_the_stage_summary(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = run(capsys, "score", "orders.csv", "--as-of", Q1, "-o", "c.csv", "--lang", "en")
    assert code == 0, text
    rows = read_csv(shop / "c.csv")
    assert list(rows[0]) == list(CUSTOMER_COLUMNS)
    stages = {r["customer_id"]: r["lifecycle_stage"] for r in rows}
    # n1's first order is 14 days old: new, whatever its segment; w3 buys every five
    # months, so ten months of silence is not yet alarming for it; v1 came back after a
    # gap of 55 days, longer than 4 x its 10-day rhythm before
    assert stages == {
        "n1": "new",
        "w1": "lapsed",
        "w2": "lapsed",
        "w3": "active",
        "w4": "lapsed",
        "v1": "reactivated",
        "v2": "active",
        "s1": "lapsed",
        "s2": "lapsed",
        "s3": "lapsed",
    }
    assert "Lifecycle stages" in text and "Onboard: a welcome offer" in text
    code, text = run(
        capsys, "score", "orders.csv", "--as-of", Q1, "-o", "d.csv", "--new-days", "10"
    )
    assert code == 0, text
    assert {r["customer_id"]: r["lifecycle_stage"] for r in read_csv(shop / "d.csv")}["n1"] != "new"


def test_bad_lifecycle_settings_exit_2(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(
        capsys,
        "score",
        "orders.csv",
        "-o",
        "c.csv",
        "--at-risk-factor",
        "5",
        "--lapsed-factor",
        "3",
    )
    assert code == 2
    assert "lapsed_factor must be greater than at_risk_factor" in text


# -- audiences ----------------------------------------------------------------------


def test_an_audience_stays_frozen_across_a_later_snapshot(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot(capsys, Q1)
    code, text = run(
        capsys, "audience", "create", "winback", "--segment", "important_winback",
        "--segment", "important_retention", "--min", "monetary=1500", "--store", "s.duckdb", "--lang", "en",
    )  # fmt: skip
    assert code == 0, text
    assert "Audience winback: 4 customers from the snapshot of" in text
    snapshot(capsys, Q2)  # w1 and w2 bought again: no longer win-back customers at Q2
    code, text = run(capsys, "audience", "export", "winback", "-o", "a.csv", "--store", "s.duckdb")
    assert code == 0, text
    assert sorted(r["customer_id"] for r in read_csv(shop / "a.csv")) == ["w1", "w2", "w3", "w4"]
    assert show_audience("winback", store="s.duckdb").as_of == Q1
    # the same filters on the later snapshot select fewer customers
    code, text = run(
        capsys, "audience", "create", "winback-q2", "--as-of", Q2,
        "--segment", "important_winback", "--segment", "important_retention", "--store", "s.duckdb", "--lang", "en",
    )  # fmt: skip
    assert code == 0 and "Audience winback-q2: 2 customers" in text


def test_audience_filters_by_lifecycle_stage_and_refuses_a_taken_name(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot(capsys, Q1)
    args = ("audience", "create", "fresh", "--stage", "new", "--store", "s.duckdb")
    code, text = run(capsys, *args)
    assert code == 0, text
    assert show_audience("fresh", store="s.duckdb").customers == 1
    code, text = run(capsys, *args)
    assert code == 2 and "There is already an audience 'fresh'" in text
    code, text = run(capsys, *args, "--replace")
    assert code == 0


def test_export_with_contacts_hash_and_suppression(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot(capsys, Q1)
    run(
        capsys,
        "audience",
        "create",
        "winback",
        "--segment",
        "important_winback",
        "--segment",
        "important_retention",
        "--store",
        "s.duckdb",
    )
    pd.DataFrame({"phone": ["+86 13800138002"]}).to_csv(shop / "optout.csv", index=False)
    code, text = run(
        capsys, "audience", "export", "winback", "-o", "list.csv", "--store", "s.duckdb",
        "--contacts", "contacts.csv", "--map", "customer=会员ID,phone=手机号码,email=邮箱",
        "--suppress", "optout.csv", "--hash", "sha256", "--no-pii", "--lang", "en",
    )  # fmt: skip
    assert code == 0, text
    assert "Removed 1 customers on the suppression list" in text
    rows = {r["customer_id"]: r for r in read_csv(shop / "list.csv")}
    assert sorted(rows) == ["w1", "w3", "w4"]  # w2's phone is opted out
    assert "phone" not in rows["w1"] and "email" not in rows["w1"]
    assert rows["w1"]["phone_sha256"] == hashlib.sha256(b"+8613800138001").hexdigest()
    assert rows["w4"]["phone_sha256"] == hashlib.sha256(b"+8613800138004").hexdigest()
    assert rows["w1"]["email_sha256"] == hashlib.sha256(b"w1@shop.cn").hexdigest()
    # the Python verb, same names, same result
    done = export_audience(
        "winback", "list2.csv", store="s.duckdb", contacts="contacts.csv",
        map={"customer": "会员ID", "phone": "手机号码"}, suppress=pd.DataFrame({"customer_id": ["w3"]}),
    )  # fmt: skip
    assert (done.rows, done.suppressed) == (3, 1)
    assert sorted(r["customer_id"] for r in read_csv(shop / "list2.csv")) == ["w1", "w2", "w4"]
    assert read_csv(shop / "list2.csv")[0]["phone"] == "+8613800138001"


def test_push_leaves_out_the_suppressed_and_never_sends_twice(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot(capsys, Q1)
    run(
        capsys,
        "audience",
        "create",
        "winback",
        "--segment",
        "important_winback",
        "--segment",
        "important_retention",
        "--store",
        "s.duckdb",
    )
    pd.DataFrame({"customer_id": ["w4"]}).to_csv(shop / "optout.csv", index=False)
    endpoint = FakeEndpoint().start()
    endpoint.webhook_secret = SECRET
    try:
        args = (
            "audience", "push", "winback", "--webhook", endpoint.url, "--secret", SECRET,
            "--store", "s.duckdb", "--suppress", "optout.csv", "--lang", "en",
        )  # fmt: skip
        code, text = run(capsys, *args)
        assert code == 7 and "private" in text.lower()  # 127.0.0.1 needs --allow-private
        code, text = run(capsys, *args, "--allow-private")
        assert code == 0, text
        assert "Pushed 3 customers in 1 messages" in text and "Removed 1 customers" in text
        sent = [c["customer_id"] for r in endpoint.requests for c in r.json["data"]["customers"]]
        assert sorted(sent) == ["w1", "w2", "w3"]
        assert all(r.signature_ok for r in endpoint.requests)
        code, text = run(capsys, *args, "--allow-private")
        assert code == 0 and "Pushed 0 customers" in text and "3 sent before" in text
        assert len(endpoint.requests) == 1
    finally:
        endpoint.stop()


def test_push_without_a_secret_exits_2(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snapshot(capsys, Q1)
    run(
        capsys,
        "audience",
        "create",
        "winback",
        "--segment",
        "important_winback",
        "--segment",
        "important_retention",
        "--store",
        "s.duckdb",
    )
    code, text = run(
        capsys,
        "audience",
        "push",
        "winback",
        "--webhook",
        "https://x.example/h",
        "--store",
        "s.duckdb",
    )
    assert code == 2 and "needs --webhook URL and --secret" in text


# -- campaigns on the store ------------------------------------------------------------


def test_campaign_create_holds_out_per_segment_leaves_out_the_suppressed_and_measures(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot(capsys, Q1)
    run(capsys, "audience", "create", "all", "--store", "s.duckdb")
    pd.DataFrame({"email": ["S1@SHOP.CN "]}).to_csv(shop / "optout.csv", index=False)
    pd.DataFrame({"customer_id": ["s1"], "email": ["s1@shop.cn"]}).to_csv(
        shop / "who.csv", index=False
    )
    code, text = run(
        capsys, "campaign", "create", "c1", "--audience", "all", "--send-date", SEND,
        "--window", WINDOW, "--cost", 100, "--margin", 0.5, "--holdout", "50%",
        "--suppress", "who.csv", "--store", "s.duckdb", "--lang", "en",
    )  # fmt: skip
    assert code == 0, text
    assert "Removed 1 customers on the suppression list" in text
    assert "Minimum detectable effect:" in text and "Warning: With" in text
    # 9 customers left; each segment's holdout is its size x 50 % rounded half up
    match = text.split("Created campaign c1 on all: ")[1]
    treated, held = int(match.split(" treated")[0]), int(match.split(", ")[1].split(" held")[0])
    assert treated + held == 9
    frame = measure_campaign("c1", "orders.csv", store="s.duckdb", lang="en")
    overall = frame.results[frame.results["scope"] == "overall"].iloc[0]
    assert overall["customers_treatment"] + overall["customers_control"] == 9
    code, text = run(
        capsys, "campaign", "measure", "c1", "orders.csv", "--store", "s.duckdb", "-o", "m.csv"
    )
    assert code == 0, text
    assert len(campaign_history("c1", store="s.duckdb")) == 2 * len(frame.results)
    code, text = run(capsys, "campaign", "history", "c1", "--store", "s.duckdb", "--lang", "en")
    assert code == 0 and "Measurements of c1" in text


def test_campaign_python_verb_and_a_taken_name(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot(capsys, Q1)
    run(capsys, "audience", "create", "all", "--store", "s.duckdb")
    created = create_campaign(
        "c2", audience="all", send_date=SEND, window_days=WINDOW, holdout=0.3, store="s.duckdb"
    )
    assert created.info.treatment + created.info.control == 10
    assert created.mde is not None and created.mde > 0.3
    code, text = run(
        capsys, "campaign", "create", "c2", "--audience", "all", "--send-date", SEND,
        "--window", WINDOW, "--store", "s.duckdb",
    )  # fmt: skip
    assert code == 2 and "There is already a campaign 'c2'" in text


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--holdout", "150%"), 2, "The holdout must be between 0 and 100 %"),
        (("--holdout", "ten"), 2, "holdout 'ten' is not a share"),
        (("--global-control", "40%"), 2, "global control group must be 0 or 1 % to 15 %"),
        (("--window", "0"), 2, "window_days"),
        (("--send-date", "someday"), 2, "Cannot read the date 'someday'"),
        (("--margin", "3"), 2, "The margin must be a share between 0 and 1"),
        (("--cost", "-5"), 2, "cost"),
    ],
)
def test_bad_campaign_values_exit_2_without_a_traceback(
    shop: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], code: int, message: str
) -> None:
    snapshot(capsys, Q1)
    run(capsys, "audience", "create", "all", "--store", "s.duckdb")
    base = {"--send-date": str(SEND), "--window": str(WINDOW)}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [x for pair in base.items() for x in pair]
    got, text = run(
        capsys, "campaign", "create", "c", "--audience", "all", *flat, "--store", "s.duckdb"
    )
    assert got == code, text
    assert message in text


def test_missing_things_have_exact_exit_codes(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot(capsys, Q1)
    assert run(capsys, "audience", "show", "nobody", "--store", "s.duckdb")[0] == 6
    assert (
        run(capsys, "audience", "create", "x", "--as-of", "2020-01-01", "--store", "s.duckdb")[0]
        == 6
    )
    code, text = run(capsys, "audience", "create", "x", "--min", "clv", "--store", "s.duckdb")
    assert code == 2 and "COLUMN=NUMBER" in text
    code, text = run(capsys, "audience", "create", "x", "--min", "clv=5", "--store", "s.duckdb")
    assert code == 2 and "no column 'clv'" in text
    code, text = run(capsys, "audience", "export", "nobody", "--store", "s.duckdb")
    assert code == 2 and "-o is missing" in text
    assert run(capsys, "campaign", "measure", "nobody", "orders.csv", "--store", "s.duckdb")[0] == 6
    code, text = run(capsys, "campaign", "create", "c", "--send-date", SEND, "--window", 3)
    assert code == 2 and "--audience is missing" in text
    code, text = run(
        capsys, "audience", "export", "x", "-o", "a.csv", "--hash", "md5", "--store", "s.duckdb"
    )
    assert code == 2 and "hash" in text


# -- golden measurement of a campaign run elsewhere -------------------------------------


def golden_files(folder: Path) -> tuple[Path, Path]:
    """20,000 customers in two segments; 460 of 10,000 treated and 400 of 10,000 held out respond.

    Every responder orders 50.00 once in the window; the first 10 treated
    responders order again (repurchase). Orders outside the window, on its
    end day, and a refund in it do not count.
    """
    rows, orders_ = [], []
    for group, responders in (("treatment", 460), ("control", 400)):
        for i in range(10_000):
            cid = f"{group[0]}{i:05d}"
            rows.append((cid, group, "a" if i % 2 == 0 else "b"))
            if i < responders:
                orders_.append((cid, f"o-{cid}", SEND + dt.timedelta(days=3), 50.0))
            if group == "treatment" and i < 10:
                orders_.append((cid, f"r-{cid}", SEND + dt.timedelta(days=20), 50.0))
    end = SEND + dt.timedelta(days=WINDOW)
    orders_ += [
        ("t09000", "x1", SEND - dt.timedelta(days=1), 80.0),  # before the window
        ("t09001", "x2", end, 80.0),  # on the end day: outside
        ("t09002", "x3", SEND + dt.timedelta(days=5), -20.0),  # a refund: no response
    ]
    assignments = folder / "groups.csv"
    pd.DataFrame(rows, columns=["customer_id", "group", "segment"]).to_csv(assignments, index=False)
    log = folder / "after.csv"
    pd.DataFrame(orders_, columns=["customer_id", "order_id", "order_date", "amount"]).to_csv(
        log, index=False
    )
    return assignments, log


def z_test(x_t: int, n_t: int, x_c: int, n_c: int) -> tuple[float, float, float, float]:
    """The pooled z, two-sided p and the Wald 95 % interval, written out by hand."""
    p_t, p_c, pooled = x_t / n_t, x_c / n_c, (x_t + x_c) / (n_t + n_c)
    z = (p_t - p_c) / math.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_c))
    half = Z95 * math.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    return z, math.erfc(abs(z) / math.sqrt(2)), p_t - p_c - half, p_t - p_c + half


def test_golden_campaign_measured_from_assignments(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assignments, log = golden_files(shop)
    code, text = run(
        capsys, "campaign", "measure", "--assignments", assignments, log,
        "--send-date", SEND, "--window", WINDOW, "--cost", 1000, "--margin", 0.5,
        "-o", "result.csv", "--lang", "en",
    )  # fmt: skip
    assert code == 0, text
    result = pd.read_csv(shop / "result.csv")
    overall = result[result["scope"] == "overall"].iloc[0]
    assert overall["customers_treatment"] == overall["customers_control"] == 10_000
    assert (overall["responders_treatment"], overall["responders_control"]) == (460, 400)
    assert overall["response_rate_treatment"] == pytest.approx(0.046, abs=1e-12)
    assert overall["response_rate_control"] == pytest.approx(0.040, abs=1e-12)
    assert overall["repurchase_rate_treatment"] == pytest.approx(0.001, abs=1e-12)
    assert overall["lift"] == pytest.approx(0.006, abs=1e-12)
    assert overall["relative_lift"] == pytest.approx(0.15, abs=1e-12)
    z, p, low, high = z_test(460, 10_000, 400, 10_000)
    assert overall["z"] == pytest.approx(z, rel=1e-9)
    assert round(overall["z"], 2) == 2.09 and round(overall["p_value"], 3) == 0.036
    assert overall["p_value"] == pytest.approx(p, rel=1e-9)
    assert (overall["ci_low"], overall["ci_high"]) == (
        pytest.approx(low, rel=1e-9),
        pytest.approx(high, rel=1e-9),
    )
    # revenue: 470 orders x 50 treated, 400 x 50 held out, non-buyers count 0
    assert overall["revenue_per_customer_treatment"] == pytest.approx(2.35, abs=1e-12)
    assert overall["revenue_per_customer_control"] == pytest.approx(2.0, abs=1e-12)
    assert overall["incremental_revenue"] == pytest.approx(3500.0, abs=1e-6)
    assert overall["roi"] == pytest.approx((3500 * 0.5 - 1000) / 1000, abs=1e-12)
    a = result[result["segment"] == "a"].iloc[0]
    assert (a["responders_treatment"], a["responders_control"]) == (230, 200)
    assert a["cost"] == pytest.approx(500.0)
    # the terminal shows the same numbers, none broken
    for shown in ("4.60%", "4.00%", "+0.60", "+15.0%", "0.036", "3,500.00", "+75.0%"):
        assert shown in text, shown


def test_assignments_without_a_group_column_exit_2(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pd.DataFrame({"customer_id": ["a"]}).to_csv(shop / "g.csv", index=False)
    code, text = run(
        capsys, "campaign", "measure", "--assignments", "g.csv", "orders.csv",
        "--send-date", SEND, "--window", WINDOW,
    )  # fmt: skip
    assert code == 2 and "lack the column(s) group" in text
    code, text = run(capsys, "campaign", "measure", "--assignments", "g.csv", "orders.csv")
    assert code == 2 and "send date and measurement window" in text


def test_the_report_has_a_campaign_section_when_campaigns_are_given(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import rfmkit
    from rfmkit.reporting import render_report

    assignments, log = golden_files(shop)
    measured = measure_campaign(
        None, str(log), assignments=str(assignments), send_date=SEND, window_days=WINDOW,
        cost=1000, margin=0.5, lang="en",
    )  # fmt: skip
    result = rfmkit.score(orders(), as_of=Q1, lang="en")
    page = render_report(result, campaigns={"winback-sms": measured.results})
    section = page.split('<section id="campaigns">')[1].split("</section>")[0]
    assert "Campaigns against their holdout" in section and "winback-sms" in section
    for shown in ("4.60%", "4.00%", "+0.60", "0.036", "3,500.00", "+75.0%"):
        assert shown in section, shown
    assert '<section id="campaigns">' not in render_report(result)
