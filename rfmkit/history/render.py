"""Fill a text template with column values inside the engine (no Python row loop)."""

from __future__ import annotations

import string
from collections.abc import Mapping

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from rfmkit.errors import ConfigError


def render(template: str, values: Mapping[str, ir.Value], *, dash: str = "-") -> ir.StringValue:
    """``template`` with each ``{name}`` replaced by the column ``values[name]``.

    Floating values are rounded to two decimals; a null value shows as ``dash``.

    Raises
    ------
    ConfigError
        For a placeholder that is not among ``values``.
    """
    parts: list[ir.StringValue] = []
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        if literal:
            parts.append(ibis.literal(literal))
        if field is None:
            continue
        if field not in values:
            raise ConfigError(
                f"The reason text uses {{{field}}}, which this rule does not have.",
                fix=f"Use one of {', '.join('{' + v + '}' for v in values)}.",
            )
        parts.append(_as_text(values[field]).fill_null(dash))
    if not parts:
        return ibis.literal("")
    text = parts[0]
    for part in parts[1:]:
        text = text.concat(part)
    return text


def _as_text(value: ir.Value) -> ir.StringValue:
    kind = value.type()
    if isinstance(kind, dt.Floating | dt.Decimal):
        assert isinstance(value, ir.NumericValue)
        return value.round(2).cast("string")
    return value.cast("string")
