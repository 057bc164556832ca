"""Contact fields for marketing tools: normalised per ad-platform rules, hashed, or dropped.

Normalisation (in the engine), the form ad platforms match hashed lists on:

**Phone** to E.164 (``+`` and 8 to 15 digits):

1. trim; a leading ``+`` means the number carries its country code;
2. keep only the digits (spaces, dashes, dots, brackets go);
3. without ``+``: a leading ``00`` is the international prefix and is
   dropped (``008613800138000`` -> ``+8613800138000``); otherwise a single
   leading ``0`` (the national trunk prefix) is dropped and the default
   country code put in front (``013800138000`` and ``13800138000`` ->
   ``+8613800138000``);
4. anything that is not then 8 to 15 digits (not starting with 0) is no
   phone number: null.

A number written with its country code but without ``+`` or ``00``
(``8613800138000``) is read as a national number; write ``+86`` or ``0086``.

**Email**: trimmed and lower-cased; null unless it is ``local@domain``
without spaces.

**Hash**: SHA-256 of the normalised text's UTF-8 bytes, as 64 lower-case
hex digits (null stays null).
"""

from __future__ import annotations

from typing import Literal

import ibis
import ibis.expr.types as ir

from rfmkit.errors import ConfigError

PHONE = "phone"
EMAIL = "email"
#: The raw contact columns: normalised for export, dropped with ``no_pii``.
CONTACT_COLUMNS = (PHONE, EMAIL)
DEFAULT_COUNTRY_CODE = "86"
Hash = Literal["sha256"]


def normalise_phone(value: ir.Value, country_code: str = DEFAULT_COUNTRY_CODE) -> ir.StringValue:
    """The E.164 form of a phone number column (see the module docstring)."""
    code = _country_code(country_code)
    text = value.cast("string").strip()
    digits = text.re_replace(r"[^0-9]", "")
    national = ibis.ifelse(digits.startswith("0"), digits.substr(1), digits)
    full = ibis.cases(
        (text.startswith("+"), digits),
        (digits.startswith("00"), digits.substr(2)),
        else_=ibis.literal(code) + national,
    )
    valid = full.length().between(8, 15) & ~full.startswith("0") & (national.length() > 0)
    return ibis.ifelse(valid.fill_null(False), ibis.literal("+") + full, ibis.null("string"))


def normalise_email(value: ir.Value) -> ir.StringValue:
    """The trimmed, lower-cased email address, or null when it is not one."""
    text = value.cast("string").strip().lower()
    valid = text.re_search(r"^[^@\s]+@[^@\s]+$").fill_null(False)
    return ibis.ifelse(valid, text, ibis.null("string"))


def sha256_hex(value: ir.StringValue) -> ir.StringValue:
    """SHA-256 of the UTF-8 text as lower-case hex (null stays null)."""
    return value.hexdigest("sha256").lower()


def normalise_contacts(table: ir.Table, country_code: str = DEFAULT_COUNTRY_CODE) -> ir.Table:
    """``table`` with its ``phone`` and ``email`` columns (those it has) normalised."""
    changes: dict[str, ir.Value] = {}
    if PHONE in table.columns:
        changes[PHONE] = normalise_phone(table[PHONE], country_code)
    if EMAIL in table.columns:
        changes[EMAIL] = normalise_email(table[EMAIL])
    return table.mutate(**changes) if changes else table


def prepare_contacts(
    table: ir.Table,
    *,
    hash: Hash | None = None,
    no_pii: bool = False,
    country_code: str = DEFAULT_COUNTRY_CODE,
) -> ir.Table:
    """Contacts ready to export: normalised, optionally hashed, optionally without raw fields.

    With ``hash="sha256"`` each contact column ``c`` gains ``c_sha256``;
    with ``no_pii`` the raw ``phone`` and ``email`` columns are dropped.
    """
    if hash not in (None, "sha256"):
        raise ConfigError(f"Unknown hash {hash!r}.", fix="Use --hash sha256 (or no hash).")
    ready = normalise_contacts(table, country_code)
    present = [c for c in CONTACT_COLUMNS if c in ready.columns]
    if hash == "sha256":
        ready = ready.mutate(**{f"{c}_sha256": sha256_hex(ready[c]) for c in present})
    if no_pii and present:
        ready = ready.drop(*present)
    return ready


def _country_code(value: str) -> str:
    code = str(value).strip().lstrip("+")
    if not code.isdigit() or not 1 <= len(code) <= 3:
        raise ConfigError(
            f"{value!r} is not a country calling code.",
            fix="Give the default country code as digits, e.g. 86 or +86.",
        )
    return code
