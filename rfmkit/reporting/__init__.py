"""Pictures of a run: the self-contained HTML report and chart export.

The charts one by one, as Plotly figures, are in :mod:`rfmkit.charts`.
"""

from rfmkit.reporting.export import export_chart
from rfmkit.reporting.history import History
from rfmkit.reporting.render import SECTIONS, render_report, write_report

__all__ = ["SECTIONS", "History", "export_chart", "render_report", "write_report"]
