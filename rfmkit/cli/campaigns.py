"""``rfmkit audience`` and ``rfmkit campaign``: act on segments and measure the result.

Each command parses its options, builds the settings of its groups from the
registry, calls one verb of :mod:`rfmkit.verbs.audience` or
:mod:`rfmkit.verbs.campaign` and renders the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from rfmkit import i18n
from rfmkit.cli import common as c
from rfmkit.cli import options as o
from rfmkit.cli.campaign_render import (
    show_audience,
    show_audiences,
    show_campaigns,
    show_created,
    show_history,
    show_measured,
)
from rfmkit.cli.history import AsOf, day, show_store
from rfmkit.settings import (
    GROUPS,
    AlertOptions,
    AudienceOptions,
    HistoryOptions,
    LoadOptions,
    PredictOptions,
    SaveOptions,
    ScoreOptions,
)

audience_app = typer.Typer(
    help="Frozen audiences of a snapshot's customers: create, list, show, export, push.",
    no_args_is_help=True,
)
campaign_app = typer.Typer(
    help="Campaigns on an audience with a holdout, measured after their window.",
    no_args_is_help=True,
)

Name = Annotated[str, typer.Argument(help="The audience's name.", show_default=False)]
CampaignName = Annotated[str, typer.Argument(help="The campaign's name.", show_default=False)]
Many = Annotated[list[str] | None, typer.Option(show_default=False)]


def settings_of(
    **groups: Iterable[str] | None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The options of the setting groups named, each limited to the settings listed (None: all)."""
    skip = [
        name
        for group, keep in groups.items()
        for name in GROUPS[group].model_fields
        if keep is not None and name not in keep
    ]
    return o.with_settings(*groups, skip=skip)


def _group(model: type[BaseModel], options: dict[str, Any]) -> Any:
    return o.group_from(model, options)


def _store(options: dict[str, Any]) -> str | None:
    store: str | None = _group(HistoryOptions, options).store
    return store


def _lang(options: dict[str, Any]) -> str:
    return str(_group(ScoreOptions, options).lang)


def _contact_settings(options: dict[str, Any]) -> dict[str, Any]:
    chosen = _group(AudienceOptions, options)
    return {
        k: getattr(chosen, k) for k in ("contacts", "suppress", "hash", "no_pii", "country_code")
    }


STORE = {"history": ("store",)}
LANG = {"score": ("lang",)}
CONTACTS = ("contacts", "suppress", "hash", "no_pii", "country_code")


# -- rfmkit audience ------------------------------------------------------------------


@audience_app.command("create")
@settings_of(audience=("replace",), **STORE, **LANG)
def audience_create(
    name: Name,
    as_of: AsOf = None,
    segment: Annotated[
        list[str] | None,
        typer.Option("--segment", help="A segment key to include (repeat it).", show_default=False),
    ] = None,
    stage: Annotated[
        list[str] | None,
        typer.Option(
            "--stage",
            help="A lifecycle stage to include: new, active, reactivated, at_risk, lapsed (repeat it).",
            show_default=False,
        ),
    ] = None,
    owner: Annotated[
        list[str] | None,
        typer.Option("--owner", help="An owner to include (repeat it).", show_default=False),
    ] = None,
    minimum: Annotated[
        list[str] | None,
        typer.Option(
            "--min",
            help="COLUMN=VALUE: at least this, e.g. clv=500 (repeat it).",
            show_default=False,
        ),
    ] = None,
    maximum: Annotated[
        list[str] | None,
        typer.Option(
            "--max", help="COLUMN=VALUE: at most this, e.g. recency_days=365.", show_default=False
        ),
    ] = None,
    **options: Any,
) -> None:
    """Freeze the customers of a stored snapshot (default: the latest) that pass the filters."""
    from rfmkit.verbs.audience import create_audience

    view = create_audience(
        name,
        as_of=day(as_of),
        segment=segment or (),
        stage=stage or (),
        owner=owner or (),
        min=minimum,
        max=maximum,
        replace=bool(_group(AudienceOptions, options).replace),
        store=_store(options),
    )
    lang = _lang(options)
    show_audience(view, lang)
    show_store(_store(options), lang)


@audience_app.command("list")
@settings_of(**STORE, **LANG)
def audience_list(**options: Any) -> None:
    """List the stored audiences."""
    from rfmkit.verbs.audience import list_audiences

    show_audiences(list_audiences(store=_store(options)), _lang(options))


@audience_app.command("show")
@settings_of(**STORE, **LANG)
def audience_show(name: Name, **options: Any) -> None:
    """Show an audience: its filters and its customers by segment and lifecycle stage."""
    from rfmkit.verbs.audience import show_audience as shown

    show_audience(shown(name, store=_store(options)), _lang(options))


@audience_app.command("export")
@settings_of(audience=CONTACTS, save=("output", "raw_cells"), load=("map",), **STORE, **LANG)
def audience_export(name: Name, **options: Any) -> None:
    """Write an audience with its contacts (CSV, Excel ...); the suppression list always applies."""
    from rfmkit.verbs.audience import export_audience

    lang, target = _lang(options), _group(SaveOptions, options)
    if target.output is None:
        raise _needs("-o", "the file to write, e.g. -o winback.csv (or .xlsx)")
    done = export_audience(
        name,
        target.output,
        store=_store(options),
        raw_cells=target.raw_cells,
        map=_group(LoadOptions, options).map,
        **_contact_settings(options),
    )
    out = c.console()
    out.print(
        i18n.t("campaigns.exported", lang, path=done.path, rows=f"{done.rows:,}"), markup=False
    )
    out.print(i18n.t("suppression.removed", lang, count=f"{done.suppressed:,}"), markup=False)


@audience_app.command("push")
@settings_of(
    audience=CONTACTS,
    alerts=("webhook", "secret", "allow_private"),
    load=("map",),
    **STORE,
    **LANG,
)
def audience_push(name: Name, **options: Any) -> None:
    """Push an audience to a Standard Webhooks receiver in chunks, each customer once."""
    from rfmkit.verbs.audience import push_audience

    lang, hook = _lang(options), _group(AlertOptions, options)
    done = push_audience(
        name,
        webhook=hook.webhook,
        secret=hook.secret,
        allow_private=hook.allow_private,
        store=_store(options),
        map=_group(LoadOptions, options).map,
        **_contact_settings(options),
    )
    out = c.console()
    text = i18n.t(
        "campaigns.pushed",
        lang,
        sent=f"{done.sent:,}",
        messages=f"{done.messages:,}",
        skipped=f"{done.skipped:,}",
    )
    out.print(text, markup=False)
    out.print(i18n.t("suppression.removed", lang, count=f"{done.suppressed:,}"), markup=False)


# -- rfmkit campaign ------------------------------------------------------------------


@campaign_app.command("create")
@settings_of(
    campaign=("channel", "send_date", "window_days", "cost", "holdout", "global_control"),
    predict=("margin",),
    audience=("suppress",),
    load=("map",),
    **STORE,
    **LANG,
)
def campaign_create(
    name: CampaignName,
    audience: Annotated[
        str | None,
        typer.Option("--audience", help="The audience the campaign goes to.", show_default=False),
    ] = None,
    **options: Any,
) -> None:
    """Create a campaign on an audience: draw its holdout per segment and store it."""
    from rfmkit.settings import CampaignOptions
    from rfmkit.verbs.campaign import create_campaign

    if audience is None:
        raise _needs("--audience", "the audience's name (rfmkit audience list)")
    chosen, lang = _group(CampaignOptions, options), _lang(options)
    created = create_campaign(
        name,
        audience=audience,
        send_date=chosen.send_date,
        window_days=chosen.window_days,
        channel=chosen.channel,
        cost=chosen.cost,
        margin=_group(PredictOptions, options).margin,
        holdout=chosen.holdout,
        global_control=chosen.global_control,
        suppress=_group(AudienceOptions, options).suppress,
        map=_group(LoadOptions, options).map,
        lang=lang,
        store=_store(options),
    )
    show_created(created, lang)


@campaign_app.command("measure")
@settings_of(
    campaign=("assignments", "send_date", "window_days", "cost"),
    predict=("margin",),
    load=None,
    score=("lang", "engine", "money_decimals", "scheme"),
    save=("output",),
    **STORE,
)
def campaign_measure(
    arguments: Annotated[
        list[str] | None,
        typer.Argument(
            help="NAME INPUT...: the campaign and its orders (with --assignments: the orders only).",
            show_default=False,
            metavar="[NAME] INPUT...",
        ),
    ] = None,
    **options: Any,
) -> None:
    """Measure a campaign against its holdout: response, revenue, lift, ROI, z-test."""
    from rfmkit.settings import CampaignOptions
    from rfmkit.verbs.campaign import measure_with

    chosen = _group(CampaignOptions, options)
    given = list(arguments or [])
    name = None if chosen.assignments is not None else (given.pop(0) if given else None)
    if chosen.assignments is None and name is None:
        raise _needs("NAME", "the campaign to measure (or --assignments FILE)")
    settings = o.settings_from(options)
    with c.StepProgress(settings.lang).shown() as progress:
        measured = measure_with(
            name,
            given or None,
            settings,
            assignments=chosen.assignments,
            send_date=chosen.send_date,
            window_days=chosen.window_days,
            cost=chosen.cost,
            margin=_group(PredictOptions, options).margin,
            output=_group(SaveOptions, options).output,
            store=_store(options),
            progress=progress,
        )
    show_measured(measured, settings.lang)


@campaign_app.command("history")
@settings_of(save=("output",), **STORE, **LANG)
def campaign_history_command(name: CampaignName, **options: Any) -> None:
    """Every stored measurement of a campaign (the overall rows), oldest first."""
    from rfmkit.verbs.campaign import campaign_history
    from rfmkit.verbs.save import save_table

    lang, output = _lang(options), _group(SaveOptions, options).output
    frame = campaign_history(name, store=_store(options))
    show_history(name, frame, lang)
    if output is not None:
        path = save_table(frame, output)
        c.console().print(i18n.t("wrote", lang, path=path), markup=False)


@campaign_app.command("list")
@settings_of(**STORE, **LANG)
def campaign_list(**options: Any) -> None:
    """List the stored campaigns and their group sizes."""
    from rfmkit.verbs.campaign import list_campaigns

    show_campaigns(list_campaigns(store=_store(options)), _lang(options))


def _needs(option: str, what: str) -> Exception:
    from rfmkit.errors import ConfigError

    return ConfigError(f"{option} is missing.", fix=f"Give {option}: {what}.")


__all__ = ["audience_app", "campaign_app"]
