"""Where a store lives: a DuckDB file path or a ``postgresql://`` URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rfmkit.errors import ConfigError
from rfmkit.store.base import DEFAULT_STORE
from rfmkit.store.masking import mask_url

#: The schema that holds the store's tables unless ``?schema=`` says otherwise.
DEFAULT_SCHEMA = "rfmkit"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_POSTGRES = ("postgresql", "postgres", "pg")


@dataclass(frozen=True)
class StoreLocation:
    """A parsed store location.

    Attributes
    ----------
    kind
        ``duckdb`` or ``postgres``.
    target
        The file path, or the URL DuckDB's postgres extension attaches.
    schema
        The schema of the store's tables (``rfmkit``).
    display
        The location with any password masked, for messages.
    """

    kind: str
    target: str
    schema: str
    display: str


def parse_location(location: str | Path | None) -> StoreLocation:
    """Parse a store location.

    ``None`` is :data:`~rfmkit.store.base.DEFAULT_STORE`; a path is a DuckDB
    database file (created when missing); ``postgresql://user@host:5432/db``
    is a PostgreSQL database, where ``?schema=NAME`` picks the schema
    (default ``rfmkit``; several stores can share one database this way).

    Raises
    ------
    ConfigError
        For an invalid schema name or an empty location.
    """
    text = str(DEFAULT_STORE if location is None else location).strip()
    if not text:
        raise ConfigError("The store location is empty.", fix="Give a file path or a URL.")
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme not in _POSTGRES:
        if scheme:
            raise ConfigError(
                f"Unknown store URL {mask_url(text)!r}.",
                fix="Use a file path (rfmkit-store.duckdb) or postgresql://user@host/db.",
            )
        return StoreLocation("duckdb", str(Path(text)), DEFAULT_SCHEMA, text)
    parts = urlsplit("postgresql://" + text.split("://", 1)[1])
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = dict(query).get("schema", DEFAULT_SCHEMA)
    if not _SCHEMA_NAME.match(schema):
        raise ConfigError(
            f"Invalid store schema name {schema!r}.",
            fix="Use lower-case letters, digits and underscores, e.g. ?schema=rfmkit.",
        )
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    target = urlunsplit(parts._replace(query=rest))
    return StoreLocation("postgres", target, schema, mask_url(text))
