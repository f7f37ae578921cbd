"""Maps of a territory from data: zones coloured by a figure or an outcome, drawn on their polygons.

Rules:
- Zones are drawn in the territory's equal-area projection (no distortion of
  areas), with no map tiles (the machines are offline).
- A level (a share, a count, euros) uses the sequential, colour-blind-safe
  `cividis` palette; a difference from the baseline uses the diverging `PuOr`
  palette centred on zero with symmetric limits, and zones whose 95 % interval
  contains zero are hatched (the difference is not settled there).
- The legend names the outcome and its unit; shares are shown in percent.
- A zone's name is written at a point inside it when it fits inside the zone's
  drawn extent; names that do not fit are left out rather than overlapping.
- `run_map` reads a `partage run` folder (its `zones.parquet` and manifest) or
  a `partage compare` folder (its store's outcomes by zone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.errors import UserError
from experiments.outputs import guarded, image_file, read_manifest_file, read_parquet_file
from model.geodata import RealTerritory
from model.scenario import TerritoryFromData, validate_raw
from model.zone_results import unit_of


@dataclass(frozen=True)
class MapWords:
    """How a map's texts are written: the words for an outcome and a translation of the fixed
    texts (the app and the report give the reader's language; English by default)."""

    outcome: Callable[[str], str] | None = None
    text: Callable[[str], str] = str
    number: Callable[[float], str] = "{:,.0f}".format

    def of(self, outcome: str) -> str:
        return self.outcome(outcome) if self.outcome else outcome_label(outcome)

    def scenario(self, name: str) -> str:
        return self.text(name.replace("_", " "))


def draw_zones(
    territory: RealTerritory,
    values: np.ndarray,
    path: Path,
    *,
    title: str,
    label: str,
    diverging: bool = False,
    percent: bool = False,
    unsettled: np.ndarray | None = None,
    words: MapWords = MapWords(),
) -> Path:
    """A choropleth of (Z,) values on the territory's polygons, written as a PNG (its title
    also kept in the PNG's `Title` text)."""
    path = image_file(path)
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.colors import Normalize, TwoSlopeNorm
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    shapes = territory.projected.reset_index(drop=True)
    shown = np.asarray(values, dtype=float) * (100 if percent else 1)
    finite = shown[np.isfinite(shown)]
    if diverging:
        bound = float(np.abs(finite).max()) if finite.size and np.abs(finite).max() > 0 else 1.0
        norm, cmap = TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound), "PuOr"
    else:
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        norm, cmap = Normalize(vmin=low, vmax=high if high > low else low + 1), "cividis"
    figure = Figure(figsize=(9, 8.5))
    ax = figure.add_subplot()
    frame = pd.DataFrame({"value": shown})
    import geopandas as gpd

    zones = gpd.GeoDataFrame(frame, geometry=shapes.values, crs=territory.metric_crs)
    zones.plot(
        column="value",
        ax=ax,
        cmap=cmap,
        norm=norm,
        edgecolor="#8a8a8a",
        linewidth=0.5,
        missing_kwds={"color": "#dddddd", "label": words.text("no household sampled")},
    )
    if unsettled is not None and unsettled.any():
        zones[unsettled].plot(
            ax=ax, facecolor="none", edgecolor="#555555", hatch="///", linewidth=0.0
        )
        ax.legend(
            handles=[
                Patch(
                    facecolor="white",
                    edgecolor="#555555",
                    hatch="///",
                    label=words.text("95 % interval contains 0"),
                )
            ],
            loc="lower left",
            fontsize=8,
        )
    mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
    bar = figure.colorbar(mappable, ax=ax, shrink=0.7)
    bar.set_label(label)
    ax.set_title(title, fontsize=11)
    ax.set_axis_off()
    ax.set_aspect("equal")
    _label_zones(figure, ax, zones, territory.names)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(guarded(path), dpi=120, bbox_inches="tight", metadata={"Title": title})
    return path


def _label_zones(figure, ax, zones, names: list[str]) -> None:
    """Write each zone's name inside it where the text fits within the zone's extent."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    to_display = ax.transData
    kept = []
    for geometry, name in zip(zones.geometry, names, strict=True):
        point = geometry.representative_point()
        text = ax.text(
            point.x,
            point.y,
            name,
            fontsize=6.5,
            ha="center",
            va="center",
            color="black",
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "alpha": 0.6, "linewidth": 0},
        )
        west, south, east, north = geometry.bounds
        (x0, y0), (x1, y1) = to_display.transform([(west, south), (east, north)])
        extent = text.get_window_extent(renderer)
        too_big = extent.width > (x1 - x0) * 1.05 or extent.height > (y1 - y0)
        if too_big or any(extent.overlaps(other) for other in kept):
            text.remove()
        else:
            kept.append(extent)


def outcome_label(outcome: str) -> str:
    """A reader's name for an outcome by zone, with its unit."""
    name = outcome.removeprefix("real.")
    good, _, rest = name.partition(".")
    modes = {
        "own": "own one",
        "rent": "rent one",
        "share": "share one",
        "forgo": "go without",
        "lenders": "lend theirs",
    }
    if rest == "without.share":
        return f"households without a {good} (% of the zone's households)"
    if rest in modes:
        return f"households needing a {good} who {modes[rest]} (%)"
    return f"{outcome} ({unit_of(outcome)})" + (
        ", real territory" if outcome.startswith("real.") else ""
    )


def _territory_of(scenario, where: Path) -> RealTerritory:
    if not isinstance(scenario.territory, TerritoryFromData):
        raise UserError(
            f"{where}: the territory is an abstract grid; maps need a territory from data (polygons)"
        )
    return scenario.territory.resolved()


def run_map(
    directory: str | Path,
    outcome: str,
    month: int | None,
    out: Path | None = None,
    scenario_name: str | None = None,
    words: MapWords = MapWords(),
) -> Path:
    """Draw one outcome by zone of a run or a comparison folder; returns the PNG written.
    Titles and legends are written with `words` (outcomes in words, never column names)."""
    directory = Path(directory)
    if (directory / "zones.parquet").is_file():
        return _map_run(directory, outcome, month, out, words)
    if (directory / "experiment.duckdb").is_file():
        return _map_comparison(directory, outcome, month, out, scenario_name, words)
    raise UserError(
        f"{directory}: neither a run folder (zones.parquet) nor a comparison folder (experiment.duckdb)"
    )


def _check(frame: pd.DataFrame, outcome: str, month: int | None, where: Path) -> int:
    outcomes = sorted(frame["outcome"].unique())
    if outcome not in outcomes:
        raise UserError(
            f"{where}: --outcome {outcome}: no such outcome by zone; allowed: {', '.join(outcomes)}"
        )
    months = frame["month"].unique()
    last = int(months.max())
    if month is None:
        return last
    if month not in set(months.tolist()):
        raise UserError(f"{where}: --month {month}: not simulated; allowed: 0 to {last}")
    return month


def _map_run(
    directory: Path, outcome: str, month: int | None, out: Path | None, words: MapWords
) -> Path:
    manifest = read_manifest_file(directory / "manifest.json")
    where = directory / "manifest.json"
    territory = _territory_of(validate_raw(manifest["scenario"], str(where)), where)
    frame = read_parquet_file(directory / "zones.parquet")
    month = _check(frame, outcome, month, directory / "zones.parquet")
    part = frame[(frame["outcome"] == outcome) & (frame["month"] == month)].set_index("zone")[
        "value"
    ]
    values = part.reindex(territory.keys).to_numpy()
    unit = unit_of(outcome)
    percent = unit == "share of households"
    name = manifest["scenario"].get("name", directory.name)
    return draw_zones(
        territory,
        values,
        out or directory / f"map-{outcome}-month{month}.png",
        title=words.text(
            "{name}: {outcome} at month {month} ({households} households simulated, seed {seed})"
        ).format(
            name=words.scenario(name),
            outcome=words.of(outcome),
            month=month,
            households=words.number(manifest.get("households", 0)),
            seed=manifest.get("seed"),
        ),
        label=words.of(outcome) + (words.text(" (%)") if percent else ""),
        percent=percent,
        words=words,
    )


def _map_comparison(
    directory: Path,
    outcome: str,
    month: int | None,
    out: Path | None,
    scenario_name: str | None,
    words: MapWords,
) -> Path:
    from experiments.compare import zone_comparison
    from experiments.store import StoreReader
    from model.scenario import load_scenario

    with StoreReader(directory) as reader:
        if reader.kind != "compare":
            raise UserError(f"{reader.path}: holds a {reader.kind}, not a comparison")
        baseline, scenarios = reader.design["baseline"], reader.design["scenarios"]
        everything = reader.zone_values(month)
        if everything.empty:
            raise UserError(
                f"{reader.path}: no outcome by zone{'' if month is None else f' at month {month}'}; allowed months: those simulated"
            )
        month = _check(everything, outcome, month, reader.path)
        values = everything[everything["outcome"] == outcome]
        files = reader.design["files"]
    chosen = scenario_name or scenarios[0]
    if chosen not in scenarios:
        raise UserError(
            f"{directory}: --scenario {chosen}: not compared here; allowed: {', '.join(scenarios)}"
        )
    territory = _territory_of(load_scenario(files[0]), Path(files[0]))
    table = zone_comparison(values, baseline, [chosen])
    rows = table[table["scenario"] == chosen].set_index("zone").reindex(territory.keys)
    unit = unit_of(outcome)
    percent = unit == "share of households"
    unsettled = ((rows["diff_low"] <= 0) & (rows["diff_high"] >= 0)).to_numpy()
    pairs = int(rows["pairs"].max()) if rows["pairs"].notna().any() else 0
    return draw_zones(
        territory,
        rows["diff"].to_numpy(),
        out or directory / f"map-{outcome}-month{month}-{chosen}.png",
        title=words.text(
            "{scenario} minus {baseline}: {outcome} at month {month} (mean of {pairs} paired "
            "replications)"
        ).format(
            scenario=words.scenario(chosen),
            baseline=words.scenario(baseline),
            outcome=words.of(outcome),
            month=month,
            pairs=pairs,
        ),
        label=words.text("difference: {outcome}").format(outcome=words.of(outcome))
        + (words.text(" (percentage points)") if percent else ""),
        words=words,
        diverging=True,
        percent=percent,
        unsettled=unsettled,
    )


def territory_map(territory: RealTerritory, path: Path, field: str = "car_free_share") -> Path:
    """The zones of a territory coloured by one column of its zones table (`partage territory show`)."""
    table = territory.table()
    if field not in table.columns or field in ("key", "name", "kind"):
        allowed = [c for c in table.columns if c not in ("key", "name", "kind")]
        raise UserError(
            f"--colour {field}: not a column of the zones table; allowed: {', '.join(allowed)}"
        )
    percent = field.endswith("share")
    return draw_zones(
        territory,
        table[field].to_numpy(),
        path,
        title=f"{len(table)} zones: {field} (figures as given or filled in)",
        label=field.replace("_", " ") + (" (%)" if percent else ""),
        percent=percent,
    )
