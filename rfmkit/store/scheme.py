"""Which segment scheme a snapshot was scored with (its key and segment order are stored)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rfmkit.errors import ConfigError
from rfmkit.segments import Scheme, load_scheme


def resolve_scheme(scheme: Any, record: Mapping[str, Any]) -> Scheme:
    """The :class:`Scheme` given, or named by the record (``scheme`` or ``settings.scheme``).

    Accepts a :class:`Scheme`, its dict form, a shipped key or a scheme file path.

    Raises
    ------
    ConfigError
        When neither names a scheme, or the named one cannot be loaded.
    """
    if scheme is None:
        scheme = record.get("scheme")
        settings = record.get("settings")
        if scheme is None and isinstance(settings, Mapping):
            scheme = settings.get("scheme")
    if isinstance(scheme, Scheme):
        return scheme
    if isinstance(scheme, Mapping):
        return Scheme.model_validate(dict(scheme))
    if isinstance(scheme, str) and scheme:
        return load_scheme(scheme)
    raise ConfigError(
        "The snapshot does not say which segment scheme it used.",
        fix="Pass scheme= (a key such as cn8) or put 'scheme' in the run record.",
    )
