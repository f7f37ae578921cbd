"""What a calibration writes: the fitted scenario, the report with its figures, and the tables.

Files, in the calibration's output folder:
- `<scenario>_calibrated.toml` (or the path given): extends the original
  scenario, sets each calibrated parameter to its posterior median, and says
  in comments how (method, date, targets with their sources, intervals);
- `report.md`: parameters (prior, not-ruled-out range, posterior 95 %
  interval, fitted value), the fit per target before and after with 95 %
  intervals, the range each target reached over the prior, the correlations;
- `posterior.png` (marginals), `fit.png` (targets before and after, with
  intervals, against the observed figure and two standard deviations),
  `correlation.png` (posterior correlations, diverging RdBu scale);
- `parameters.csv`, `fit.csv`, `reach.csv`, `posterior.parquet`.
"""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.outputs import guarded
from experiments.posterior import CHECK_EVERY, RELIABLE_TAUS, STABLE_TAU
from experiments.report import format_number, markdown_table
from experiments.territory_import import EQUILIBRIUM_HOUSEHOLDS, write_equilibrium

# Okabe-Ito colours, told apart with every common colour-vision deficiency.
ORIGINAL_COLOUR, FITTED_COLOUR, OBSERVED_COLOUR = "#E69F00", "#0072B2", "#000000"


def relative_extends(original: Path, fitted: Path) -> str:
    """The `extends` path of the fitted scenario: the original, relative to the fitted file's folder."""
    return Path(os.path.relpath(original.resolve(), fitted.resolve().parent)).as_posix()


def utc_today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.6g}"


def write_fitted_scenario(
    result, path: Path, equilibrium_households: int = EQUILIBRIUM_HOUSEHOLDS
) -> Path:
    """The fitted scenario: the original extended with the posterior medians, and the calibration
    in comments. Where the original holds its observed start with equilibrium constants, the
    fitted scenario gets its own, solved for the fitted behaviour as `partage territory import`
    solves them (`write_equilibrium`, on `equilibrium_households` households): constants solved
    for other weights would not hold the start, and the fitted scenario would drift without policy."""
    from model.scenario import load_scenario

    calibration = result.calibration
    spec = calibration.spec
    original_file = (calibration.source.parent / spec.scenario).resolve()
    original = result.main_scenario
    path = guarded(Path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    intervals = result.intervals().set_index("parameter")
    lines = [
        f"# {original.name}, calibrated: written by `partage calibrate {calibration.source.name}` on {utc_today()}.",
        "# Method: Gaussian-process history matching in waves, then the posterior sampled by MCMC on the emulators",
        f"# ({spec.method.waves} waves of {spec.method.points_per_wave} points, {spec.replications} replications"
        f" of {spec.households or original.households} households over {spec.months} months; docs/calibration.md).",
        f"# Posterior: {result.verdict()}.",
        "# Each value is the posterior median; the comment gives its 95 % interval and the prior range.",
        "# Targets (observed ± one standard deviation):",
    ]
    for target in spec.targets:
        lines.append(f"# - {target_summary(target)}.")
        lines.append(f"#   Source: {' '.join(target.source.split())}")
    if original.constants:
        lines += [
            "# The equilibrium constants at the end are solved for the fitted behaviour (on the households",
            f"# of seed {original.seed}, as `partage territory import` solves them), not taken from",
            f"# {original_file.name} (solved for its own behaviour): without policy this scenario holds",
            "# the observed start (docs/calibration.md). After a change of the model, re-solve them with",
            f"# `partage territory equilibrium {path.name}`.",
        ]
    lines += [
        f'extends = "{relative_extends(original_file, path)}"',
        f'name = "{original.name}_calibrated"',
        f'description = """{original.description.strip()} Behaviour calibrated to observed figures '
        f'(see the comments at the top of this file)."""'.replace("\\", "\\\\"),
        "",
    ]
    by_table: dict[str, list[str]] = {}
    for parameter in calibration.paths:
        table, _, key = parameter.rpartition(".")
        row = intervals.loc[parameter]
        by_table.setdefault(table, []).append(
            f"{key} = {_toml_value(result.fitted[parameter])}   # 95 % interval "
            f"{format_number(row['low_95'])} to {format_number(row['high_95'])}; prior "
            f"{format_number(row['prior_min'])} to {format_number(row['prior_max'])}; was {format_number(row['original'])}"
        )
    for table, entries in by_table.items():
        lines += [f"[{table}]", *entries, ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    load_scenario(path)  # the file must load: a one-line error otherwise
    if original.constants:
        write_equilibrium(path, equilibrium_households)
    return path


def target_summary(target) -> str:
    """A target in words: statistic, outcome, where, and its figure or dated series."""
    where = (
        "each zone"
        if target.zones == "each"
        else (", ".join(target.zones) if target.zones else "territory")
    )
    head = f"{target.name}: {target.statistic} of {target.outcome} ({where})"
    if target.series is not None:
        dated = ", ".join(f"{int(d)}: {v:g} ± {sd:g}" for d, v, sd in target.series)
        figures = f"by {target.dates}, {dated}"
    else:
        figures = (
            f"months {target.window[0]}-{target.window[1]}: {target.observed:g} ± {target.sd:g}"
        )
    discrepancy = f", model discrepancy ± {target.discrepancy:g}" if target.discrepancy else ""
    return f"{head}, {figures}{discrepancy}"


def write_calibration_report(result) -> list[Path]:
    directory = result.directory
    intervals = result.intervals()
    written = []
    for name, frame in (("parameters", intervals), ("fit", result.fit), ("reach", result.reach)):
        frame.to_csv(guarded(directory / f"{name}.csv"), index=False)
        written.append(directory / f"{name}.csv")
    result.posterior.to_parquet(guarded(directory / "posterior.parquet"), index=False)
    written.append(directory / "posterior.parquet")
    written += [
        plot_posterior(result, directory / "posterior.png"),
        plot_fit(result, directory / "fit.png"),
        plot_correlation(result, directory / "correlation.png"),
    ]
    written += drift_maps(result)
    report = guarded(directory / "report.md")
    report.write_text(markdown_report(result), encoding="utf-8")
    written.append(report)
    return written


def markdown_report(result) -> str:
    calibration = result.calibration
    spec = calibration.spec
    method = spec.method
    households = spec.households or result.main_scenario.households
    intervals = result.intervals()
    chain = result.chain
    lines = [
        f"# Calibration `{calibration.name}`",
        "",
        f"**Posterior {result.verdict()}.**",
        "",
        f"Scenario `{spec.scenario}`; arms: {', '.join(f'`{n}` ({f})' for n, f in spec.arms.items()) or 'none'}. "
        f"Gaussian-process history matching: {method.waves} waves of {method.points_per_wave} points, "
        f"{spec.replications} replications each (common random numbers), {households:,} households, "
        f"{spec.months} months, design seed {spec.seed}; implausibility cut-off {method.cutoff:g}. "
        f"Elapsed {result.elapsed_s / 60:.1f} min. Method and its limits: `docs/calibration.md`.",
        "",
        "Not ruled out after each wave: the share of a Sobol sample of the prior box within the cut-off "
        "of every target under that wave's emulators (fitted to every point simulated so far; the "
        "regions are not intersected, so a share can grow when new points widen the emulators' view).",
        "",
        "| after wave | share of the prior box not ruled out |",
        "|---:|---:|",
        *[f"| {w} | {share:.1%} |" for w, share in enumerate(result.kept_shares, start=1)],
        "",
        f"Posterior: MCMC on the emulators (emcee), {chain.walkers} walkers x {chain.steps} steps, "
        f"burn-in {chain.burn_in} steps, acceptance {chain.acceptance:.0%}; integrated "
        f"autocorrelation time {float(chain.autocorrelation_steps.max()):.1f} steps (slowest "
        f"parameter); **{result.effective_samples:.0f} effective samples** (required: "
        f"{method.min_effective_samples}); {len(result.posterior):,} draws kept after thinning. "
        f"The chain ran {method.steps} steps, then on, checked every {CHECK_EVERY} steps, until "
        "it was at least "
        f"{RELIABLE_TAUS} autocorrelation times long with times that moved less than "
        f"{STABLE_TAU:.0%} since the previous check (emcee's convergence advice), and held the "
        f"required effective samples, or until {method.max_steps} steps; the times moved "
        f"{chain.tau_change:.1%} at its last check.",
        "",
        "## Parameters",
        "",
        markdown_table(
            intervals.drop(
                columns=["unit", "verdict", *intervals.filter(like="not_ruled_out_wave_").columns]
            )
        ),
        "",
        "![Posterior marginals](posterior.png)",
        "",
        "## Fit per target",
        "",
        f"The original and the fitted scenario, {method.check_replications} replications each: mean and 95 % "
        "interval of the mean; z = (mean - observed) / sd.",
        "",
        markdown_table(
            result.fit[
                [
                    "target",
                    "observed",
                    "sd",
                    "original",
                    "original_low",
                    "original_high",
                    "original_z",
                    "fitted",
                    "fitted_low",
                    "fitted_high",
                    "fitted_z",
                ]
            ]
        ),
        "",
        "![Fit per target](fit.png)",
        "",
        *[f"![{p.stem}]({p.name})" for p in sorted(result.directory.glob("map_*.png"))],
        "",
        "## Can the model reach each target?",
        "",
        "The range of the target's mean over every point simulated in the prior box, and whether it comes "
        "within two standard deviations of the observed figure.",
        "",
        markdown_table(result.reach),
        "",
    ]
    unreached = result.reach[~result.reach["reached"]]
    if len(unreached):
        lines += [
            "**Not reached by any point:** "
            + ", ".join(f"`{t}`" for t in unreached["target"])
            + ". The rules, not only the parameters, keep the model from these figures.",
            "",
        ]
    if result.comparison is not None:
        overlap = result.comparison["overlap"]
        lines += [
            "## Another design seed",
            "",
            f"The 95 % intervals of this calibration (design seed {spec.seed}) beside those of "
            f"another calibration of the same design: {int(overlap.sum())} of {len(overlap)} "
            "parameters overlap.",
            "",
            markdown_table(result.comparison),
            "",
        ]
    correlation = result.posterior.corr()
    lines += [
        "## Correlation between parameters (posterior)",
        "",
        markdown_table(correlation.reset_index(names="parameter")),
        "",
        "![Correlation](correlation.png)",
        "",
        "## Targets and their sources",
        "",
    ]
    for target in spec.targets:
        lines.append(f"- `{target_summary(target)}`: {' '.join(target.source.split())}")
    lines.append("")
    return "\n".join(lines)


def plot_posterior(result, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = result.calibration.paths
    columns = min(3, len(paths))
    rows = math.ceil(len(paths) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.0 * rows), squeeze=False)
    intervals = result.intervals().set_index("parameter")
    for ax, name in zip(axes.flat, paths, strict=False):
        row = intervals.loc[name]
        ax.axvspan(row["nroy_min"], row["nroy_max"], color="0.88", label="not ruled out")
        ax.hist(
            result.posterior[name],
            bins=30,
            color=FITTED_COLOUR,
            alpha=0.8,
            density=True,
            label="posterior",
        )
        ax.axvline(row["original"], color=ORIGINAL_COLOUR, lw=2, ls="--", label="original")
        ax.axvline(row["fitted"], color=OBSERVED_COLOUR, lw=1.5, label="fitted (median)")
        ax.set_xlim(row["prior_min"], row["prior_max"])
        ax.set_title(name, fontsize=9)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(paths) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Posterior marginals over the prior range")
    fig.tight_layout()
    fig.savefig(guarded(path), dpi=110)
    plt.close(fig)
    return path


def standardised_gaps(fit: pd.DataFrame, column: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """A fit table's `column` as the model's gap to the observed figure in standard deviations of
    the observation, (model − observed) / sd: its centre, and how far below and above it its 95 %
    interval reaches (an error bar's spread; 0 where an end is missing)."""
    observed, sd = fit["observed"].to_numpy(dtype=float), fit["sd"].to_numpy(dtype=float)

    def gap(name: str) -> np.ndarray:
        return (fit[name].to_numpy(dtype=float) - observed) / sd

    centre, low, high = gap(column), gap(f"{column}_low"), gap(f"{column}_high")
    return centre, [np.nan_to_num(centre - low), np.nan_to_num(high - centre)]


def plot_fit(result, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fit = result.fit
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(fit) + 1.4))
    y = np.arange(len(fit))[::-1]
    ax.axvspan(-2, 2, color="0.9", label="observed ± 2 sd")
    ax.axvline(0, color=OBSERVED_COLOUR, lw=1)
    for offset, name, colour in (
        (0.15, "original", ORIGINAL_COLOUR),
        (-0.15, "fitted", FITTED_COLOUR),
    ):
        centre, spread = standardised_gaps(fit, name)
        ax.errorbar(
            centre,
            y + offset,
            xerr=spread,
            fmt="o",
            color=colour,
            label=f"{name} (95 % interval)",
            ms=4,
        )
    ax.set_yticks(y, fit["target"], fontsize=7)
    ax.set_xlabel("(model - observed) / sd of the observation")
    ax.legend(fontsize=7, loc="best")
    ax.set_title("Fit per target, before and after calibration")
    fig.tight_layout()
    fig.savefig(guarded(path), dpi=110)
    plt.close(fig)
    return path


def plot_correlation(result, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    correlation = result.posterior.corr().to_numpy()
    names = result.calibration.paths
    fig, ax = plt.subplots(figsize=(1.2 * len(names) + 3, 1.0 * len(names) + 2))
    image = ax.imshow(correlation, cmap="RdBu", vmin=-1, vmax=1)
    ax.set_xticks(
        range(len(names)), [n.split(".")[-1] for n in names], rotation=45, ha="right", fontsize=8
    )
    ax.set_yticks(range(len(names)), [n.split(".")[-1] for n in names], fontsize=8)
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(
                j,
                i,
                f"{correlation[i, j]:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if abs(correlation[i, j]) > 0.6 else "black",
            )
    fig.colorbar(image, ax=ax, label="posterior correlation")
    ax.set_title("Correlation between calibrated parameters")
    fig.tight_layout()
    fig.savefig(guarded(path), dpi=110)
    plt.close(fig)
    return path


def drift_maps(result) -> list[Path]:
    """For a territory from data (polygons) and `experiments.maps`: each target by zone after
    calibration, on the map, hatched where its 95 % interval holds the observed value. Skipped on a
    grid, or when the maps module is absent."""
    import importlib.util

    territory = result.main_scenario.territory
    if not hasattr(territory, "resolved") or importlib.util.find_spec("experiments.maps") is None:
        return []
    from experiments.maps import draw_zones

    zones = result.main_scenario.zone_names
    fit = result.fit
    written = []
    for target in result.calibration.spec.targets:
        if target.zones is None or target.series is not None:  # one map per single figure
            continue
        rows = fit[fit["target"].str.startswith(f"{target.name}[")].set_index("zone")
        values = np.array([rows["fitted"].get(zone, np.nan) for zone in zones])
        low = np.array([rows["fitted_low"].get(zone, np.nan) for zone in zones])
        high = np.array([rows["fitted_high"].get(zone, np.nan) for zone in zones])
        path = result.directory / f"map_{target.name}.png"
        draw_zones(
            territory.resolved(),
            values,
            path,
            title=f"{target.name} after calibration ({target.statistic})",
            label=target.outcome,
            diverging=target.statistic == "drift",
            percent=True,
            unsettled=(low <= target.observed) & (target.observed <= high),
        )
        written.append(path)
    return written


def drift_table(result) -> pd.DataFrame:
    """The drift targets zone by zone, before and after: for the README."""
    fit = result.fit
    return fit[fit["statistic"] == "drift"][
        [
            "target",
            "observed",
            "original",
            "original_low",
            "original_high",
            "fitted",
            "fitted_low",
            "fitted_high",
        ]
    ]
