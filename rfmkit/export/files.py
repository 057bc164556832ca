"""Output files: checked before any work, written atomically, never a partial file.

Every file rfmkit writes goes through :func:`atomic_path` (or
:func:`atomic_file`): a temporary file is created with :mod:`tempfile` in
the target's folder (exclusive creation, an unpredictable name, so nothing
planted there is followed), written, flushed to disk, given the mode a
plain ``open()`` would give (``0o666`` less the umask, or the mode of the
file it replaces) and renamed onto the target. A failure leaves the target
as it was and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from rfmkit.errors import OutputError

#: Formats of a table output, from the file's extension.
FORMATS = (".csv", ".parquet", ".xlsx", ".json")

#: Outputs that take one format only (others take any of :data:`FORMATS`).
OUTPUT_FORMATS: dict[str, tuple[str, ...]] = {
    "quality_report": (".json",),
    "validation_report": (".json",),
}


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """A fresh temporary path beside ``target``, renamed onto it on success.

    The file already exists (empty, private) when the path is handed out;
    the caller writes it by name (for writers that need a path).
    """
    target = Path(target)
    handle, tmp = _create(target)
    os.close(handle)
    with _publishing(tmp, target):
        yield tmp


@contextlib.contextmanager
def atomic_file(target: str | Path) -> Iterator[IO[bytes]]:
    """A binary file object on a fresh temporary file, renamed onto ``target`` on success."""
    target = Path(target)
    handle, tmp = _create(target)
    with _publishing(tmp, target), os.fdopen(handle, "wb") as out:
        yield out


def atomic_write(path: str | Path, write: Callable[[Path], Any]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then rename it to ``path``."""
    with atomic_path(path) as tmp:
        write(tmp)


def _create(target: Path) -> tuple[int, Path]:
    folder = _folder(target)
    if not folder.is_dir():
        raise OutputError(
            f"The output folder does not exist: {folder}.",
            file=str(target),
            fix="Create the folder first or choose another output path.",
        )
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=folder
        )
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    return handle, Path(name)


@contextlib.contextmanager
def _publishing(tmp: Path, target: Path) -> Iterator[None]:
    """Run the body, then sync, set the mode of and rename ``tmp``; clean up on failure."""
    try:
        yield
        _sync_and_chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
        _sync_folder(_folder(target))
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    finally:
        _remove(tmp)


def _cannot_write(target: Path, exc: OSError) -> OutputError:
    return OutputError(
        f"Cannot write the output: {exc.strerror or exc}",
        file=str(target),
        fix="Check the path, the free space and the permissions.",
    )


def _folder(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def _sync_and_chmod(tmp: Path, mode: int) -> None:
    """fsync ``tmp`` and give it ``mode``, through a descriptor that follows no link."""
    handle = os.open(tmp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        os.fchmod(handle, mode)
        os.fsync(handle)
    finally:
        os.close(handle)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every system can open a folder)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _mode_for(target: Path) -> int:
    """The mode ``open(target, "w")`` would leave: the replaced file's, else 0o666 less umask."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no other way to read it on this system
    os.umask(mask)
    return mask


def _remove(tmp: Path) -> None:
    if tmp.is_symlink() or tmp.is_file():
        tmp.unlink()
    elif tmp.is_dir():
        shutil.rmtree(tmp, ignore_errors=True)


def check_output(path: str | Path, name: str = "output") -> Path:
    """Fail early (before any work) when ``path`` cannot be the output ``name``."""
    return check_outputs({name: path})[name]


def check_outputs(
    outputs: Mapping[str, str | Path | None],
    inputs: Sequence[str | Path] = (),
    *,
    defaulted: Collection[str] = frozenset(),
    force: bool = False,
) -> dict[str, Path]:
    """Check every output before any work; return the paths of those given.

    Parameters
    ----------
    outputs
        Output name (``output``, ``quality_report``, ``rejects``, ``summary``,
        ``validation_report``, ...) to its path, or None when not asked for.
        The format follows the extension (:data:`FORMATS`; the names in
        :data:`OUTPUT_FORMATS` take JSON only).
    inputs
        The input files (paths or globs); no output may be one of them.
    defaulted
        Names of outputs whose path is a default, not named by the user on
        this run: such a file that already exists is never replaced...
    force
        ...unless ``force`` is true.

    Raises
    ------
    OutputError
        Naming the first bad output and how to fix it: an unknown extension,
        a missing or read-only folder, a folder in place of the file, two
        outputs on one file, an output that is an input, or an existing file
        that the user did not name.
    """
    given = {name: Path(path) for name, path in outputs.items() if path is not None}
    for name, path in given.items():
        _check_one(name, path)
    _check_distinct(given)
    _check_not_inputs(given, _input_files(inputs))
    for name in sorted(set(defaulted) & set(given)):
        path = given[name]
        if not force and (path.exists() or path.is_symlink()):
            raise OutputError(
                f"The {_label(name)} {path} already exists and was not named on this run.",
                file=str(path),
                fix=f"Name the {_label(name)} explicitly to replace it, choose another "
                "name, or pass --force.",
            )
    return given


def _label(name: str) -> str:
    return name.replace("_", " ")


def _check_one(name: str, path: Path) -> None:
    allowed = OUTPUT_FORMATS.get(name, FORMATS)
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise OutputError(
            f"Cannot write the {_label(name)} as {suffix or 'a file without an extension'}.",
            file=str(path),
            fix=f"Name the {_label(name)} with one of: {', '.join(allowed)}.",
        )
    if path.is_dir():
        raise OutputError(
            f"The {_label(name)} {path} is a folder.",
            file=str(path),
            fix=f"Give a file name, e.g. {path / ('result' + allowed[0])}.",
        )
    folder = _folder(path)
    if not folder.is_dir():
        raise OutputError(
            f"The output folder does not exist: {folder}.",
            file=str(path),
            fix="Create the folder first or choose another output path.",
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(
            f"Cannot write in the folder {folder} (permission denied).",
            file=str(path),
            fix=f"Choose a folder you can write in for the {_label(name)}.",
        )


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _check_distinct(given: Mapping[str, Path]) -> None:
    names = list(given)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            if _same_file(given[first], given[second]):
                raise OutputError(
                    f"The {_label(first)} and the {_label(second)} are the same file "
                    f"{given[second]}.",
                    file=str(given[second]),
                    fix=f"Give the {_label(second)} another name.",
                )


def _input_files(inputs: Sequence[str | Path]) -> list[Path]:
    """The files named by ``inputs`` (globs expanded, folders and URLs left aside)."""
    found: list[Path] = []
    for item in inputs:
        text = str(item)
        if glob.has_magic(text):
            found.extend(Path(p) for p in glob.glob(text, recursive=True))
        elif "://" not in text:
            found.append(Path(text))
    return found


def _check_not_inputs(given: Mapping[str, Path], inputs: Sequence[Path]) -> None:
    for name, path in given.items():
        for source in inputs:
            if _same_file(path, source):
                raise OutputError(
                    f"The {_label(name)} {path} is also an input file: writing it would "
                    "destroy the input.",
                    file=str(path),
                    fix=f"Give the {_label(name)} another name.",
                )
