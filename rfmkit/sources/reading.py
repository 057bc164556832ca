"""What happened while the inputs were read: files named twice, files skipped.

With ``skip_bad_files`` a file that cannot be read (a read error, missing
columns, a CSV error met while parsing it) is left out and reported with
the reason; without it, the error of a file among several tells the user
that ``--skip-bad-files`` would read the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rfmkit.errors import InputError
from rfmkit.quality import QualityReport
from rfmkit.sources.base import RawSource

T = TypeVar("T")

SKIP_HINT = (
    "Or add --skip-bad-files (skip_bad_files=True) to read the other files and report this one."
)


@dataclass
class Reading:
    """Notes and skipped files of one load, for its quality report."""

    skip: bool = False
    files: int = 0
    notes: list[str] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    @contextmanager
    def guard(self, path: Path | str | None) -> Iterator[None]:
        """Run the reading of one file: skip it on an :class:`InputError`, or explain."""
        try:
            yield
        except InputError as error:
            self._handle(error, str(path) if path is not None else None)

    def _handle(self, error: InputError, file: str | None) -> None:
        if not self.skip:
            if self.files > 1 and SKIP_HINT not in (error.fix or ""):
                error.fix = f"{error.fix} {SKIP_HINT}" if error.fix else SKIP_HINT
            raise error
        self.skipped.append({"file": file or error.location.file, "reason": str(error)})

    def resolved(self, sources: list[RawSource], resolve: Callable[[RawSource], T]) -> list[T]:
        """``resolve`` each source; a source that fails is skipped (dropped from ``sources``)."""
        results: list[T] = []
        for raw in list(sources):
            ok = False
            with self.guard(raw.file):
                results.append(resolve(raw))
                ok = True
            if not ok:
                sources.remove(raw)
        self.check_some(sources)
        return results

    def drop_failed(self, error: InputError, sources: list[RawSource], maps: list[Any]) -> None:
        """Drop the source ``error`` is about, if skipping; else re-raise it (with the hint)."""
        index = next(
            (i for i, raw in enumerate(sources) if raw.file and raw.file == error.location.file),
            None,
        )
        if index is None:
            raise error
        self._handle(error, sources[index].file)
        del sources[index], maps[index]
        self.check_some(sources)

    def check_some(self, sources: list[RawSource]) -> None:
        """Raise when every input was skipped."""
        if self.skipped and not sources:
            reasons = "; ".join(f"{s['file']}: {s['reason']}" for s in self.skipped)
            raise InputError(
                f"No input could be read ({reasons}).",
                fix="Check the files named in the message.",
                details={"skipped": self.skipped},
            )

    def fill(self, report: QualityReport) -> None:
        """Put the notes and the skipped files in ``report``."""
        report.warnings[:0] = self.notes
        report.skipped = list(self.skipped)
        report.warnings.extend(f"Skipped {s['file']}: {s['reason']}" for s in self.skipped)
