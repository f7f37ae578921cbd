"""Small charts written as SVG text, drawn by the browser.

Curves are redrawn every month while the model plays; building an SVG string
takes a millisecond on the server, where rendering a matplotlib figure takes a
large part of the step budget. Lines may be dashed (a reference run) and may
carry a band (low..high across replications).
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image


@dataclass
class Line:
    label: str
    colour: str
    x: np.ndarray
    y: np.ndarray
    dashed: bool = False
    low: np.ndarray | None = None
    high: np.ndarray | None = None


def _nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    if not np.isfinite(low) or not np.isfinite(high) or high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** np.floor(np.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), default=raw)
    start = np.ceil(low / step) * step
    return [float(v) for v in np.arange(start, high + step * 1e-9, step)]


def _label(value: float) -> str:
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:.3g}M"
    if size >= 1e4:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def line_chart(
    lines: list[Line],
    *,
    title: str,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    width: int = 440,
    height: int = 240,
    test_id: str = "",
) -> str:
    """An SVG line chart with axes, ticks, a legend and optional bands."""
    left, right, top, bottom = 48, 10, 24, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [line.x for line in lines if len(line.x)]
    if x_range is None:
        x_range = (
            (min(float(x.min()) for x in xs), max(float(x.max()) for x in xs)) if xs else (0, 1)
        )
    if y_range is None:
        values = [
            v for line in lines for v in (line.y, line.low, line.high) if v is not None and len(v)
        ]
        finite = [v[np.isfinite(v)] for v in values]
        finite = [v for v in finite if v.size]
        low = min((float(v.min()) for v in finite), default=0.0)
        high = max((float(v.max()) for v in finite), default=1.0)
        pad = (high - low) * 0.08 or max(abs(high) * 0.1, 1e-9)
        y_range = (min(0.0, low) if low >= 0 and low < 0.3 * high else low - pad, high + pad)
    x0, x1 = x_range
    y0, y1 = y_range
    x1 = x1 if x1 > x0 else x0 + 1
    y1 = y1 if y1 > y0 else y0 + 1

    def px(x):
        return left + (np.asarray(x, dtype=float) - x0) / (x1 - x0) * plot_w

    def py(y):
        return top + plot_h - (np.asarray(y, dtype=float) - y0) / (y1 - y0) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11"'
        + (f' data-testid="{html.escape(test_id)}"' if test_id else "")
        + ">",
        f'<text x="{left}" y="15" font-size="12" font-weight="bold">{html.escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#999"/>',
    ]
    for tick in _nice_ticks(y0, y1):
        y = float(py(tick))
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
        )
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{_label(tick)}</text>')
    for tick in _nice_ticks(x0, x1, 6):
        x = float(px(tick))
        out.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle">{_label(tick)}</text>'
        )
    out.append(
        f'<text x="{left + plot_w / 2}" y="{height - 16}" text-anchor="middle" fill="#555">month</text>'
    )
    for line in lines:
        if line.low is not None and line.high is not None and len(line.x):
            upper = " ".join(
                f"{a:.1f},{b:.1f}" for a, b in zip(px(line.x), py(line.high), strict=True)
            )
            lower = " ".join(
                f"{a:.1f},{b:.1f}"
                for a, b in zip(px(line.x[::-1]), py(line.low[::-1]), strict=True)
            )
            out.append(
                f'<polygon points="{upper} {lower}" fill="{line.colour}" fill-opacity="0.2"/>'
            )
    for line in lines:
        if not len(line.x):
            continue
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px(line.x), py(line.y), strict=True))
        dash = ' stroke-dasharray="5,4" stroke-opacity="0.7"' if line.dashed else ""
        out.append(
            f'<polyline points="{points}" fill="none" stroke="{line.colour}" '
            f'stroke-width="{1.2 if line.dashed else 2}"{dash}><title>{html.escape(line.label)}'
            "</title></polyline>"
        )
    legend_x = left
    for line in [line for line in lines if not line.dashed]:
        out.append(
            f'<rect x="{legend_x}" y="{height - 10}" width="10" height="4" fill="{line.colour}"/>'
        )
        out.append(f'<text x="{legend_x + 13}" y="{height - 5}">{html.escape(line.label)}</text>')
        legend_x += 18 + 6.5 * len(line.label)
    out.append("</svg>")
    return "".join(out)


def raster_map(
    picture: np.ndarray,
    outlines: np.ndarray,
    *,
    size: int = 460,
    marker: tuple[float, float] | None = None,
    test_id: str = "map",
) -> str:
    """An RGBA raster shown pixelated in an SVG, with zone outlines and an optional marker."""
    height, width = picture.shape[:2]
    image = Image.fromarray((np.clip(picture, 0, 1) * 255).astype(np.uint8), "RGBA")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    path = " ".join(
        f"M{a[0] + 0.5:.1f},{a[1] + 0.5:.1f}L{b[0] + 0.5:.1f},{b[1] + 0.5:.1f}" for a, b in outlines
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size * height / width:.0f}" '
        f'viewBox="0 0 {width} {height}" data-testid="{html.escape(test_id)}">',
        f'<image width="{width}" height="{height}" style="image-rendering:pixelated" '
        f'href="data:image/png;base64,{encoded}"/>',
        f'<path d="{path}" stroke="#2c3e50" stroke-width="{max(0.6, width / 300):.2f}" fill="none"/>',
    ]
    if marker is not None:
        x, y = marker
        out.append(
            f'<circle cx="{x + 0.5:.1f}" cy="{y + 0.5:.1f}" r="{max(2.5, width / 60):.1f}" '
            f'fill="none" stroke="#1f1fff" stroke-width="{max(0.8, width / 200):.2f}"/>'
        )
    out.append("</svg>")
    return "".join(out)
