"""How one setting is declared: its name, type, default, help and command-line flag.

Every setting of rfmkit is a field of a pydantic model declared with
:func:`setting`. The settings registry (:mod:`rfmkit.settings`) composes
those models; the CLI options, config-file keys, ``RFMKIT_*`` environment
variables, Python keyword arguments and the web API's parameters are all
derived from these declarations, so a setting is spelled the same everywhere.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field


def setting(
    default: Any = None,
    help: str = "",
    *,
    flag: str | tuple[str, ...] | None = None,
    cli: bool = True,
    default_factory: Any = None,
    **constraints: Any,
) -> Any:
    """Declare a setting.

    Parameters
    ----------
    default
        The value when the setting is not given.
    help
        One sentence for ``--help``, the config-file documentation and the web form.
    flag
        The CLI spelling when it is not ``--`` plus the name with dashes, e.g.
        ``"--dayfirst/--monthfirst"`` for a switch with an explicit off form,
        or several names such as ``("--output", "-o")``.
    cli
        False for settings that only a config file or Python can give (for
        example nested thresholds).
    default_factory
        A callable making the default (for mutable defaults).
    constraints
        pydantic constraints (``ge``, ``gt``, ``lt`` ...).
    """
    extra: dict[str, Any] = {"cli": cli}
    if flag:
        extra["flag"] = [flag] if isinstance(flag, str) else list(flag)
    if default_factory is not None:
        return Field(
            default_factory=default_factory,
            description=help,
            json_schema_extra=extra,
            **constraints,
        )
    return Field(default, description=help, json_schema_extra=extra, **constraints)
