"""No look-ahead: every back-filled snapshot equals an independent ``score`` of the log cut
at its date, with the same frozen score edges (Hypothesis over random logs with refunds
that cross a snapshot date, multi-line orders and rows without an order id)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rfmkit.verbs as verbs
from rfmkit import glossary as g
from rfmkit.settings import build_settings
from rfmkit.store import open_store
from rfmkit.verbs.score import score_with
from rfmkit.verbs.snapshot import stored_breakpoints

START = dt.date(2024, 1, 1)
FROM, TO = dt.date(2024, 3, 1), dt.date(2024, 9, 1)

row = st.tuples(
    st.integers(0, 7),  # customer
    st.integers(0, 12),  # order number (None for some rows below)
    st.integers(0, 270),  # day
    st.integers(-300, 3000),  # amount in cents x 10
    st.booleans(),  # without order id
)


def log_of(rows: list[tuple[int, int, int, int, bool]]) -> pd.DataFrame:
    # an anchor customer with a purchase before the first snapshot, so every cut scores someone
    data = [("anchor", "a1", START, 10.0)]
    data += [
        (f"c{c}", None if bare else f"o{c}-{o}", START + dt.timedelta(days=d), a / 10)
        for c, o, d, a, bare in rows
    ]
    return pd.DataFrame(data, columns=["customer", "order", "date", "amount"])


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(row, min_size=1, max_size=40), st.sampled_from(["month", "quarter"]))
def test_each_snapshot_is_the_score_of_the_log_cut_at_its_date(rows, every) -> None:
    log = log_of(rows)
    with tempfile.TemporaryDirectory() as tmp:
        location = str(Path(tmp) / "s.duckdb")
        done = verbs.snapshot(
            log, every=every, from_as_of=FROM, to_as_of=TO, store=location, scheme="tier5"
        )
        with open_store(location) as store:
            for info in done.snapshots:
                frozen = stored_breakpoints(store.record(info.as_of), build_settings(), info.as_of)
                cut = log[log.date < info.as_of]
                alone = score_with(
                    cut, build_settings(environ={}, as_of=info.as_of, scheme="tier5"),
                    breakpoints=frozen,
                )  # fmt: skip
                expected = _sorted(alone.to_pandas())
                got = _sorted(store.customers(info.as_of).to_pandas())
                pd.testing.assert_frame_equal(got[expected.columns], expected, check_dtype=False)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(g.CUSTOMER_ID).reset_index(drop=True)
