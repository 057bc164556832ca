"""Charts exported as images through Chromium: size, content, Chinese glyphs."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

import rfmkit.charts as charts
from rfmkit.errors import OutputError
from rfmkit.reporting.export import chart_bytes, export_chart
from rfmkit.reporting.style import FONT
from tests.report.conftest import ARTIFACTS, chromium

pytestmark = pytest.mark.xdist_group("browser")


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=float)


def glyph(text: str) -> np.ndarray:
    """``text`` drawn large, alone, in the report's font list."""
    fig = go.Figure()
    fig.update_layout(
        width=200, height=120, margin={"l": 0, "r": 0, "t": 0, "b": 0}, template="simple_white"
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(
        text=text,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"family": FONT, "size": 64},
    )
    return pixels(chart_bytes(fig, width=200, height=120))


def test_png_has_the_size_asked_and_is_not_blank(tiny: Any, tmp_path: Path) -> None:
    chromium()
    path = export_chart(
        charts.value_map(tiny, lang="zh"), tmp_path / "value_map.png", width=640, height=360
    )
    data = path.read_bytes()
    assert Image.open(io.BytesIO(data)).size == (640, 360)
    assert pixels(data).std() > 10
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "value_map.png").write_bytes(data)


def test_scale_and_svg(tiny: Any, tmp_path: Path) -> None:
    chromium()
    png = export_chart(charts.pareto(tiny), tmp_path / "p.png", width=300, height=200, scale=2)
    assert Image.open(png).size == (600, 400)
    svg = export_chart(charts.pareto(tiny), tmp_path / "p.svg", width=300, height=200)
    text = svg.read_text(encoding="utf-8")
    assert (
        text.startswith("<svg")
        and 'width="300"' in text
        and "http://" not in text.replace("http://www.w3.org", "")
    )


def test_chinese_labels_are_drawn_with_a_cjk_font() -> None:
    chromium()
    families = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True
    ).stdout
    assert "Noto Sans CJK SC" in families, "run `bash scripts/system-deps.sh` (fonts-noto-cjk)"
    value, worth, missing = glyph("价"), glyph("值"), glyph("\ue000")
    # without a CJK font both characters are the same "tofu" box (or nothing)
    assert np.abs(value - worth).mean() > 1
    assert np.abs(value - missing).mean() > 1
    assert value.std() > 5


def test_unknown_format_is_refused(tiny: Any, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="Cannot export a chart as 'bmp'"):
        export_chart(charts.pareto(tiny), tmp_path / "p.bmp")


def test_missing_browser_says_how_to_install(tiny: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with pytest.raises(OutputError, match="No Chromium found") as caught:
        chart_bytes(charts.pareto(tiny))
    assert "scripts/system-deps.sh" in (caught.value.fix or "")
