"""The history verbs: what the snapshot store holds, and how customers moved.

``snapshots`` lists the stored snapshots, ``export_snapshot`` writes one
snapshot's customer table (the columns of ``rfmkit score``),
``delete_snapshot`` removes one, ``migration`` compares two snapshots (and
pools all of them with ``chain=True``), ``trend`` follows every segment
over time and ``customer`` one customer. Each opens the store (``store=``:
a DuckDB file, a ``postgresql://`` URL, or None for the default file),
computes in the store's engine and closes it again; results are small
pandas tables. Like :func:`rfmkit.save`, the verbs write the files they are
given (``output=``, ``customers=``) and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from rfmkit.errors import ConfigError
from rfmkit.export import check_outputs, write_frame, write_table
from rfmkit.history import Chain, Migration, customer_history, customer_moves
from rfmkit.history import chain as pooled_chain
from rfmkit.history import migration as moves_between
from rfmkit.history import trend as segment_trend
from rfmkit.store import SnapshotInfo, Store, open_store

#: Columns of :func:`snapshots`.
SNAPSHOT_COLUMNS = (
    "as_of",
    "customers",
    "revenue",
    "scheme",
    "breakpoints_mode",
    "created_at",
)


@contextmanager
def opened(store: str | Path | None, *, read_only: bool = False) -> Iterator[Store]:
    """The store at ``store`` (None: the default file), closed after the block."""
    with open_store(store, read_only=read_only) as found:
        yield found


def snapshots(*, store: str | Path | None = None) -> pd.DataFrame:
    """Every stored snapshot, oldest first (columns :data:`SNAPSHOT_COLUMNS`)."""
    with opened(store) as found:
        rows = [{c: getattr(s, c) for c in SNAPSHOT_COLUMNS} for s in found.snapshots()]
    return pd.DataFrame(rows, columns=list(SNAPSHOT_COLUMNS))


def export_snapshot(
    as_of: dt.date | str,
    output: str | Path,
    *,
    store: str | Path | None = None,
    raw_cells: bool = False,
    money_decimals: int = 2,
) -> Path:
    """Write the customer table of the snapshot of ``as_of`` (the columns of ``rfmkit score``).

    The format follows the extension of ``output`` (.csv, .parquet, .xlsx, .json).
    """
    check_outputs({"output": Path(output)}, [])
    with opened(store) as found:
        return write_table(
            found.customers(as_of), output, raw_cells=raw_cells, money_decimals=money_decimals
        )


def delete_snapshot(as_of: dt.date | str, *, store: str | Path | None = None) -> SnapshotInfo:
    """Delete the snapshot of ``as_of``; return what it was."""
    with opened(store) as found:
        info = found.snapshot(as_of)
        found.delete(info.as_of)
    return info


@dataclass(frozen=True)
class MigrationResult:
    """The moves between two snapshots, and (``chain=True``) the pooled chain.

    Attributes
    ----------
    migration
        The matrix in long form and the up/down/stable/new/left counts
        (see :class:`rfmkit.history.Migration`).
    chain
        The average transition matrix over every consecutive pair of
        snapshots and the projected segment sizes (see :class:`rfmkit.history.Chain`).
    written
        The files written.
    """

    migration: Migration
    chain: Chain | None
    written: list[Path]

    @property
    def matrix(self) -> pd.DataFrame:
        return self.migration.matrix

    @property
    def directions(self) -> pd.DataFrame:
        return self.migration.directions


def migration(
    from_as_of: dt.date | str | None = None,
    to_as_of: dt.date | str | None = None,
    *,
    store: str | Path | None = None,
    lang: str = "zh",
    chain: bool = False,
    output: str | Path | None = None,
    customers: str | Path | None = None,
) -> MigrationResult:
    """Segment moves between the snapshots of ``from_as_of`` and ``to_as_of``.

    Both default to the two latest snapshots. ``output`` receives the
    matrix (long form), ``customers`` each customer's move; ``chain`` adds
    the average transition matrix over all snapshots and its projection.
    """
    targets = {"output": output, "customers": customers}
    check_outputs({k: Path(v) for k, v in targets.items() if v is not None}, [])
    with opened(store) as found:
        first, second = _pair(found, from_as_of, to_as_of)
        moved = moves_between(found, first, second, lang=lang)
        pooled = pooled_chain(found, lang=lang) if chain else None
        written = []
        if customers is not None:
            moves = customer_moves(found, first, second, lang=lang)
            written.append(write_table(moves, customers))
    if output is not None:
        written.append(write_frame(moved.matrix, output))
    return MigrationResult(moved, pooled, written)


def _pair(
    store: Store, from_as_of: dt.date | str | None, to_as_of: dt.date | str | None
) -> tuple[dt.date, dt.date]:
    if from_as_of is not None and to_as_of is not None:
        return store.snapshot(from_as_of).as_of, store.snapshot(to_as_of).as_of
    if from_as_of is not None or to_as_of is not None:
        raise ConfigError(
            "Give both --from and --to, or neither (the two latest snapshots).",
            fix="For example: rfmkit migration --from 2024-10-01 --to 2025-01-01.",
        )
    latest = store.latest(2)
    if len(latest) < 2:
        raise ConfigError(
            f"A migration needs two snapshots; the store {store.location} has {len(latest)}.",
            fix="Record more with rfmkit snapshot (--every quarter back-fills a series).",
        )
    return latest[0].as_of, latest[1].as_of


def trend(
    *, store: str | Path | None = None, lang: str = "zh", output: str | Path | None = None
) -> pd.DataFrame:
    """Per snapshot and segment: customers, share, revenue, revenue share, mean scores."""
    if output is not None:
        check_outputs({"output": Path(output)}, [])
    with opened(store) as found:
        frame = segment_trend(found, lang=lang)
    if output is not None:
        write_frame(frame, output)
    return frame


def customer(
    customer_id: str, *, store: str | Path | None = None, lang: str = "zh"
) -> pd.DataFrame:
    """One customer's segment and scores in every snapshot that has them, oldest first."""
    with opened(store) as found:
        return customer_history(found, customer_id, lang=lang)


def report_history(store: Store, as_of: dt.date, lang: str) -> dict[str, Any]:
    """The report's history: the move into the snapshot of ``as_of`` and the trend up to it."""
    earlier = [s for s in store.snapshots() if s.as_of < as_of]
    trend_frame = segment_trend(store, lang=lang)
    history: dict[str, Any] = {"trend": trend_frame[trend_frame.as_of <= as_of]}
    if earlier:
        moved = moves_between(store, earlier[-1].as_of, as_of, lang=lang).matrix
        kept = moved.from_segment.notna() & moved.to_segment.notna()
        history.update(migration=moved[kept], from_as_of=earlier[-1].as_of, to_as_of=as_of)
    return history
