"""Figures of the app, drawn with matplotlib from the model's numpy arrays (no pyplot state).

The map is a raster: each grid cell is split into k x k slots and each
household of the cell takes one slot, coloured by its mode for the chosen good
(grey when it does not need the good); empty slots show the zone's tint, so
density is visible. Zone outlines are the cell edges between two zones. A raster
of a few hundred pixels a side redraws in milliseconds, whatever the number of
households, where one marker per agent would not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

MODE_LABELS = ("own", "rent", "share", "forgo")
MODE_COLOURS = {"own": "#c0392b", "rent": "#e67e22", "share": "#27ae60", "forgo": "#7f8c8d"}
NO_NEED_COLOUR = "#dfe3e6"
ZONE_TINTS = ("#f4f1ea", "#eef3f7", "#eef5ec", "#f7eef5", "#f2f2f2")
QUINTILE_COLOURS = ("#1a5276", "#2e86c1", "#85c1e9", "#f0b27a", "#ba4a00")
SCENARIO_COLOURS = ("#34495e", "#27ae60", "#8e44ad", "#d35400", "#2980b9", "#c0392b")


@dataclass
class MapRaster:
    """Where each household sits on the raster, and the static background."""

    side: int
    slots: int  # k: each cell is k x k pixels
    pixel_of: np.ndarray  # (N,) flat pixel index of each household
    background: np.ndarray  # (H, W, 4) zone tints
    outlines: np.ndarray  # (M, 2, 2) segments between zones, in pixel coordinates

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
        return cls(side, k, pixel_of, background, outlines)

    def image(self, mode: np.ndarray, need: np.ndarray) -> np.ndarray:
        """RGBA raster for one good: households by mode, empty slots by zone tint."""
        palette = np.array(
            [to_rgba(MODE_COLOURS[m]) for m in MODE_LABELS] + [to_rgba(NO_NEED_COLOUR)]
        )
        colour_index = np.where(need, mode.astype(np.int64), len(MODE_LABELS))
        picture = self.background.reshape(-1, 4).copy()
        picture[self.pixel_of] = palette[colour_index]
        return picture.reshape(self.background.shape)

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


def story_figure(
    raster: MapRaster,
    mode: np.ndarray,
    need: np.ndarray,
    frame: pd.DataFrame,
    good: str,
    horizon: int,
    title: str,
) -> Figure:
    """Large map and large adoption curves, for showing a class."""
    fig = Figure(figsize=(13, 6), dpi=80)
    left, right = fig.subplots(1, 2, width_ratios=(1, 1.25))
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.14, top=0.92, wspace=0.12)
    left.imshow(raster.image(mode, need), interpolation="nearest")
    left.add_collection(LineCollection(raster.outlines, colors="#2c3e50", linewidths=1.5))
    left.set_xticks([])
    left.set_yticks([])
    left.set_title(title, fontsize=20)
    handles = [Patch(color=MODE_COLOURS[m], label=m) for m in MODE_LABELS]
    left.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.01),
        ncol=4,
        fontsize=14,
        frameon=False,
        handlelength=1.2,
        columnspacing=1.0,
    )
    months = frame["month"].to_numpy()
    for mode_name in MODE_LABELS:
        right.plot(
            months,
            100 * frame[f"{good}.{mode_name}"].to_numpy(),
            color=MODE_COLOURS[mode_name],
            linewidth=4,
            label=mode_name,
        )
    right.plot(
        months,
        100 * frame["trust.mean"].to_numpy(),
        color="#8e44ad",
        linewidth=3,
        linestyle="--",
        label="trust",
    )
    right.set_xlim(0, horizon)
    right.set_ylim(0, 100)
    right.set_xlabel("month", fontsize=16)
    right.set_ylabel(f"% of households needing a {good}", fontsize=16)
    right.tick_params(labelsize=14)
    right.legend(fontsize=15, loc="center right")
    right.grid(alpha=0.3)
    return fig


def sweep_scatter(values: pd.DataFrame, parameter: str, outcome: str) -> Figure:
    """An outcome at the horizon against a swept parameter, with the mean by bin."""
    fig = Figure(figsize=(7.5, 4.5), dpi=80)
    ax = fig.add_subplot()
    x = pd.to_numeric(values[parameter], errors="coerce")
    y = pd.to_numeric(values[outcome], errors="coerce")
    ax.scatter(x, y, s=14, alpha=0.6, color="#2e86c1", label="runs")
    ok = x.notna() & y.notna()
    if ok.sum() >= 4 and x[ok].nunique() > 1:
        bins = min(10, int(x[ok].nunique()))
        binned = pd.DataFrame({"x": x[ok], "y": y[ok], "bin": pd.cut(x[ok], bins)})
        means = binned.groupby("bin", observed=True)[["x", "y"]].mean()
        ax.plot(means["x"], means["y"], color="#c0392b", linewidth=2, label="mean by bin")
    ax.set_xlabel(parameter)
    ax.set_ylabel(f"{outcome} at the horizon")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def indices_bars(table: pd.DataFrame, outcome: str) -> Figure:
    """Sensitivity indices of one outcome (Sobol S1/ST or Morris mu*), one bar group per parameter."""
    part = table[table["outcome"] == outcome]
    fig = Figure(figsize=(7.5, 1.6 + 0.45 * max(1, len(part))), dpi=80)
    ax = fig.add_subplot()
    names = part["parameter"].tolist()
    y = np.arange(len(names))
    if "spearman" in part:
        ax.barh(y, part["spearman"].abs(), color="#7f8c8d", label="|Spearman rank correlation|")
    elif "ST" in part:
        ax.barh(y - 0.2, part["S1"], height=0.4, xerr=part.get("S1_conf"), label="S1 (first order)")
        ax.barh(y + 0.2, part["ST"], height=0.4, xerr=part.get("ST_conf"), label="ST (total)")
    else:
        ax.barh(y, part["mu_star"], xerr=part.get("mu_star_conf"), label="mu* (Morris)")
    ax.set_yticks(y, names, fontsize=8)
    ax.set_title(f"Sensitivity of {outcome}", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
