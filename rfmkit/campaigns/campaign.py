"""Campaigns in the store: created on an audience with a holdout, measured after the window.

``create_campaign`` draws the holdout (:mod:`rfmkit.campaigns.holdout`)
over the audience's members less the suppressed customers (who cannot be
contacted, so belong to neither group) and stores every assignment;
``measure_campaign`` measures it on the orders (:mod:`rfmkit.campaigns.measure`)
and keeps each measurement in the store (the campaign history).

Store tables (created on first use, beside the store's own):
``campaigns`` (one row each), ``campaign_assignments`` (``campaign,
customer_id, segment, "group", hash_u``) and ``campaign_results``
(``campaign, measured_at, results`` as JSON rows).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from rfmkit.campaigns import tables
from rfmkit.campaigns.audiences import audience_members, show_audience
from rfmkit.campaigns.holdout import GROUP, assign_holdout, parse_share
from rfmkit.campaigns.measure import measure
from rfmkit.campaigns.stats import group_warning
from rfmkit.campaigns.suppression import apply_suppression
from rfmkit.errors import ConfigError, StoreError
from rfmkit.export.writers import dumps
from rfmkit.store import Store


@dataclass(frozen=True)
class CampaignInfo:
    """One stored campaign and the sizes of its groups."""

    name: str
    audience: str
    channel: str
    send_date: dt.date
    window_days: int
    cost: float
    margin: float
    holdout: float
    global_control: float
    treatment: int
    control: int
    excluded: int
    suppressed: int
    warning: str | None = None


def _ensure(store: Store) -> None:
    tables.ensure_tables(store)
    p = tables.prefix(store)
    for statement in (
        f"CREATE TABLE IF NOT EXISTS {p}.campaigns (name VARCHAR PRIMARY KEY, audience VARCHAR, "
        "channel VARCHAR, send_date DATE, window_days INTEGER, cost DOUBLE, margin DOUBLE, "
        "holdout DOUBLE, global_control DOUBLE, treatment BIGINT, control BIGINT, "
        "excluded BIGINT, suppressed BIGINT, created_at TIMESTAMP)",
        f"CREATE TABLE IF NOT EXISTS {p}.campaign_assignments (campaign VARCHAR NOT NULL, "
        'customer_id VARCHAR NOT NULL, segment VARCHAR, "group" VARCHAR NOT NULL, hash_u DOUBLE)',
        f"CREATE TABLE IF NOT EXISTS {p}.campaign_results (campaign VARCHAR NOT NULL, "
        "measured_at TIMESTAMP NOT NULL, results VARCHAR)",
    ):
        tables.raw(store).execute(statement)


def create_campaign(
    store: Store,
    name: str,
    *,
    audience: str,
    send_date: dt.date,
    window_days: int,
    channel: str = "sms",
    cost: float = 0.0,
    margin: float = 1.0,
    holdout: float | str = 0.1,
    global_control: float | str = 0.0,
    suppress: Any = None,
    baseline: float = 0.05,
    lang: str = "zh",
) -> CampaignInfo:
    """Create campaign ``name`` on ``audience``: draw and store its holdout.

    ``baseline`` is the response rate expected without the campaign: the
    returned :attr:`CampaignInfo.warning` says when the groups are too small
    to detect a one-point difference at that rate.
    """
    _ensure(store)
    show_audience(store, audience)
    if _find(store, name) is not None:
        raise ConfigError(f"There is already a campaign {name!r}.", fix="Choose another name.")
    members, suppressed = apply_suppression(
        audience_members(store, audience), suppress, store=store
    )
    assigned = assign_holdout(members, name, holdout, global_control=global_control)
    counts = _counts(assigned)
    info = CampaignInfo(
        name=name,
        audience=audience,
        channel=channel,
        send_date=send_date,
        window_days=int(window_days),
        cost=float(cost),
        margin=float(margin),
        holdout=parse_share(holdout),
        global_control=parse_share(global_control, "global_control"),
        treatment=counts.get("treatment", 0),
        control=counts.get("control", 0),
        excluded=counts.get("global_control", 0),
        suppressed=suppressed,
        warning=group_warning(
            counts.get("treatment", 0), counts.get("control", 0), baseline=baseline, lang=lang
        ),
    )
    _write(store, info, str(store.con.compile(assigned)))
    return info


def _counts(assigned: ir.Table) -> dict[str, int]:
    frame = assigned.group_by(GROUP).aggregate(n=assigned.count()).to_pandas()
    return {str(k): int(v) for k, v in zip(frame[GROUP], frame["n"], strict=True)}


def _write(store: Store, info: CampaignInfo, sql: str) -> None:
    p, con = tables.prefix(store), tables.raw(store)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"INSERT INTO {p}.campaign_assignments "
            f'SELECT ?, customer_id, segment, "group", hash_u FROM ({sql}) AS drawn',
            [info.name],
        )
        con.execute(
            f"INSERT INTO {p}.campaigns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                info.name, info.audience, info.channel, info.send_date, info.window_days,
                info.cost, info.margin, info.holdout, info.global_control, info.treatment,
                info.control, info.excluded, info.suppressed, now,
            ],
        )  # fmt: skip
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def show_campaign(store: Store, name: str) -> CampaignInfo:
    """The campaign ``name``; a :class:`StoreError` when there is none."""
    found = _find(store, name)
    if found is None:
        raise StoreError(f"There is no campaign {name!r} in {store.location}.")
    return found


def campaign_assignments(store: Store, name: str) -> ir.Table:
    """``customer_id, segment, group, hash_u`` of every customer of campaign ``name``."""
    show_campaign(store, name)
    table = tables.table(store, "campaign_assignments")
    return table.filter(table.campaign == name).drop("campaign")


def measure_campaign(
    store: Store, name: str, transactions: ir.Table, *, lang: str = "zh", save: bool = True
) -> pd.DataFrame:
    """Measure campaign ``name`` on ``transactions`` (see :func:`rfmkit.campaigns.measure`).

    The result is also kept in the store's ``campaign_results`` (``save``).
    """
    info = show_campaign(store, name)
    assignments = campaign_assignments(store, name).select("customer_id", "segment", GROUP)
    result = measure(
        assignments.to_pyarrow(),
        transactions,
        info.send_date,
        info.window_days,
        cost=info.cost,
        margin=info.margin,
        lang=lang,
    )
    if save and not store.read_only:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        tables.raw(store).execute(
            f"INSERT INTO {tables.prefix(store)}.campaign_results VALUES (?, ?, ?)",
            [name, now, dumps(result.to_dict(orient="records"))],
        )
    return result


def campaign_history(store: Store, name: str) -> list[tuple[dt.datetime, list[dict[str, Any]]]]:
    """Every stored measurement of campaign ``name``, oldest first."""
    show_campaign(store, name)
    rows = (
        tables.raw(store)
        .execute(
            f"SELECT measured_at, results FROM {tables.prefix(store)}.campaign_results "
            "WHERE campaign = ? ORDER BY measured_at",
            [name],
        )
        .fetchall()
    )
    return [(when, json.loads(text)) for when, text in rows]


def _find(store: Store, name: str) -> CampaignInfo | None:
    if not tables.has_table(store, "campaigns"):
        return None
    row = (
        tables.raw(store)
        .execute(
            "SELECT name, audience, channel, send_date, window_days, cost, margin, holdout, "
            f"global_control, treatment, control, excluded, suppressed "
            f"FROM {tables.prefix(store)}.campaigns WHERE name = ?",
            [name],
        )
        .fetchone()
    )
    return CampaignInfo(*row) if row else None
