"""Figures of the app, drawn with matplotlib from the model's numpy arrays (no pyplot state).

The map is a raster: each grid cell is split into k x k slots and each
household of the cell takes one slot, coloured by its mode for the chosen good
(grey when it does not need the good); empty slots show the zone's tint, so
density is visible. Zone outlines are the cell edges between two zones. A raster
of a few hundred pixels a side redraws in milliseconds, whatever the number of
households, where one marker per agent would not.
"""

from __future__ import annotations

import functools
import math
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from .svg import IndexedPicture, outline_path  # noqa: E402

MODE_LABELS = ("own", "rent", "share", "forgo")
# Okabe & Ito's palette, told apart with the common colour-vision deficiencies
# (tests/viz/test_palette.py checks it on simulated deuteranopia and protanopia).
MODE_COLOURS = {"own": "#D55E00", "rent": "#56B4E9", "share": "#009E73", "forgo": "#000000"}
NO_NEED_COLOUR = "#d9d9d9"
ZONE_TINTS = ("#f7f3e8", "#eaf1f7", "#eef5ec", "#f7eef5", "#f2f2f2")
QUINTILE_COLOURS = ("#0072B2", "#56B4E9", "#009E73", "#E69F00", "#D55E00")
SCENARIO_COLOURS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2")
# Difference map: sharing in the scenario only, in the baseline only, in both or neither.
DIFFERENCE_COLOURS = {
    "scenario only": "#009E73",
    "baseline only": "#D55E00",
    "both": "#56B4E9",
    "neither": "#d9d9d9",
}


MODE_PALETTE = np.array([to_rgba(MODE_COLOURS[m]) for m in MODE_LABELS] + [to_rgba(NO_NEED_COLOUR)])


@dataclass
class MapRaster:
    """Where each household sits on the raster, and the static background."""

    side: int
    slots: int  # k: each cell is k x k pixels
    pixel_of: np.ndarray  # (N,) flat pixel index of each household
    background: np.ndarray  # (H, W, 4) zone tints
    outlines: np.ndarray  # (M, 2, 2) segments between zones, in pixel coordinates
    zone_grid: np.ndarray | None = None  # (side, side) zone of each cell

    @classmethod
    def from_layout(cls, layout) -> MapRaster:
        side = int(layout.side)
        cells = np.asarray(layout.household_cell, dtype=np.int64)
        counts = np.bincount(cells, minlength=side * side)
        k = max(1, math.ceil(math.sqrt(max(1, counts.max()))))
        order = np.argsort(cells, kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank = np.empty(cells.size, dtype=np.int64)
        rank[order] = np.arange(cells.size) - starts[cells[order]]
        row, col = np.divmod(cells, side)
        # Slots are taken in a fixed scattered order, so a half-full cell looks evenly dotted.
        scattered = np.random.default_rng(0).permutation(k * k)
        sub_row, sub_col = np.divmod(scattered[rank], k)
        width = side * k
        pixel_of = (row * k + sub_row) * width + col * k + sub_col

        zone_grid = np.asarray(layout.cell_zone).reshape(side, side)
        tints = np.array(
            [to_rgba(ZONE_TINTS[z % len(ZONE_TINTS)]) for z in range(int(zone_grid.max()) + 1)]
        )
        background = np.repeat(np.repeat(tints[zone_grid], k, axis=0), k, axis=1)
        segments = []
        rows_v, cols_v = np.nonzero(zone_grid[:, 1:] != zone_grid[:, :-1])
        for r, c in zip(rows_v, cols_v, strict=True):
            x = (c + 1) * k - 0.5
            segments.append([[x, r * k - 0.5], [x, (r + 1) * k - 0.5]])
        rows_h, cols_h = np.nonzero(zone_grid[1:, :] != zone_grid[:-1, :])
        for r, c in zip(rows_h, cols_h, strict=True):
            y = (r + 1) * k - 0.5
            segments.append([[c * k - 0.5, y], [(c + 1) * k - 0.5, y]])
        outlines = np.array(segments, dtype=float).reshape(-1, 2, 2)
        return cls(side, k, pixel_of, background, outlines, zone_grid)

    def image(self, mode: np.ndarray, need: np.ndarray) -> np.ndarray:
        """RGBA raster for one good: households by mode, empty slots by zone tint."""
        palette = np.array(
            [to_rgba(MODE_COLOURS[m]) for m in MODE_LABELS] + [to_rgba(NO_NEED_COLOUR)]
        )
        colour_index = np.where(need, mode.astype(np.int64), len(MODE_LABELS))
        picture = self.background.reshape(-1, 4).copy()
        picture[self.pixel_of] = palette[colour_index]
        return picture.reshape(self.background.shape)

    def image_of(self, colours: np.ndarray) -> np.ndarray:
        """RGBA raster with each household in its own colour (N, 4), empty slots by zone tint."""
        picture = self.background.reshape(-1, 4).copy()
        picture[self.pixel_of] = colours
        return picture.reshape(self.background.shape)

    @functools.cached_property
    def _background_index(self) -> np.ndarray:
        """Each pixel's zone tint, as an index into `ZONE_TINTS`."""
        tint = (self.zone_grid % len(ZONE_TINTS)).astype(np.uint8)
        return np.repeat(np.repeat(tint, self.slots, axis=0), self.slots, axis=1)

    def indexed(self, mode: np.ndarray, need: np.ndarray) -> IndexedPicture:
        """`image` as palette indices: the same pixels."""
        return self.indexed_of(
            np.where(need, mode.astype(np.int64), len(MODE_LABELS)), MODE_PALETTE
        )

    def indexed_of(self, index: np.ndarray, colours: np.ndarray) -> IndexedPicture:
        """Each household in `colours[index]` (`index` (N,), `colours` (C, 4)), empty slots by
        zone tint: `image_of(colours[index])` as palette indices."""
        tints = len(ZONE_TINTS)
        picture = self._background_index.copy()
        picture.reshape(-1)[self.pixel_of] = tints + np.asarray(index)
        palette = np.concatenate([[to_rgba(c) for c in ZONE_TINTS], colours])
        return IndexedPicture(picture, palette)

    @functools.cached_property
    def outline_path(self) -> str:
        """The zone outlines as one SVG path, in pixels (drawn once, not every month)."""
        return outline_path(self.outlines)

    def zone_label_positions(self) -> dict[int, tuple[float, float]]:
        """Where to write each zone's name, in raster pixels: the zone holding the middle cell at
        the middle, every other zone at its first cell on the middle column (its top edge for rings)."""
        if self.zone_grid is None:
            return {}
        middle = self.side // 2
        out = {
            int(self.zone_grid[middle, middle]): (
                (middle + 0.5) * self.slots,
                (middle + 0.5) * self.slots,
            )
        }
        for zone in np.unique(self.zone_grid):
            if int(zone) in out:
                continue
            rows = np.nonzero(self.zone_grid[:, middle] == zone)[0]
            if rows.size:
                row, col = int(rows[0]), middle
            else:
                row, col = (int(v[0]) for v in np.nonzero(self.zone_grid == zone))
            out[int(zone)] = ((col + 0.5) * self.slots, (row + 0.9) * self.slots)
        return out

    def position(self, row: int) -> tuple[float, float]:
        y, x = divmod(int(self.pixel_of[row]), self.side * self.slots)
        return float(x), float(y)


def territory_map(
    raster: MapRaster,
    mode: np.ndarray,
    need: np.ndarray,
    *,
    zone_names=(),
    selected: int | None = None,
    title: str = "",
    size: float = 5.0,
) -> Figure:
    """The territory coloured by mode for one good, with zone outlines and the selected household."""
    fig = Figure(figsize=(size, size * 1.08), dpi=80)
    ax = fig.add_subplot()
    ax.imshow(raster.image(mode, need), interpolation="nearest")
    ax.add_collection(LineCollection(raster.outlines, colors="#2c3e50", linewidths=1.2))
    if selected is not None and 0 <= selected < raster.pixel_of.size:
        x, y = raster.position(selected)
        ax.plot(
            [x],
            [y],
            marker="o",
            markersize=14,
            markerfacecolor="none",
            markeredgecolor="#1f1fff",
            markeredgewidth=2.5,
        )
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=12)
    handles = [Patch(color=MODE_COLOURS[m], label=m) for m in MODE_LABELS]
    handles.append(Patch(color=NO_NEED_COLOUR, label="no need"))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.01),
        ncol=5,
        fontsize=9,
        frameon=False,
        handlelength=1.0,
        columnspacing=0.8,
    )
    if zone_names:
        fig.text(
            0.01,
            0.005,
            "zones, centre outwards: " + ", ".join(zone_names),
            fontsize=8,
            color="#555",
        )
    return fig


def _plot_series(ax, months, values, *, colour, label, reference=None, reference_months=None):
    ax.plot(months, values, color=colour, label=label, linewidth=1.8)
    if reference is not None:
        ax.plot(reference_months, reference, color=colour, linewidth=1.0, linestyle="--", alpha=0.7)


def explore_curves(
    frame: pd.DataFrame,
    good: str,
    reference: pd.DataFrame | None = None,
    horizon: int | None = None,
) -> Figure:
    """Four panels: adoption per mode, goods stock and emissions, spending by quintile, trust.

    Dashed lines are the reference run (the baseline) at the same seed.
    """
    fig = Figure(figsize=(9.0, 5.6), dpi=80)
    axes = fig.subplots(2, 2)
    months = frame["month"].to_numpy()
    ref = reference if reference is not None and len(reference) else None
    ref_months = ref["month"].to_numpy() if ref is not None else None

    def ref_col(name):
        return ref[name].to_numpy() if ref is not None else None

    ax = axes[0, 0]
    for mode in MODE_LABELS:
        _plot_series(
            ax,
            months,
            frame[f"{good}.{mode}"].to_numpy(),
            colour=MODE_COLOURS[mode],
            label=mode,
            reference=ref_col(f"{good}.{mode}"),
            reference_months=ref_months,
        )
    ax.set_title(f"Adoption, {good} (share of households needing it)", fontsize=10)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, ncol=4, loc="upper center")

    ax = axes[0, 1]
    _plot_series(
        ax,
        months,
        frame["goods.stock_total"].to_numpy(),
        colour="#c0392b",
        label="goods owned",
        reference=ref_col("goods.stock_total"),
        reference_months=ref_months,
    )
    ax.set_ylabel("goods owned", fontsize=8, color="#c0392b")
    twin = ax.twinx()
    _plot_series(
        twin,
        months,
        frame["emissions.cumulative_t"].to_numpy(),
        colour="#2c3e50",
        label="embodied t CO2e of goods in use",
        reference=ref_col("emissions.cumulative_t"),
        reference_months=ref_months,
    )
    twin.set_ylabel("t CO2e, goods in use so far", fontsize=8, color="#2c3e50")
    ax.set_title("Goods stock and embodied emissions", fontsize=10)

    ax = axes[1, 0]
    for q in range(1, 6):
        _plot_series(
            ax,
            months,
            frame[f"spending.q{q}_eur"].to_numpy(),
            colour=QUINTILE_COLOURS[q - 1],
            label=f"Q{q}",
            reference=ref_col(f"spending.q{q}_eur"),
            reference_months=ref_months,
        )
    ax.set_title("Spending on these goods by income quintile (EUR/month)", fontsize=10)
    ax.legend(fontsize=8, ncol=5, loc="upper center")

    ax = axes[1, 1]
    _plot_series(
        ax,
        months,
        frame["trust.mean"].to_numpy(),
        colour="#8e44ad",
        label="trust",
        reference=ref_col("trust.mean"),
        reference_months=ref_months,
    )
    ax.set_title("Mean trust in sharing", fontsize=10)
    ax.set_ylim(0, 1)
    for ax in axes.ravel():
        ax.tick_params(labelsize=8)
        if horizon:
            ax.set_xlim(0, horizon)
        ax.set_xlabel("month", fontsize=8)
    return fig


def band_curves(
    bands: pd.DataFrame, outcomes: list[tuple[str, str]], colours: dict[str, str]
) -> Figure:
    """Mean and 90 % band across replications, one panel per outcome, one colour per scenario.

    `bands` has columns scenario, month, outcome, mean, low, high.
    """
    columns = 2
    rows = math.ceil(len(outcomes) / columns)
    fig = Figure(figsize=(9.0, 2.8 * rows), dpi=80)
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for ax, (outcome, title) in zip(axes, outcomes, strict=False):
        for scenario, part in bands[bands["outcome"] == outcome].groupby("scenario", sort=False):
            colour = colours.get(scenario, "#333")
            ax.fill_between(
                part["month"], part["low"], part["high"], color=colour, alpha=0.2, linewidth=0
            )
            ax.plot(part["month"], part["mean"], color=colour, label=scenario, linewidth=1.8)
        ax.set_title(title, fontsize=10)
        ax.tick_params(labelsize=8)
        ax.set_xlabel("month", fontsize=8)
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=8)
    return fig


# Learn's curves: each line its own Okabe-Ito colour, line style and marker, so that the five stay
# apart on a projector and with a colour-vision deficiency (trust is blue, not reddish purple,
# which turns as grey as "share it" under deuteranopia).
STORY_LINES = {
    "own": (MODE_COLOURS["own"], "-", "o"),
    "rent": (MODE_COLOURS["rent"], "-.", "s"),
    "share": (MODE_COLOURS["share"], "-", "^"),
    "forgo": (MODE_COLOURS["forgo"], ":", "x"),
    "trust": ("#0072B2", "--", "D"),
}


def story_figure(
    raster: MapRaster,
    mode: np.ndarray,
    need: np.ndarray,
    frame: pd.DataFrame,
    good: str,
    horizon: int,
    title: str,
    lang: str = "en",
) -> Figure:
    """Large map and large adoption curves, for showing a class: every text inside the figure
    (the layout is constrained), the curves' legend below them, the axis label on two lines."""
    import textwrap

    from .i18n import gettext

    names = {"own": "own it", "rent": "rent it", "share": "share it", "forgo": "go without"}
    fig = Figure(figsize=(13, 6), dpi=80, layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(1, 1.25))
    left.imshow(raster.image(mode, need), interpolation="nearest")
    left.add_collection(LineCollection(raster.outlines, colors="#2c3e50", linewidths=1.5))
    left.set_xticks([])
    left.set_yticks([])
    left.set_title(title, fontsize=20)
    handles = [Patch(color=MODE_COLOURS[m], label=gettext(names[m], lang)) for m in MODE_LABELS]
    left.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.01),
        ncol=2,
        fontsize=14,
        frameon=False,
        handlelength=1.2,
        columnspacing=1.0,
    )
    months = frame["month"].to_numpy()
    every = max(1, horizon // 8)
    for mode_name in MODE_LABELS:
        colour, style, marker = STORY_LINES[mode_name]
        right.plot(
            months,
            100 * frame[f"{good}.{mode_name}"].to_numpy(),
            color=colour,
            linestyle=style,
            marker=marker,
            markevery=every,
            markersize=9,
            linewidth=4,
            label=gettext(names[mode_name], lang),
        )
    colour, style, marker = STORY_LINES["trust"]
    right.plot(
        months,
        100 * frame["trust.mean"].to_numpy(),
        color=colour,
        linewidth=3,
        linestyle=style,
        marker=marker,
        markevery=every,
        markersize=8,
        label=gettext("trust (0 to 100)", lang),
    )
    right.set_xlim(0, horizon)
    right.set_ylim(0, 100)
    right.set_xticks(range(0, horizon + 1, 12))
    right.set_xlabel(gettext("month (every 12 months is a year)", lang), fontsize=16)
    label = gettext("% of households needing a {good}", lang).format(good=gettext(good, lang))
    right.set_ylabel("\n".join(textwrap.wrap(label, 28)), fontsize=16)
    right.tick_params(labelsize=14)
    right.legend(
        fontsize=14,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=3,
        frameon=False,
        handlelength=2.6,
    )
    right.grid(alpha=0.3)
    return fig


def plain_numbers(ax, lang: str, axes: str = "xy") -> None:
    """Tick labels in the language's number format, never in scientific notation."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from .svg import tick_label

    for name in axes:
        axis = ax.xaxis if name == "x" else ax.yaxis
        axis.set_major_locator(MaxNLocator(nbins=6))

        def label(value, _position, axis=axis):
            ticks = axis.get_majorticklocs()
            step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
            return tick_label(value, step, lang)

        axis.set_major_formatter(FuncFormatter(label))


def sweep_scatter(
    values: pd.DataFrame,
    parameter: str,
    outcome: str,
    parameter_words: str = "",
    outcome_words: str = "",
    lang: str = "en",
) -> Figure:
    """An outcome at the horizon against a swept parameter: dots and the mean by bin for numbers,
    dots by category with their mean for named values (e.g. the network's kind)."""
    from .i18n import gettext

    fig = Figure(figsize=(7.5, 4.5), dpi=80)
    ax = fig.add_subplot()
    y = pd.to_numeric(values[outcome], errors="coerce")
    numeric = pd.to_numeric(values[parameter], errors="coerce")
    if numeric.isna().any():
        categories = sorted(values[parameter].astype(str).unique())
        position = values[parameter].astype(str).map({c: i for i, c in enumerate(categories)})
        ax.scatter(position, y, s=14, alpha=0.6, color="#0072B2", label=gettext("runs", lang))
        means = y.groupby(position).mean()
        ax.plot(
            means.index,
            means.to_numpy(),
            "D",
            color="#D55E00",
            markersize=9,
            label=gettext("mean", lang),
        )
        ax.set_xticks(range(len(categories)), [gettext(c, lang) for c in categories])
        plain_numbers(ax, lang, "y")
    else:
        x = numeric
        ax.scatter(x, y, s=14, alpha=0.6, color="#0072B2", label=gettext("runs", lang))
        ok = x.notna() & y.notna()
        if ok.sum() >= 4 and x[ok].nunique() > 1:
            bins = min(10, int(x[ok].nunique()))
            binned = pd.DataFrame({"x": x[ok], "y": y[ok], "bin": pd.cut(x[ok], bins)})
            means = binned.groupby("bin", observed=True)[["x", "y"]].mean()
            ax.plot(
                means["x"],
                means["y"],
                color="#D55E00",
                linewidth=2,
                label=gettext("mean by bin", lang),
            )
        plain_numbers(ax, lang)
    ax.set_xlabel(wrapped(parameter_words or parameter))
    # the outcome's words as the title, wrapped: a long one fits above the plot, never cut
    ax.set_title(
        wrapped(gettext("{outcome} at the horizon", lang).format(outcome=outcome_words or outcome)),
        fontsize=10,
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def wrapped(text: str, width: int = 70) -> str:
    """A chart's title or axis label over lines of at most `width` characters."""
    return textwrap.fill(text, width)


def indices_bars(
    table: pd.DataFrame,
    outcome: str,
    outcome_words: str = "",
    parameter_words: dict[str, str] | None = None,
    lang: str = "en",
) -> Figure:
    """Sensitivity indices of one outcome (Sobol S1/ST, Morris mu* or rank correlations),
    one bar group per parameter, the strongest at the top."""
    from .i18n import gettext

    part = table[table["outcome"] == outcome].copy()
    key = (
        "ST"
        if "ST" in part
        else ("mu_star" if "mu_star" in part and "spearman" not in part else "spearman")
    )
    part["_order"] = part[key].abs().fillna(-1)
    part = part.sort_values("_order")
    fig = Figure(figsize=(7.5, 1.6 + 0.45 * max(1, len(part))), dpi=80)
    ax = fig.add_subplot()
    names = [(parameter_words or {}).get(p, p) for p in part["parameter"]]
    y = np.arange(len(names))
    if key == "spearman":
        ax.barh(
            y,
            part["spearman"].abs(),
            color="#0072B2",
            label=gettext("strength of the link (0 to 1)", lang),
        )
    elif key == "ST":
        ax.barh(
            y - 0.2,
            part["S1"],
            height=0.4,
            xerr=part.get("S1_conf"),
            color="#56B4E9",
            label=gettext("S1 (alone)", lang),
        )
        ax.barh(
            y + 0.2,
            part["ST"],
            height=0.4,
            xerr=part.get("ST_conf"),
            color="#0072B2",
            label=gettext("ST (with interactions)", lang),
        )
    else:
        ax.barh(
            y, part["mu_star"], xerr=part.get("mu_star_conf"), color="#0072B2", label="mu* (Morris)"
        )
    ax.set_yticks(y, [wrapped(name, 32) for name in names], fontsize=8)
    plain_numbers(ax, lang, "x")
    ax.set_title(
        wrapped(gettext("What moves: {outcome}", lang).format(outcome=outcome_words or outcome)),
        fontsize=10,
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def zone_paths(shapes, width: int) -> tuple[list[str], int, tuple[float, float, float]]:
    """Zones' outlines (projected, in metres) as SVG paths on a drawing `width` pixels wide with a
    2-pixel margin; with the drawing's height and (west, north, scale) to place points on it."""
    west, south, east, north = (float(v) for v in shapes.total_bounds)
    scale = (width - 4) / max(east - west, 1.0)
    height = int(math.ceil((north - south) * scale)) + 4
    paths = []
    for shape in shapes:
        path = []
        for part in getattr(shape, "geoms", [shape]):
            xs = 2 + (np.asarray(part.exterior.xy[0]) - west) * scale
            ys = 2 + (north - np.asarray(part.exterior.xy[1])) * scale
            path.append(
                "M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys, strict=True)) + "Z"
            )
        paths.append("".join(path))
    return paths, height, (west, north, scale)


@dataclass
class PolygonMap:
    """A territory from data drawn as dots in its zones' outlines (no map tiles).

    Households are placed on a picture `width` pixels wide at their position in metres,
    one dot each (coloured like the grid's raster); zones are the polygons' outlines."""

    width: int
    height: int
    pixel_xy: np.ndarray  # (N, 2) integer pixel of each household
    outlines: list[tuple[str, str]]  # (SVG path in pixels, zone name), zone order

    @classmethod
    def from_layout(cls, layout, width: int = 480) -> PolygonMap:
        shapes = layout.territory.projected.reset_index(drop=True)
        paths, height, (west, north, scale) = zone_paths(shapes, width)
        px = 2 + (layout.household_xy_m[:, 0] - west) * scale
        py = 2 + (north - layout.household_xy_m[:, 1]) * scale
        pixel_xy = np.stack(
            [np.clip(px.astype(int), 0, width - 1), np.clip(py.astype(int), 0, height - 1)], axis=1
        )
        outlines = list(zip(paths, (str(n) for n in layout.territory.names), strict=True))
        return cls(width, height, pixel_xy, outlines)

    def image(self, mode: np.ndarray, need: np.ndarray) -> np.ndarray:
        """RGBA picture: a 2×2 dot per household coloured by its mode, white elsewhere."""
        palette = np.array(
            [to_rgba(MODE_COLOURS[m]) for m in MODE_LABELS] + [to_rgba(NO_NEED_COLOUR)]
        )
        colours = palette[np.where(need, mode.astype(np.int64), len(MODE_LABELS))]
        return self.image_of(colours)

    def image_of(self, colours: np.ndarray) -> np.ndarray:
        picture = np.ones((self.height, self.width, 4))
        picture[..., 3] = 0.0
        # Households needing nothing first, so a mode is never hidden under a grey dot.
        order = np.argsort(colours[:, :3].sum(axis=1) > 2.4, kind="stable")[::-1]
        for dx in (0, 1):
            for dy in (0, 1):
                x = np.clip(self.pixel_xy[order, 0] + dx, 0, self.width - 1)
                y = np.clip(self.pixel_xy[order, 1] + dy, 0, self.height - 1)
                picture[y, x] = colours[order]
        return picture

    def indexed(self, mode: np.ndarray, need: np.ndarray) -> IndexedPicture:
        """`image` as palette indices: the same pixels."""
        return self.indexed_of(
            np.where(need, mode.astype(np.int64), len(MODE_LABELS)), MODE_PALETTE
        )

    def indexed_of(self, index: np.ndarray, colours: np.ndarray) -> IndexedPicture:
        """`image_of(colours[index])` as palette indices (index 0: the transparent background)."""
        palette = np.concatenate([[[1.0, 1.0, 1.0, 0.0]], colours])
        grey = colours[:, :3].sum(axis=1) > 2.4
        order = np.argsort(grey[index], kind="stable")[::-1]
        shown = (np.asarray(index)[order] + 1).astype(np.uint8)
        picture = np.zeros((self.height, self.width), dtype=np.uint8)
        for dx in (0, 1):
            for dy in (0, 1):
                x = np.clip(self.pixel_xy[order, 0] + dx, 0, self.width - 1)
                y = np.clip(self.pixel_xy[order, 1] + dy, 0, self.height - 1)
                picture[y, x] = shown
        return IndexedPicture(picture, palette)

    def nearest(self, fx: float, fy: float) -> int:
        """The household nearest a click given as fractions of the picture's width and height."""
        distance = np.hypot(
            self.pixel_xy[:, 0] - fx * self.width, self.pixel_xy[:, 1] - fy * self.height
        )
        return int(np.argmin(distance))
