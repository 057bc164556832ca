"""``rfmkit schemes``: the shipped segment schemes and their rules."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from rfmkit.cli import common as c
from rfmkit.scheme import Condition, Scheme, load_scheme, shipped_schemes


def schemes_command(
    name: Annotated[str | None, typer.Argument(help="Show one scheme (key or YAML file).")] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language of labels: zh or en.")
    ] = None,
) -> None:
    """List the segment schemes, or show the rules of one."""
    language = lang or "zh"
    if name is None:
        table = Table(title="Segment schemes")
        for head in ("Key", "Name", "Segments", "Description"):
            table.add_column(head)
        for key in shipped_schemes():
            s = load_scheme(key)
            table.add_row(key, s.name(language), str(len(s.segments)), s.description(language))
        c.console().print(table)
        c.console().print("Show one with: rfmkit schemes KEY")
        return
    c.console().print(rules_table(load_scheme(name), language))


def rules_table(scheme: Scheme, lang: str) -> Table:
    table = Table(
        title=f"{scheme.key}: {scheme.name(lang)} (first match wins; split: {scheme.split})"
    )
    for head in ("#", "Key", "Label", "Rule", "Action"):
        table.add_column(head, overflow="fold")
    for i, seg in enumerate(scheme.segments, 1):
        rule = (
            " or ".join(_condition_text(cond) for cond in seg.when) if seg.when else "everyone else"
        )
        table.add_row(str(i), seg.key, seg.label(lang), rule, seg.action(lang))
    return table


def _condition_text(condition: Condition) -> str:
    parts = []
    for name, bound in condition.bounds().items():
        if isinstance(bound, str):
            parts.append(f"{name.upper()} {bound}")
        else:
            parts.append(f"{bound[0]:g} ≤ {name} ≤ {bound[1]:g}")
    return " and ".join(parts)
