"""Charts to PNG, SVG, JPEG or PDF files, offline, through a local Chromium.

Kaleido (v1) drives a headless Chrome over the DevTools protocol. It is
pointed at the browser that ``scripts/system-deps.sh`` installs (Debian's
``chromium``; ``BROWSER_PATH`` overrides), with plotly.js from the plotly
package and MathJax switched off, so exporting loads nothing from the network.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from rfmkit.errors import OutputError
from rfmkit.quality import atomic_write

FORMATS = ("png", "svg", "jpeg", "webp", "pdf")
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
_FIX = "Install Chromium and the CJK fonts: `bash scripts/system-deps.sh` (Debian: apt-get install chromium fonts-noto-cjk)."


def browser_path() -> str | None:
    """The Chromium that exports use: ``BROWSER_PATH``, else the first one on ``PATH``."""
    chosen = os.environ.get("BROWSER_PATH")
    if chosen:
        return chosen if Path(chosen).is_file() else None
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def chart_bytes(
    fig: go.Figure, *, format: str = "png", width: int = 1000, height: int = 600, scale: float = 1
) -> bytes:
    """The image of ``fig`` (``width`` × ``height`` CSS pixels, times ``scale``) as bytes."""
    import kaleido  # imported here: it starts nothing, but is only needed for exports

    if format not in FORMATS:
        raise OutputError(
            f"Cannot export a chart as {format!r}.", fix=f"Use one of {', '.join(FORMATS)}."
        )
    browser = browser_path()
    if browser is None:
        raise OutputError("No Chromium found to draw the chart.", fix=_FIX)
    options: dict[str, Any] = {"format": format, "width": width, "height": height, "scale": scale}
    try:
        data = kaleido.calc_fig_sync(fig, opts=options, kopts={"mathjax": False, "path": browser})
    except Exception as exc:  # kaleido's own errors carry no rfmkit context
        raise OutputError(f"The chart could not be drawn: {exc}", fix=_FIX) from exc
    return data if isinstance(data, bytes) else bytes(data)


def export_chart(
    fig: go.Figure,
    path: str | Path,
    *,
    width: int = 1000,
    height: int = 600,
    scale: float = 1,
    format: str | None = None,
) -> Path:
    """Write ``fig`` to ``path`` as an image; the format follows the suffix unless given.

    Parameters
    ----------
    fig
        A figure, e.g. from :func:`rfmkit.charts.value_map`.
    path
        The file to write (``.png``, ``.svg``, ``.jpeg``/``.jpg``, ``.webp``, ``.pdf``).
    width, height
        Size in CSS pixels; a PNG is ``width * scale`` × ``height * scale`` pixels.
    scale
        Pixel density of raster formats (2 for sharp images on high-DPI screens).
    format
        Overrides the suffix.
    """
    target = Path(path)
    chosen = (format or target.suffix.lstrip(".") or "png").lower()
    chosen = "jpeg" if chosen == "jpg" else chosen
    data = chart_bytes(fig, format=chosen, width=width, height=height, scale=scale)
    atomic_write(target, lambda tmp: tmp.write_bytes(data))
    return target
