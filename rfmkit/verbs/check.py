"""The ``check`` verb: load and clean the input, and report its data quality."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir
from ibis.backends import BaseBackend

from rfmkit.quality import QualityReport
from rfmkit.record import RunRecord, fingerprint
from rfmkit.settings import LoadOptions, Settings
from rfmkit.sources import Loaded, load_transactions
from rfmkit.verbs.score import Progress, as_settings, connection


@dataclass
class CheckResult:
    """What ``check`` found: the quality report, the loaded input and the run record."""

    quality: QualityReport
    settings: Settings
    record: RunRecord
    loaded: Loaded = field(repr=False)

    def rejects(self) -> ir.Table:
        """The input rows left out by the cleaning rules, with file, line and reason."""
        return self.loaded.rejects()


def check(
    transactions: Any = None,
    *,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    **settings: Any,
) -> CheckResult:
    """Read ``transactions``, apply the cleaning rules and report what was found.

    Takes the loading settings of :class:`rfmkit.settings.Settings` (and
    ``as_of``: rows on or after it are left out) by name, like :func:`rfmkit.score`.
    """
    return check_with(transactions, as_settings(settings), con=con, progress=progress)


def check_with(
    transactions: Any,
    settings: Settings,
    *,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """:func:`check` with validated settings."""
    record = RunRecord.start("check")
    with record.step("load", progress):
        loaded = load_transactions(
            transactions,
            con=con or connection(settings),
            options=settings.group(LoadOptions),
            as_of=settings.as_of,
        )
    quality = loaded.quality
    quality.as_of = settings.as_of
    record.settings = settings.public()
    record.as_of = settings.as_of.isoformat() if settings.as_of else None
    record.inputs = fingerprint(transactions, [s.file for s in quality.sources if s.file])
    record.rows = {"read": quality.rows_read, "used": quality.rows_used}
    record.warnings.extend(quality.warnings)
    return CheckResult(quality=quality, settings=settings, record=record, loaded=loaded)
