"""Run one command as a child process and measure it: wall time and peak memory.

Peak memory is the child's own ``ru_maxrss`` as returned by ``wait4`` for
that one process (its own waited-for children included), so runs made one
after another in the same benchmark do not blur into each other.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import duckdb

BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
RFMKIT = str(Path(PYTHON).with_name("rfmkit"))


@dataclass
class Run:
    """One measured run; ``error`` is the tail of stderr when it failed."""

    name: str
    seconds: float
    cpu_seconds: float
    peak_mib: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def measure(name: str, command: Sequence[str], max_mib: float | None = None) -> Run:
    """Run ``command`` to completion; time it and read its peak RSS.

    With ``max_mib``, the child is killed once its resident memory passes
    that many MiB, so that a run cannot take the whole machine down.
    """
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        status, usage, over = _wait(child.pid, max_mib)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        error = None
        if over:
            error = f"killed above {max_mib:.0f} MiB"
        elif child.returncode != 0:
            err.seek(0)
            lines = err.read().decode("utf-8", "replace").strip().splitlines()
            found = [line for line in lines if "Error" in line] or lines
            error = f"exit {child.returncode}: " + " | ".join(found[-3:])
    cpu = usage.ru_utime + usage.ru_stime
    return Run(name, seconds, cpu, usage.ru_maxrss / 1024, error)


def _wait(pid: int, max_mib: float | None) -> tuple[int, Any, bool]:
    """Wait for ``pid``: its exit status, resource usage and whether it was killed."""
    if max_mib is None:
        _, status, usage = os.wait4(pid, 0)
        return status, usage, False
    over = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage, over
        if not over and _rss_mib(pid) > max_mib:
            os.kill(pid, signal.SIGKILL)
            over = True
        time.sleep(0.05)


def _rss_mib(pid: int) -> float:
    """Current resident memory of ``pid`` from ``/proc`` (0 if unreadable)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fastest(runs: Sequence[Run]) -> Run:
    """The fastest successful run (any failure wins), with the highest peak seen."""
    failed = [r for r in runs if not r.ok]
    if failed:
        return failed[0]
    best = min(runs, key=lambda r: r.seconds)
    return replace(best, peak_mib=max(r.peak_mib for r in runs))


def baseline_command(name: str, source: Path, output: Path, as_of: str, **extra: str) -> list[str]:
    """Command line running one competitor of ``baselines.py``."""
    command = [PYTHON, str(BENCH / "baselines.py"), name, str(source), str(output)]
    command += ["--as-of", as_of]
    for key, value in extra.items():
        command += [f"--{key}", value]
    return command


#: Runs the ``rfmkit`` command from the source tree in ``argv[1]`` instead of the
#: installed one (the editable install's import hook is taken out first).
_FROM_TREE = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]; "
    "sys.path.insert(0, sys.argv.pop(1)); from rfmkit.cli import entry; sys.argv[0] = 'rfmkit'; entry()"
)


def rfmkit_command(
    source: Path, output: Path, as_of: str, *options: str, code: Path | None = None
) -> list[str]:
    """Command line of ``rfmkit score`` with the cn8 scheme (from the tree ``code`` if given)."""
    start = [RFMKIT] if code is None else [PYTHON, "-c", _FROM_TREE, str(code)]
    command = [*start, "score", str(source), "-o", str(output), "--as-of", as_of]
    return [*command, "--scheme", "cn8", *options]


def checkout(revision: str, folder: Path) -> Path:
    """The working tree's ``rfmkit`` package with some files as of git ``revision``, in ``folder``.

    ``REV`` restores the files that commits since ``REV`` changed;
    ``REV:a.py,b.py`` restores those files (paths under ``rfmkit/``), for
    uncommitted changes. Other people's uncommitted work stays in both trees,
    so the two runs differ only by the files restored.
    """
    rev, _, named = revision.partition(":")
    root = BENCH.parent
    shutil.copytree(
        root / "rfmkit", folder / "rfmkit", ignore=shutil.ignore_patterns("__pycache__")
    )
    if named:
        paths = [f"rfmkit/{p.removeprefix('rfmkit/')}" for p in named.split(",")]
    else:
        changed = _git(root, "diff", "--name-only", rev, "HEAD", "--", "rfmkit")
        paths = changed.decode().split()
    for path in paths:
        target = folder / path
        try:
            target.write_bytes(_git(root, "show", f"{rev}:{path}"))
        except subprocess.CalledProcessError:  # not there at ``rev``
            target.unlink(missing_ok=True)
    return folder


def _git(root: Path, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True).stdout


def fingerprint(output: Path) -> tuple[Any, ...]:
    """Sums that two correct outputs share (empty if unreadable).

    The first four (customers, F, M to the cent, R) must be equal, M up to
    the float rounding of a sum of millions of amounts (another engine adds
    them in another order); the score and segment sums may differ by a
    customer or two per million, whose value sits on an edge within a float
    rounding of another engine's sum.
    """
    query = f"""
        SELECT count(*), sum(frequency), round(sum(monetary), 2), sum(recency_days),
            sum(r_score), sum(f_score), sum(m_score),
            count(*) FILTER (WHERE segment = 'important_value')
        FROM read_parquet('{output}')
    """
    try:
        row = duckdb.sql(query).fetchone()
    except duckdb.Error:
        return ()
    return tuple(row) if row else ()


def same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Whether two fingerprints agree, allowing edge cases in the scores."""
    if len(a) != len(b) or (a[0], a[1], a[3]) != (b[0], b[1], b[3]):
        return False
    cents = abs(round(a[2] * 100) - round(b[2] * 100))
    if cents > max(1, abs(a[2]) * 1e-10):
        return False
    slack = max(2, a[0] * 2e-5)
    return all(abs(x - y) <= slack for x, y in zip(a[4:], b[4:], strict=True))


def print_table(title: str, runs: Sequence[Run], reference: str) -> None:
    """Competitor, seconds, peak MiB and time relative to ``reference``."""
    ref = next((r for r in runs if r.name == reference and r.ok), None)
    print(f"\n{title}")
    print(f"{'competitor':<16} {'seconds':>9} {'cpu s':>9} {'peak MiB':>9} {'vs ' + reference:>16}")
    for run in runs:
        if not run.ok:
            print(f"{run.name:<16} {'failed':>9}  after {run.seconds:.1f} s: {run.error}")
            continue
        ratio = f"{run.seconds / ref.seconds:.2f}x" if ref else "-"
        print(
            f"{run.name:<16} {run.seconds:>9.2f} {run.cpu_seconds:>9.2f} "
            f"{run.peak_mib:>9.0f} {ratio:>16}"
        )


def ratio(
    runs: Sequence[Run], numerator: str, denominator: str, *, cpu: bool = False
) -> float | None:
    """``numerator`` time over ``denominator`` time (CPU-seconds with ``cpu``), when both ran."""
    found = {r.name: r for r in runs if r.ok}
    if numerator in found and denominator in found:
        if cpu:
            return found[numerator].cpu_seconds / found[denominator].cpu_seconds
        return found[numerator].seconds / found[denominator].seconds
    return None
