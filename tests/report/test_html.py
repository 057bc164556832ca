"""The HTML report's structure: sections, no outside resource, figures that add up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from rfmkit import glossary as g
from rfmkit.errors import ConfigError
from rfmkit.reporting import SECTIONS, render_report, write_report
from tests.report.conftest import (
    TINY_CUSTOMERS,
    TINY_ORDERS,
    TINY_REVENUE,
    Page,
    parse,
    values,
)

RESOURCE_ATTRS = {
    "script": "src",
    "link": "href",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
    "object": "data",
}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)|@import\s+['\"]?([^'\";\s]+)", re.IGNORECASE)
BASE_SECTIONS = [s for s in SECTIONS if s not in ("history", "campaigns", "predictions", "record")]


def outside_resources(page: Page) -> list[str]:
    """Every resource the page would load from a URL (not inline data)."""
    found = []
    for tag, attrs in page.tags:
        for name in (RESOURCE_ATTRS.get(tag), "srcset", "poster", "background"):
            value = attrs.get(name) if name else None
            if value:
                found.append(f"<{tag} {name}={value}>")
        style = attrs.get("style") or ""
        found += [m.group(1) or m.group(2) for m in CSS_URL.finditer(style)]
    for css in page.styles:
        found += [m.group(1) or m.group(2) for m in CSS_URL.finditer(css)]
    return [f for f in found if not f.startswith("#")]


def figure_points(figure: dict[str, Any]) -> int:
    return sum(len(values(trace.get("x") or trace.get("values") or [])) for trace in figure["data"])


def test_every_section_and_chart_of_a_full_report(demo_report: Path) -> None:
    text, page = parse(demo_report)
    # every section but the campaigns, which need measured campaigns (tests/test_campaign_cli.py)
    assert [s for s in SECTIONS if s in page.ids()] == [s for s in SECTIONS if s != "campaigns"]
    figures = page.figures()
    assert sorted(figures) == sorted(
        [
            "value_map",
            "r_distribution",
            "f_distribution",
            "m_distribution",
            "segment_treemap",
            "segment_share",
            "pareto",
            "migration",
            "trend",
            "p_alive_matrix",
            "p_alive_one_time",
            "clv_distribution",
            "calibration",
            "at_risk",
        ]
    )
    assert sorted(page.chart_divs()) == sorted(f"chart-{name}" for name in figures)
    assert "rfmkit report demo.csv" in text  # the run record appendix


def test_history_predictions_and_record_only_when_given(tiny: Any) -> None:
    page = Page(render_report(tiny))
    record = ["record"] if getattr(tiny, "record", None) is not None else []
    assert [s for s in SECTIONS if s in page.ids()] == BASE_SECTIONS + record
    assert "migration" not in page.figures()
    given = Page(render_report(tiny, record={"run": 1}))
    assert "record" in given.ids()


def test_no_outside_resource_and_plotly_inline_once(demo_report: Path) -> None:
    text, page = parse(demo_report)
    assert outside_resources(page) == []
    big = [body for attrs, body in page.scripts if len(body) > 1_000_000]
    assert len(big) == 1 and "plotly" in big[0][:2000].lower()
    assert all(not attrs.get("src") for attrs, _ in page.scripts)
    # apart from plotly.js itself (whose code names URLs it never loads here), no URL at all
    rest = text.replace(big[0], "")
    assert re.findall(r"https?://", rest) == []
    assert demo_report.stat().st_size < 10 * 1024 * 1024


def test_the_resource_check_catches_links() -> None:
    page = Page(
        '<link rel="stylesheet" href="https://cdn.example/x.css">'
        '<script src="http://cdn.example/plotly.js"></script>'
        "<style>@import 'https://fonts.example/a.css'; .a { background: url(http://x/y.png) }</style>"
        '<img src="//cdn.example/logo.png"><div style="background:url(\'https://x/z.png\')"></div>'
    )
    assert len(outside_resources(page)) == 6


def test_tiny_report_figures_match_hand_checked_totals(tiny: Any) -> None:
    text = render_report(tiny, lang="en")
    page = Page(text)
    figures = page.figures()
    assert page.kpi("customers", text) == str(TINY_CUSTOMERS)
    assert page.kpi("revenue", text) == f"{TINY_REVENUE:.2f}"
    assert page.kpi("orders", text) == str(TINY_ORDERS)
    assert page.kpi("date_range", text) == "1 Aug 2023 – 25 Jun 2024"
    assert page.kpi("as_of", text) == "1 Jul 2024"
    segments = tiny.to_pandas()[g.SEGMENT].value_counts().to_dict()
    treemap = figures["segment_treemap"]["data"][0]
    assert dict(zip(values(treemap["ids"]), values(treemap["values"]), strict=True)) == segments
    heat = figures["value_map"]["data"][0]
    assert sum(int(c) for row in heat["text"] for c in row if c) == TINY_CUSTOMERS
    for name in ("r_distribution", "f_distribution"):
        assert sum(values(figures[name]["data"][0]["y"])) == TINY_CUSTOMERS
    m = values(figures["m_distribution"]["data"][0]["y"])
    assert sum(m[:-1]) == TINY_CUSTOMERS  # a step line repeats its last bin


def test_demo_report_figures_match_the_customer_table(
    demo_report: Path, demo_prediction: Any
) -> None:
    text, page = parse(demo_report)
    figures = page.figures()
    customers = demo_prediction.customers.to_pandas()
    counts = customers[g.SEGMENT].value_counts().to_dict()
    treemap = figures["segment_treemap"]["data"][0]
    assert dict(zip(values(treemap["ids"]), values(treemap["values"]), strict=True)) == counts
    assert sum(values(figures["r_distribution"]["data"][0]["y"])) == len(customers)
    assert sum(values(figures["f_distribution"]["data"][0]["y"])) == len(customers)
    clv = values(figures["clv_distribution"]["data"][0]["y"])
    assert sum(clv[:-1]) == customers["clv"].notna().sum()
    shares = figures["segment_share"]["data"]
    assert sum(values(shares[0]["x"])) == pytest.approx(100, abs=0.1)
    assert sum(values(shares[1]["x"])) == pytest.approx(100, abs=0.1)
    revenue = customers[g.MONETARY].sum()
    assert page.kpi("revenue", text) == f"{revenue / 1e4:.2f}".rstrip("0").rstrip(".") + "万"
    assert page.kpi("customers", text) == f"{len(customers):,}"
    # aggregated: no figure carries one point per customer
    assert max(figure_points(f) for f in figures.values()) < 400 < len(customers)


def test_language_of_labels_and_numbers(tiny: Any) -> None:
    zh = Page(render_report(tiny, lang="zh"))
    en = Page(render_report(tiny, lang="en"))
    zh_layout = zh.figures()["value_map"]["layout"]
    en_layout = en.figures()["value_map"]["layout"]
    assert zh_layout["title"]["text"].startswith("价值地图")
    assert en_layout["title"]["text"].startswith("Value map")
    assert zh.figures()["r_distribution"]["layout"]["yaxis"]["title"]["text"] == "客户数"
    assert en.figures()["r_distribution"]["layout"]["yaxis"]["title"]["text"] == "Customers"
    labels = set(zh.figures()["segment_treemap"]["data"][0]["labels"])
    assert labels <= {s.label("zh") for s in tiny.scheme.segments}


def test_write_report_is_atomic_and_returns_the_path(tiny: Any, tmp_path: Path) -> None:
    path = write_report(tiny, tmp_path / "r.html")
    assert path == tmp_path / "r.html" and path.read_text(encoding="utf-8").startswith("<!DOCTYPE")
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_predictions_must_come_from_predict(tiny: Any) -> None:
    with pytest.raises(ConfigError, match=r"predictions must be the result of rfmkit\.predict"):
        render_report(tiny, predictions=tiny)


def test_history_tables_need_their_columns(tiny: Any) -> None:
    bad = {"trend": pd.DataFrame({"as_of": ["2024-01-01"], "customers": [1]})}
    with pytest.raises(ConfigError, match="trend history table lacks the columns segment, revenue"):
        render_report(tiny, history=bad)
