"""``rfmkit alerts`` on a back-filled store: the known alerts, written and delivered to a
real receiver on 127.0.0.1 exactly once however often it runs; owners; exit codes."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import rfmkit.verbs as verbs
from rfmkit.cli import main
from rfmkit.store import open_store
from tests.delivery.endpoint import FakeEndpoint, Reply
from tests.history import golden_log as golden

SECRET = "whsec_" + "c2VjcmV0LWtleS1vZi10aGUtdGVzdHM="


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # tables unwrapped, as on a wide terminal


@pytest.fixture
def receiver() -> Iterator[FakeEndpoint]:
    server = FakeEndpoint().start()
    server.webhook_secret = SECRET
    yield server
    server.stop()


@pytest.fixture
def filled(location: str, tmp_path: Path) -> str:
    log, config = golden.write(tmp_path)
    args = ["--every", "quarter", "--from", "2024-04-01", "--to", "2024-10-01"]
    assert main(["snapshot", str(log), *args, "--store", location, "--config", str(config)]) == 0
    return location


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.out + captured.err


def test_golden_alerts_written_sorted_by_value(filled: str, tmp_path: Path, capsys) -> None:
    output = tmp_path / "alerts.csv"
    code, out = run(capsys, "alerts", "--store", filled, "--lang", "en", "-o", str(output))
    assert code == 0
    with output.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    got = [(r["rule"], r["customer_id"] or None, float(r["value_at_stake"])) for r in rows]
    assert got == golden.ALERTS
    assert rows[0]["reason"] == "Was Diamond; no purchase for 98 days (limit 90)"
    assert "Alerts: 3" in out and "Fell from Diamond to Sleeping, 4 levels down" in out


def test_webhook_gets_each_alert_once(
    filled: str, receiver: FakeEndpoint, tmp_path: Path, capsys
) -> None:
    args = ["alerts", "--store", filled, "--lang", "en", "--webhook", receiver.url + "/hook"]
    args += ["--secret", SECRET, "--allow-private"]
    code, out = run(capsys, *args)
    assert code == 0
    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    assert sent.signature_ok is True
    body = sent.json
    assert body["type"] == "rfmkit.alerts"
    assert [(a["rule"], a["customer_id"]) for a in body["data"]["alerts"]] == [
        ("vip_silent", "c6"),
        ("fell_two_tiers", "c6"),
    ]
    assert "webhook: 1 messages sent, 0 alerts delivered before" in out
    # cron runs it again: nothing new is sent
    code, out = run(capsys, *args)
    assert code == 0
    assert len(receiver.requests) == 1
    assert "webhook: 0 messages sent, 2 alerts delivered before" in out
    with open_store(filled) as store:
        log = store.deliveries().to_pandas()
    assert sorted(log.status) == ["delivered", "delivered"]


def test_a_failed_delivery_exits_7_and_is_retried_next_run(
    filled: str, receiver: FakeEndpoint, capsys
) -> None:
    receiver.reply(Reply(status=400, body={"error": "no"}))  # not retried: 4xx
    args = ["alerts", "--store", filled, "--webhook", receiver.url, "--secret", SECRET]
    code, out = run(capsys, *args, "--allow-private")
    assert code == 7
    assert "1 of 1 messages were not delivered" in " ".join(out.split())
    code, _ = run(capsys, *args, "--allow-private")
    assert code == 0
    assert len(receiver.requests) == 2 and receiver.requests[-1].signature_ok is True


def test_config_destinations_by_name_and_owners(
    filled: str, receiver: FakeEndpoint, tmp_path: Path
) -> None:
    owners = tmp_path / "owners.csv"
    owners.write_text("owner,name,mobile\nli,Li Lei,13800000000\n", encoding="utf-8")
    destinations = {
        "crm": {"kind": "webhook", "url": receiver.url, "secret": SECRET, "allow_private": True}
    }
    found = verbs.alerts(
        store=filled, lang="en", to=["crm"], destinations=destinations, owners=owners
    )
    assert found.delivery is not None and found.delivery.ok
    assert [r.destination for r in found.delivery.results] == ["crm"]
    assert json.loads(receiver.requests[0].body)["data"]["alerts"][0]["customer_id"] == "c6"
    again = verbs.alerts(store=filled, lang="en", to=["all"], destinations=destinations)
    assert again.delivery is not None and again.delivery.skipped == {"crm": 2}
    assert len(receiver.requests) == 1


def test_private_receiver_refused_without_allow_private(
    filled: str, receiver: FakeEndpoint, capsys
) -> None:
    code, _out = run(
        capsys, "alerts", "--store", filled, "--webhook", receiver.url, "--secret", SECRET
    )
    assert code == 7
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--to", "nowhere"], "No destination named nowhere"),
        (["--webhook", "http://127.0.0.1:9/x"], "--webhook needs the receiver's signing secret"),
        (["--rules", "cn8"], "The alert rules are for scheme 'cn8'"),
    ],
)
def test_alerts_configuration_errors_exit_2(
    filled: str, extra: list[str], message: str, capsys
) -> None:
    code, out = run(capsys, "alerts", "--store", filled, *extra)
    assert code == 2
    assert message in " ".join(out.split())
