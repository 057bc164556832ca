"""Predictions, audiences and campaigns of the store, as the pages and the API show them.

* **Predictions** (when a snapshot was stored with them): key figures, the
  P(alive), expected-purchases and CLV distributions, CLV by segment and the
  top customers by CLV -- aggregated in the engine, cached by snapshot.
* **Audiences** (:mod:`rfmkit.campaigns.audiences`): the frozen lists with
  who made them (the audit log), one audience's members paged (contacts
  masked unless the caller sees them) and exports with the segment export's
  rules (suppression, contacts none, hashed or raw for PII rights only, audit).
* **Campaigns** (:mod:`rfmkit.campaigns.campaign`): each one with its latest
  measurement against the holdout: lift with its 95 % interval and p-value,
  incremental revenue and ROI, per segment and overall.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir

from rfmkit import glossary as g
from rfmkit import i18n
from rfmkit.errors import ConfigError, StoreError
from rfmkit.store import SnapshotInfo, Store, accounts
from rfmkit.web.auth import Principal
from rfmkit.web.errors import Forbidden, NotFound
from rfmkit.web.exports import Contacts, Exported, Format
from rfmkit.web.people import Actor
from rfmkit.web.queries import (
    MembersPage,
    frame_rows,
    segment_labels,
    snapshot_dict,
    with_contacts,
)
from rfmkit.web.state import WebState

#: Columns that make a snapshot one with predictions.
PREDICTED = ("p_alive", "expected_purchases", "clv")
#: Customers in the top-by-CLV table.
TOP = 20
#: Columns of an audience's members page (contacts added last).
AUDIENCE_COLUMNS = (
    g.CUSTOMER_ID,
    g.SEGMENT,
    g.SEGMENT_LABEL,
    g.RFM_SCORE,
    g.RECENCY_DAYS,
    g.FREQUENCY,
    g.MONETARY,
    "clv",
)


# -- predictions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Predictions:
    """What the predictions of one snapshot say (:func:`predictions`)."""

    snapshot: dict[str, Any]
    figures: dict[str, Any]
    segments: list[dict[str, Any]]
    top: list[dict[str, Any]]
    charts: dict[str, str] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "snapshot": self.snapshot,
            "figures": self.figures,
            "segments": self.segments,
            "top_customers": self.top,
        }


def has_predictions(info: SnapshotInfo) -> bool:
    return any(c in info.columns for c in PREDICTED)


def predictions(state: WebState, info: SnapshotInfo, lang: str) -> Predictions:
    """The predictions of ``info`` (a :class:`NotFound` when it was stored without)."""
    if not has_predictions(info):
        raise NotFound(
            f"The snapshot of {info.as_of} holds no predictions.",
            fix="Fit them with rfmkit predict and store the prediction result as a snapshot.",
        )
    key = ("predictions", info.snapshot_id, lang)
    found: Predictions = state.cache.get(key, lambda: _predictions(state, info, lang))
    return found


def _predictions(state: WebState, info: SnapshotInfo, lang: str) -> Predictions:
    with state.db() as store:
        customers = store.customers(info.as_of)
        horizon = (store.record(info.as_of).get("settings") or {}).get("horizon")
        figures = {**_key_figures(customers), "horizon": horizon}
        segments = _by_segment(customers, info, lang)
        top = _top(customers, info, lang)
        charts = _charts(customers, segments, info, lang)
    return Predictions(snapshot_dict(info), figures, segments, top, charts)


def _key_figures(customers: ir.Table) -> dict[str, Any]:
    present = set(customers.columns)
    parts: dict[str, Any] = {"customers": customers.count()}
    if "p_alive" in present:
        parts["predicted"] = customers["p_alive"].notnull().sum()
        parts["mean_p_alive"] = customers["p_alive"].mean()
    if "expected_purchases" in present:
        parts["expected_purchases"] = customers["expected_purchases"].sum()
    if "clv" in present:
        parts["clv"] = customers["clv"].sum()
    if "churn_risk" in present:
        parts["churn_risk"] = customers["churn_risk"].cast("int64").sum()
    row = customers.aggregate(**parts).to_pyarrow().to_pylist()[0]
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


def _by_segment(customers: ir.Table, info: SnapshotInfo, lang: str) -> list[dict[str, Any]]:
    present = set(customers.columns)
    parts: dict[str, Any] = {"customers": customers.count()}
    for name, column, how in (
        ("mean_p_alive", "p_alive", "mean"),
        ("expected_purchases", "expected_purchases", "sum"),
        ("clv", "clv", "sum"),
        ("mean_clv", "clv", "mean"),
    ):
        if column in present:
            parts[name] = getattr(customers[column], how)()
    rows = frame_rows(customers.group_by(g.SEGMENT).aggregate(**parts).to_pandas())
    labels = segment_labels(info.scheme, lang)
    order = {key: i for i, key in enumerate(info.segment_order)}
    total = sum(r.get("clv") or 0.0 for r in rows)
    for row in rows:
        row[g.SEGMENT_LABEL] = labels.get(row[g.SEGMENT], row[g.SEGMENT])
        row["clv_pct"] = (
            100.0 * row["clv"] / total if total and row.get("clv") is not None else None
        )
    return sorted(rows, key=lambda r: order.get(r[g.SEGMENT], len(order)))


def _top(customers: ir.Table, info: SnapshotInfo, lang: str) -> list[dict[str, Any]]:
    if "clv" not in customers.columns:
        return []
    wanted = [g.CUSTOMER_ID, g.SEGMENT, g.MONETARY, g.RECENCY_DAYS, g.FREQUENCY]
    wanted += [c for c in ("p_alive", "expected_purchases", "clv") if c in customers.columns]
    ranked = customers.filter(customers["clv"].notnull())
    rows = frame_rows(
        ranked.order_by([ibis.desc("clv"), g.CUSTOMER_ID]).limit(TOP).select(*wanted).to_pandas()
    )
    labels = segment_labels(info.scheme, lang)
    for row in rows:
        row[g.SEGMENT_LABEL] = labels.get(row[g.SEGMENT], row[g.SEGMENT])
    return rows


def _charts(
    customers: ir.Table, segments: list[dict[str, Any]], info: SnapshotInfo, lang: str
) -> dict[str, str]:
    import pandas as pd

    from rfmkit.reporting import data, model_figures, prediction_figures
    from rfmkit.web.views import figure_json

    def t(key: str) -> str:
        return i18n.t("web.predictions." + key, lang)

    present = set(customers.columns)
    figures = {}
    if "p_alive" in present:
        bins = data.histogram(customers, "p_alive", bins=20)
        figures["p_alive"] = prediction_figures.bins(
            bins, t("chart.p_alive"), t("axis.p_alive"), lang
        )
    if "expected_purchases" in present:
        bins = data.histogram(customers, "expected_purchases", bins=30)
        figures["expected_purchases"] = prediction_figures.bins(
            bins, t("chart.expected"), t("axis.expected"), lang
        )
    if "clv" in present:
        by_segment = pd.DataFrame(segments)
        figures["clv_by_segment"] = prediction_figures.segment_bars(
            by_segment, "clv", t("chart.clv_by_segment"), t("axis.clv"), lang, info.segment_order
        )
        figures["clv_distribution"] = model_figures.clv_distribution(
            data.histogram(customers, "clv", log=True), lang
        )
    return {name: figure_json(fig) for name, fig in figures.items()}


# -- audiences --------------------------------------------------------------------------


def audiences(state: WebState, lang: str) -> list[dict[str, Any]]:
    """Every audience: size, snapshot, segments, stages, when and by whom it was made."""
    from rfmkit.campaigns import list_audiences

    with state.db() as store:
        found = list_audiences(store)
        makers = accounts.latest_actors(store, "audience.create")
        schemes = {s.as_of: s.scheme for s in store.snapshots()}
    rows = []
    for a in found:
        labels = segment_labels(schemes.get(a.as_of, ""), lang)
        rows.append(
            {
                "name": a.name,
                "as_of": a.as_of.isoformat(),
                "customers": a.customers,
                "segments": list(a.filters.segments),
                "segment_labels": [labels.get(s, s) for s in a.filters.segments],
                "lifecycle_stages": list(a.filters.lifecycle_stages),
                "created_at": a.created_at.isoformat(),
                "created_by": makers.get(f"audience {a.name}"),
            }
        )
    return rows


@dataclass(frozen=True, kw_only=True)
class AudiencePage(MembersPage):
    """One audience and one page of its members."""

    audience: dict[str, Any]
    counts: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"audience": self.audience, "counts": self.counts, **super().to_dict()}


def audience_page(
    state: WebState, name: str, *, page: int, per_page: int, pii: bool, lang: str
) -> AudiencePage:
    """The audience ``name`` with its members by segment and one page of them (by spend)."""
    listed = {a["name"]: a for a in audiences(state, lang)}
    if name not in listed:
        raise NotFound(
            f"No audience {name!r}.", fix="Known: " + (", ".join(listed) or "none") + "."
        )
    with state.db() as store:
        members = _members(store, name)
        counts = frame_rows(
            members.group_by(g.SEGMENT).aggregate(customers=members.count()).to_pandas()
        )
        columns = [c for c in AUDIENCE_COLUMNS if c in members.columns]
        ordered = members.order_by([ibis.desc(g.MONETARY), g.CUSTOMER_ID]).select(*columns)
        rows = frame_rows(ordered.limit(per_page, offset=(page - 1) * per_page).to_pandas())
    labels = segment_labels(_scheme_of(state, listed[name]["as_of"]), lang)
    for row in [*counts, *rows]:
        row[g.SEGMENT_LABEL] = labels.get(
            row[g.SEGMENT], row.get(g.SEGMENT_LABEL) or row[g.SEGMENT]
        )
    counts.sort(key=lambda r: -int(r["customers"]))
    total = listed[name]["customers"]
    return AudiencePage(
        audience=listed[name],
        counts=counts,
        total=total,
        page=page,
        per_page=per_page,
        rows=with_contacts(state.reader(), rows, pii),
    )


def _members(store: Store, name: str) -> ir.Table:
    from rfmkit.campaigns import audience_members

    try:
        return audience_members(store, name)
    except StoreError as exc:
        raise NotFound(exc.message, fix=exc.fix) from None


def _scheme_of(state: WebState, as_of: str) -> str:
    with state.db() as store:
        found = {s.as_of.isoformat(): s.scheme for s in store.snapshots()}
    return found.get(as_of, "")


def create_audience(
    state: WebState, name: str, as_of: str | None, segments: list[str], by: Actor
) -> dict[str, Any]:
    """Freeze the customers of ``segments`` in the snapshot of ``as_of`` (latest) as ``name``."""
    from rfmkit.campaigns import create_audience as create
    from rfmkit.web.queries import check_segment, snapshot_info

    clean = name.strip()
    if not clean or len(clean) > 64 or not clean.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(
            f"Invalid audience name {name!r}.",
            fix="Use letters, digits, hyphens and underscores (at most 64).",
        )
    with state.db() as store:
        info = snapshot_info(store, as_of)
        for segment in segments:
            check_segment(info, segment)
        made = create(store, clean, info.as_of, segments=segments)
        accounts.audit(
            store, by.who.name, "audience.create", ip=by.ip, obj=f"audience {clean}",
            row_count=made.customers,
        )  # fmt: skip
    return {"name": made.name, "as_of": made.as_of.isoformat(), "customers": made.customers}


def export_audience(
    state: WebState, name: str, who: Principal, ip: str, fmt: Format, contacts: Contacts
) -> Exported:
    """Write an audience's members to a file, as the segment exports are written."""
    from rfmkit.campaigns import export_audience as export
    from rfmkit.store.store import ALIAS

    if contacts == "raw" and not who.sees_pii:
        raise Forbidden(
            "Raw phone numbers and email addresses are not shown to this account.",
            fix="Export with contacts=hashed or contacts=none.",
        )
    folder = state.data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"audience-{uuid.uuid4().hex}.{fmt}"
    with state.db() as store:
        _members(store, name)
        listed = store.con.table("contacts", database=(ALIAS, store.where.schema))
        done = export(
            store,
            name,
            target,
            contacts=None if contacts == "none" else listed,
            hash="sha256" if contacts == "hashed" else None,
            no_pii=contacts == "hashed",
        )
        accounts.audit(
            store, who.name, "export", ip=ip, obj=f"audience {name} ({fmt}, contacts {contacts})",
            row_count=done.rows, detail=f"{done.suppressed} suppressed",
        )  # fmt: skip
    return Exported(done.path, done.rows, done.suppressed)


# -- campaigns --------------------------------------------------------------------------


def campaigns(state: WebState, lang: str) -> list[dict[str, Any]]:
    """Every campaign with its groups and its latest measurement (None before the first)."""
    from rfmkit.campaigns import campaign_history, show_audience, show_campaign
    from rfmkit.campaigns.tables import has_table, table

    with state.db() as store:
        if not has_table(store, "campaigns"):
            return []
        names = table(store, "campaigns").select("name").order_by("name").to_pyarrow()
        found = []
        schemes = {s.as_of: s.scheme for s in store.snapshots()}
        for name in names.column("name").to_pylist():
            info = show_campaign(store, name)
            measured = campaign_history(store, name)
            try:
                scheme = schemes.get(show_audience(store, info.audience).as_of, "")
            except StoreError:
                scheme = ""
            found.append((info, measured, scheme))
    return [_campaign(info, measured, scheme, lang) for info, measured, scheme in found]


def _campaign(
    info: Any, measured: list[tuple[dt.datetime, list[dict[str, Any]]]], scheme: str, lang: str
) -> dict[str, Any]:
    labels = segment_labels(scheme, lang)
    latest = measured[-1] if measured else None
    results = []
    for row in latest[1] if latest else []:
        clean = {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in row.items()
        }
        overall = clean.get("scope") == "overall"
        key = str(clean.get(g.SEGMENT))
        clean["label"] = i18n.t("campaign.overall", lang) if overall else labels.get(key, key)
        p = clean.get("p_value")
        clean["significant"] = p is not None and p < 0.05
        results.append(clean)
    return {
        **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in info.__dict__.items()},
        "measurements": len(measured),
        "measured_at": latest[0].isoformat(sep=" ", timespec="seconds") if latest else None,
        "results": results,
    }


def campaign(state: WebState, name: str, lang: str) -> dict[str, Any]:
    for found in campaigns(state, lang):
        if found["name"] == name:
            return found
    raise NotFound(f"No campaign {name!r}.")


__all__ = [
    "AudiencePage",
    "Predictions",
    "audience_page",
    "audiences",
    "campaign",
    "campaigns",
    "create_audience",
    "export_audience",
    "has_predictions",
    "predictions",
]
