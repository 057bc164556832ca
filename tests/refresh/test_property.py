"""Any sequence of refreshes equals one full score of all the rows at the same as_of.

Generated order logs have line items, refunds (often arriving in a later
batch than their order), exact duplicates split across batches, rows dated
after as_of and rows without a customer id; the rows are dealt at random
into batches and refreshed one by one into a fresh store. The last
snapshot must equal ``rfmkit.score`` of all the rows -- metrics, scores
(both scored with the full run's score edges), segments, lifecycle stages
-- and so must the data-quality counts.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from rfmkit import glossary as g
from rfmkit.incremental import scoring as incremental_scoring
from rfmkit.quality import QualityReport
from rfmkit.scoring import Breakpoints
from rfmkit.store import open_store
from rfmkit.verbs.refresh import refresh
from rfmkit.verbs.score import as_settings, score, score_with

START = dt.date(2024, 1, 1)
CUSTOMERS = ["C1", "C2", "C3", "C4", "C5", None]


@st.composite
def order_logs(
    draw: st.DrawFn, customers: list[str | None] = CUSTOMERS, orders: int = 9
) -> pd.DataFrame:
    """An order log: orders with 1-3 line items, refunds days later, duplicates, no-id rows."""
    rows: list[tuple[str | None, str | None, dt.date, float]] = []
    for number in range(draw(st.integers(2, orders))):
        customer = draw(st.sampled_from(customers))
        order = None if draw(st.integers(0, 5)) == 0 else f"O{number}"
        day = START + dt.timedelta(days=draw(st.integers(0, 40)))
        for _item in range(draw(st.integers(1, 3))):
            rows.append((customer, order, day, draw(st.integers(1, 9000)) / 100))
        if order is not None and draw(st.booleans()):  # a refund, later
            later = day + dt.timedelta(days=draw(st.integers(0, 20)))
            rows.append((customer, order, later, -draw(st.integers(1, 9000)) / 100))
    copies = draw(st.lists(st.integers(0, len(rows) - 1), max_size=3))
    rows += [rows[i] for i in copies]  # exact duplicates
    rows[0] = ("C1", "O-first", START + dt.timedelta(days=3), 12.5)  # one valid order
    return pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"])


def _batches(log: pd.DataFrame, labels: list[int]) -> list[pd.DataFrame]:
    """The rows dealt into batches by ``labels`` (row 0 always in the first)."""
    labels = [0, *labels[1:]]
    return [log[[b == k for b in labels]] for k in sorted(set(labels))]


def _counts(report: QualityReport) -> dict[str, object]:
    return {
        "rows_read": report.rows_read,
        "rows_used": report.rows_used,
        "customers": report.customers,
        "rows_without_order_id": report.rows_without_order_id,
        "date_min": report.date_min,
        "date_max": report.date_max,
        "rules": {r.rule: r.count for r in report.rules},
    }


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[list(g.CUSTOMER_COLUMNS)].sort_values(g.CUSTOMER_ID).reset_index(drop=True)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    log=order_logs(),
    data=st.data(),
    cut=st.one_of(st.none(), st.integers(5, 45)),
)
def test_refreshes_equal_one_full_score(
    log: pd.DataFrame, data: st.DataObject, cut: int | None, tmp_path: Path
) -> None:
    as_of = START + dt.timedelta(days=cut) if cut is not None else None
    try:
        full = score(log, as_of=as_of, lang="en")
    except Exception as error:  # nothing scorable before as_of: nothing to compare
        assert "positive amount" in str(error)
        return
    labels = data.draw(st.lists(st.integers(0, 3), min_size=len(log), max_size=len(log)))
    store = str(tmp_path / f"{uuid.uuid4().hex}.duckdb")
    batches = _batches(log, labels)
    for batch in batches[:-1]:
        refresh(batch, store=store, lang="en")
    last = refresh(batches[-1], store=store, as_of=as_of, lang="en", breakpoints=full.breakpoints)
    assert last.as_of == full.as_of
    with open_store(store, read_only=True) as opened:
        stored = opened.customers(last.as_of).to_pandas()
    pd.testing.assert_frame_equal(_table(stored), _table(full.to_pandas()), check_dtype=False)
    assert _counts(last.quality) == _counts(full.quality)


@pytest.mark.parametrize("order", [[0, 1], [1, 0]])
def test_a_refund_before_or_after_its_order_nets_the_same(order: list[int], tmp_path: Path) -> None:
    """Regression: a refund merged into an order stored by an earlier refresh, either way round."""
    rows = pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C2"],
            "order_id": ["O1", "O1", "O2"],
            "order_date": [dt.date(2024, 1, 2), dt.date(2024, 1, 9), dt.date(2024, 1, 3)],
            "amount": [30.10, -30.10, 8.0],
        }
    )
    parts = [rows.iloc[[0]], rows.iloc[[1, 2]]]
    store = str(tmp_path / "s.duckdb")
    for index in order:
        last = refresh(parts[index], store=store, lang="en", as_of="2024-02-01")
    with open_store(store) as opened:
        stored = opened.customers(last.as_of).to_pandas().set_index(g.CUSTOMER_ID)
    # the fully refunded order does not count; C1 has no positive order left
    assert list(stored.index) == ["C2"]
    assert last.quality.customers == 2
    assert {r.rule: r.count for r in last.quality.rules}["refunds"] == 1


def _edges(record: dict[str, object]) -> dict[str, Breakpoints]:
    stored = record["breakpoints"]
    assert isinstance(stored, dict)
    return {
        m: Breakpoints(m, tuple(bp["edges"]), bool(bp["higher_is_better"]))
        for m, bp in stored.items()
    }


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failing case is long to shrink
)
@given(
    log=order_logs([*(f"C{i}" for i in range(1, 13)), None], orders=24),
    data=st.data(),
    scheme=st.sampled_from(["cn8", "classic11"]),
    split=st.sampled_from(["mean", "median"]),
)
def test_every_snapshot_stored_over_its_base_equals_a_full_score(
    log: pd.DataFrame,
    data: st.DataObject,
    scheme: str,
    split: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each refresh of a sequence -- most stored over the first one -- reads back as one score.

    Every snapshot after the first is stored over it whatever share of the
    customers changed (the threshold is lifted), with the dates moving either
    way; today moves on, so rows dated after it wait for a later refresh.
    """
    monkeypatch.setattr(incremental_scoring, "MOST", float("inf"))
    # most rows in the first batch: later ones touch a few customers and leave the rest
    labels = data.draw(
        st.lists(st.sampled_from([0, 0, 0, 1, 2, 3]), min_size=len(log), max_size=len(log))
    )
    batches = _batches(log, labels)
    cuts = data.draw(
        st.lists(
            st.one_of(st.none(), st.integers(5, 45)), min_size=len(batches), max_size=len(batches)
        )
    )
    # today from the first order's day on (a refresh always has it to score)
    days = data.draw(st.lists(st.integers(3, 50), min_size=len(batches), max_size=len(batches)))
    store = str(tmp_path / f"{uuid.uuid4().hex}.duckdb")
    base: dt.date | None = None
    for k, (batch, cut, day) in enumerate(zip(batches, cuts, sorted(days), strict=True)):
        today = START + dt.timedelta(days=day)
        common = {"lang": "en", "scheme": scheme, "split": split, "today": today}
        as_of = START + dt.timedelta(days=cut) if cut is not None else None
        done = refresh(batch, store=store, as_of=as_of, **common)
        with open_store(store, read_only=True) as opened:
            stored = opened.customers(done.as_of).to_pandas()
            over = opened.snapshot(done.as_of).base_id is not None
            edges = _edges(opened.record(done.as_of))
        seen = pd.concat(batches[: k + 1])
        full = score_with(seen, as_settings({"as_of": done.as_of, **common}), breakpoints=edges)
        pd.testing.assert_frame_equal(_table(stored), _table(full.to_pandas()), check_dtype=False)
        assert _counts(done.quality) == _counts(full.quality)
        # over the base unless it replaces it (then it is the new base)
        assert over == (base is not None and done.as_of != base), (k, over, base)
        base = base if over else done.as_of
