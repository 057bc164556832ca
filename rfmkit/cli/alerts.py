"""``rfmkit alerts``: churn and downgrade warnings from the latest snapshots, delivered once."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from rfmkit import i18n
from rfmkit.cli import common as c
from rfmkit.cli import options as o
from rfmkit.cli.history import SERIES_ONLY, AsOf, Lang, Output, day, lang_of, show_frame, store_of
from rfmkit.settings import AlertOptions

#: The columns printed (the file written has them all).
SHOWN = ("customer_id", "owner", "rule", "reason", "value_at_stake")


@o.with_settings("history", "alerts", skip=SERIES_ONLY)
def alerts_command(
    as_of: AsOf = None,
    output: Output = None,
    to: Annotated[
        list[str] | None,
        typer.Option(
            "--to",
            help="Deliver to this destination of the config file (repeat it; 'all' for every one).",
        ),
    ] = None,
    lang: Lang = None,
    **options: Any,
) -> None:
    """Evaluate the alert rules on the latest two snapshots; print, write and deliver the alerts."""
    from rfmkit.verbs.alerts import alerts_with

    chosen = lang_of({**options, "lang": lang})
    found = alerts_with(
        o.group_from(AlertOptions, options),
        store=store_of(options),
        as_of=day(as_of),
        lang=chosen,
        output=output,
        to=to or (),
    )
    frame = found.alerts
    show_frame(frame.loc[:, list(SHOWN)], i18n.t("history.cli.alerts", chosen, count=len(frame)))
    out = c.console()
    for path in found.written:
        out.print(i18n.t("wrote", chosen, path=path), markup=False)
    if found.delivery is not None:
        for name, skipped in found.delivery.skipped.items():
            messages = sum(1 for r in found.delivery.results if r.destination == name and r.ok)
            text = i18n.t(
                "history.cli.delivered",
                chosen,
                destination=name,
                messages=messages,
                skipped=skipped,
            )
            out.print(text, markup=False)
    found.raise_for_failures()
