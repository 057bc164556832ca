"""Spark configuration given as text: ``KEY=VALUE`` pairs, and their secrets masked."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: A comma starts a new pair only before ``key=`` (values may hold commas: package lists).
_PAIR_START = re.compile(r",\s*(?=[A-Za-z0-9_.\-]+=)")
#: Keys whose values are secrets in run records and logs.
_SECRET = re.compile(r"secret|password|token|credential|access\.key|sas|auth", re.IGNORECASE)
MASK = "***"


def parse_spark_conf(value: Any) -> dict[str, str] | None:
    """``{"key": "value"}`` from a mapping, ``"k=v,k2=v2"`` or a list of ``"k=v"``.

    Raises
    ------
    ValueError
        For a pair without ``=`` (pydantic turns it into the setting's error).
    """
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, Mapping):
        return {str(k).strip(): _text(v) for k, v in value.items()}
    items: Iterable[str] = [value] if isinstance(value, str) else [str(v) for v in value]
    conf: dict[str, str] = {}
    for item in items:
        for pair in _PAIR_START.split(item.strip()):
            key, sep, val = pair.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"expected KEY=VALUE, got {pair!r}")
            conf[key.strip()] = val.strip()
    return conf


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def mask_spark_conf(conf: Mapping[str, str]) -> dict[str, str]:
    """``conf`` with the values of secret-looking keys (``fs.s3a.secret.key`` ...) masked."""
    return {k: MASK if _SECRET.search(k) else v for k, v in conf.items()}
