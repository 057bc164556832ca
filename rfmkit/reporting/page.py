"""The HTML page around the sections: styles, plotly.js (once, inline) and the chart loader.

Nothing on the page points outside the file: plotly.js comes from the plotly
package, every figure is a JSON block drawn by a small inline script, and
the styles use system fonts only.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

CSS = """
:root { --ink: #202124; --muted: #5f6368; --line: #e0e3e7; --card: #f6f8fa; --accent: #1f77b4; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.55;
  font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei",
    "Hiragino Sans GB", -apple-system, "Segoe UI", "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 28px; padding-bottom: 8px; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.8rem; margin: 0 0 4px; }
h2 { font-size: 1.3rem; margin: 0 0 12px; padding-top: 8px; }
h3 { font-size: 1.05rem; margin: 16px 0 8px; }
.subtitle, .note { color: var(--muted); font-size: 0.92rem; }
nav ol { display: flex; flex-wrap: wrap; gap: 6px 16px; padding: 0; margin: 12px 0 4px;
  list-style: none; font-size: 0.92rem; }
nav a { color: var(--accent); text-decoration: none; }
section { padding: 20px 0; border-bottom: 1px solid var(--line); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; }
.card { background: var(--card); border-radius: 8px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 0.85rem; }
.card .value { font-size: 1.45rem; font-weight: 600; word-break: break-word; }
.card[data-kpi="date_range"] .value, .card[data-kpi="as_of"] .value { font-size: 1.05rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(480px, 100%), 1fr));
  gap: 16px; }
.chart { width: 100%; min-width: 0; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
th { background: var(--card); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
pre.record { background: var(--card); padding: 12px; border-radius: 8px; overflow: auto;
  max-height: 480px; font-size: 0.8rem; white-space: pre-wrap; word-break: break-all; }
footer { padding: 16px 20px 40px; }
@media (max-width: 600px) {
  header, main, footer { padding-left: 12px; padding-right: 12px; }
  h1 { font-size: 1.4rem; }
  .card .value { font-size: 1.2rem; }
  th, td { padding: 4px 6px; }
}
@media print {
  @page { size: A4; margin: 14mm; }
  body { font-size: 10.5pt; }
  header, main, footer { max-width: none; padding: 0; }
  nav, .modebar-container, .modebar { display: none !important; }
  section { break-inside: auto; border-bottom: none; }
  h2, h3 { break-after: avoid; }
  .chart, .card, tr { break-inside: avoid; }
  .charts { display: block; }
  .table-wrap { overflow: visible; }
  pre.record { max-height: none; overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"""

LOADER = """
(function () {
  var config = {responsive: true, displaylogo: false, showLink: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "sendDataToCloud"],
    toImageButtonOptions: {format: "png", scale: 2}};
  var blocks = document.querySelectorAll('script[type="application/json"][data-chart]');
  blocks.forEach(function (block) {
    var target = document.getElementById("chart-" + block.getAttribute("data-chart"));
    var spec = JSON.parse(block.textContent);
    Plotly.newPlot(target, spec.data, spec.layout, config);
  });
  function resizeAll() {
    document.querySelectorAll(".chart").forEach(function (el) { Plotly.Plots.resize(el); });
  }
  window.addEventListener("beforeprint", resizeAll);
})();
"""


@dataclass(frozen=True)
class Chart:
    """One figure on the page, drawn into ``<div id="chart-NAME">``."""

    name: str
    figure: go.Figure

    def div(self) -> str:
        height = self.figure.layout.height or 420
        return (
            f'<div class="chart" id="chart-{self.name}" data-name="{self.name}" '
            f'style="min-height:{int(height)}px"></div>'
        )

    def data_block(self) -> str:
        spec = pio.to_json(self.figure, validate=False, pretty=False, remove_uids=True)
        return (
            f'<script type="application/json" data-chart="{self.name}">'
            f"{_script_safe(spec)}</script>"
        )


def page(
    *, lang: str, title: str, header: str, sections: Sequence[str], charts: Sequence[Chart]
) -> str:
    """The whole HTML document."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{"zh-CN" if lang == "zh" else "en"}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="rfmkit">',
            f"<title>{esc(title)}</title>",
            f"<style>{CSS}</style>",
            f"<script>{plotly_js()}</script>",
            "</head>",
            "<body>",
            header,
            "<main>",
            *sections,
            "</main>",
            *(chart.data_block() for chart in charts),
            f"<script>{LOADER}</script>",
            "</body>",
            "</html>",
        ]
    )


@functools.cache
def plotly_js() -> str:
    """plotly.js as shipped by the plotly package, safe inside a ``<script>`` element."""
    return _script_safe(get_plotlyjs())


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def table(
    head: Sequence[str], rows: Sequence[Sequence[object]], numeric: Sequence[bool] = ()
) -> str:
    """An HTML table (escaped cells) in a wrapper that scrolls sideways on phones."""
    right = list(numeric) + [False] * (len(head) - len(numeric))
    cls = [' class="num"' if r else "" for r in right]
    lines = ['<div class="table-wrap"><table>', "<thead><tr>"]
    lines += [f"<th{c}>{esc(h)}</th>" for h, c in zip(head, cls, strict=True)]
    lines.append("</tr></thead><tbody>")
    for row in rows:
        cells = "".join(f"<td{c}>{esc(v)}</td>" for v, c in zip(row, cls, strict=True))
        lines.append(f"<tr>{cells}</tr>")
    lines.append("</tbody></table></div>")
    return "".join(lines)


def section(key: str, title: str, *parts: str) -> str:
    return f'<section id="{key}"><h2>{esc(title)}</h2>{"".join(parts)}</section>'


def charts_grid(charts: Sequence[Chart]) -> str:
    return '<div class="charts">' + "".join(c.div() for c in charts) + "</div>"


def paragraph(text: str, cls: str | None = None) -> str:
    return f'<p class="{cls}">{esc(text)}</p>' if cls else f"<p>{esc(text)}</p>"


def json_text(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _script_safe(text: str) -> str:
    """Text that cannot end its ``<script>`` element early."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")
