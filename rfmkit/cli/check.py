"""``rfmkit check``: load the input and report its data quality, nothing else."""

from __future__ import annotations

from rfmkit.backend import connect
from rfmkit.cli import common as c
from rfmkit.cli.score import score_settings, write_outputs
from rfmkit.sources import load_transactions


def check_command(
    inputs: c.Inputs = None,
    as_of: c.AsOf = None,
    map: c.Map = None,
    config: c.Config = None,
    sheet: c.Sheet = None,
    encoding: c.Encoding = None,
    delimiter: c.Delimiter = None,
    timezone: c.Timezone = None,
    dayfirst: c.Dayfirst = None,
    strict: c.Strict = None,
    exclude_customers: c.ExcludeCustomers = None,
    keep_duplicates: c.KeepDuplicates = None,
    keep_future: c.KeepFuture = None,
    max_amount: c.MaxAmount = None,
    outlier_iqr: c.OutlierIqr = None,
    level: c.Level = None,
    from_db: c.FromDb = None,
    table: c.Table = None,
    query: c.Query = None,
    engine: c.Engine = None,
    quality_report: c.QualityReport = None,
    rejects: c.Rejects = None,
) -> None:
    """Read the input, apply the cleaning rules and print the data-quality report."""
    settings = score_settings(**locals())
    with c.console().status("Reading and checking…"):
        loaded = load_transactions(
            c.paths_or_none(inputs),
            con=connect(settings.engine),
            options=settings.load_options(),
            as_of=settings.as_of,
        )
        write_outputs(loaded.quality, loaded.rejects, quality_report, rejects)
    c.console().print(loaded.quality.summary(), markup=False)
