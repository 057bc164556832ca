"""Alert rules: shipped files, validation, and the golden alerts of the series (Q2 -> Q3).

Worked by hand with tier5's shipped rules: c1 (was diamond, 100 days) and
c7 (was gold, 202 days) are silent VIPs; c2 (2 steps) and c7 (3) fell two
tiers or more; c2 (0.5 -> 0.25) and c7 (0.6 -> 0.2) dropped below p_alive 0.3
(c5 was below already); silver (1 -> 0), active (2 -> 0) and sleeping
(1 -> 3) changed by more than 50 %.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rfmkit.delivery.alerts import alerts_from_records
from rfmkit.errors import ConfigError
from rfmkit.history import (
    ALERT_COLUMNS,
    evaluate_alerts,
    load_alert_rules,
    parse_alert_rules,
    shipped_alert_rules,
)
from rfmkit.segments import shipped_schemes
from rfmkit.store import Store
from tests.store.factory import Q1, Q2, Q3, fill


def test_every_shipped_scoring_scheme_has_rules() -> None:
    # clv5 is a value scheme (value_segment), not a scoring scheme
    assert shipped_alert_rules() == [s for s in shipped_schemes() if s != "clv5"]
    for key in shipped_alert_rules():
        rules = load_alert_rules(key)
        assert rules.scheme == key
        assert {r.kind for r in rules.rules} == {"silent", "fell", "p_alive", "segment_size"}


def test_golden_alerts(store: Store) -> None:
    fill(store)
    alerts = evaluate_alerts(store, lang="en")
    assert tuple(alerts.columns) == ALERT_COLUMNS
    got = [
        (
            r.rule,
            r.customer_id if isinstance(r.customer_id, str) else None,
            r.segment,
            r.value_at_stake,
            r.reason,
        )
        for r in alerts.itertuples()
    ]
    assert got == [
        ("segment_shift", None, "sleeping", 3520.0, "Sleeping: 1 -> 3 customers (+200.0%)"),
        ("vip_silent", "c7", "sleeping", 3000.0, "Was Gold; no purchase for 202 days (limit 90)"),
        ("fell_two_tiers", "c7", "sleeping", 3000.0, "Fell from Gold to Sleeping, 3 levels down"),
        (
            "p_alive_low",
            "c7",
            "sleeping",
            3000.0,
            "Probability of being active fell from 0.6 to 0.2 (below 0.3)",
        ),
        ("vip_silent", "c1", "gold", 1100.0, "Was Diamond; no purchase for 100 days (limit 90)"),
        ("fell_two_tiers", "c2", "sleeping", 520.0, "Fell from Silver to Sleeping, 2 levels down"),
        (
            "p_alive_low",
            "c2",
            "sleeping",
            520.0,
            "Probability of being active fell from 0.5 to 0.25 (below 0.3)",
        ),
        ("segment_shift", None, "silver", 520.0, "Silver: 1 -> 0 customers (-100.0%)"),
        ("segment_shift", None, "active", 160.0, "Active: 2 -> 0 customers (-100.0%)"),
    ]
    assert alerts.owner.tolist()[1:7] == ["zhang", "zhang", "zhang", "li", "wang", "wang"]
    assert set(alerts.as_of) == {Q3}
    assert alerts.alert_key.is_unique and alerts.alert_key.str.fullmatch("[0-9a-f]{32}").all()


def test_chinese_reasons(store: Store) -> None:
    fill(store)
    reasons = evaluate_alerts(store, lang="zh").reason.tolist()
    assert reasons[1] == "曾是「黄金客户」，已 202 天未购买（阈值 90 天）"
    assert reasons[2] == "从「黄金客户」降到「沉睡客户」，下降 3 级"
    assert reasons[0] == "「沉睡客户」客户数从 1 变为 3（+200.0%）"


def test_alert_keys_are_stable_and_per_snapshot(store: Store) -> None:
    fill(store)
    first = evaluate_alerts(store, lang="en")
    again = evaluate_alerts(store, lang="zh")
    assert first.alert_key.tolist() == again.alert_key.tolist()  # language does not matter
    earlier = evaluate_alerts(store, lang="en", as_of=Q2)
    assert set(earlier.alert_key).isdisjoint(first.alert_key)
    # Q1 -> Q2: c2 and c7 fell one tier only; c7 (was diamond) is 110 days silent;
    # p_alive is first known in Q2, and only c5 (0.1) is below 0.3
    assert earlier[["rule", "customer_id"]].dropna().values.tolist() == [
        ["vip_silent", "c7"],
        ["p_alive_low", "c5"],
    ]


def test_customer_alerts_feed_delivery(store: Store) -> None:
    fill(store)
    alerts = evaluate_alerts(store, lang="en")
    rows = alerts[alerts.customer_id.notna()].to_dict(orient="records")
    delivered = alerts_from_records(rows)
    assert [a.customer_id for a in delivered] == ["c7", "c7", "c7", "c1", "c2", "c2"]


def test_a_single_snapshot_gives_only_silent_and_p_alive_alerts(store: Store) -> None:
    fill(store, (Q3,))
    alerts = evaluate_alerts(store, lang="en")
    # no previous snapshot: no falls or size changes; p_alive below 0.3 counts as newly low
    assert alerts[["rule", "customer_id", "value_at_stake"]].values.tolist() == [
        ["p_alive_low", "c7", 3000.0],
        ["vip_silent", "c1", 1100.0],
        ["p_alive_low", "c2", 520.0],
        ["p_alive_low", "c5", 80.0],
    ]


def test_user_rules_with_own_reason(store: Store, tmp_path: Path) -> None:
    fill(store)
    path = tmp_path / "mine.yaml"
    path.write_text(
        "scheme: tier5\n"
        "rules:\n"
        "  - key: big_drop\n"
        "    kind: fell\n"
        "    steps: 3\n"
        "    segments: [gold]\n"
        "    reason: {zh: '{from_label}→{to_label}', en: '{from_label} to {to_label}, {monetary}'}\n",
        encoding="utf-8",
    )
    alerts = evaluate_alerts(store, path, lang="en")
    assert alerts[["customer_id", "reason"]].values.tolist() == [["c7", "Gold to Sleeping, 3000.0"]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("scheme: tier5\nrules: []\n", "List should have at least 1 item"),
        (
            "scheme: tier5\nrules:\n  - {key: a, kind: silent, segments: [platinum], days: 9}\n",
            "Rule 'a' names segments that scheme 'tier5' lacks: platinum",
        ),
        (
            "scheme: tier5\nrules:\n  - {key: a, kind: vanish}\n",
            "does not match any of the expected tags",
        ),
        ("scheme: tier5\nrules:\n  - {key: a, kind: p_alive, below: 2}\n", "less than 1"),
        (
            "scheme: tier5\nrules:\n  - {key: a, kind: fell, steps: 1}\n  - {key: a, kind: fell, steps: 2}\n",
            "rule keys appear twice: a",
        ),
        ("scheme: [tier5\n", "not valid YAML"),
    ],
)
def test_invalid_rules_are_refused(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_alert_rules(text, source="mine.yaml")


def test_rules_of_another_scheme_and_unknown_placeholders(store: Store) -> None:
    fill(store, (Q2, Q3))
    with pytest.raises(ConfigError, match="rules are for scheme 'cn8', the snapshots use 'tier5'"):
        evaluate_alerts(store, "cn8")
    rules = parse_alert_rules(
        "scheme: tier5\nrules:\n  - {key: a, kind: fell, steps: 1, reason: {zh: '{oops}', en: '{oops}'}}\n"
    )
    with pytest.raises(ConfigError, match=r"uses \{oops\}, which this rule does not have"):
        evaluate_alerts(store, rules)
    with pytest.raises(ConfigError, match="No alert rules named 'nope'"):
        load_alert_rules("nope")


def test_the_latest_snapshot_is_the_default(store: Store) -> None:
    fill(store, (Q1, Q2))
    assert evaluate_alerts(store, lang="en").customer_id.dropna().tolist() == ["c7", "c5"]
