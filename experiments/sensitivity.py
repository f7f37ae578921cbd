"""Sensitivity indices from a finished sweep: Sobol (first-order and total) or Morris (mu*, sigma),
with the share of the model's own noise beside them.

The response of a point is the mean, over its finished replications, of an
outcome at the horizon (the last month of each run), at chosen months
(`months`), at every month (`every_month`), or averaged over a window of months
(`window`). Indices and their confidence intervals come from SALib (bootstrap,
95 % by default, with a fixed seed so the table is reproducible). Sobol indices
need every point of the Saltelli sample: a point whose runs all failed or are
not run yet stops the analysis with a one-line error, rather than silently
biasing the indices.

The model is stochastic: the replications of one point differ. The indices
are estimated on the replicate means, and beside them the **noise share** of
each outcome: the variance the replications leave in a point's mean (the mean
over points of the variance between a point's replications, divided by the
number of replications) over the variance of the point means that the indices
decompose. What a replication shares at every point (its seed, under common
random numbers) shifts every point alike and changes no index: it is taken out
of the noise first. Noise that is independent of the parameters adds to every total
index about this share (a parameter without effect shows ST near the noise
share), and blurs every first-order index. With one replication the noise
cannot be measured (`noise_share` is empty).

An index is `readable` when all of these hold, and `reason` says which fails:
- the noise share is below `NOISE_LIMIT` (0.5): otherwise the replications'
  variance dominates the differences between points and no index of that
  outcome at that month separates an effect from noise;
- Sobol: both 95 % half-widths are at most `READABLE_HALF_WIDTH` (0.25 on the
  0..1 scale) and neither index lies below zero beyond its half-width;
  Morris: the 95 % interval of mu* is not wider than mu* itself.

`write_sensitivity` (`partage sensitivity results/NAME [--outcome X ...]`) writes
`sensitivity.csv`, `sensitivity.md` and `sensitivity.png` next to the store for
the design's outcomes (what the sweep itself writes); indices of outcomes
chosen with `--outcome`, or at other months, go to `sensitivity-<choice>.*`, so
they never replace the sweep's files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from experiments.design import DesignSpec, fingerprint, salib_problem
from experiments.errors import UserError
from experiments.outputs import guarded
from experiments.report import write_table
from experiments.store import StoreReader
from model.messages import escaped, shown

ANALYSIS_SEED = 20130701
READABLE_HALF_WIDTH = 0.25  # on the 0..1 scale of Sobol indices
NOISE_LIMIT = 0.5  # noise share at and above which no index of an outcome is readable
# Okabe-Ito colours, distinguishable with the common colour-blindnesses.
FIRST_COLOUR, TOTAL_COLOUR, NOISE_COLOUR = "#0072B2", "#E69F00", "#999999"


def run_values(
    reader: StoreReader,
    outcomes: list[str],
    months: list[int] | None = None,
    window: tuple[int, int] | None = None,
    every_month: bool = False,
) -> pd.DataFrame:
    """Each finished run's response: `point_id`, `replication`, `month` (the month, or `A-B` for a
    window, or `horizon`) and one column per outcome."""
    if months is None and window is None and not every_month:
        values = reader.horizon_values(outcomes)
        return values.assign(month="horizon")[["point_id", "replication", "month", *outcomes]]
    series = reader.series_wide(outcomes)
    series = series[series["run_id"].isin(reader.runs().query("status == 'done'")["run_id"])]
    available = sorted(int(m) for m in series["month"].unique())
    if window is not None:
        first, last = window
        if not (first <= last and first in available and last in available):
            raise UserError(
                f"{reader.path}: --window {first} {last}: allowed: two months from {available[0]} "
                f"to {available[-1]}, the first not after the second"
            )
        part = series[(series["month"] >= first) & (series["month"] <= last)]
        means = part.groupby(["point_id", "replication"], as_index=False)[outcomes].mean()
        return means.assign(month=f"{first}-{last}")[
            ["point_id", "replication", "month", *outcomes]
        ]
    wanted = available if every_month else list(dict.fromkeys(months or []))
    missing = [m for m in wanted if m not in available]
    if missing:
        raise UserError(
            f"{reader.path}: --month {missing[0]}: allowed: {available[0]} to {available[-1]}"
        )
    part = series[series["month"].isin(wanted)]
    frame = part[["point_id", "replication", "month", *outcomes]].copy()
    frame["month"] = frame["month"].astype(int)
    return frame.sort_values(["month", "point_id", "replication"]).reset_index(drop=True)


def point_responses(
    reader: StoreReader, values: pd.DataFrame, outcomes: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Mean of each outcome per point (rows in point order), and the sample matrix X."""
    points = reader.points()
    means = values.groupby("point_id")[outcomes].mean().reindex(points["point_id"])
    missing = int(means.isna().any(axis=1).sum())
    if missing:
        raise UserError(
            f"{reader.path}: {missing} of {len(points)} points have no finished run (failed or not run yet); "
            "the indices need every point: resume the sweep, or rerun it with --retry-failed"
        )
    x = np.array([list(row) for row in points["x"]], dtype=float)
    return means.reset_index(drop=True), x


def noise_share(values: pd.DataFrame, outcome: str) -> float:
    """The variance replications leave in the point means over the variance of the point means
    (NaN with one replication: the noise is not measured)."""
    counts = values.groupby("point_id")[outcome].count()
    if counts.max() < 2:
        return float("nan")
    # What one replication shares at every point (its seed, with common random numbers) shifts all
    # points alike and changes no index: it is taken out before measuring the noise.
    shared = values.groupby("replication")[outcome].transform("mean")
    residual = (values[outcome] - shared).groupby(values["point_id"])
    within = residual.var(ddof=1).fillna(0.0)
    by_point = values.groupby("point_id")[outcome]
    noise = float((within / counts).mean())
    between = float(by_point.mean().var(ddof=1))
    if not between > 0:
        return 1.0
    return min(1.0, noise / between)


def analyse(
    directory: str | Path,
    outcomes: list[str] | None = None,
    *,
    resamples: int = 1000,
    conf_level: float = 0.95,
    months: list[int] | None = None,
    window: tuple[int, int] | None = None,
    every_month: bool = False,
) -> pd.DataFrame:
    """The indices of each outcome for each parameter, one row per (outcome, month, parameter),
    with the outcome's noise share and whether each index is readable (see the module's rules)."""
    with StoreReader(directory) as reader:
        if reader.kind != "sweep":
            raise UserError(
                f"{reader.path}: sensitivity needs a sweep, this store holds a {reader.kind}"
            )
        spec = DesignSpec.model_validate({k: v for k, v in reader.design.items() if k != "source"})
        method = spec.sampler.method
        if method not in ("sobol", "morris"):
            raise UserError(
                f"{reader.path}: sampler {method!r} gives no indices; use sobol or morris"
            )
        known = reader.outcomes()
        unknown = [o for o in outcomes or [] if o not in known]
        if unknown:
            raise UserError(
                f"{reader.path}: unknown outcome {shown(unknown[0])}; allowed: {escaped(', '.join(known), 300)} "
                "(see `partage outcomes`)"
            )
        outcomes = outcomes or list(spec.outcomes) or known
        values = run_values(reader, outcomes, months, window, every_month)
        points = reader.points()
        for _, part in values.groupby("month", sort=False):
            point_responses(reader, part, outcomes)  # every point has a finished run, or one line
    x = np.array([list(row) for row in points["x"]], dtype=float)
    table = index_table(spec, values, x, outcomes, resamples=resamples, conf_level=conf_level)
    if not (months or window or every_month):
        table = table.drop(columns="month")
    return table


def index_table(
    spec: DesignSpec,
    values: pd.DataFrame,
    x: np.ndarray,
    outcomes: list[str],
    *,
    resamples: int = 1000,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """The indices of runs' responses (`point_id`, `replication`, `month`, one column per outcome;
    points numbered in the order of the rows of the sample `x`), with the noise share of each
    outcome at each month and whether each index is readable."""
    problem = salib_problem(spec)
    method = spec.sampler.method
    rows = []
    for outcome in outcomes:
        for month, part in values.groupby("month", sort=False):
            y = part.groupby("point_id")[outcome].mean().sort_index().to_numpy(dtype=float)
            share = noise_share(part, outcome)
            indices = (
                _sobol(problem, spec, y, resamples, conf_level)
                if method == "sobol"
                else _morris(problem, spec, x, y, resamples, conf_level)
            )
            for row in indices:
                row = {"outcome": outcome, "month": month} | row | {"noise_share": share}
                row["reason"] = unreadable_reason(row)
                row["readable"] = not row["reason"]
                rows.append(row)
    return pd.DataFrame(rows)


def _sobol(problem: dict, spec: DesignSpec, y, resamples: int, conf_level: float) -> list[dict]:
    from SALib.analyze import sobol

    result = sobol.analyze(
        problem,
        y,
        calc_second_order=spec.sampler.second_order,
        num_resamples=resamples,
        conf_level=conf_level,
        seed=ANALYSIS_SEED,
    )
    return _per_parameter(problem, result, ("S1", "S1_conf", "ST", "ST_conf"))


def _morris(problem: dict, spec: DesignSpec, x, y, resamples: int, conf_level: float) -> list[dict]:
    from SALib.analyze import morris

    result = morris.analyze(
        problem,
        x,
        y,
        num_resamples=resamples,
        conf_level=conf_level,
        num_levels=spec.sampler.levels,
        seed=ANALYSIS_SEED,
    )
    return _per_parameter(problem, result, ("mu", "mu_star", "mu_star_conf", "sigma"))


def _per_parameter(problem: dict, result, keys: tuple[str, ...]) -> list[dict]:
    """One row per parameter with SALib's `keys` for it."""
    return [
        {"parameter": name, **{key: result[key][i] for key in keys}}
        for i, name in enumerate(problem["names"])
    ]


def unreadable_reason(row: dict) -> str:
    """Why an index cannot be read, or "" when it can (the rules of the module's docstring)."""
    share = row["noise_share"]
    if share == share and share >= NOISE_LIMIT:
        return f"noise share {share:.2f} >= {NOISE_LIMIT:g}"
    if "S1" in row:
        for index in ("S1", "ST"):
            value, conf = row[index], row[f"{index}_conf"]
            if not conf <= READABLE_HALF_WIDTH:
                return f"{index} half-width {conf:.2f} > {READABLE_HALF_WIDTH:g}"
            if value < -conf:
                return f"{index} below zero beyond its half-width"
        return ""
    if not row["mu_star_conf"] <= row["mu_star"]:
        return "interval of mu* wider than mu*"
    return ""


def plot_indices(table: pd.DataFrame, path: Path) -> Path:
    """At one month: one panel per outcome, bars of S1 and ST (or mu* and sigma) with their 95 %
    intervals, unreadable indices hatched and pale, the noise share as a dashed line. At several
    months: one panel per outcome, each parameter's total (or mu*) index against the month, with
    its interval, unreadable months as hollow markers and the noise share as a grey band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outcomes = list(dict.fromkeys(table["outcome"]))
    over_time = "month" in table and table["month"].nunique() > 1
    parameters = list(dict.fromkeys(table["parameter"]))
    height = 3.2 if over_time else 1.6 + 0.5 * len(parameters)
    fig, axes = plt.subplots(
        len(outcomes), 1, figsize=(9, 0.8 + height * len(outcomes)), squeeze=False
    )
    for ax, outcome in zip(axes[:, 0], outcomes, strict=True):
        part = table[table["outcome"] == outcome]
        if over_time:
            _plot_over_time(ax, part, parameters)
        else:
            _plot_bars(ax, part)
        last = part[part["month"] == part["month"].iloc[-1]] if over_time else part
        share = last["noise_share"].max()
        noise = "not measured (one replication)" if share != share else f"{share:.2f}"
        when = f" at month {last['month'].iloc[0]}" if over_time else ""
        ax.set_title(f"{outcome}: noise share {noise}{when}", fontsize=10)
    sobol = "S1" in table
    label = "Sobol index (95 % CI)" if sobol else "elementary effects (mu* with 95 % CI)"
    if over_time:
        axes[-1, 0].set_xlabel("month")
        for ax in axes[:, 0]:
            ax.set_ylabel("total index ST" if sobol else "mu*")
    else:
        axes[-1, 0].set_xlabel(label)
    fig.tight_layout()
    fig.savefig(guarded(path), dpi=110)
    plt.close(fig)
    return path


def _plot_bars(ax, part: pd.DataFrame) -> None:
    sobol = "S1" in part
    positions = np.arange(len(part))
    if sobol:
        bars = [
            ("S1", "S1_conf", "first order S1", FIRST_COLOUR),
            ("ST", "ST_conf", "total ST", TOTAL_COLOUR),
        ]
    else:
        bars = [
            ("mu_star", "mu_star_conf", "mu*", FIRST_COLOUR),
            ("sigma", None, "sigma", TOTAL_COLOUR),
        ]
    height = 0.38
    readable = part["readable"].to_numpy()
    for k, (column, conf, label, colour) in enumerate(bars):
        drawn = ax.barh(
            positions + (k - 0.5) * height,
            part[column],
            height,
            xerr=part[conf] if conf else None,
            capsize=3,
            color=colour,
            label=label,
        )
        for bar, ok in zip(drawn, readable, strict=True):
            if not ok:
                bar.set_alpha(0.35)
                bar.set_hatch("//")
    share = part["noise_share"].max()
    if sobol and share == share:
        ax.axvline(share, color=NOISE_COLOUR, linestyle="--", linewidth=1.2, label="noise share")
    ax.set_yticks(
        positions,
        [
            p if ok else f"{p} (unreadable)"
            for p, ok in zip(part["parameter"], readable, strict=True)
        ],
    )
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.6)
    ax.legend(fontsize=8, loc="lower right")


PARAMETER_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
PARAMETER_LINES = ("-", "--", "-.", ":")


def _plot_over_time(ax, part: pd.DataFrame, parameters: list[str]) -> None:
    sobol = "S1" in part
    column, conf = ("ST", "ST_conf") if sobol else ("mu_star", "mu_star_conf")
    for k, name in enumerate(parameters):
        rows = part[part["parameter"] == name].sort_values("month")
        colour = PARAMETER_COLOURS[k % len(PARAMETER_COLOURS)]
        style = PARAMETER_LINES[(k // len(PARAMETER_COLOURS)) % len(PARAMETER_LINES)]
        months = rows["month"].to_numpy(dtype=float)
        ax.plot(months, rows[column], color=colour, linestyle=style, label=name)
        ax.fill_between(
            months, rows[column] - rows[conf], rows[column] + rows[conf], color=colour, alpha=0.12
        )
        ok = rows["readable"].to_numpy()
        ax.scatter(months[ok], rows[column][ok], color=colour, s=14)
        ax.scatter(months[~ok], rows[column][~ok], facecolors="white", edgecolors=colour, s=18)
    if sobol:
        noise = part.groupby("month")["noise_share"].max().sort_index()
        ax.fill_between(
            noise.index.to_numpy(dtype=float),
            0,
            noise.to_numpy(),
            color=NOISE_COLOUR,
            alpha=0.3,
            label="noise share",
        )
    ax.axhline(0, color="black", linewidth=0.6)
    ax.legend(fontsize=7, ncol=2)


def caution(table: pd.DataFrame) -> str:
    """One line saying how many indices cannot be read and why, or "" when all are readable."""
    if "readable" not in table:
        return ""
    unreadable = table[~table["readable"]]
    if unreadable.empty:
        return ""
    noisy = int(unreadable["reason"].str.startswith("noise").sum())
    rest = len(unreadable) - noisy
    parts = []
    if noisy:
        parts.append(
            f"{noisy} because the replications' noise dominates (noise share >= {NOISE_LIMIT:g}): "
            "raise replications or households"
        )
    if rest:
        rule = (
            f"95 % half-width above {READABLE_HALF_WIDTH:g} or an index below zero beyond it"
            if "S1" in table
            else "95 % interval of mu* wider than mu* itself"
        )
        parts.append(f"{rest} too small a sample to read ({rule}): raise sampler.samples")
    return f"caution: {len(unreadable)} of {len(table)} indices are unreadable; " + "; ".join(parts)


def output_stem(
    outcomes: list[str] | None, design_outcomes: list[str], months: str | None = None
) -> str:
    """`sensitivity` for the design's own outcomes at the horizon; `sensitivity-<choice>` else."""
    chosen = list(outcomes or [])
    if chosen == list(design_outcomes):
        chosen = []
    if not chosen and not months:
        return "sensitivity"
    stem = "sensitivity-" + "-".join([*chosen, *([f"months-{months}"] if months else [])])
    if len(stem) > 80:
        stem = f"{stem[:70]}-{fingerprint([chosen, months])[:8]}"
    return stem


def write_sensitivity(
    directory: str | Path,
    outcomes: list[str] | None = None,
    *,
    resamples: int = 1000,
    months: list[int] | None = None,
    window: tuple[int, int] | None = None,
    every_month: bool = False,
) -> tuple[pd.DataFrame, list[Path]]:
    directory = Path(directory)
    if directory.suffix == ".duckdb":
        directory = directory.parent
    table = analyse(
        directory,
        outcomes,
        resamples=resamples,
        months=months,
        window=window,
        every_month=every_month,
    )
    with StoreReader(directory) as reader:
        design_outcomes = list(reader.design.get("outcomes") or [])
    chosen = (
        "every"
        if every_month
        else f"{window[0]}-{window[1]}"
        if window
        else "-".join(map(str, months))
        if months
        else None
    )
    stem = output_stem(outcomes, design_outcomes, chosen)
    written = write_table(table, directory, stem, title=f"Sensitivity indices: {directory.name}")
    written.append(plot_indices(table, directory / f"{stem}.png"))
    return table, written
