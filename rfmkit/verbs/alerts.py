"""The ``alerts`` verb: evaluate the alert rules on the latest snapshots and deliver them.

The alerts (one row per customer and rule, or per segment whose size
jumped; columns :data:`rfmkit.history.ALERT_COLUMNS`, largest value at
stake first) are returned, written to ``output`` when given, and delivered
to the destinations named by ``to`` (from the config file's
``destinations`` section, ``"all"`` for every one) and to an ad hoc
``webhook``. The store is the delivery log: an alert reaches a destination
at most once, so running ``rfmkit alerts`` again (cron) sends only new ones.
Customer alerts are delivered; segment-size alerts are listed only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from rfmkit.delivery import (
    DeliveryReport,
    Owner,
    alerts_from_records,
    deliver,
    owners_from_records,
    parse_destinations,
    webhook_destination,
)
from rfmkit.delivery.deliver import AnyDestination
from rfmkit.errors import ConfigError
from rfmkit.export import check_outputs, write_frame
from rfmkit.history import evaluate_alerts
from rfmkit.settings import AlertOptions, build_group
from rfmkit.verbs.history import opened

#: The word of ``to`` that names every configured destination.
ALL = "all"


@dataclass
class AlertsResult:
    """The alerts and what delivering them did.

    Attributes
    ----------
    alerts
        Every alert, largest value at stake first.
    delivery
        The delivery report (None when nothing was to be delivered).
    written
        The files written.
    """

    alerts: pd.DataFrame
    delivery: DeliveryReport | None = None
    written: list[Path] = field(default_factory=list)

    def raise_for_failures(self) -> None:
        """Raise :class:`~rfmkit.errors.DeliveryError` when a message was not delivered."""
        if self.delivery is not None:
            self.delivery.raise_for_failures()


def alerts(
    *,
    store: str | Path | None = None,
    as_of: dt.date | str | None = None,
    lang: str = "zh",
    output: str | Path | None = None,
    to: Sequence[str] = (),
    **settings: Any,
) -> AlertsResult:
    """Evaluate the alert rules on the latest two snapshots (or those up to ``as_of``).

    Takes the settings of :class:`rfmkit.settings.AlertOptions` by name:
    ``rules``, ``webhook``, ``secret``, ``owners``, ``allow_private``,
    ``destinations`` (``{name: {"kind": "wecom", "key": ...}}``).
    """
    options = build_group(AlertOptions, environ={}, **settings)
    return alerts_with(options, store=store, as_of=as_of, lang=lang, output=output, to=to)


def alerts_with(
    options: AlertOptions,
    *,
    store: str | Path | None = None,
    as_of: dt.date | str | None = None,
    lang: str = "zh",
    output: str | Path | None = None,
    to: Sequence[str] = (),
) -> AlertsResult:
    """:func:`alerts` with validated settings (what every shell calls)."""
    if output is not None:
        check_outputs({"output": Path(output)}, [])
    destinations = chosen_destinations(options, to)
    owners = read_owners(options.owners) if options.owners is not None else {}
    with opened(store) as found:
        frame = evaluate_alerts(found, options.rules, lang=lang, as_of=as_of)
        report = None
        if destinations:
            rows = frame[frame.customer_id.notna()].to_dict(orient="records")
            report = deliver(
                alerts_from_records(_records(rows)),
                destinations,
                found,
                owners=owners,
                language="en" if lang == "en" else "zh",
            )
    written = [write_frame(frame, output)] if output is not None else []
    return AlertsResult(frame, report, written)


def chosen_destinations(options: AlertOptions, to: Sequence[str]) -> list[AnyDestination]:
    """The configured destinations named by ``to`` (``all``: every one) and the ad hoc webhook."""
    configured = parse_destinations(options.destinations or {})
    names = list(configured) if ALL in to else list(dict.fromkeys(to))
    unknown = [n for n in names if n not in configured]
    if unknown:
        known = ", ".join(configured) or "none"
        raise ConfigError(
            f"No destination named {', '.join(unknown)} in the config file (configured: {known}).",
            fix="List destinations under 'destinations:' in the --config file.",
        )
    chosen: list[AnyDestination] = [configured[n] for n in names]
    if options.webhook is not None:
        if not options.secret:
            raise ConfigError(
                "--webhook needs the receiver's signing secret.",
                fix="Give --secret whsec_... or set RFMKIT_SECRET.",
            )
        chosen.append(webhook_destination(options.webhook, options.secret))
    if options.allow_private:
        chosen = [d.model_copy(update={"allow_private": True}) for d in chosen]
    return chosen


def read_owners(path: Path) -> dict[str, Owner]:
    """Owners from a CSV, Excel or JSON file: ``owner, name, mobile, dingtalk_user_id, wecom_user_id``."""
    if not path.is_file():
        raise ConfigError(f"The owners file {path} does not exist.", file=str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        frame = pd.read_excel(path, dtype=str)
    elif suffix == ".json":
        frame = pd.read_json(path, dtype=False).astype(str)
    else:
        frame = _read_csv(path)
    if "owner" not in frame.columns:
        raise ConfigError(
            f"The owners file has no owner column (columns: {', '.join(map(str, frame.columns))}).",
            file=str(path),
            fix="Name the columns owner, name, mobile, dingtalk_user_id, wecom_user_id.",
        )
    return owners_from_records(_records(frame.to_dict(orient="records")))


def _read_csv(path: Path) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False)
        except UnicodeDecodeError:
            continue
    raise ConfigError(f"Cannot read the owners file {path} as UTF-8 or GBK.", file=str(path))


def _records(rows: list[dict[Any, Any]]) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in rows]
