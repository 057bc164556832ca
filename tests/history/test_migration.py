"""Migration, chain, trend and one customer's history on the golden series (tests/store/factory.py).

Worked by hand: between Q2 and Q3 c1 fell diamond -> gold, c2 silver ->
sleeping, c7 gold -> sleeping; c6 rose active -> diamond; c3 and c5 stayed;
c4 left. Revenue at stake is each customer's Q2 monetary.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from rfmkit.errors import ConfigError, StoreError
from rfmkit.history import chain, customer_history, customer_moves, migration, trend
from rfmkit.store import Store
from tests.store.factory import Q1, Q2, Q3, SERIES, customer_table, fill, record


def test_migration_matrix(store: Store) -> None:
    fill(store)
    moved = migration(store, Q2, Q3, lang="en")
    rows = [
        (
            r.from_segment,
            r.to_segment if isinstance(r.to_segment, str) else None,
            r.from_label,
            r.to_label,
            r.direction,
            r.customers,
            r.revenue,
            r.probability,
        )
        for r in moved.matrix.itertuples()
    ]
    assert rows == [
        ("diamond", "gold", "Diamond", "Gold", "down", 1, 1100.0, 1.0),
        ("gold", "gold", "Gold", "Gold", "stable", 1, 400.0, 0.5),
        ("gold", "sleeping", "Gold", "Sleeping", "down", 1, 3000.0, 0.5),
        ("silver", "sleeping", "Silver", "Sleeping", "down", 1, 520.0, 1.0),
        ("active", "diamond", "Active", "Diamond", "up", 1, 100.0, 0.5),
        ("active", None, "Active", "Left", "left", 1, 60.0, 0.5),
        ("sleeping", "sleeping", "Sleeping", "Sleeping", "stable", 1, 80.0, 1.0),
    ]
    summary = moved.directions.set_index("direction")
    assert summary.customers.to_dict() == {"up": 1, "down": 3, "stable": 2, "new": 0, "left": 1}
    assert summary.revenue.to_dict() == {
        "up": 100.0,
        "down": 4620.0,
        "stable": 480.0,
        "new": 0.0,
        "left": 60.0,
    }
    assert moved.count("down") == 3


def test_new_customers_and_chinese_labels(store: Store) -> None:
    fill(store, (Q1, Q2))
    moved = migration(store, Q1, Q2)  # zh by default
    new = moved.matrix[moved.matrix.direction == "new"]
    assert new[
        ["to_segment", "from_label", "to_label", "customers", "revenue"]
    ].values.tolist() == [["active", "新出现", "活跃客户", 1, 100.0]]
    assert new.probability.isna().all()
    assert moved.count("up") == 1 and moved.count("down") == 2  # c3 up; c2 and c7 down


def test_customer_moves(store: Store) -> None:
    fill(store)
    moves = customer_moves(store, Q2, Q3, lang="en").to_pandas()
    by_id = moves.set_index("customer_id")
    assert by_id.direction.to_dict() == {
        "c1": "down",
        "c2": "down",
        "c3": "stable",
        "c4": "left",
        "c5": "stable",
        "c6": "up",
        "c7": "down",
    }
    assert by_id.steps.dropna().astype(int).to_dict() == {
        "c1": 1,
        "c2": 2,
        "c3": 0,
        "c5": 0,
        "c6": -3,
        "c7": 3,
    }
    assert by_id.loc["c7", ["owner", "from_monetary", "to_monetary"]].tolist() == [
        "zhang",
        3000.0,
        3000.0,
    ]


def test_chain_and_projection(store: Store) -> None:
    fill(store)
    found = chain(store, lang="en")
    assert found.periods == 2
    probability = {
        (
            r.from_segment if isinstance(r.from_segment, str) else None,
            r.to_segment if isinstance(r.to_segment, str) else None,
        ): r.probability
        for r in found.matrix.itertuples()
    }
    third = pytest.approx(1 / 3)
    assert probability[("diamond", "diamond")] == third
    assert probability[("diamond", "gold")] == pytest.approx(2 / 3)
    assert probability[("gold", "silver")] == third
    assert probability[("silver", "gold")] == 0.5
    assert probability[("active", None)] == third  # left
    assert probability[("sleeping", "sleeping")] == 1.0
    # now: Q3 sizes; next = now @ P + 0.5 new actives per period (1 new in two periods)
    want = {
        "diamond": (1, Fraction(1, 3), Fraction(5, 18)),
        "gold": (2, Fraction(4, 3), Fraction(1)),
        "silver": (0, Fraction(2, 3), Fraction(4, 9)),
        "active": (0, Fraction(1, 2), Fraction(2, 3)),
        "sleeping": (3, Fraction(11, 3), Fraction(40, 9)),
    }
    got = found.projection.set_index("segment")
    assert list(got.index) == list(want)
    for key, (now, ahead, after) in want.items():
        assert got.loc[key, ["now", "next", "after_next"]].tolist() == pytest.approx(
            [now, float(ahead), float(after)]
        )
    assert got.loc["gold", "label"] == "Gold"


def test_trend(store: Store) -> None:
    fill(store)
    table = trend(store, lang="en")
    q3 = table[table.as_of == Q3].set_index("segment")
    assert q3.customers.to_dict() == {
        "diamond": 1,
        "gold": 2,
        "silver": 0,
        "active": 0,
        "sleeping": 3,
    }
    assert q3.revenue.to_dict() == {
        "diamond": 900.0,
        "gold": 1550.0,
        "silver": 0.0,
        "active": 0.0,
        "sleeping": 3600.0,
    }
    assert q3.share.tolist() == pytest.approx([1 / 6, 2 / 6, 0, 0, 3 / 6])
    assert q3.revenue_share["sleeping"] == pytest.approx(3600 / 6050)
    assert q3.loc["gold", ["mean_r_score", "mean_f_score", "mean_m_score"]].tolist() == [
        4.0,
        3.0,
        4.0,
    ]
    assert len(table) == 15 and list(table.as_of.unique()) == [Q1, Q2, Q3]
    assert table.groupby("as_of").share.sum().tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_customer_history(store: Store) -> None:
    fill(store)
    history = customer_history(store, "c7", lang="en")
    assert history[
        ["as_of", "segment", "segment_label", "recency_days", "monetary"]
    ].values.tolist() == [
        [Q1, "diamond", "Diamond", 20, 3000.0],
        [Q2, "gold", "Gold", 110, 3000.0],
        [Q3, "sleeping", "Sleeping", 202, 3000.0],
    ]
    assert history.p_alive.tolist()[1:] == [0.6, 0.2]
    with pytest.raises(StoreError, match="Customer 'nobody' is in none of the 3 snapshots"):
        customer_history(store, "nobody")


def test_empty_store_and_mixed_schemes(store: Store) -> None:
    with pytest.raises(StoreError, match=r"needs at least 2 snapshots; the store .* has 0"):
        chain(store)
    fill(store, (Q1,))
    table = customer_table(SERIES[Q2], Q2)
    store.save_snapshot(table, record(Q2, settings={"scheme": "tier5"}), as_of=Q2, scheme="cn8")
    with pytest.raises(ConfigError, match=r"different segment schemes \(cn8, tier5\)"):
        migration(store, Q1, Q2)
    with pytest.raises(StoreError, match="no snapshot of 2030-01-01"):
        migration(store, Q1, "2030-01-01")
    with pytest.raises(ConfigError, match="Unknown language 'fr'"):
        trend(store, lang="fr")
