"""What every rfmkit command shares: the consoles and step-by-step progress."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator

from rich.console import Console

from rfmkit import i18n


def console() -> Console:
    """The terminal for results (made on use, so the current width is honoured)."""
    return Console(highlight=False)


def err_console() -> Console:
    """The terminal for errors and progress."""
    return Console(stderr=True, highlight=False)


class StepProgress:
    """Shows each step of a run as it starts.

    On a terminal a spinner names the current step; when output is logged
    or piped (no terminal), each finished step is printed on its own line
    with its duration, so long runs are never silent in logs.
    """

    def __init__(self, lang: str = "zh") -> None:
        self.lang = lang
        self._err = err_console()
        self._status: object | None = None
        self._current: str | None = None
        self._began = 0.0

    def __call__(self, step: str) -> None:
        self._finish()
        self._current, self._began = step, time.perf_counter()
        text = self._text(step) + "…"
        if self._status is not None:
            self._status.update(text)  # type: ignore[attr-defined]

    def _text(self, step: str) -> str:
        key = f"step.{step}"
        return i18n.t(key, self.lang) if key in i18n.CATALOGUE else step

    def _finish(self) -> None:
        if self._current is None:
            return
        if self._status is None:
            seconds = f"{time.perf_counter() - self._began:.1f}"
            self._err.print(
                i18n.t("step.done", self.lang, step=self._text(self._current), seconds=seconds),
                markup=False,
            )
        self._current = None

    @contextlib.contextmanager
    def shown(self) -> Iterator[StepProgress]:
        """Show progress for the duration of the block."""
        if self._err.is_terminal:
            with self._err.status("…") as status:
                self._status = status
                yield self
                self._status = None
        else:
            yield self
        self._finish()


def is_terminal() -> bool:
    return sys.stdout.isatty()
