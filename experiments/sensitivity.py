"""Sensitivity indices from a finished sweep: Sobol (first-order and total) or Morris (mu*, sigma).

The response of a point is the mean, over its finished replications, of an
outcome at the horizon (the last month of each run). Indices and their
confidence intervals come from SALib (bootstrap, 95 % by default, with a fixed
seed so the table is reproducible). Sobol indices need every point of the
Saltelli sample: a point whose runs all failed or are not run yet stops the
analysis with a one-line error, rather than silently biasing the indices.

`write_sensitivity` (`partage sensitivity results/NAME [--outcome X ...]`) writes
`sensitivity.csv`, `sensitivity.md` and `sensitivity.png` next to the store for
the design's outcomes (what the sweep itself writes); indices of outcomes
chosen with `--outcome` go to `sensitivity-<outcomes>.*`, so they never replace
the sweep's files.

Indices from a small sample can be unreadable (a negative S1, an interval wider
than the index's whole range): every row carries a `readable` flag, false when
the 95 % half-width exceeds `READABLE_HALF_WIDTH` (Sobol) or the index itself
(Morris mu*), and `caution` says how many are too small to read.
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


def point_responses(reader: StoreReader, outcomes: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Mean horizon value of each outcome per point, and the sample matrix X (rows in point order)."""
    points = reader.points()
    values = reader.horizon_values(outcomes)
    means = values.groupby("point_id")[outcomes].mean().reindex(points["point_id"])
    missing = int(means.isna().any(axis=1).sum())
    if missing:
        raise UserError(
            f"{reader.path}: {missing} of {len(points)} points have no finished run (failed or not run yet); "
            "the indices need every point: resume the sweep, or rerun it with --retry-failed"
        )
    x = np.array([list(row) for row in points["x"]], dtype=float)
    return means.reset_index(drop=True), x


def analyse(
    directory: str | Path,
    outcomes: list[str] | None = None,
    *,
    resamples: int = 1000,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """The indices of each outcome for each parameter, one row per (outcome, parameter)."""
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
        responses, x = point_responses(reader, outcomes)
    problem = salib_problem(spec)
    rows = []
    for outcome in outcomes:
        y = responses[outcome].to_numpy(dtype=float)
        if method == "sobol":
            from SALib.analyze import sobol

            result = sobol.analyze(
                problem,
                y,
                calc_second_order=spec.sampler.second_order,
                num_resamples=resamples,
                conf_level=conf_level,
                seed=ANALYSIS_SEED,
            )
            for i, name in enumerate(problem["names"]):
                s1, s1_conf, st, st_conf = (
                    result[key][i] for key in ("S1", "S1_conf", "ST", "ST_conf")
                )
                readable = bool(
                    max(s1_conf, st_conf) <= READABLE_HALF_WIDTH
                    and s1 >= -s1_conf
                    and st >= -st_conf
                )
                rows.append(
                    {
                        "outcome": outcome,
                        "parameter": name,
                        "S1": s1,
                        "S1_conf": s1_conf,
                        "ST": st,
                        "ST_conf": st_conf,
                        "readable": readable,
                    }
                )
        else:
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
            for i, name in enumerate(problem["names"]):
                rows.append(
                    {
                        "outcome": outcome,
                        "parameter": name,
                        "mu": result["mu"][i],
                        "mu_star": result["mu_star"][i],
                        "mu_star_conf": result["mu_star_conf"][i],
                        "sigma": result["sigma"][i],
                        "readable": bool(result["mu_star_conf"][i] <= result["mu_star"][i]),
                    }
                )
    return pd.DataFrame(rows)


def plot_indices(table: pd.DataFrame, path: Path) -> Path:
    """One panel per outcome: bars of S1 and ST (or mu* and sigma) with their confidence intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sobol = "S1" in table.columns
    outcomes = list(dict.fromkeys(table["outcome"]))
    fig, axes = plt.subplots(
        len(outcomes),
        1,
        figsize=(8, 2.2 + 0.45 * table["parameter"].nunique() * len(outcomes)),
        squeeze=False,
    )
    for ax, outcome in zip(axes[:, 0], outcomes, strict=True):
        part = table[table["outcome"] == outcome]
        positions = np.arange(len(part))
        if sobol:
            bars = [("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST")]
        else:
            bars = [("mu_star", "mu_star_conf", "mu*"), ("sigma", None, "sigma")]
        height = 0.38
        for k, (column, conf, label) in enumerate(bars):
            ax.barh(
                positions + (k - 0.5) * height,
                part[column],
                height,
                xerr=part[conf] if conf else None,
                capsize=3,
                label=label,
            )
        ax.set_yticks(positions, part["parameter"])
        ax.invert_yaxis()
        ax.set_title(outcome, fontsize=10)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.legend(fontsize=8, loc="lower right")
    axes[-1, 0].set_xlabel(
        "Sobol index (95 % CI)" if sobol else "elementary effects (mu* with 95 % CI)"
    )
    fig.tight_layout()
    fig.savefig(guarded(path), dpi=110)
    plt.close(fig)
    return path


def caution(table: pd.DataFrame) -> str:
    """One line saying how many indices are too small a sample to read, or "" when all are readable."""
    unreadable = int((~table["readable"]).sum()) if "readable" in table else 0
    if not unreadable:
        return ""
    rule = (
        f"95 % half-width above {READABLE_HALF_WIDTH:g} or an index below zero beyond it"
        if "S1" in table
        else "95 % interval of mu* wider than mu* itself"
    )
    return (
        f"caution: {unreadable} of {len(table)} indices are too small a sample to read ({rule}); "
        "raise sampler.samples (and replications) before reading them"
    )


def output_stem(outcomes: list[str] | None, design_outcomes: list[str]) -> str:
    """`sensitivity` for the design's own outcomes; `sensitivity-<outcomes>` for a chosen few."""
    if not outcomes or list(outcomes) == list(design_outcomes):
        return "sensitivity"
    stem = "sensitivity-" + "-".join(outcomes)
    if len(stem) > 80:
        stem = f"{stem[:70]}-{fingerprint(list(outcomes))[:8]}"
    return stem


def write_sensitivity(
    directory: str | Path, outcomes: list[str] | None = None, *, resamples: int = 1000
) -> tuple[pd.DataFrame, list[Path]]:
    directory = Path(directory)
    if directory.suffix == ".duckdb":
        directory = directory.parent
    table = analyse(directory, outcomes, resamples=resamples)
    with StoreReader(directory) as reader:
        design_outcomes = list(reader.design.get("outcomes") or [])
    stem = output_stem(outcomes, design_outcomes)
    written = write_table(table, directory, stem, title=f"Sensitivity indices: {directory.name}")
    written.append(plot_indices(table, directory / f"{stem}.png"))
    return table, written
