"""Rewrite README's settings table from the registry: python scripts/settings_doc.py."""

from __future__ import annotations

import re
from pathlib import Path

from rfmkit.cli.options import settings_table

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"<!-- settings:start -->.*?<!-- settings:end -->", flags=re.S)


def main() -> None:
    text = README.read_text(encoding="utf-8")
    table = f"<!-- settings:start -->\n{settings_table()}\n<!-- settings:end -->"
    README.write_text(BLOCK.sub(lambda _m: table, text), encoding="utf-8")


if __name__ == "__main__":
    main()
