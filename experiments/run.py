"""One simulation of a scenario file, its monthly series on disk, and the adoption plot of finished runs.

`run_scenario_to` writes into the output folder (default `results/<scenario name>/`):
- `series.parquet` and `series.csv`: one row per month (0 = initial state),
  columns `month`, `{good}.own|rent|share|forgo|lenders|aware|stock` and the
  other outcomes of `model.reporters`;
- `zones.parquet`: outcomes by zone, a long table (month, zone, outcome, value;
  see `model.zone_results`);
- `manifest.json`: the resolved scenario, the seed, package versions and git commit.

On a territory from data the households simulated are a sample: the series'
plain columns are the sample's, and `real.<outcome>` columns scale every count
of households, goods, uses, euros and tonnes to the real territory.

`plot_adoption` draws adoption over time for one or more such folders
(`partage run` and `partage plot-adoption` in `cli/`).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from experiments.manifest import git_commit, package_versions
from experiments.outputs import (
    RESULTS_DIR,
    default_folder,
    guarded,
    image_file,
    read_parquet_file,
    writable_folder,
)
from model.model import TerritoryModel
from model.scenario import ScenarioError, load_scenario
from model.zone_results import zone_frame

RESULTS = RESULTS_DIR
RUN_FILES = ("series.parquet", "series.csv", "zones.parquet", "manifest.json")


def run_scenario_to(
    scenario_path: str,
    overrides: dict,
    out: Path | None,
    progress: bool = True,
    given_as: dict[str, str] | None = None,
):
    """Run a scenario file with overrides; write series and manifest; return (series, out folder).

    The output folder is checked before the simulation starts (`experiments.outputs`);
    `given_as` names the options that gave overrides, for error messages."""
    scenario = load_scenario(scenario_path, overrides, given_as)
    if out is None:
        out = writable_folder(default_folder(scenario.name), "output folder")
    else:
        out = writable_folder(out)
    files = {name: guarded(out / name) for name in RUN_FILES}
    started = time.perf_counter()
    model = TerritoryModel(scenario)
    with tqdm(
        total=scenario.months,
        desc=scenario.name,
        unit="month",
        disable=not progress,
        file=sys.stderr,
        mininterval=0.5,
    ) as bar:
        model.run(progress=lambda month: bar.update(1))
    elapsed = time.perf_counter() - started
    series = model.series_frame()
    series.to_parquet(files["series.parquet"], index=False)
    series.to_csv(files["series.csv"], index=False)
    zone_frame(model).to_parquet(files["zones.parquet"], index=False)
    manifest = {
        "scenario_file": str(scenario_path),
        "overrides": overrides,
        "seed": scenario.seed,
        "households": scenario.households,
        "months": scenario.months,
        "elapsed_s": round(elapsed, 3),
        "scenario": scenario.model_dump(mode="json"),
        "packages": package_versions(),
        "git": git_commit(),
    }
    files["manifest.json"].write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return series, out


def read_runs(folders: list[Path]) -> list[tuple[str, pd.DataFrame]]:
    """The series of finished runs, named by their folder; a folder without one is a one-line error."""
    runs = []
    for folder in folders:
        path = folder / "series.parquet"
        if not path.is_file():
            raise ScenarioError(
                f"{folder}: no series.parquet; run `partage run SCENARIO --out {folder}` first"
            )
        runs.append((folder.name, read_parquet_file(path)))
    return runs


def plot_adoption(runs: list[tuple[str, pd.DataFrame]], out: Path) -> Path:
    """Mode shares per good over time (top) and sharing and lending zoomed (bottom), one line style per run."""
    import matplotlib

    out = image_file(out)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    goods = [c.removesuffix(".own") for c in runs[0][1].columns if c.endswith(".own")]
    fig, axes = plt.subplots(
        2,
        len(goods),
        figsize=(4.5 * len(goods), 7),
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": [3, 2]},
    )
    colours = {
        "own": "#8c6d31",
        "rent": "#6b6ecf",
        "share": "#2ca02c",
        "forgo": "#999999",
        "lenders": "#d62728",
    }
    styles = ["-", "--", ":", "-."]
    for column, good in enumerate(goods):
        top, bottom = axes[0][column], axes[1][column]
        for (name, series), style in zip(runs, styles, strict=False):
            for mode in ("own", "rent", "share", "forgo"):
                top.plot(
                    series["month"],
                    series[f"{good}.{mode}"],
                    style,
                    color=colours[mode],
                    label=f"{mode} ({name})",
                )
            for mode in ("share", "lenders"):
                bottom.plot(
                    series["month"],
                    series[f"{good}.{mode}"],
                    style,
                    color=colours[mode],
                    label=f"{mode} ({name})",
                )
        top.set_title(good)
        bottom.set_xlabel("month")
        for ax in (top, bottom):
            ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("share of households needing the good")
    axes[1][0].set_ylabel("sharing and lending, zoomed")
    axes[0][-1].legend(fontsize=7, loc="center right")
    axes[1][-1].legend(fontsize=7, loc="upper left")
    fig.suptitle("Adoption over time: " + " vs ".join(name for name, _ in runs))
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(guarded(out), dpi=110)
    return out
