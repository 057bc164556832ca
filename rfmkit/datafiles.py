"""Shipped data files (schemes, alert rules) and a user's own, found the same way.

A name is a shipped file's key (``cn8`` for ``rfmkit/schemes/cn8.yaml``) or
the path of the user's YAML file; both are then validated by one parser, so
the shipped ones are loaded exactly like a user's own.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from rfmkit.errors import ConfigError


def shipped(folder: str) -> list[str]:
    """Keys of the YAML files that ship in ``rfmkit/<folder>/``."""
    files = resources.files("rfmkit") / folder
    return sorted(p.name.removesuffix(".yaml") for p in files.iterdir() if p.name.endswith(".yaml"))


def shipped_text(folder: str, key: str) -> str:
    """The text of the shipped file ``key`` of ``folder``."""
    return (resources.files("rfmkit") / folder / f"{key}.yaml").read_text(encoding="utf-8")


def user_text(name_or_path: str | Path, folder: str, kind: str) -> tuple[str, str]:
    """The text and path of a user's file named ``name_or_path`` (not a shipped key).

    Raises
    ------
    ConfigError
        Naming the shipped keys when no such file exists.
    """
    path = Path(str(name_or_path))
    if not path.suffix or not path.exists():
        raise ConfigError(
            f"No {kind} named {str(name_or_path)!r}.",
            fix=f"Use one of {', '.join(shipped(folder))} or the path of a {kind} YAML file.",
        )
    return path.read_text(encoding="utf-8"), str(path)
