"""``rfmkit demo``: a realistic demo order log, scored end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rfmkit.cli import common as c
from rfmkit.cli.score import show_result
from rfmkit.demo import write_demo
from rfmkit.export import write_table
from rfmkit.pipeline import score
from rfmkit.quality import write_report


def demo_command(
    folder: Annotated[Path, typer.Argument(help="Folder for the demo files.")] = Path(
        "rfmkit-demo"
    ),
    customers: Annotated[int, typer.Option("--customers", help="Number of demo customers.")] = 5000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 42,
    scheme: Annotated[str, typer.Option("--scheme", help="Segment scheme.")] = "cn8",
    lang: Annotated[str, typer.Option("--lang", help="zh or en.")] = "zh",
) -> None:
    """Generate a seeded demo order log and run the whole pipeline on it."""
    with c.console().status("Generating the demo order log…"):
        orders = write_demo(folder, customers=customers, seed=seed)
    with c.console().status("Scoring…"):
        result = score([str(orders)], scheme=scheme, lang=lang)
        output = folder / "customers.csv"
        write_table(result.customers, output)
        summary = folder / "segments.csv"
        write_table(
            result.customers.get_backend().create_table("rfm_summary", result.summary, temp=True),
            summary,
        )
        report = folder / "quality.json"
        write_report(result.quality, report)
    show_result(result, output)
    c.console().print(
        f"Demo files in {folder}/:\n"
        f"  orders.csv      the generated order log (input)\n"
        f"  customers.csv   one row per customer: R, F, M, scores, segment\n"
        f"  segments.csv    the segment summary\n"
        f"  quality.json    the data-quality report\n"
        f"Try: rfmkit score {orders} -o customers.xlsx --scheme classic11 --lang en"
    )
