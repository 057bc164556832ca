"""Refresh docs/web.png (the README's picture of the web app) on purpose.

    .venv/bin/python scripts/screenshot_web.py [--out docs/web.png]

Runs the desktop journey of the browser test (tests/web/test_browser.py:
sign in, upload the demo orders, run, the overview with its charts) in
Debian's Chromium, which saves its screenshots under tests/artifacts/ (not
tracked), then copies the overview's to ``--out``. The test run alone never
touches docs/. Needs `bash scripts/system-deps.sh` (chromium, fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/web/test_browser.py::test_the_whole_journey_on_a_desktop"
SHOT = ROOT / "tests" / "artifacts" / "web-overview-desktop.png"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "web.png")
    args = parser.parse_args()
    SHOT.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        TEST,
        "-q",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
    ]
    if subprocess.run(command, cwd=ROOT).returncode != 0 or not SHOT.exists():
        sys.stderr.write(f"The browser journey failed; {args.out} is unchanged.\n")
        return 1
    shutil.copy(SHOT, args.out)
    sys.stdout.write(f"Wrote {args.out} ({args.out.stat().st_size // 1024} KB)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
