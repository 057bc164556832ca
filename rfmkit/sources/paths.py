"""Which files the inputs name: literal paths first, globs only when asked, each file once.

A path that exists is that file, even when its name holds ``[``, ``*`` or
``?``; a name is expanded as a glob only when nothing exists under it.
Every file is keyed by its real path (symbolic links resolved), so a file
named twice (``d`` and ``d/orders.csv``, or through a link) is read once
and reported. A recursive glob (``**``) does not enter linked folders, so
a link loop cannot read a file over and over.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rfmkit.errors import InputError

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".dat"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
KNOWN_SUFFIXES = TEXT_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES | JSON_SUFFIXES


@dataclass
class Expanded:
    """The files the inputs name, each once, and notes on inputs named more than once."""

    paths: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _seen: dict[str, Path] = field(default_factory=dict, repr=False)

    def add(self, path: Path, named: str) -> None:
        """Add ``path`` (found through input ``named``) unless its real file is already in."""
        real = os.path.realpath(path)
        first = self._seen.get(real)
        if first is None:
            self._seen[real] = path
            self.paths.append(path)
        else:
            self.warnings.append(_twice(path, first, named))


def _twice(path: Path, first: Path, named: str) -> str:
    if path == first:
        return f"{path} is named more than once (again by {named!r}); it is read once."
    return f"{path} (from {named!r}) is the same file as {first}; it is read once."


def expand_inputs(inputs: Iterable[str | Path], found: Expanded | None = None) -> Expanded:
    """The files named by ``inputs``: files as they are, folders listed, globs expanded.

    Raises
    ------
    InputError
        When a path does not exist or a glob or folder holds no readable file.
    """
    found = found if found is not None else Expanded()
    for item in inputs:
        text = str(item)
        path = Path(text).expanduser()
        if path.is_dir():
            for child in _folder_files(path, text):
                found.add(child, text)
        elif path.is_file():
            found.add(path, text)
        elif glob.has_magic(text):
            for match in _glob(str(path), text):
                found.add(match, text)
        else:
            raise InputError("File not found.", file=text, fix="Check the path and its spelling.")
    return found


def readable(path: Path) -> bool:
    """Whether a folder listing or glob should read ``path`` (a data file, not hidden)."""
    return (
        path.is_file() and path.suffix.lower() in KNOWN_SUFFIXES and not path.name.startswith(".")
    )


def _folder_files(folder: Path, text: str) -> list[Path]:
    found = sorted(p for p in folder.iterdir() if readable(p))
    if not found:
        raise InputError(
            "The folder holds no CSV, Excel, Parquet or JSON file.",
            file=text,
            fix="Point to the files, or put them in the folder.",
        )
    return found


def _glob(pattern: str, text: str) -> list[Path]:
    if "**" in pattern:
        matches = _walk_glob(pattern)
    else:
        matches = sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_file())
    if not matches:
        raise InputError("No file matches the pattern.", file=text, fix="Check the pattern.")
    return matches


def _walk_glob(pattern: str) -> list[Path]:
    """Files matching a recursive ``pattern``, without entering linked folders."""
    parts = Path(pattern).parts
    fixed = next(i for i, part in enumerate(parts) if glob.has_magic(part))
    root = Path(*parts[:fixed]) if fixed else Path(".")
    wanted = parts[fixed:]
    matches = []
    for folder, folders, files in os.walk(root, followlinks=False):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        relative = Path(folder).relative_to(root).parts
        for name in files:
            if not name.startswith(".") and _matches((*relative, name), wanted):
                matches.append(Path(folder) / name)
    return sorted(p for p in matches if p.is_file())


def _matches(parts: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """Glob matching of path components, ``**`` standing for any number of folders."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_matches(parts[i:], pattern[1:]) for i in range(len(parts) + 1))
    return (
        bool(parts)
        and fnmatch.fnmatchcase(parts[0], pattern[0])
        and _matches(parts[1:], pattern[1:])
    )


def engine_path(path: Path) -> str:
    """``path`` spelled so that DuckDB's readers take it literally, not as a glob.

    DuckDB expands ``*``, ``?`` and ``[...]`` in the file argument of
    ``read_csv`` and friends; each is escaped as a one-character class
    (``data[1].csv`` → ``data[[]1].csv``).
    """
    text = str(path)
    if not glob.has_magic(text):
        return text
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)
