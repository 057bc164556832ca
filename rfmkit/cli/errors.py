"""How the CLI ends on an error: one paragraph and an exit code, never a traceback."""

from __future__ import annotations

from rfmkit import i18n
from rfmkit.cli import common
from rfmkit.errors import (
    ConfigError,
    DeliveryError,
    InputError,
    ModelError,
    OutputError,
    RfmError,
    SourceUnavailableError,
    StoreError,
)

#: Exit code per error class (the most specific class listed wins); README "Errors".
EXIT_CODES: tuple[tuple[type[RfmError], int], ...] = (
    (InputError, 2),
    (ConfigError, 2),
    (SourceUnavailableError, 3),
    (OutputError, 4),
    (ModelError, 5),
    (StoreError, 6),
    (DeliveryError, 7),
)
#: Any other error of rfmkit's.
OTHER = 1


def exit_code(exc: RfmError) -> int:
    for cls, code in EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return OTHER


def render_error(exc: RfmError, lang: str = "en") -> None:
    """One paragraph: what went wrong, where, and how to fix it."""
    lines = [f"[bold red]{i18n.t('error', lang)}:[/] {_escape(exc.message)}"]
    where = str(exc.location)
    if where:
        lines.append(f"{i18n.t('error.where', lang)}: {_escape(where)}")
    found = exc.details.get("found")
    if found:
        lines.append(f"{i18n.t('error.found', lang)}: " + _escape(", ".join(map(str, found))))
    candidates = exc.details.get("candidates")
    if candidates:
        lines.append(
            f"{i18n.t('error.closest', lang)}: " + _escape(", ".join(map(str, candidates)))
        )
    if exc.fix:
        lines.append(f"{i18n.t('error.fix', lang)}: {_escape(exc.fix)}")
    common.err_console().print("\n".join(lines), markup=True, soft_wrap=True)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
