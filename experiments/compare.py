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
`series.parquet` (the raw monthly series of every run), `zone_comparison.csv`
and `.parquet` (by zone at the horizon: mean with its interval and the paired
difference from the baseline with its interval, for every outcome by zone of
`model.zone_results`), `manifest.json` and the store `experiment.duckdb`
(whose `zone_series` table holds every run's outcomes by zone, month by month).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.cli import UserError
from experiments.design import Point, fingerprint, plan_runs, replication_seed
from experiments.report import markdown_table, write_table
from experiments.store import StoreReader
from experiments.sweep import RESULTS_DIR, add_execution_options, report_summary, run_experiment
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
BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20130702


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


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student interval; the interval is NaN with fewer than two values."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean()) if len(values) else math.nan
    if len(values) < 2:
        return mean, math.nan, math.nan
    from scipy import stats

    half = stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    return mean, mean - half, mean + half


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


def zone_comparison(values: pd.DataFrame, baseline: str, scenarios: list[str]) -> pd.DataFrame:
    """Per zone, outcome and scenario: mean over replications with its 95 % interval, and the paired
    difference from the baseline with its interval (`values`: rows of `StoreReader.zone_values`)."""
    from scipy import stats

    if values.empty:
        return pd.DataFrame()
    wide = values.pivot_table(index=["zone", "outcome", "replication"], columns="scenario", values="value")

    def summarise(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
        grouped = frame.groupby(level=["zone", "outcome"])
        mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
        half = half.where(n > 1)
        parts = {}
        for name in frame.columns:
            parts[name] = pd.DataFrame({
                "runs" if prefix == "" else "pairs": n[name], f"{prefix or 'mean'}": mean[name],
                f"{prefix or 'ci'}_low": mean[name] - half[name], f"{prefix or 'ci'}_high": mean[name] + half[name],
            })
        return pd.concat(parts, names=["scenario"]).reset_index()

    levels = summarise(wide[[c for c in [baseline, *scenarios] if c in wide.columns]], "")
    present = [s for s in scenarios if s in wide.columns]
    if baseline in wide.columns and present:
        paired = wide[present].sub(wide[baseline], axis=0)
        diffs = summarise(paired, "diff")
        levels = levels.merge(diffs, on=["scenario", "zone", "outcome"], how="left")
    month = int(values["month"].iloc[0])
    return levels.assign(month=month).sort_values(["outcome", "zone", "scenario"]).reset_index(drop=True)


def ratio_interval(numerator: np.ndarray, denominator: np.ndarray, level: float = 0.95):
    """Ratio of mean paired differences with a paired bootstrap interval over replications."""
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    if denominator.mean() <= 0:
        return math.nan, math.nan, math.nan
    ratio = numerator.mean() / denominator.mean()
    if len(numerator) < 2:
        return ratio, math.nan, math.nan
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    picks = rng.integers(0, len(numerator), size=(BOOTSTRAP_RESAMPLES, len(numerator)))
    num, den = numerator[picks].mean(axis=1), denominator[picks].mean(axis=1)
    if (den <= 0).mean() > (1 - level) / 2:  # the denominator may be zero: no finite bound
        return ratio, math.nan, math.inf
    ratios = num[den > 0] / den[den > 0]
    low, high = np.quantile(ratios, [(1 - level) / 2, 0.5 + level / 2])
    return ratio, float(low), float(high)


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
        by_zone = zone_comparison(reader.zone_values(), baseline, scenarios)
        if not by_zone.empty:
            by_zone.to_csv(directory / "zone_comparison.csv", index=False)
            by_zone.to_parquet(directory / "zone_comparison.parquet", index=False)
            written += [directory / "zone_comparison.csv", directory / "zone_comparison.parquet"]
    return table, costs, written


def export_series(reader: StoreReader, path: Path) -> Path:
    """The monthly series of every finished run, one row per (run, month), written by DuckDB."""
    sql = """PIVOT (SELECT r.scenario, r.point_id, r.replication, r.seed, s.run_id, s.month, s.outcome, s.value
                    FROM series s JOIN runs r USING (run_id))
             ON outcome USING first(value) ORDER BY run_id, month"""
    reader.con.execute(f"COPY ({sql}) TO '{_sql_path(path)}' (FORMAT parquet)")
    return path


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def headline_markdown(table: pd.DataFrame) -> str:
    part = table[table["outcome"].isin(HEADLINE_OUTCOMES)].copy()
    part["mean (95% CI)"] = [f"{_num(m)} [{_num(lo)}, {_num(hi)}]"
                             for m, lo, hi in zip(part["mean"], part["ci_low"], part["ci_high"], strict=True)]
    if "diff" in part:
        part["difference (95% CI)"] = [
            "" if pd.isna(d) else f"{_num(d)} [{_num(lo)}, {_num(hi)}]"
            for d, lo, hi in zip(part["diff"], part["diff_low"], part["diff_high"], strict=True)
        ]
    columns = ["outcome", "scenario", "mean (95% CI)"] + (["difference (95% CI)"] if "diff" in part else [])
    return markdown_table(part[columns])


def costs_markdown(costs: pd.DataFrame) -> str:
    """Cost-effectiveness with its intervals, for the terminal."""
    shown = pd.DataFrame({
        "scenario": costs["scenario"],
        "extra public EUR": [_num(v) for v in costs["extra_public_eur"]],
        "extra sharing households": [_num(v) for v in costs["extra_sharing_households"]],
        "t CO2e avoided": [_num(v) for v in costs["t_co2e_avoided"]],
        "EUR per extra sharing household (95% CI)": [
            _with_interval(*row) for row in
            costs[["eur_per_extra_sharing_household", "eur_per_household_low", "eur_per_household_high"]].to_numpy()
        ],
        "EUR per t CO2e avoided (95% CI)": [
            _with_interval(*row) for row in costs[["eur_per_t_co2e_avoided", "eur_per_t_low", "eur_per_t_high"]].to_numpy()
        ],
    })
    return markdown_table(shown)


def _with_interval(value, low, high) -> str:
    if pd.isna(value):
        return "n/a (no gain)"
    if high == math.inf:
        return f"{_num(value)} [unbounded: the gain may be zero]"
    return f"{_num(value)} [{_num(low)}, {_num(high)}]"


def _num(value) -> str:
    from experiments.report import format_number

    return format_number(value)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "compare", help="compare scenarios with a baseline over replications (common random numbers)",
        description="Run each scenario R times with the same seeds and report impacts with 95 % intervals.",
    )
    parser.add_argument("baseline", metavar="BASELINE", help="baseline scenario file")
    parser.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario files to compare")
    parser.add_argument("--replications", "-r", type=int, default=10, metavar="R",
                        help="replications per scenario (default 10)")
    parser.add_argument("--households", type=int, metavar="N", help="households (default: the baseline's)")
    parser.add_argument("--months", type=int, metavar="M", help="horizon in months (default: the baseline's)")
    parser.add_argument("--seed", type=int, help="seed of the replications (default: the baseline's)")
    parser.add_argument("--out", metavar="DIR", help="results directory (default results/compare-...)")
    add_execution_options(parser)
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    try:
        directory, summary = run_compare(
            args.baseline, args.scenarios, replications=args.replications, households=args.households,
            months=args.months, seed=args.seed, workers=args.workers, scheduler=args.scheduler,
            out=args.out, progress=not args.no_progress,
        )
    except KeyboardInterrupt:
        print("interrupted: finished runs are stored; run the same command again to resume", file=sys.stderr)
        raise
    code = report_summary(summary, directory)
    table, costs, written = write_report(directory)
    print(headline_markdown(table))
    if not costs.empty:
        print()
        print(costs_markdown(costs))
    print("written: " + ", ".join(str(path) for path in written))
    return code
