"""The look shared by every chart: fonts with CJK glyphs, colours, margins."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

#: Fonts tried in order: Debian's Noto CJK (installed by scripts/system-deps.sh),
#: the usual Chinese system fonts of macOS and Windows, then any sans-serif.
FONT = (
    '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", '
    '"Hiragino Sans GB", "Helvetica Neue", Arial, sans-serif'
)
#: Segment colours, in scheme order (colour-blind safe, enough for 12 segments).
PALETTE = (
    "#1f77b4",
    "#2ca02c",
    "#ff7f0e",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#17becf",
    "#bcbd22",
    "#e377c2",
    "#7f7f7f",
    "#393b79",
    "#637939",
)
ACCENT = "#d62728"
MUTED = "#9aa0a6"
HEIGHT = 420


def figure(title: str, *, height: int = HEIGHT) -> go.Figure:
    """An empty figure with the shared layout and ``title``."""
    fig = go.Figure()
    fig.update_layout(
        template="plotly_white",
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 16}},
        font={"family": FONT, "size": 12, "color": "#202124"},
        height=height,
        margin={"l": 60, "r": 20, "t": 56, "b": 50},
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
    )
    return fig


def colours(keys: Sequence[str], order: Sequence[str]) -> list[str]:
    """A stable colour per segment key: its position in ``order`` (the scheme)."""
    position = {key: i for i, key in enumerate(order)}
    return [PALETTE[position.get(key, len(order)) % len(PALETTE)] for key in keys]
