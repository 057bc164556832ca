"""The campaign verbs: create a campaign on an audience with a holdout, measure it, its history.

``create_campaign("winback-sms", audience="winback", send_date="2025-01-06",
window_days=30, cost=800, margin=0.3, holdout="10%")`` draws a deterministic
holdout per segment over the audience less the suppressed customers (see
:mod:`rfmkit.campaigns.holdout`) and stores it; the minimum detectable effect
of the group sizes comes back with it. After the window,
``measure_campaign("winback-sms", "orders.csv")`` reads the orders (loaded
as ``score`` loads them, with the same settings) and returns the response,
revenue, lift and ROI per segment and overall (see
:mod:`rfmkit.campaigns.measure`), kept in the store's campaign history.

A campaign run elsewhere is measured with ``assignments=`` (a file or frame
with ``customer_id``, ``group`` -- treatment/control -- and optionally
``segment``) and ``send_date``, ``window_days``, ``cost``, ``margin``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from rfmkit import glossary as g
from rfmkit.errors import ConfigError, InputError
from rfmkit.settings import CampaignOptions, Settings, build_group, parse_date_setting
from rfmkit.store import Store, open_store
from rfmkit.verbs.score import Progress, as_settings, load_for

#: The response rate assumed without the campaign for the minimum detectable effect.
BASELINE = 0.05
#: Columns of :func:`list_campaigns`.
CAMPAIGN_COLUMNS = (
    "name",
    "audience",
    "channel",
    "send_date",
    "window_days",
    "cost",
    "margin",
    "holdout",
    "treatment",
    "control",
    "suppressed",
)


@dataclass(frozen=True)
class Created:
    """A stored campaign, with the minimum detectable effect of its groups.

    Attributes
    ----------
    info
        The stored campaign (:class:`rfmkit.campaigns.CampaignInfo`): group
        sizes, customers kept out by the global control group and suppressed.
    mde
        The smallest difference in response rate the groups can detect
        (alpha 0.05, power 80 %) at a :data:`BASELINE` response rate; None
        when a group is empty.
    warning
        Set when the groups are too small to detect a one-point difference.
    """

    info: Any
    mde: float | None
    warning: str | None


@dataclass(frozen=True)
class Measured:
    """A campaign's measurement.

    Attributes
    ----------
    name
        The campaign (None for assignments measured without one).
    send_date, window_days
        The window ``[send_date, send_date + window_days)``.
    results
        One row per segment, then the overall row (:data:`rfmkit.campaigns.MEASURE_COLUMNS`).
    labels
        Segment key -> label, for display (empty when unknown).
    written
        The file written (``output=``), if any.
    """

    name: str | None
    send_date: dt.date
    window_days: int
    results: pd.DataFrame
    labels: dict[str, str] = field(default_factory=dict)
    written: Path | None = None


def create_campaign(
    name: str,
    *,
    audience: str,
    send_date: dt.date | str | None,
    window_days: int | None,
    channel: str = "sms",
    cost: float = 0.0,
    margin: float = 1.0,
    holdout: str | float = "10%",
    global_control: str | float = 0,
    suppress: Any = None,
    map: Any = None,
    lang: str = "zh",
    store: str | Path | None = None,
) -> Created:
    """Create campaign ``name`` on ``audience``: draw and store its holdout.

    Suppressed customers (the store's list and ``suppress``, a file or frame)
    are left out of both groups: they cannot be contacted.
    """
    from rfmkit.campaigns.campaign import create_campaign as create
    from rfmkit.campaigns.stats import min_detectable_effect
    from rfmkit.verbs.audience import _mapping, read_suppression

    options = campaign_options(
        send_date=send_date,
        window_days=window_days,
        channel=channel,
        cost=cost,
        holdout=holdout,
        global_control=global_control,
    )
    day, window = _window(options)
    _check_margin(margin)
    with open_store(store) as opened:
        listed = (
            read_suppression(suppress, opened.con, _mapping(map)) if suppress is not None else None
        )
        info = create(
            opened,
            name,
            audience=audience,
            send_date=day,
            window_days=window,
            channel=options.channel,
            cost=options.cost,
            margin=margin,
            holdout=options.holdout,
            global_control=options.global_control,
            suppress=listed,
            baseline=BASELINE,
            lang=lang,
        )
    mde = min_detectable_effect(info.treatment, info.control, BASELINE)
    return Created(info, mde, info.warning)


def measure_campaign(
    name: str | None = None,
    transactions: Any = None,
    *,
    assignments: Any = None,
    send_date: dt.date | str | None = None,
    window_days: int | None = None,
    cost: float = 0.0,
    margin: float = 1.0,
    output: str | Path | None = None,
    store: str | Path | None = None,
    progress: Progress | None = None,
    **settings: Any,
) -> Measured:
    """Measure campaign ``name`` (or ``assignments``) on the orders in ``transactions``.

    ``transactions`` are loaded as :func:`rfmkit.score` loads them, with any
    of its settings by name (``map=``, ``encoding=``, ``lang=`` ...); only
    orders before the end of the window are read. A stored campaign's
    measurement is kept in the store's campaign history; ``output`` also
    writes it (.csv, .xlsx, .parquet, .json).
    """
    run = as_settings(settings)
    return measure_with(
        name,
        transactions,
        run,
        assignments=assignments,
        send_date=send_date,
        window_days=window_days,
        cost=cost,
        margin=margin,
        output=output,
        store=store,
        progress=progress,
    )


def measure_with(
    name: str | None,
    transactions: Any,
    settings: Settings,
    *,
    assignments: Any = None,
    send_date: dt.date | str | None = None,
    window_days: int | None = None,
    cost: float = 0.0,
    margin: float = 1.0,
    output: str | Path | None = None,
    store: str | Path | None = None,
    progress: Progress | None = None,
) -> Measured:
    """:func:`measure_campaign` with validated load and score settings (what the CLI calls)."""
    from rfmkit.export import check_outputs

    if (name is None) == (assignments is None):
        raise ConfigError(
            "Measure either a stored campaign (its name) or --assignments FILE, not both.",
            fix="rfmkit campaign measure NAME ORDERS... or "
            "rfmkit campaign measure --assignments FILE ORDERS... --send-date D --window N.",
        )
    if output is not None:
        check_outputs({"output": Path(output)}, _input_files(transactions, assignments))
    if assignments is not None:
        options = campaign_options(send_date=send_date, window_days=window_days, cost=cost)
        day, window = _window(options)
        _check_margin(margin)
        measured = _measure_assignments(
            assignments, transactions, settings, day, window, options.cost, margin, progress
        )
    else:
        assert name is not None
        measured = _measure_stored(name, transactions, settings, store, progress)
    if output is not None:
        from rfmkit.export import write_frame

        path = write_frame(measured.results, output, money_decimals=settings.money_decimals)
        measured = Measured(**{**measured.__dict__, "written": path})
    return measured


def campaign_history(name: str, *, store: str | Path | None = None) -> pd.DataFrame:
    """Every stored measurement of campaign ``name``: its rows with ``measured_at``, oldest first."""
    from rfmkit.campaigns import MEASURE_COLUMNS
    from rfmkit.campaigns.campaign import campaign_history as history

    with open_store(store) as opened:
        found = history(opened, name)
    frames = [pd.DataFrame(rows).assign(measured_at=when) for when, rows in found]
    columns = ["measured_at", *MEASURE_COLUMNS]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True).loc[:, columns]


def list_campaigns(*, store: str | Path | None = None) -> pd.DataFrame:
    """Every campaign of the store (columns :data:`CAMPAIGN_COLUMNS`), by name."""
    from rfmkit.campaigns import tables

    with open_store(store) as opened:
        if not tables.has_table(opened, "campaigns"):
            return pd.DataFrame(columns=list(CAMPAIGN_COLUMNS))
        return (
            tables.table(opened, "campaigns").select(*CAMPAIGN_COLUMNS).order_by("name").to_pandas()
        )


def campaign_options(**given: Any) -> CampaignOptions:
    """The campaign settings given (None = not given), validated by the registry."""
    return build_group(CampaignOptions, environ={}, **given)


# -- measuring -----------------------------------------------------------------------


def _measure_stored(
    name: str,
    transactions: Any,
    settings: Settings,
    store: str | Path | None,
    progress: Progress | None,
) -> Measured:
    from rfmkit.campaigns.campaign import measure_campaign as measure
    from rfmkit.campaigns.campaign import show_campaign

    with open_store(store) as opened:
        info = show_campaign(opened, name)
        orders = _orders(transactions, settings, info.send_date, info.window_days, progress)
        if progress is not None:
            progress("measure")
        results = measure(opened, name, orders, lang=settings.lang)
        labels = _labels(opened, info.audience, settings.lang)
    return Measured(name, info.send_date, info.window_days, results, labels)


def _measure_assignments(
    assignments: Any,
    transactions: Any,
    settings: Settings,
    send_date: dt.date,
    window_days: int,
    cost: float,
    margin: float,
    progress: Progress | None,
) -> Measured:
    from rfmkit.campaigns.measure import measure
    from rfmkit.verbs.audience import read_list

    orders = _orders(transactions, settings, send_date, window_days, progress)
    con = orders.get_backend()
    table = read_list(assignments, con, (g.CUSTOMER_ID, "group", "segment"), what="assignments")
    missing = [c for c in (g.CUSTOMER_ID, "group") if c not in table.columns]
    if missing:
        raise InputError(
            f"The assignments lack the column(s) {', '.join(missing)}.",
            file=str(assignments) if isinstance(assignments, str | Path) else None,
            fix="Give a file with customer_id, group (treatment/control) and optionally segment.",
        )
    if progress is not None:
        progress("measure")
    results = measure(
        table, orders, send_date, window_days, cost=cost, margin=margin, lang=settings.lang
    )
    return Measured(None, send_date, window_days, results, _scheme_labels(settings))


def _orders(
    transactions: Any,
    settings: Settings,
    send_date: dt.date,
    window_days: int,
    progress: Progress | None,
) -> Any:
    """The canonical transactions dated before the end of the window."""
    if transactions is None and not settings.from_db:
        raise ConfigError(
            "Measuring a campaign needs the orders of its window.",
            fix="Name the order files after the campaign: rfmkit campaign measure NAME orders.csv.",
        )
    end = send_date + dt.timedelta(days=window_days)
    loaded = load_for(transactions, settings, end, progress=progress)
    if loaded.transactions is None:
        raise InputError(
            "Measuring a campaign needs the orders (customer, date, amount), "
            "not one row per customer.",
            fix="Give the order log that covers the campaign's window.",
        )
    return loaded.transactions


def _labels(store: Store, audience: str, lang: str) -> dict[str, str]:
    """Segment key -> label of the audience's snapshot (for display)."""
    from rfmkit.campaigns.audiences import show_audience
    from rfmkit.segments import load_scheme

    try:
        snapshot = store.snapshot(show_audience(store, audience).as_of)
        scheme = load_scheme(snapshot.scheme)
    except Exception:  # a scheme file moved: keys are shown instead
        return {}
    return {s.key: s.label(lang) for s in scheme.segments}


def _scheme_labels(settings: Settings) -> dict[str, str]:
    from rfmkit.segments import load_scheme

    return {s.key: s.label(settings.lang) for s in load_scheme(settings.scheme).segments}


def _window(options: CampaignOptions) -> tuple[dt.date, int]:
    if options.send_date is None or options.window_days is None:
        raise ConfigError(
            "A campaign needs its send date and measurement window.",
            fix="Give --send-date YYYY-MM-DD and --window DAYS.",
        )
    return options.send_date, options.window_days


def _check_margin(margin: float) -> None:
    if not 0 <= margin <= 1:
        raise ConfigError(
            f"The margin must be a share between 0 and 1, not {margin:g}.",
            fix="Give --margin as the share of revenue that is profit, e.g. 0.3.",
        )


def _input_files(*items: Any) -> list[str]:
    files: list[str] = []
    for item in items:
        values = item if isinstance(item, list | tuple) else [item]
        files += [str(v) for v in values if isinstance(v, str | Path)]
    return files


def as_date(value: Any) -> dt.date | None:
    """A date from text in any form the data reader accepts."""
    parsed = parse_date_setting(value)
    return parsed if isinstance(parsed, dt.date) or parsed is None else None
