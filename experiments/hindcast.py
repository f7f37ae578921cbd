"""A hindcast: a scenario started in the past, its outcomes year by year against what was observed.

The hindcast reads a calibration design whose targets are dated series (see
`experiments/calibrate.py`): the scenario to run, its horizon, the calendar year
of month 0 (`start_year`) and, for each target, the observed figures with their
uncertainty and source. It runs the scenario as it is (every calibrated
parameter at the scenario's own value), `replications` times with the design's
seed, through the results store and the executors like any batch (an
interrupted hindcast resumes). For each dated figure it reports the model's
mean over replications of the same statistic a calibration would fit, with a
95 % interval of that mean, and the gap in observed standard deviations.

Figures are shown for the real territory: a share of households times the
territory's households (`model.today.real_households_by_zone`), and per 1 000
households. The same design can then be calibrated (`partage calibrate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibrate import MAIN, Calibration, load_calibration, run_batch
from experiments.errors import UserError
from experiments.intervals import bounded_mean_interval
from experiments.outputs import writable_folder
from experiments.report import markdown_table
from experiments.store import StoreReader
from model.outcomes import outcome_bounds
from model.today import real_households_by_zone

# Okabe-Ito colours: the model in blue, the observed figures in vermillion.
MODEL_COLOUR, OBSERVED_COLOUR = "#0072B2", "#D55E00"


@dataclass
class Hindcast:
    calibration: Calibration
    directory: Path
    table: pd.DataFrame  # one row per dated figure
    monthly: pd.DataFrame  # month, outcome, mean, low, high (shares of households)
    real_households: float

    @property
    def outcomes(self) -> list[str]:
        return sorted({item.target.outcome for item in self.dated_items})

    @property
    def dated_items(self):
        return [item for item in self.calibration.items if item.date is not None]


def run_hindcast(
    design_path: str | Path,
    *,
    out: str | Path,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = True,
) -> Hindcast:
    """Run the design's scenario at its own values; each dated target against the model."""
    calibration = load_calibration(design_path)
    dated = [item for item in calibration.items if item.date is not None]
    if not dated:
        raise UserError(
            f"{calibration.source}: targets: no dated series; allowed: a design with at least one "
            "target given as series = [[date, observed, sd], ...]"
        )
    if any(item.zone for item in dated):
        raise UserError(
            f"{calibration.source}: targets: a hindcast compares territory-wide series; allowed: "
            "dated targets without zones"
        )
    directory = writable_folder(out)
    spec = calibration.spec
    own_values = {path: calibration.scenarios[MAIN].get(path) for path in calibration.paths}
    batch = run_batch(
        calibration,
        directory / "hindcast",
        "hindcast",
        np.zeros((1, len(calibration.paths))),
        replications=spec.replications,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        params=[own_values],
    )
    real = float(real_households_by_zone(calibration.scenarios[MAIN]).sum())
    rows = []
    for i, item in enumerate(calibration.items):
        if item.date is None:
            continue
        values = batch.values[0, :, i]
        mean, low, high, _ = bounded_mean_interval(
            values[np.isfinite(values)], outcome_bounds(item.target.outcome)
        )
        rows.append(
            {
                "target": item.target.name,
                "outcome": item.target.outcome,
                "date": item.date,
                "months": f"{item.window[0]}-{item.window[1]}",
                "observed": item.observed,
                "sd": item.sd,
                "model": mean,
                "model_low": low,
                "model_high": high,
                "z": (mean - item.observed) / item.sd,
            }
        )
    table = pd.DataFrame(rows)
    return Hindcast(calibration, directory, table, monthly_bands(calibration, directory), real)


def monthly_bands(calibration: Calibration, directory: Path) -> pd.DataFrame:
    """Each dated outcome's monthly mean over replications, with a 95 % interval of the mean."""
    outcomes = sorted({item.target.outcome for item in calibration.items if item.date is not None})
    with StoreReader(directory / "hindcast") as reader:
        wide = reader.series_wide(outcomes)
    main = wide[wide["scenario"] == MAIN]
    rows = []
    for outcome in outcomes:
        for month, part in main.groupby("month"):
            mean, low, high, _ = bounded_mean_interval(
                part[outcome].to_numpy(), outcome_bounds(outcome)
            )
            rows.append(
                {"outcome": outcome, "month": int(month), "mean": mean, "low": low, "high": high}
            )
    return pd.DataFrame(rows)


def real_table(hindcast: Hindcast) -> pd.DataFrame:
    """The table for people: each dated figure in households of the real territory and per 1 000
    households, observed against the model."""
    t = hindcast.table
    per_1000 = 1000.0
    real = hindcast.real_households
    unit = "year" if hindcast.calibration.spec.start_year is not None else "month"
    return pd.DataFrame(
        {
            unit: t["date"].astype(str),
            "observed (households)": (t["observed"] * real).round(),
            "± sd": (t["sd"] * real).round(),
            "model (households)": (t["model"] * real).round(),
            "model 95 % low": (t["model_low"] * real).round(),
            "model 95 % high": (t["model_high"] * real).round(),
            "observed per 1 000": t["observed"] * per_1000,
            "model per 1 000": t["model"] * per_1000,
            "z": t["z"],
        }
    )


def plot_hindcast(hindcast: Hindcast, path: Path) -> Path:
    """The model's monthly series with its band against the observed figures with ± 2 sd, in
    households of the real territory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec = hindcast.calibration.spec
    real = hindcast.real_households
    outcomes = hindcast.outcomes
    fig, axes = plt.subplots(len(outcomes), 1, figsize=(8, 4 * len(outcomes)), squeeze=False)
    for ax, outcome in zip(axes[:, 0], outcomes, strict=True):
        band = hindcast.monthly[hindcast.monthly["outcome"] == outcome]
        x = band["month"].to_numpy() / 12 + (spec.start_year or 0)
        ax.fill_between(
            x,
            band["low"] * real,
            band["high"] * real,
            color=MODEL_COLOUR,
            alpha=0.25,
            lw=0,
            label="model, 95 % interval of the mean",
        )
        ax.plot(x, band["mean"] * real, color=MODEL_COLOUR, lw=2, label="model, mean")
        rows = hindcast.table[hindcast.table["outcome"] == outcome]
        for _, row in rows.iterrows():
            first, last = (int(m) for m in row["months"].split("-"))
            centre = (first + last) / 2 / 12 + (spec.start_year or 0)
            ax.errorbar(
                centre,
                row["observed"] * real,
                yerr=2 * row["sd"] * real,
                fmt="s",
                color=OBSERVED_COLOUR,
                ms=6,
                capsize=4,
                label="observed ± 2 sd" if _ == rows.index[0] else None,
            )
        ax.set_xlabel("year" if spec.start_year else "month")
        ax.set_ylabel(f"households ({outcome} x {real:,.0f} households)")
        ax.set_title(f"{hindcast.calibration.name}: {outcome}")
        ax.legend(fontsize=8, loc="upper left")
        ax.set_ylim(bottom=0)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_hindcast_page(hindcast: Hindcast, page: Path, figure: Path, command: str) -> list[Path]:
    """The docs page: what was run, the table, the figure; every number from the run."""
    spec = hindcast.calibration.spec
    scenario = hindcast.calibration.scenarios[MAIN]
    page = Path(page)
    page.parent.mkdir(parents=True, exist_ok=True)
    figure.parent.mkdir(parents=True, exist_ok=True)
    plot_hindcast(hindcast, figure)
    table = real_table(hindcast)
    table.to_csv(hindcast.directory / "hindcast.csv", index=False)
    worst = hindcast.table.loc[hindcast.table["z"].abs().idxmax()]
    relative = Path(_relative(figure, page.parent))
    lines = [
        f"# Hindcast: {scenario.name}",
        "",
        "Written by the command below; do not edit by hand, run it again.",
        "",
        "```sh",
        command,
        "```",
        "",
        f"{' '.join(scenario.description.split())}",
        "",
        *([" ".join(spec.description.split()), ""] if spec.description else []),
        f"Run: {spec.replications} replications of {spec.households or scenario.households:,} "
        f"households (a sample of the territory's {hindcast.real_households:,.0f}), "
        f"{spec.months} months from {spec.start_year or 'month 0'}, seed {spec.seed}, every "
        "parameter at the scenario's own value. Figures are households of the real territory "
        "(the model's share of households times the territory's households) and per 1 000 "
        "households; a year is the mean of its months; the model's interval is the 95 % interval "
        "of its mean over replications; z = (model - observed) / sd.",
        "",
        markdown_table(table),
        "",
        f"![Hindcast]({relative.as_posix()})",
        "",
        f"Largest gap: {worst['date']}, model {worst['model'] * 1000:.2f} per 1 000 households "
        f"against {worst['observed'] * 1000:.2f} observed ({worst['z']:+.1f} sd).",
        "",
        "## Observed figures and their sources",
        "",
    ]
    for target in spec.targets:
        if target.series is not None:
            lines.append(
                f"- `{target.name}` (`{target.outcome}`): {' '.join(target.source.split())}"
            )
    lines.append("")
    page.write_text("\n".join(lines), encoding="utf-8")
    return [page, figure, hindcast.directory / "hindcast.csv"]


def _relative(path: Path, start: Path) -> str:
    import os

    return os.path.relpath(Path(path).resolve(), Path(start).resolve())
