"""Shared inputs of the report tests: a tiny hand-checked run, a demo run, parsed reports."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rfmkit
from rfmkit.demo_data import generate_orders
from tests.helpers import transactions_frame

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = "/usr/bin/chromium"

#: Five customers, checked by hand: 740 of revenue in 11 orders before 2024-07-01.
TINY_ROWS = [
    ("A", "a1", "2024-01-10", 100.0),
    ("A", "a2", "2024-03-01", 50.0),
    ("A", "a3", "2024-06-20", 150.0),
    ("B", "b1", "2024-06-01", 80.0),
    ("C", "c1", "2023-12-01", 200.0),
    ("C", "c2", "2024-02-01", 100.0),
    ("D", "d1", "2023-08-01", 20.0),
    ("E", "e1", "2024-04-01", 10.0),
    ("E", "e2", "2024-05-01", 10.0),
    ("E", "e3", "2024-06-01", 10.0),
    ("E", "e4", "2024-06-25", 10.0),
]
TINY_CUSTOMERS, TINY_REVENUE, TINY_ORDERS = 5, 740.0, 11

#: History in the documented shape (segment keys of cn8).
HISTORY: dict[str, Any] = {
    "migration": pd.DataFrame(
        {
            "from_segment": ["important_value", "general_value", "important_value"],
            "to_segment": ["important_value", "important_value", "general_value"],
            "customers": [50, 20, 10],
            "revenue": [5000.0, 900.0, 400.0],
        }
    ),
    "trend": pd.DataFrame(
        {
            "as_of": ["2024-01-01", "2024-01-01", "2024-04-01", "2024-04-01"],
            "segment": ["important_value", "general_value"] * 2,
            "customers": [100, 200, 120, 180],
            "revenue": [1.0, 2.0, 3.0, 4.0],
        }
    ),
    "from_as_of": "2024-01-01",
    "to_as_of": "2024-04-01",
}


@pytest.fixture(scope="session")
def tiny() -> rfmkit.ScoreResult:
    return rfmkit.score(transactions_frame(TINY_ROWS), as_of="2024-07-01", levels=3, lang="en")


@pytest.fixture(scope="session")
def demo_orders() -> pd.DataFrame:
    return generate_orders(2000, end=dt.date(2025, 6, 30), seed=11)


@pytest.fixture(scope="session")
def demo_prediction(demo_orders: pd.DataFrame) -> Any:
    return rfmkit.predict(demo_orders, as_of="2025-07-01", lang="zh")


@pytest.fixture(scope="session")
def demo_report(demo_prediction: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full report of the demo run: predictions, history and a run record."""
    from rfmkit.reporting import write_report

    path = tmp_path_factory.mktemp("report") / "report.html"
    return write_report(
        demo_prediction, path, history=HISTORY, record={"command": "rfmkit report demo.csv"}
    )


def chromium() -> str:
    """Debian's Chromium, or a failure that says how to install it (never a skip)."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"{CHROMIUM} is missing: run `bash scripts/system-deps.sh` "
            "(apt-get install chromium fonts-noto-cjk)."
        )
    return CHROMIUM


class Page(HTMLParser):
    """What the tests read from a report: tags, resources, styles and chart data."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self._open: tuple[str, dict[str, str | None]] | None = None
        self._text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open, self._text = (tag, dict(attrs)), []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == self._open[0]:
            body = "".join(self._text)
            if tag == "script":
                self.scripts.append((self._open[1], body))
            else:
                self.styles.append(body)
            self._open = None

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}

    def figures(self) -> dict[str, dict[str, Any]]:
        """Every embedded figure, by chart name."""
        return {
            str(a["data-chart"]): json.loads(body)
            for a, body in self.scripts
            if a.get("type") == "application/json" and a.get("data-chart")
        }

    def chart_divs(self) -> list[str]:
        return [str(a["id"]) for tag, a in self.tags if "chart" in (a.get("class") or "").split()]

    def kpi(self, name: str, text: str) -> str:
        """The value of a key-figure card (read from the raw text)."""
        start = text.index(f'<div class="card" data-kpi="{name}">')
        value = text.index('<div class="value">', start) + len('<div class="value">')
        return text[value : text.index("</div>", value)]


def values(data: Any) -> list[Any]:
    """A figure's array: a list, or plotly's typed array ``{"dtype", "bdata"}`` decoded."""
    if isinstance(data, dict) and "bdata" in data:
        raw = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
        return raw.reshape(data["shape"]).tolist() if "shape" in data else raw.tolist()
    return list(data)


def parse(path: Path) -> tuple[str, Page]:
    text = path.read_text(encoding="utf-8")
    return text, Page(text)
