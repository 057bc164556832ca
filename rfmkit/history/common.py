"""What the analyses share: picking snapshots, segment positions and labels."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from rfmkit import glossary as g
from rfmkit.errors import ConfigError, StoreError
from rfmkit.segments import LANGS, load_scheme, shipped_schemes
from rfmkit.store.base import SnapshotInfo, SnapshotStore


def check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ConfigError(f"Unknown language {lang!r}.", fix="Use zh or en.")


def same_scheme(snapshots: list[SnapshotInfo]) -> str:
    """The one scheme of ``snapshots``; a :class:`ConfigError` when they differ."""
    schemes = sorted({s.scheme for s in snapshots})
    if len(schemes) > 1:
        raise ConfigError(
            f"The snapshots use different segment schemes ({', '.join(schemes)}); "
            "moves between them mean nothing.",
            fix="Compare snapshots of one scheme (rfmkit history lists each one's scheme).",
        )
    return schemes[0]


def need(store: SnapshotStore, count: int, what: str) -> list[SnapshotInfo]:
    """Every snapshot, or a :class:`StoreError` when fewer than ``count`` are stored."""
    found = store.snapshots()
    if len(found) < count:
        raise StoreError(
            f"{what} needs at least {count} snapshots; the store {store.location} "
            f"has {len(found)}.",
            fix="Record snapshots with rfmkit snapshot (--every quarter back-fills a series).",
        )
    return found


def latest_two(store: SnapshotStore, as_of: dt.date | None = None) -> list[SnapshotInfo]:
    """The snapshot of ``as_of`` (default: the latest) and the one before it, when any."""
    found = need(store, 1, "This")
    if as_of is not None:
        target = store.snapshot(as_of)
        found = [s for s in found if s.as_of <= target.as_of]
    return found[-2:]


def labels(info: SnapshotInfo, lang: str) -> dict[str, str] | None:
    """Segment key -> label in ``lang`` for a shipped scheme; None for a user's scheme."""
    if info.scheme not in shipped_schemes():
        return None
    scheme = load_scheme(info.scheme)
    return {s.key: s.label(lang) for s in scheme.segments}


def label_expr(
    segment: ir.StringValue, stored: ir.StringValue, names: dict[str, str] | None
) -> ir.StringValue:
    """The segment's label in the asked language when known, else the stored one."""
    if names is None:
        return stored
    return segment.substitute(names, else_=stored)


def position_expr(segment: ir.StringValue, order: tuple[str, ...]) -> ir.IntegerValue:
    """The segment's place in the scheme (0 = best), null for an unknown key."""
    return segment.substitute({key: i for i, key in enumerate(order)}, else_=ibis.null("int64"))


def snapshot_rows(store: SnapshotStore, info: SnapshotInfo) -> ir.Table:
    rows = store.rows()
    return rows.filter(rows.snapshot_id == info.snapshot_id)


CUSTOMER = g.CUSTOMER_ID
