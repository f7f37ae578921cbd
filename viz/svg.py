"""Small charts written as SVG text, drawn by the browser.

Curves are redrawn every month while the model plays; building an SVG string
takes a millisecond on the server, where rendering a matplotlib figure takes a
large part of the step budget. Lines may be dashed (a reference run) and may
carry a band (low..high across replications).
"""

from __future__ import annotations

import base64
import functools
import html
import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .i18n import format_number, gettext


@dataclass(frozen=True)
class IndexedPicture:
    """A picture as palette indices: `indices` (H, W) uint8 into `palette` (P <= 256, 4) RGBA in
    [0, 1]. Maps have a dozen colours: sent as an indexed PNG they are the same pixels in a third
    fewer bytes, and are built without an RGBA array of floats."""

    indices: np.ndarray
    palette: np.ndarray

    def rgba(self) -> np.ndarray:
        """The same picture as an (H, W, 4) RGBA array."""
        return self.palette[self.indices]


def outline_path(outlines: np.ndarray) -> str:
    """Segments (M, 2, 2) in pixel coordinates as one SVG path, each on its pixels' centres."""
    return " ".join(
        f"M{a[0] + 0.5:.1f},{a[1] + 0.5:.1f}L{b[0] + 0.5:.1f},{b[1] + 0.5:.1f}" for a, b in outlines
    )


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


@functools.lru_cache(maxsize=4096)
def tick_label(value: float, step: float, lang: str) -> str:
    """A tick's number with as many decimals as its step needs, in the language's format (never 1e-09)."""
    if abs(value) < abs(step) * 1e-6:
        value = 0.0
    digits = 0
    if step and np.isfinite(step):  # a step of 0.25 needs two decimals, of 2.5 one
        digits = max(0, min(6, -math.floor(math.log10(abs(step)))))
        while digits < 6 and abs(round(step, digits) - step) > abs(step) * 1e-6:
            digits += 1
    return format_number(value, lang, digits)


def _step_of(ticks: list[float]) -> float:
    return ticks[1] - ticks[0] if len(ticks) > 1 else (abs(ticks[0]) or 1.0)


def month_ticks(x0: float, x1: float) -> list[float]:
    """Whole years (every 12, 24, 60... months) when the axis spans more than two years."""
    span = x1 - x0
    if span <= 24:
        return _nice_ticks(x0, x1, 6)
    years = next(y for y in (1, 2, 5, 10, 20, 50, 100) if span / (12 * y) <= 7)
    step = 12 * years
    return [float(v) for v in np.arange(math.ceil(x0 / step) * step, x1 + 1e-9, step)]


def line_chart(
    lines: list[Line],
    *,
    title: str,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    width: int = 440,
    height: int = 250,
    test_id: str = "",
    lang: str = "en",
    baseline_label: str = "",
) -> str:
    """An SVG line chart with axes, ticks, a legend and optional bands; it shrinks with its column.

    The time axis shows months and, below, years; `baseline_label` names the dashed lines."""
    entries = [(line.colour, line.label, False) for line in lines if not line.dashed]
    if baseline_label and any(line.dashed for line in lines):
        entries.append(("#595959", baseline_label, True))
    placed, legend_x, legend_row = [], 4.0, 0
    for colour, text, dashed in entries:
        size = 18 + 6.2 * len(text)
        if legend_x + size > width and legend_x > 4:
            legend_x, legend_row = 4.0, legend_row + 1
        placed.append((legend_x, legend_row, colour, text, dashed))
        legend_x += size
    left, right, top, bottom = 52, 10, 24, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    height += 14 * (legend_row + 1)
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
        pad = (high - low) * 0.08 or max(abs(high) * 0.1, 1.0)
        y_range = (min(0.0, low) if low >= 0 and low < 0.3 * high else low - pad, high + pad)
    x0, x1 = x_range
    y0, y1 = y_range
    x1 = x1 if x1 > x0 else x0 + 1
    y1 = y1 if y1 > y0 else y0 + 1

    def px(x):
        return left + (np.asarray(x, dtype=float) - x0) / (x1 - x0) * plot_w

    def py(y):
        return top + plot_h - (np.asarray(y, dtype=float) - y0) / (y1 - y0) * plot_h

    label = html.escape(title)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}" '
        f'style="max-width:{width}px;height:auto;display:block" role="img" aria-label="{label}" '
        'font-family="sans-serif" font-size="11"'
        + (f' data-testid="{html.escape(test_id)}"' if test_id else "")
        + ">",
        f"<title>{label}</title>",
        f'<text x="4" y="15" font-size="12" font-weight="bold">{label}</text>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#767676"/>',
    ]
    y_ticks = _nice_ticks(y0, y1)
    for tick in y_ticks:
        y = float(py(tick))
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e6e6e6"/>'
        )
        out.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{tick_label(tick, _step_of(y_ticks), lang)}</text>"
        )
    x_ticks = month_ticks(x0, x1)
    for tick in x_ticks:
        x = float(px(tick))
        out.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 13}" text-anchor="middle">'
            f"{tick_label(tick, _step_of(x_ticks), lang)}</text>"
        )
        if tick % 12 == 0 and x1 - x0 > 24:
            out.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 25}" text-anchor="middle" fill="#595959">'
                f"{tick_label(tick / 12, 1, lang)}</text>"
            )
    axis = gettext("month", lang) + (
        " (" + gettext("years below", lang) + ")" if x1 - x0 > 24 else ""
    )
    out.append(
        f'<text x="{left + plot_w / 2}" y="{top + plot_h + 38}" text-anchor="middle" '
        f'fill="#595959">{html.escape(axis)}</text>'
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
    for legend_x, legend_row, colour, text, dashed in placed:
        legend_y = top + plot_h + bottom + 10 + 14 * legend_row
        dash = ' stroke-dasharray="4,3"' if dashed else ""
        out.append(
            f'<line x1="{legend_x}" x2="{legend_x + 12}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
            f'stroke="{colour}" stroke-width="3"{dash}/>'
        )
        out.append(f'<text x="{legend_x + 15}" y="{legend_y}">{html.escape(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def _bytes(values: np.ndarray) -> np.ndarray:
    return (np.clip(values, 0, 1) * 255).astype(np.uint8)


def _shape(picture: np.ndarray | IndexedPicture) -> tuple[int, int]:
    shape = picture.indices.shape if isinstance(picture, IndexedPicture) else picture.shape
    return shape[0], shape[1]


def png_bytes(picture: np.ndarray | IndexedPicture) -> bytes:
    """A picture as PNG: an (H, W, 4) RGBA array in [0, 1] as RGBA, an `IndexedPicture` as an
    indexed PNG (its palette with each entry's opacity), the same pixels in fewer bytes."""
    buffer = io.BytesIO()
    if isinstance(picture, IndexedPicture):
        palette = _bytes(picture.palette)
        image = Image.fromarray(picture.indices, "P")
        image.putpalette(palette[:, :3].tobytes(), "RGB")
        opacity = palette[:, 3].tobytes()
        options = {"transparency": opacity} if min(opacity) < 255 else {}
        image.save(buffer, format="PNG", compress_level=1, **options)
    else:
        Image.fromarray(_bytes(picture), "RGBA").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def raster_map(
    picture: np.ndarray | IndexedPicture,
    outlines: np.ndarray | str,
    *,
    size: int = 460,
    marker: tuple[float, float] | None = None,
    test_id: str = "map",
    labels: list[tuple[float, float, str]] = (),
    alt: str = "",
) -> str:
    """An RGBA raster shown pixelated in an SVG that fits its column (at most `size` px wide),
    with zone outlines (segments, or their SVG path drawn once: `MapRaster.outline_path`), zone names at (x, y) in raster pixels, an optional marker and a text
    alternative `alt` for screen readers."""
    height, width = _shape(picture)
    encoded = base64.b64encode(png_bytes(picture)).decode("ascii")
    path = outlines if isinstance(outlines, str) else outline_path(outlines)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}" '
        f'style="max-width:{size}px;height:auto;display:block" role="img" '
        f'aria-label="{html.escape(alt)}" data-testid="{html.escape(test_id)}">',
        f"<title>{html.escape(alt)}</title>",
        f'<image width="{width}" height="{height}" style="image-rendering:pixelated" '
        f'href="data:image/png;base64,{encoded}"/>',
        f'<path d="{path}" stroke="#2c3e50" stroke-width="{max(0.6, width / 300):.2f}" fill="none"/>',
    ]
    if marker is not None:
        x, y = marker
        out.append(
            f'<circle cx="{x + 0.5:.1f}" cy="{y + 0.5:.1f}" r="{max(2.5, width / 60):.1f}" '
            f'fill="none" stroke="#000" stroke-width="{max(0.8, width / 200):.2f}"/>'
        )
    font = max(6.0, width / 28)
    for x, y, text in labels:
        out.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-family="sans-serif" '
            f'font-size="{font:.1f}" font-weight="bold" fill="#000" stroke="#fff" '
            f'stroke-width="{font / 4:.2f}" paint-order="stroke">{html.escape(text)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


@functools.lru_cache(maxsize=16)
def _zone_layers(outlines: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """The zones' fills under the dots and their outlines over them, each naming its zone on
    hover: written once per territory and size, not every month."""
    fills = "".join(
        f'<path d="{path}" fill="#f7f3e8" stroke="none"><title>{html.escape(name)}</title></path>'
        for path, name in outlines
    )
    strokes = "".join(
        f'<path d="{path}" fill="none" stroke="#2c3e50" stroke-width="0.8">'
        f"<title>{html.escape(name)}</title></path>"
        for path, name in outlines
    )
    return fills, strokes


def polygon_map(
    picture: np.ndarray | IndexedPicture,
    outlines: list[tuple[str, str]],
    *,
    size: int = 560,
    marker: tuple[float, float] | None = None,
    test_id: str = "map",
    alt: str = "",
) -> str:
    """Dots of households (a raster) over the outlines of real zones, each outline naming its
    zone on hover; it fits its column like the grid's map."""
    height, width = _shape(picture)
    encoded = base64.b64encode(png_bytes(picture)).decode("ascii")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}" '
        f'style="max-width:{size}px;height:auto;display:block" role="img" '
        f'aria-label="{html.escape(alt)}" data-testid="{html.escape(test_id)}">',
        f"<title>{html.escape(alt)}</title>",
    ]
    fills, strokes = _zone_layers(tuple(outlines))
    out.append(fills)
    out.append(
        f'<image width="{width}" height="{height}" style="image-rendering:pixelated" '
        f'href="data:image/png;base64,{encoded}"/>'
    )
    out.append(strokes)
    if marker is not None:
        x, y = marker
        out.append(
            f'<circle cx="{x + 1:.1f}" cy="{y + 1:.1f}" r="6" fill="none" stroke="#000" '
            'stroke-width="1.5"/>'
        )
    out.append("</svg>")
    return "".join(out)
