"""Deterministic, stratified holdout assignment and the global control group."""

from __future__ import annotations

import hashlib
import math

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from rfmkit.backend import connect
from rfmkit.campaigns.holdout import (
    GLOBAL_SALT,
    assign_holdout,
    hash_unit,
    hash_unit_text,
    parse_share,
)
from rfmkit.errors import ConfigError

SIZES = {"a": 7, "b": 10, "c": 25, "d": 1}


@pytest.fixture
def customers(con: ibis.BaseBackend) -> ibis.Table:
    rows = [(f"{seg}{i}", seg) for seg, n in SIZES.items() for i in range(n)]
    return con.create_table("cust", pd.DataFrame(rows, columns=["customer_id", "segment"]))


def test_the_formula_is_published_sha256() -> None:
    # sha256("spring:c0") starts with 80085318: u = 0x80085318 / 2**32
    digest = hashlib.sha256(b"spring:c0").hexdigest()
    assert hash_unit_text("spring:c0") == int(digest[:8], 16) / 2**32
    assert hash_unit_text("spring:c0") == 0x80085318 / 2**32


def test_the_engine_computes_the_formula(con: ibis.BaseBackend) -> None:
    texts = ["spring:c0", "a", "春季:客户1", "", "x" * 200]
    table = con.create_table("texts", pd.DataFrame({"t": texts}))
    got = table.mutate(u=hash_unit(table.t)).to_pandas()
    for text, u in zip(got["t"], got["u"], strict=True):
        assert u == int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 2**32


def test_each_segment_is_rounded_half_up(customers: ibis.Table) -> None:
    frame = assign_holdout(customers, "spring", 0.1).to_pandas()
    control = frame[frame["group"] == "control"].groupby("segment").size().to_dict()
    # 7 x 0.1 = 0.7 -> 1; 10 x 0.1 = 1; 25 x 0.1 = 2.5 -> 3; 1 x 0.1 = 0.1 -> 0
    assert control == {"a": 1, "b": 1, "c": 3}
    assert len(frame) == sum(SIZES.values())
    assert set(frame["group"]) == {"control", "treatment"}


def test_control_is_the_lowest_hashes_of_each_segment(customers: ibis.Table) -> None:
    frame = assign_holdout(customers, "spring", "20%").to_pandas()
    for _, part in frame.groupby("segment"):
        k = math.floor(len(part) * 0.2 + 0.5)
        by_hash = part.assign(
            u=[hash_unit_text(f"spring:{c}") for c in part["customer_id"]]
        ).sort_values(["u", "customer_id"])
        assert set(by_hash["customer_id"][:k]) == set(
            part.loc[part["group"] == "control", "customer_id"]
        )


def test_same_inputs_same_groups_on_a_new_connection(customers: ibis.Table) -> None:
    first = assign_holdout(customers, "spring", 0.3).to_pandas().sort_values("customer_id")
    other = connect()
    again_table = other.create_table("cust", customers.to_pandas().iloc[::-1])
    again = assign_holdout(again_table, "spring", 0.3).to_pandas().sort_values("customer_id")
    assert first.reset_index(drop=True).equals(again.reset_index(drop=True))
    renamed = assign_holdout(customers, "autumn", 0.3).to_pandas().sort_values("customer_id")
    assert list(renamed["group"]) != list(first["group"])  # another campaign, another draw


def test_global_control_is_out_of_every_campaign(con: ibis.BaseBackend) -> None:
    ids = [f"k{i}" for i in range(2000)]
    table = con.create_table("many", pd.DataFrame({"customer_id": ids, "segment": "s"}))
    expected = {c for c in ids if hash_unit_text(f"{GLOBAL_SALT}:{c}") < 0.05}
    assert 60 < len(expected) < 140  # about 5 % of 2000
    for campaign in ("spring", "summer"):
        frame = assign_holdout(table, campaign, 0.1, global_control="5%").to_pandas()
        held = set(frame.loc[frame["group"] == "global_control", "customer_id"])
        assert held == expected
        rest = frame[frame["group"] != "global_control"]
        assert (rest["group"] == "control").sum() == math.floor(len(rest) * 0.1 + 0.5)


@pytest.mark.parametrize(
    ("holdout", "global_control", "match"),
    [
        (0, 0, "between 0 and 100"),
        ("100%", 0, "between 0 and 100"),
        ("ten", 0, "not a share"),
        (0.1, 0.2, "1 % to 15 %"),
        (0.1, "0.5%", "1 % to 15 %"),
    ],
)
def test_bad_shares_are_config_errors(
    customers: ibis.Table, holdout: object, global_control: object, match: str
) -> None:
    with pytest.raises(ConfigError, match=match):
        assign_holdout(customers, "x", holdout, global_control=global_control)  # type: ignore[arg-type]


def test_parse_share() -> None:
    assert parse_share("10%") == pytest.approx(0.1)
    assert parse_share(" 0.25 ") == 0.25
    assert parse_share(0.05) == 0.05


@settings(max_examples=25, deadline=None)
@given(
    sizes=hs.lists(hs.integers(1, 40), min_size=1, max_size=4),
    share=hs.sampled_from([0.05, 0.1, 0.25, 0.5]),
)
def test_stratification_is_exact_for_any_sizes(sizes: list[int], share: float) -> None:
    rows = [(f"s{j}-{i}", f"s{j}") for j, n in enumerate(sizes) for i in range(n)]
    con = connect()
    table = con.create_table("t", pd.DataFrame(rows, columns=["customer_id", "segment"]))
    frame = assign_holdout(table, "prop", share).to_pandas()
    for j, n in enumerate(sizes):
        part = frame[frame["segment"] == f"s{j}"]
        assert (part["group"] == "control").sum() == math.floor(n * share + 0.5)
