"""Keep secrets out of the store: mask passwords in URLs and secret-named fields.

A run record may carry a database URL (``--from-db``) or a webhook secret;
the store writes records as they are otherwise, so everything passes here
first. (Local to the store: :mod:`rfmkit.sources.databases` may offer its
own ``mask_url`` for display; this one is what the store relies on.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MASK = "***"
#: ``scheme://user:password@`` -> ``scheme://user:***@``
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*):[^@\s]*@")
#: ``password=...`` in a query string or a libpq/ODBC connection string.
_PARAM = re.compile(r"(?i)\b(password|passwd|pwd|secret|token|access_token|key)=([^&;\s]+)")
#: Mapping keys whose values are secrets wherever they appear.
_SECRET_KEY = re.compile(r"(?i)(password|passwd|secret|token)")


def mask_url(text: str) -> str:
    """``text`` with URL passwords and ``password=``-style parameters replaced by ``***``."""
    masked = _URL_PASSWORD.sub(rf"\1:{MASK}@", text)
    return _PARAM.sub(rf"\1={MASK}", masked)


def mask_secrets(value: Any) -> Any:
    """A copy of a JSON-like ``value`` with every secret masked.

    Strings are passed through :func:`mask_url`; values under a key that
    names a secret (``password``, ``secret``, ``token`` ...) become ``***``.
    """
    if isinstance(value, str):
        return mask_url(value)
    if isinstance(value, Mapping):
        return {
            key: MASK if _is_secret(key, item) else mask_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_secrets(item) for item in value]
    return value


def _is_secret(key: object, item: object) -> bool:
    return isinstance(key, str) and bool(_SECRET_KEY.search(key)) and item not in (None, "")
