"""`partage run`: one simulation, its monthly series on disk, and a short summary.

Writes into the output folder (default `results/<scenario name>/`):
- `series.parquet` and `series.csv`: one row per month (0 = initial state),
  columns `month`, `{good}.own|rent|share|forgo|lenders|aware|stock` and the
  other outcomes of `model.reporters`;
- `zones.parquet`: outcomes by zone, a long table (month, zone, outcome, value;
  see `model.zone_results`);
- `manifest.json`: the resolved scenario, the seed, package versions and git commit.

On a territory from data the households simulated are a sample: the series'
plain columns are the sample's, and `real.<outcome>` columns scale every count
of households, goods, uses, euros and tonnes to the real territory.

`partage plot-adoption DIR...` draws adoption over time for one or more runs.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from model.households import MODE_NAMES
from model.model import TerritoryModel
from model.scenario import ScenarioError, load_scenario, parse_assignment
from model.zone_results import zone_frame

from .manifest import git_commit, package_versions

RESULTS = Path("results")


def register(subparsers) -> None:
    run = subparsers.add_parser("run", help="run one scenario and write its monthly series")
    run.add_argument("scenario", help="scenario file (TOML)")
    run.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    run.add_argument("--households", type=int, help="number of households (default: the scenario's)")
    run.add_argument("--months", type=int, help="horizon in months (default: the scenario's)")
    run.add_argument(
        "--set", dest="assignments", action="append", default=[], metavar="PATH=VALUE",
        help="override a scenario value by its dotted path, e.g. goods.car.purchase_eur=20000",
    )
    run.add_argument("--out", type=Path, help="output folder (default: results/<scenario name>)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(handler=run_command)

    plot = subparsers.add_parser("plot-adoption", help="plot adoption over time of finished runs")
    plot.add_argument("runs", nargs="+", type=Path, help="output folders of `partage run`")
    plot.add_argument("--out", type=Path, default=RESULTS / "adoption.png", help="PNG file to write")
    plot.set_defaults(handler=plot_command)


def overrides_from(args) -> dict:
    overrides = dict(parse_assignment(text) for text in args.assignments)
    for key in ("seed", "households", "months"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    return overrides


def run_scenario_to(scenario_path: str, overrides: dict, out: Path | None, progress: bool = True):
    """Run a scenario file with overrides; write series and manifest; return (series, out folder)."""
    scenario = load_scenario(scenario_path, overrides)
    out = out or RESULTS / scenario.name
    started = time.perf_counter()
    model = TerritoryModel(scenario)
    with tqdm(total=scenario.months, desc=scenario.name, unit="month", disable=not progress,
              file=sys.stderr, mininterval=0.5) as bar:
        model.run(progress=lambda month: bar.update(1))
    elapsed = time.perf_counter() - started
    series = model.series_frame()
    out.mkdir(parents=True, exist_ok=True)
    series.to_parquet(out / "series.parquet", index=False)
    series.to_csv(out / "series.csv", index=False)
    zone_frame(model).to_parquet(out / "zones.parquet", index=False)
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
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return series, out


def summary_table(series: pd.DataFrame, goods: list[str]) -> str:
    """Mode shares per good at the start and at the horizon, and headline outcomes."""
    first, last = series.iloc[0], series.iloc[-1]
    lines = [f"{'good':<12}" + "".join(f"{m:>16}" for m in [*MODE_NAMES, "lenders"])]
    for good in goods:
        cells = "".join(
            f"{first[f'{good}.{m}']:>7.1%} → {last[f'{good}.{m}']:>6.1%}" for m in [*MODE_NAMES, "lenders"]
        )
        lines.append(f"{good:<12}{cells}")
    lines += [
        "",
        f"month {int(last['month'])}: {int(last['sharing_households'])} households share at least one good "
        f"({last['sharing_households.share']:.1%}); mean trust {first['trust.mean']:.2f} → {last['trust.mean']:.2f}",
        f"goods owned {int(first['goods.stock_total'])} → {int(last['goods.stock_total'])}; "
        f"embodied emissions of the goods in use {last['emissions.cumulative_t']:.0f} t CO2e; "
        f"household spending {first['spending.mean_eur']:.0f} → {last['spending.mean_eur']:.0f} EUR/month; "
        f"public spend {last['public.cumulative_spend_eur']:,.0f} EUR",
    ]
    if "real.households" in series.columns:
        lines += [
            "the figures above are the simulated sample's; "
            f"scaled to the real territory ({last['real.households']:,.0f} households): "
            f"{last['real.sharing_households']:,.0f} households share at least one good, goods owned "
            f"{last['real.goods.stock_total']:,.0f}, embodied emissions of the goods in use "
            f"{last['real.emissions.cumulative_t']:,.0f} t CO2e, public spend {last['real.public.cumulative_spend_eur']:,.0f} EUR "
            "(columns real.* of the series)",
        ]
    return "\n".join(lines)


def run_command(args) -> int:
    series, out = run_scenario_to(args.scenario, overrides_from(args), args.out, progress=not args.quiet)
    goods = [c.removesuffix(".own") for c in series.columns if c.endswith(".own")]
    print(summary_table(series, goods))
    print(f"series, outcomes by zone (zones.parquet) and manifest written to {out}/")
    return 0


def plot_command(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = []
    for folder in args.runs:
        path = folder / "series.parquet"
        if not path.is_file():
            raise ScenarioError(f"{folder}: no series.parquet; run `partage run SCENARIO --out {folder}` first")
        runs.append((folder.name, pd.read_parquet(path)))
    goods = [c.removesuffix(".own") for c in runs[0][1].columns if c.endswith(".own")]
    fig, axes = plt.subplots(2, len(goods), figsize=(4.5 * len(goods), 7), sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": [3, 2]})
    colours = {"own": "#8c6d31", "rent": "#6b6ecf", "share": "#2ca02c", "forgo": "#999999",
               "lenders": "#d62728"}
    styles = ["-", "--", ":", "-."]
    for column, good in enumerate(goods):
        top, bottom = axes[0][column], axes[1][column]
        for (name, series), style in zip(runs, styles, strict=False):
            for mode in ("own", "rent", "share", "forgo"):
                top.plot(series["month"], series[f"{good}.{mode}"], style, color=colours[mode],
                         label=f"{mode} ({name})")
            for mode in ("share", "lenders"):
                bottom.plot(series["month"], series[f"{good}.{mode}"], style, color=colours[mode],
                            label=f"{mode} ({name})")
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
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"adoption plot written to {args.out}")
    return 0
