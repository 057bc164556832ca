"""Deterministic holdout assignment: reproducible, auditable, stratified by segment.

Every customer gets a number ``u`` in [0, 1) from a published formula that
any engine -- or a person with a SHA-256 tool -- computes alike::

    u(text) = int(first 8 hex digits of SHA-256(UTF-8 text), 16) / 2**32

with ``text = "<campaign>:<customer_id>"``. Within each segment the
customers outside the global control group are ordered by ``u`` (then by ``customer_id``) and the first
``floor(n x holdout + 0.5)`` form the ``control`` group (the share rounded
half up, exactly per segment); the others are ``treatment``.

An optional **global control group** is kept out of every campaign: the
customers with ``u("rfmkit-global-control:<customer_id>") < share``. It does
not depend on the campaign, so the same customers stay out of all of them,
and a customer's membership does not change as others come and go.
"""

from __future__ import annotations

import hashlib
from typing import Any

import ibis
import ibis.expr.types as ir

from rfmkit import glossary as g
from rfmkit.errors import ConfigError, InputError

#: The fixed salt of the global control group.
GLOBAL_SALT = "rfmkit-global-control"
#: Allowed share of the global control group (besides 0: none).
GLOBAL_CONTROL_RANGE = (0.01, 0.15)
HASH_HEX_DIGITS = 8
GROUP = "group"
HASH_COLUMN = "hash_u"


def hash_unit(text: ir.StringValue) -> ir.FloatingValue:
    """``u(text)`` in the engine (see the module docstring)."""
    digest = text.hexdigest("sha256")
    value: ir.IntegerValue = ibis.literal(0, "int64")
    for i in range(HASH_HEX_DIGITS):
        code = digest.substr(i, 1).lower().ascii_str().cast("int64")
        digit = ibis.ifelse(code >= 97, code - 87, code - 48)
        value = value * 16 + digit
    return value.cast("float64") / float(16**HASH_HEX_DIGITS)


def hash_unit_text(text: str) -> float:
    """``u(text)`` in Python, for audits and tests of one customer."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return int(digest[:HASH_HEX_DIGITS], 16) / 16**HASH_HEX_DIGITS


def parse_share(value: Any, name: str = "holdout") -> float:
    """A share from ``0.1``, ``10%`` or ``"0.1"``."""
    text = str(value).strip()
    try:
        share = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError as exc:
        raise ConfigError(
            f"{name} {value!r} is not a share.", fix=f"Write {name} as 10% or 0.1."
        ) from exc
    return share


def assign_holdout(
    customers: ir.Table,
    campaign: str,
    holdout: float | str = 0.1,
    *,
    global_control: float | str = 0.0,
    segment: str = g.SEGMENT,
) -> ir.Table:
    """Split ``customers`` into ``treatment`` and ``control``, per segment, in the engine.

    Parameters
    ----------
    customers
        A table with ``customer_id`` (one row each) and, when present, ``segment``.
    campaign
        The campaign's name: part of every customer's hash.
    holdout
        The share of each segment held out as ``control`` (``0.1`` or ``"10%"``).
    global_control
        The share of all customers kept out of every campaign (0, or 1 % to
        15 %); they come back with group ``global_control``.
    segment
        The column to stratify by (missing: one stratum ``all``).

    Returns
    -------
    ibis.Table
        ``customer_id, segment, group, hash_u``.
    """
    share = _holdout_share(holdout)
    excluded = _global_share(global_control)
    if not campaign.strip():
        raise ConfigError("A campaign needs a name.", fix="Give the campaign a name.")
    if g.CUSTOMER_ID not in customers.columns:
        raise InputError("The customers lack customer_id.", details={"found": customers.columns})
    cid = customers[g.CUSTOMER_ID].cast("string")
    strata = (
        customers[segment].cast("string") if segment in customers.columns else ibis.literal("all")
    )
    table = customers.select(
        customer_id=cid,
        segment=ibis.coalesce(strata, ""),
        hash_u=hash_unit(ibis.literal(f"{campaign}:") + cid),
        global_u=hash_unit(ibis.literal(f"{GLOBAL_SALT}:") + cid),
    )
    held_globally = table.filter(table.global_u < excluded).mutate(
        group=ibis.literal("global_control")
    )
    rest = table.filter(table.global_u >= excluded)
    window = ibis.window(group_by=rest.segment, order_by=[rest.hash_u, rest.customer_id])
    ranked = rest.mutate(
        rank=ibis.row_number().over(window),
        size=rest.count().over(ibis.window(group_by=rest.segment)),
    )
    quota = (ranked["size"].cast("float64") * share + 0.5).floor()
    ranked = ranked.mutate(group=ibis.ifelse(ranked["rank"] < quota, "control", "treatment"))
    columns = [g.CUSTOMER_ID, g.SEGMENT, GROUP, HASH_COLUMN]
    return ranked.select(*columns).union(held_globally.select(*columns))


def _holdout_share(value: float | str) -> float:
    share = parse_share(value, "holdout")
    if not 0 < share < 1:
        raise ConfigError(
            f"The holdout must be between 0 and 100 %, not {share:g}.",
            fix="Give --holdout as 10% or 0.1.",
        )
    return share


def _global_share(value: float | str) -> float:
    share = parse_share(value, "global_control")
    low, high = GLOBAL_CONTROL_RANGE
    if share != 0 and not low - 1e-12 <= share <= high + 1e-12:
        raise ConfigError(
            f"The global control group must be 0 or 1 % to 15 %, not {share:g}.",
            fix="Give --global-control as 5% (or 0 for none).",
        )
    return share
