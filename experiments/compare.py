"""`partage compare BASELINE SCENARIO...`: policy impacts with their uncertainty, by replication.

Each scenario runs R times. Replication r uses the same seed in every scenario
(common random numbers: `SeedSequence(seed).spawn(R)[r]`), so a difference
from the baseline is measured on the same draws of households and network,
pair by pair, which makes it far more precise than the difference of two
independent means.

For each outcome at the horizon (the last month) the report gives the mean
over replications with a 95 % Student interval, and the paired difference
from the baseline with its 95 % interval. Cost-effectiveness divides the
extra net public spending (spending minus revenue, cumulated to the horizon)
by the extra households sharing at least one good, and by the tonnes CO2e of
embodied emissions avoided; its 95 % interval is a paired bootstrap over
replications, reported as unbounded when the denominator's sign is not
settled. Runs go through the same resumable store as sweeps.

Written under `results/NAME/` (or `--out`): `comparison.csv` and
`comparison.md` (the table), `cost_effectiveness.csv`, `curves.png` (mean
curves with 95 % bands), `differences.png` (paired differences with bands),
`series.parquet` (the raw monthly series of every run), `manifest.json` and
the store `experiment.duckdb`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.design import Point, fingerprint, plan_runs, replication_seed
from experiments.errors import UserError
from experiments.intervals import mean_interval, ratio_interval
from experiments.report import write_table
from experiments.store import StoreReader, export_series
from experiments.sweep import RESULTS_DIR, run_experiment
from experiments.targets import ScenarioTarget

HEADLINE_OUTCOMES = (
    "sharing_households", "sharing_households.share", "goods.stock_total", "emissions.cumulative_t",
    "emissions.stock_t", "spending.mean_eur", "spending.q1_eur", "trust.mean", "uses.unmet",
    "public.cumulative_spend_eur",
)
SHARING = "sharing_households"
EMISSIONS = "emissions.cumulative_t"
PUBLIC_SPEND = "public.cumulative_spend_eur"
PUBLIC_REVENUE = "public.cumulative_revenue_eur"


def run_compare(
    baseline: str | Path,
    scenarios: list[str | Path],
    *,
    replications: int,
    households: int | None = None,
    months: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool = True,
):
    """Run (or resume) a comparison; returns (directory, run summary)."""
    from model.scenario import load_scenario

    if replications < 1:
        raise UserError(f"--replications {replications}: needs at least 1")
    paths = [Path(baseline), *map(Path, scenarios)]
    base = load_scenario(paths[0])
    households = households or base.households
    months = months or base.months
    loaded = [load_scenario(path, {"households": households, "months": months}) for path in paths]
    names = _unique_names([s.name for s in loaded], paths)
    seed = base.seed if seed is None else seed
    target = ScenarioTarget(dict(zip(names, loaded, strict=True)))
    points = [Point(i, name, {}) for i, name in enumerate(names)]
    tasks = plan_runs(points, replications, seed, households, months)
    name = "compare-" + "-vs-".join([names[0], "-".join(names[1:])])
    directory = Path(out) if out else RESULTS_DIR / name
    design = {
        "baseline": names[0], "scenarios": names[1:], "files": [str(p.resolve()) for p in paths],
        "replications": replications, "households": households, "months": months, "seed": seed,
    }
    key = fingerprint({k: v for k, v in design.items() if k != "files"} | {"target": target.fingerprint_data()})
    seeds = {"design_seed": seed, "common_random_numbers": True,
             "replication_seeds": [replication_seed(seed, r) for r in range(replications)]}
    summary = run_experiment(
        directory, name=name, kind="compare", fingerprint=key, design=design, target=target,
        points=points, tasks=tasks, seeds=seeds, workers=workers, scheduler=scheduler, progress=progress,
    )
    return directory, summary


def _unique_names(names: list[str], paths: list[Path]) -> list[str]:
    unique = []
    for name, path in zip(names, paths, strict=True):
        candidate = name if name not in unique else path.stem
        if candidate in unique:
            raise UserError(f"{path}: scenario {candidate!r} is given twice")
        unique.append(candidate)
    return unique


# --------------------------------------------------------------------------- statistics


def comparison_table(values: pd.DataFrame, baseline: str, scenarios: list[str],
                     outcomes: list[str]) -> pd.DataFrame:
    """Per outcome and scenario: mean with interval, and paired difference from the baseline."""
    rows = []
    by_scenario = {name: part.set_index("replication") for name, part in values.groupby("scenario")}
    base = by_scenario.get(baseline)
    for outcome in outcomes:
        for name in [baseline, *scenarios]:
            part = by_scenario.get(name)
            if part is None:
                continue
            mean, low, high = mean_interval(part[outcome].dropna().to_numpy())
            row = {"outcome": outcome, "scenario": name, "runs": int(part[outcome].notna().sum()),
                   "mean": mean, "ci_low": low, "ci_high": high}
            if name != baseline and base is not None:
                paired = (part[outcome] - base[outcome]).dropna()
                diff, diff_low, diff_high = mean_interval(paired.to_numpy())
                row |= {"diff": diff, "diff_low": diff_low, "diff_high": diff_high}
            rows.append(row)
    return pd.DataFrame(rows)


def cost_effectiveness(values: pd.DataFrame, baseline: str, scenarios: list[str]) -> pd.DataFrame:
    """Net public cost per extra sharing household and per tonne CO2e avoided, by scenario."""
    needed = [SHARING, EMISSIONS, PUBLIC_SPEND]
    if any(column not in values for column in needed):
        return pd.DataFrame()
    frame = values.copy()
    frame["net_public_eur"] = frame[PUBLIC_SPEND] - frame.get(PUBLIC_REVENUE, 0.0)
    base = frame[frame["scenario"] == baseline].set_index("replication")
    rows = []
    for name in scenarios:
        part = frame[frame["scenario"] == name].set_index("replication")
        paired = part.join(base, rsuffix="_base", how="inner")
        cost = (paired["net_public_eur"] - paired["net_public_eur_base"]).to_numpy()
        sharers = (paired[SHARING] - paired[f"{SHARING}_base"]).to_numpy()
        avoided = (paired[f"{EMISSIONS}_base"] - paired[EMISSIONS]).to_numpy()
        per_sharer = ratio_interval(cost, sharers)
        per_tonne = ratio_interval(cost, avoided)
        rows.append({
            "scenario": name, "pairs": len(paired),
            "extra_public_eur": cost.mean() if len(cost) else math.nan,
            "extra_sharing_households": sharers.mean() if len(sharers) else math.nan,
            "t_co2e_avoided": avoided.mean() if len(avoided) else math.nan,
            "eur_per_extra_sharing_household": per_sharer[0],
            "eur_per_household_low": per_sharer[1], "eur_per_household_high": per_sharer[2],
            "eur_per_t_co2e_avoided": per_tonne[0],
            "eur_per_t_low": per_tonne[1], "eur_per_t_high": per_tonne[2],
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- plots


def monthly_bands(reader: StoreReader, outcomes: list[str], baseline: str | None = None) -> pd.DataFrame:
    """Mean and 95 % band per (scenario, month, outcome); paired with the baseline if one is given."""
    marks = ", ".join("?" * len(outcomes))
    if baseline is None:
        sql = f"""SELECT r.scenario, s.month, s.outcome, avg(s.value) AS mean, stddev_samp(s.value) AS sd,
                         count(*) AS n
                  FROM series s JOIN runs r USING (run_id)
                  WHERE r.status = 'done' AND s.outcome IN ({marks})
                  GROUP BY ALL"""
        args = list(outcomes)
    else:
        sql = f"""WITH v AS (SELECT r.scenario, r.replication, s.month, s.outcome, s.value
                             FROM series s JOIN runs r USING (run_id)
                             WHERE r.status = 'done' AND s.outcome IN ({marks}))
                  SELECT a.scenario, a.month, a.outcome, avg(a.value - b.value) AS mean,
                         stddev_samp(a.value - b.value) AS sd, count(*) AS n
                  FROM v a JOIN v b ON a.replication = b.replication AND a.month = b.month
                                   AND a.outcome = b.outcome AND b.scenario = ?
                  WHERE a.scenario <> ?
                  GROUP BY ALL"""
        args = [*outcomes, baseline, baseline]
    frame = reader.con.execute(sql, args).df()
    from scipy import stats

    t = np.where(frame["n"] > 1, stats.t.ppf(0.975, np.maximum(frame["n"] - 1, 1)), np.nan)
    half = t * frame["sd"].fillna(np.nan) / np.sqrt(frame["n"])
    frame["low"], frame["high"] = frame["mean"] - half, frame["mean"] + half
    return frame.sort_values(["outcome", "scenario", "month"])


def plot_bands(bands: pd.DataFrame, outcomes: list[str], path: Path, title: str, order: list[str]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = 2
    rows = math.ceil(len(outcomes) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(11, 2.8 * rows), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        part = bands[bands["outcome"] == outcome]
        for name in order:
            line = part[part["scenario"] == name]
            if line.empty:
                continue
            ax.plot(line["month"], line["mean"], label=name)
            ax.fill_between(line["month"], line["low"], line["high"], alpha=0.25)
        ax.set_title(outcome, fontsize=10)
        ax.set_xlabel("month")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- report


def write_report(directory: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, list[Path]]:
    """Tables, plots and raw series of a (possibly partial) comparison store."""
    directory = Path(directory)
    with StoreReader(directory) as reader:
        if reader.kind != "compare":
            raise UserError(f"{reader.path}: holds a {reader.kind}, not a comparison")
        baseline, scenarios = reader.design["baseline"], reader.design["scenarios"]
        available = reader.outcomes()
        if not available:
            raise UserError(f"{reader.path}: no finished run yet")
        values = reader.horizon_values(available)
        headline = [o for o in HEADLINE_OUTCOMES if o in available]
        others = [o for o in available if o not in headline]
        table = comparison_table(values, baseline, scenarios, headline + others)
        costs = cost_effectiveness(values, baseline, scenarios)
        written = write_table(table, directory, "comparison", title=f"{baseline} vs {', '.join(scenarios)}")
        if not costs.empty:
            written += write_table(costs, directory, "cost_effectiveness", title="Cost-effectiveness")
        order = [baseline, *scenarios]
        months = reader.con.execute("SELECT count(DISTINCT month) FROM series").fetchone()[0]
        if months > 1 and headline:
            written.append(plot_bands(monthly_bands(reader, headline), headline, directory / "curves.png",
                                      "Mean over replications with 95 % band", order))
            written.append(plot_bands(monthly_bands(reader, headline, baseline), headline,
                                      directory / "differences.png",
                                      f"Difference from {baseline} (paired), 95 % band", scenarios))
        written.append(export_series(reader, directory / "series.parquet"))
    return table, costs, written




# --------------------------------------------------------------------------- impacts of a candidate


# What a policy package changes, measured pair by pair against the baseline of the same
# replication; optimisation designs choose their objectives among these names.
IMPACTS = {
    "extra_sharing_households": "households sharing at least one good at the horizon, above the baseline",
    "t_co2e_avoided": "t CO2e of the goods in use cumulated to the horizon, below the baseline",
    "poorest_savings_eur_per_month": "monthly spending on the goods of the two poorest income quintiles, "
    "averaged over the months, below the baseline (EUR per household)",
    "net_public_cost_eur": "public spending less revenue cumulated to the horizon, above the baseline (EUR)",
}
POOREST_SPENDING = ("spending.q1_eur", "spending.q2_eur")


def run_measures(con, point_ids: list[int]) -> pd.DataFrame:
    """Per finished run of the given points, the figures impacts are differences of: sharing
    households, cumulative emissions and net public cost at the horizon, and the mean monthly
    spending of the two poorest quintiles over months 1..horizon."""
    wanted = [SHARING, EMISSIONS, PUBLIC_SPEND, PUBLIC_REVENUE, *POOREST_SPENDING]
    ids = ", ".join("?" * len(point_ids))
    marks = ", ".join("?" * len(wanted))
    return con.execute(
        f"""
        WITH r AS (SELECT run_id, point_id, replication FROM runs
                   WHERE status = 'done' AND point_id IN ({ids})),
             s AS (SELECT series.* FROM series JOIN r USING (run_id) WHERE outcome IN ({marks})),
             h AS (SELECT run_id, max(month) AS horizon FROM s GROUP BY run_id)
        SELECT r.point_id, r.replication,
               max(CASE WHEN outcome = ? AND month = horizon THEN value END) AS sharing,
               max(CASE WHEN outcome = ? AND month = horizon THEN value END) AS emissions_t,
               max(CASE WHEN outcome = ? AND month = horizon THEN value END)
                 - coalesce(max(CASE WHEN outcome = ? AND month = horizon THEN value END), 0)
                 AS net_public_eur,
               avg(CASE WHEN outcome IN (?, ?) AND month >= 1 THEN value END) AS poorest_spending_eur
        FROM s JOIN r USING (run_id) JOIN h USING (run_id)
        GROUP BY r.point_id, r.replication
        ORDER BY r.point_id, r.replication
        """,
        [*point_ids, *wanted, SHARING, EMISSIONS, PUBLIC_SPEND, PUBLIC_REVENUE, *POOREST_SPENDING],
    ).df()


def paired_impacts(measures: pd.DataFrame, baseline_point: int) -> pd.DataFrame:
    """Each impact of `IMPACTS` per (point, replication), against the baseline's run of the same
    replication (common random numbers); replications the baseline lacks are left out."""
    base = measures[measures["point_id"] == baseline_point].set_index("replication")
    others = measures[measures["point_id"] != baseline_point]
    paired = others.join(base.drop(columns="point_id"), on="replication", rsuffix="_base", how="inner")
    return pd.DataFrame({
        "point_id": paired["point_id"].to_numpy(),
        "replication": paired["replication"].to_numpy(),
        "extra_sharing_households": (paired["sharing"] - paired["sharing_base"]).to_numpy(),
        "t_co2e_avoided": (paired["emissions_t_base"] - paired["emissions_t"]).to_numpy(),
        "poorest_savings_eur_per_month": (
            paired["poorest_spending_eur_base"] - paired["poorest_spending_eur"]
        ).to_numpy(),
        "net_public_cost_eur": (paired["net_public_eur"] - paired["net_public_eur_base"]).to_numpy(),
    })
