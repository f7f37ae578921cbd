"""The comparison engine: scenarios against a baseline, replicated with common random numbers.

One engine for every comparison of Partage: `partage compare`, the app's
Compare page, `partage interactions`, and calibration and optimisation.

Rules:
- Each scenario runs R times. Replication r uses the same seed in every
  scenario (common random numbers: `experiments.design.replication_seed(seed, r)`,
  from `SeedSequence(seed)`), so a difference from the baseline is measured on
  the same draws of households and network, pair by pair, which makes it far
  more precise than the difference of two independent means.
- Every run goes through an executor (this process, a local pool, or a Dask
  cluster) into a DuckDB store (`experiments.store`): with a directory the
  comparison resumes where it stopped; without one it runs in a temporary
  store, removed once its series are read.
- Every table, curve and ratio is for the scenario's territory: each run's
  figures go through `experiments.territory_figures` (counts, tonnes and euros
  scaled to the territory's households, the declared public budget counted at
  the territory's size) before any statistic; the territory is recorded in the
  comparison's design. `Comparison.series` and `horizon()` keep the runs as
  simulated.
- For each outcome at the horizon (each run's last month): the mean over
  replications with a 95 % Student interval, and the paired difference from
  the baseline with its 95 % interval. By zone, where the results have zones
  (`{good}.share.{zone}`), the same paired differences zone by zone; and for
  every outcome by zone the runs keep (`model.zone_results`, the store's
  `zone_series`), the mean and the paired difference with their intervals,
  zone by zone (`zone_table`, `zone_comparison.csv`).
- Cost-effectiveness divides the extra net public spending (spending minus
  revenue, cumulated to the horizon) by the extra households sharing at least
  one good, and by the tonnes CO2e of embodied emissions avoided; its 95 %
  interval is a paired bootstrap over replications (`experiments.intervals`),
  reported as unbounded when the denominator's sign is not settled, and as
  n/a when there is no gain on average.
- Curves month by month: the mean with a 95 % interval of the mean, or with
  the 5-95 % spread of the runs; paired differences month by month with
  their 95 % interval.

API:

    from experiments.compare import compare_scenarios, write_comparison

    comparison = compare_scenarios(
        "scenarios/baseline.toml", ["scenarios/tool_library.toml"],  # files or Scenario objects,
        replications=10, households=2000, months=60, seed=2013,       # or {name: scenario}
        directory=None,            # a folder makes the comparison resumable; None: a temporary store
        workers=1, scheduler=None,                    # executor: this process, a pool, or Dask
        progress=False,                               # a progress bar on the terminal
        on_progress=lambda done, total: ...,          # called after every finished run
        cancelled=lambda: False,                      # polled after every run; True stops early
    )
    comparison.series               # per-replication monthly series: scenario, replication, seed, month, outcomes
    comparison.horizon()            # each run's last month
    comparison.territory            # the territory's households, the sample's, declared budgets
    comparison.figures()            # each run at the horizon, for the territory
    comparison.table()              # mean and paired difference with 95 % intervals, per outcome and scenario
    comparison.cost_effectiveness() # EUR per extra sharing household and per tonne avoided, bootstrap intervals
    comparison.impacts()            # the planner's summary: changes and costs, one row per indicator
    comparison.by_zone()            # paired differences of sharing, good by good and zone by zone
    comparison.zone_table()         # every outcome by zone at the horizon: means and paired differences
    comparison.curves(outcomes, band="mean" or "runs")  # mean and band per month
    comparison.differences(outcomes)                      # paired differences per month
    write_comparison(comparison, "results/my-comparison")  # the files `partage compare` writes

`run_compare` and `write_report` are the same engine seen from a results
directory (`partage compare`): the first runs or resumes the comparison into
it, the second reads it back and writes `comparison.csv` and `comparison.md`
(the table), `cost_effectiveness.csv`, `zones.csv` (where results have zones),
`zone_comparison.csv` and `.parquet` (every outcome by zone at the horizon),
`curves.png` (mean curves with 95 % bands), `differences.png` (paired
differences with bands) and `series.parquet` (the raw monthly series of every
run), beside `manifest.json` and the store `experiment.duckdb`.
"""

from __future__ import annotations

import itertools
import math
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from experiments.design import Point, fingerprint, plan_runs, replication_seed, without_descriptions
from experiments.errors import UserError
from experiments.executors import RunSummary
from experiments.intervals import bounded_mean_interval, mean_interval, ratio_interval
from experiments.outputs import default_folder, guarded, writable_folder
from experiments.report import write_table
from experiments.store import StoreReader, export_series
from experiments.sweep import run_experiment
from experiments.targets import ScenarioTarget
from experiments.territory_figures import (
    Territory,
    declared_households,
    for_territory,
    territory_for,
    zones_for_territory,
)
from model.outcomes import outcome_bounds
from model.scenario import Scenario, is_plain_name, load_scenario

HEADLINE_OUTCOMES = (
    "sharing_households",
    "sharing_households.share",
    "goods.stock_total",
    "emissions.cumulative_t",
    "emissions.stock_t",
    "spending.mean_eur",
    "spending.q1_eur",
    "trust.mean",
    "uses.unmet",
    "public.cumulative_spend_eur",
)
SHARING = "sharing_households"
EMISSIONS = "emissions.cumulative_t"
PUBLIC_SPEND = "public.cumulative_spend_eur"
PUBLIC_REVENUE = "public.cumulative_revenue_eur"
NET_PUBLIC = "net_public_eur"
RUN_COLUMNS = ("run_id", "point_id", "replication", "scenario", "seed", "month")
# Okabe-Ito: told apart with every common colour-vision deficiency.
OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")

# The planner's summary (`Comparison.impacts`): indicator, unit and the horizon outcome it reads.
IMPACT_INDICATORS = (
    ("change in sharing households", "households", SHARING),
    *(
        (f"change in spending, income quintile {q}", "EUR/household/month", f"spending.q{q}_eur")
        for q in range(1, 6)
    ),
    ("change in embodied emissions of goods in use", "t CO2e", EMISSIONS),
    ("change in goods owned", "goods", "goods.stock_total"),
    ("change in net public cost", "EUR", NET_PUBLIC),
)

ScenarioSource = Scenario | str | Path


# --------------------------------------------------------------------------- running


def run_compare(
    baseline: ScenarioSource,
    scenarios: Sequence[ScenarioSource] | Mapping[str, ScenarioSource],
    *,
    replications: int,
    households: int | None = None,
    months: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    cluster_timeout_s: float = 60,
) -> tuple[Path, RunSummary]:
    """Run (or resume) a comparison into a results directory; returns (directory, run summary).

    Without `out` the directory is `results/compare-BASELINE-vs-SCENARIOS`."""
    if replications < 1:
        raise UserError(f"--replications {replications}: needs at least 1")
    base = _load(baseline)
    households = households or base.households
    months = months or base.months
    named = _named_scenarios(
        base, baseline, scenarios, {"households": households, "months": months}
    )
    names = list(named)
    seed = base.seed if seed is None else seed
    territory = territory_for(
        named, sample=households, months=months, households=declared_households(base)
    )
    target = ScenarioTarget(named)
    points = [Point(i, name, {}) for i, name in enumerate(names)]
    tasks = plan_runs(points, replications, seed, households, months)
    name = comparison_name(names)
    directory = (
        writable_folder(out) if out else writable_folder(default_folder(name), "output folder")
    )
    for file in COMPARISON_FILES:  # refused before any run rather than after them all
        guarded(directory / file)
    sources = [baseline, *(scenarios.values() if isinstance(scenarios, Mapping) else scenarios)]
    design = {
        "baseline": names[0],
        "scenarios": names[1:],
        "files": [
            str(scenario_file(directory, n, s) if isinstance(s, Scenario) else Path(s).resolve())
            for n, s in zip(names, sources, strict=True)
        ],
        # A scenario given as an object (the app's) is also kept as its definition.
        "definitions": [
            s.model_dump(mode="json") if isinstance(s, Scenario) else None for s in sources
        ],
        "replications": replications,
        "households": households,
        "months": months,
        "seed": seed,
        "territory": territory.to_json(),
    }
    # What defines each replication's runs: not the number of replications (more extend the
    # comparison), nor the files' places or the scenarios' descriptions, nor the territory's
    # figures (derived from the scenarios).
    defining = {
        k: v
        for k, v in design.items()
        if k not in ("files", "definitions", "replications", "territory")
    }
    key = fingerprint(defining | {"target": without_descriptions(target.fingerprint_data())})

    def legacy_key(stored: dict) -> str:
        """The fingerprint of stores written when the number of replications was part of it."""
        return fingerprint(
            defining
            | {"replications": stored.get("replications"), "target": target.fingerprint_data()}
        )

    seeds = {
        "design_seed": seed,
        "common_random_numbers": True,
        "replication_seeds": [replication_seed(seed, r) for r in range(replications)],
    }
    finished = {"runs": 0}

    def count(_result) -> None:
        finished["runs"] += 1
        if on_progress is not None:
            on_progress(finished["runs"], len(tasks))

    summary = run_experiment(
        directory,
        name=name,
        kind="compare",
        fingerprint=key,
        design=design,
        target=target,
        points=points,
        tasks=tasks,
        planned_runs=len(tasks),
        seeds=seeds,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        on_result=count,
        cancelled=cancelled,
        cluster_timeout_s=cluster_timeout_s,
        legacy_fingerprint=legacy_key,
    )
    return directory, summary


def scenario_file(directory: Path, name: str, scenario: Scenario) -> Path:
    """A scenario given in memory (the web app's), written as a standalone file in the comparison's
    `scenarios/` folder, so that the report and a later `partage compare` can read it."""
    import tomli_w

    folder = guarded(directory / "scenarios", directory)
    folder.mkdir(exist_ok=True)
    stem = name if is_plain_name(name) else f"scenario-{fingerprint(name)[:12]}"
    path = guarded(folder / f"{stem}.toml", directory)
    data = scenario.model_dump(mode="json", exclude_none=True)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path.resolve()


# The files `write_report` writes beside the store.
COMPARISON_FILES = [
    f"{stem}.{suffix}"
    for stem in ("comparison", "cost_effectiveness", "zones", "zone_comparison")
    for suffix in ("csv", "md", "parquet")
] + ["curves.png", "differences.png", "series.parquet", "scenarios"]


def comparison_name(names: list[str]) -> str:
    """`compare-BASELINE-vs-A-B`, shortened with a digest of the names when it would pass 80 characters."""
    name = "compare-" + "-vs-".join([names[0], "-".join(names[1:])])
    if len(name) > 80:
        name = f"{name[:70]}-{fingerprint(names)[:8]}"
    return name


def compare_scenarios(
    baseline: ScenarioSource,
    scenarios: Sequence[ScenarioSource] | Mapping[str, ScenarioSource],
    *,
    replications: int,
    households: int | None = None,
    months: int | None = None,
    seed: int | None = None,
    directory: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Comparison:
    """Run the scenarios and the baseline R times with common random numbers; the comparison in memory.

    Scenarios are files, validated `Scenario` objects, or a mapping from names to either; sizes
    and seed default to the baseline's. With `directory` the runs are stored there and resumed
    on the next call; without it they go through a temporary store."""
    options = dict(
        replications=replications,
        households=households,
        months=months,
        seed=seed,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        on_progress=on_progress,
        cancelled=cancelled,
    )
    if directory is not None:
        directory, summary = run_compare(baseline, scenarios, out=directory, **options)
        return load_comparison(directory, summary=summary)
    with tempfile.TemporaryDirectory(prefix="partage-compare-") as temporary:
        where, summary = run_compare(baseline, scenarios, out=temporary, **options)
        comparison = load_comparison(where, summary=summary)
        comparison.directory = None
        return comparison


def _load(source: ScenarioSource, overrides: dict | None = None) -> Scenario:
    if isinstance(source, Scenario):
        return source.with_overrides(overrides, source=source.name) if overrides else source
    return load_scenario(source, overrides)


def _named_scenarios(
    base: Scenario, baseline: ScenarioSource, scenarios, sizes: dict
) -> dict[str, Scenario]:
    """The baseline first, then the scenarios, each under a unique name, at the comparison's size."""
    if isinstance(scenarios, Mapping):
        named = {base.name: _load(baseline, sizes)}
        for name, source in scenarios.items():
            if name in named:
                raise UserError(f"scenario {name!r} is given twice")
            named[name] = _load(source, sizes)
        return named
    sources = [baseline, *scenarios]
    loaded = [_load(source, sizes) for source in sources]
    names = _unique_names([s.name for s in loaded], sources)
    return dict(zip(names, loaded, strict=True))


def _unique_names(names: list[str], sources: list[ScenarioSource]) -> list[str]:
    unique = []
    for name, source in zip(names, sources, strict=True):
        stem = source.name if isinstance(source, Scenario) else Path(source).stem
        candidate = name if name not in unique else stem
        if candidate in unique:
            raise UserError(
                f"{source if not isinstance(source, Scenario) else stem}: "
                f"scenario {candidate!r} is given twice"
            )
        unique.append(candidate)
    return unique


# --------------------------------------------------------------------------- the comparison


@dataclass
class Comparison:
    """Finished runs of a comparison: per-replication monthly series, and the tables computed from them."""

    baseline: str
    scenarios: list[str]
    replications: int
    households: int
    months: int
    seed: int
    series: pd.DataFrame
    outcomes: list[str]
    directory: Path | None = None
    summary: RunSummary | None = field(default=None, repr=False)
    zones: pd.DataFrame | None = field(
        default=None, repr=False
    )  # outcomes by zone at each run's horizon
    territory: Territory | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.territory is None:  # figures for the sample itself
            self.territory = Territory(self.households, self.households, {}, known=False)

    @property
    def names(self) -> list[str]:
        return [self.baseline, *self.scenarios]

    @property
    def territory_outcomes(self) -> list[str]:
        """The outcomes users read: the `real.*` columns are replaced by the territory's figures."""
        return [o for o in self.outcomes if not o.startswith("real.")]

    def horizon(self) -> pd.DataFrame:
        """Each finished run at its last month, as simulated: one row per run, in run order."""
        last = self.series.groupby("run_id")["month"].transform("max")
        return self.series[self.series["month"] == last].reset_index(drop=True)

    def figures(self) -> pd.DataFrame:
        """Each finished run at its last month, for the territory (`experiments.territory_figures`)."""
        return for_territory(self.horizon(), self.territory)

    def table(self, outcomes: Sequence[str] | None = None) -> pd.DataFrame:
        """Per outcome and scenario, for the territory: mean with interval, and paired difference
        from the baseline.

        Default: the headline outcomes first, then every other one."""
        if outcomes is None:
            headline = [o for o in HEADLINE_OUTCOMES if o in self.outcomes]
            outcomes = headline + [o for o in self.territory_outcomes if o not in headline]
        return comparison_table(self.figures(), self.baseline, self.scenarios, list(outcomes))

    def cost_effectiveness(self) -> pd.DataFrame:
        """Public cost per extra sharing household and per tonne avoided, for the territory."""
        return cost_effectiveness(self.figures(), self.baseline, self.scenarios)

    def impacts(self) -> pd.DataFrame:
        """Changes at the horizon against the baseline, and the public cost of each gain, for planners.

        One row per scenario and indicator: `indicator`, `unit`, `mean`, `low_95`, `high_95`,
        `replications` (pairs). The last two indicators are the cost-effectiveness ratios."""
        values = self.figures()
        values[NET_PUBLIC] = values[PUBLIC_SPEND] - values.get(PUBLIC_REVENUE, 0.0)
        wanted = [
            (label, unit, outcome)
            for label, unit, outcome in IMPACT_INDICATORS
            if outcome in values
        ]
        table = comparison_table(values, self.baseline, self.scenarios, [o for _, _, o in wanted])
        costs = cost_effectiveness(values, self.baseline, self.scenarios).set_index("scenario")
        rows = []
        if "diff" not in table:  # no finished baseline run: nothing to pair with
            return pd.DataFrame(
                columns=[
                    "scenario",
                    "indicator",
                    "unit",
                    "mean",
                    "low_95",
                    "high_95",
                    "replications",
                ]
            )
        for name in self.scenarios:
            part = table[table["scenario"] == name].set_index("outcome")
            if part.empty:
                continue
            pairs = int(costs.loc[name, "pairs"]) if name in costs.index else 0
            for label, unit, outcome in wanted:
                row = part.loc[outcome]
                rows.append(
                    {
                        "scenario": name,
                        "indicator": label,
                        "unit": unit,
                        "mean": row["diff"],
                        "low_95": row["diff_low"],
                        "high_95": row["diff_high"],
                        "replications": pairs,
                    }
                )
            if name in costs.index:
                cost = costs.loc[name]
                rows.append(
                    {
                        "scenario": name,
                        "indicator": "public cost per extra sharing household",
                        "unit": "EUR/household",
                        "mean": cost["eur_per_extra_sharing_household"],
                        "low_95": cost["eur_per_household_low"],
                        "high_95": cost["eur_per_household_high"],
                        "replications": pairs,
                    }
                )
                rows.append(
                    {
                        "scenario": name,
                        "indicator": "public cost per tonne CO2e avoided",
                        "unit": "EUR/t",
                        "mean": cost["eur_per_t_co2e_avoided"],
                        "low_95": cost["eur_per_t_low"],
                        "high_95": cost["eur_per_t_high"],
                        "replications": pairs,
                    }
                )
        return pd.DataFrame(
            rows,
            columns=["scenario", "indicator", "unit", "mean", "low_95", "high_95", "replications"],
        )

    def zone_outcomes(self) -> list[tuple[str, str, str]]:
        """(outcome, good, zone) of every sharing share by zone the runs report."""
        goods = [c.removesuffix(".own") for c in self.outcomes if c.endswith(".own")]
        found = []
        for outcome in self.outcomes:
            for good in goods:
                prefix = f"{good}.share."
                if outcome.startswith(prefix):
                    found.append((outcome, good, outcome.removeprefix(prefix)))
        return found

    def by_zone(self) -> pd.DataFrame:
        """Share of households sharing each good, zone by zone: the baseline's, and each scenario's
        paired difference from it with a 95 % interval. Empty when the results have no zones."""
        zones = self.zone_outcomes()
        columns = ["scenario", "good", "zone", "baseline", "diff", "diff_low", "diff_high"]
        if not zones:
            return pd.DataFrame(columns=columns)
        table = comparison_table(
            self.figures(), self.baseline, self.scenarios, [o for o, _, _ in zones]
        )
        base = table[table["scenario"] == self.baseline].set_index("outcome")["mean"]
        where = {outcome: (good, zone) for outcome, good, zone in zones}
        part = table[table["scenario"] != self.baseline].copy()
        part["good"] = [where[o][0] for o in part["outcome"]]
        part["zone"] = [where[o][1] for o in part["outcome"]]
        part["baseline"] = part["outcome"].map(base)
        return part[columns].reset_index(drop=True)

    def zone_months(self, zone: str, outcome: str) -> pd.DataFrame:
        """One zone's outcome month by month for the territory: per scenario and month the mean
        over replications, and the mean paired difference from the baseline (`diff`, NaN for
        the baseline). Empty without a store or zone results."""
        if self.directory is None:
            return pd.DataFrame(columns=["scenario", "month", "mean", "diff"])
        with StoreReader(self.directory) as reader:
            wanted = [outcome, f"real.{outcome}"]
            values = zones_for_territory(reader.zone_history(zone, wanted), self.territory)
        if values is None or values.empty:
            return pd.DataFrame(columns=["scenario", "month", "mean", "diff"])
        values = values[values["outcome"] == outcome]
        runs = values.pivot_table(
            index=["replication", "month"], columns="scenario", values="value", aggfunc="mean"
        )
        rows = []
        for scenario in self.names:
            if scenario not in runs:
                continue
            diff = (
                runs[scenario] - runs[self.baseline]
                if scenario != self.baseline and self.baseline in runs
                else runs[scenario] * np.nan
            )
            means = pd.DataFrame({"mean": runs[scenario], "diff": diff}).groupby("month").mean()
            rows.append(means.reset_index().assign(scenario=scenario))
        if not rows:
            return pd.DataFrame(columns=["scenario", "month", "mean", "diff"])
        return pd.concat(rows, ignore_index=True)[["scenario", "month", "mean", "diff"]]

    def zone_table(self) -> pd.DataFrame:
        """Every outcome by zone at the horizon: per zone, outcome and scenario the mean with its 95 %
        interval and the paired difference from the baseline with its interval (`zone_comparison`)."""
        if self.zones is None or self.zones.empty:
            return pd.DataFrame()
        return zone_comparison(
            zones_for_territory(self.zones, self.territory), self.baseline, self.scenarios
        )

    def curves(
        self, outcomes: Sequence[str], band: Literal["mean", "runs"] = "mean"
    ) -> pd.DataFrame:
        """Mean over replications per (scenario, outcome, month), with `low` and `high`.

        `band="mean"`: the 95 % Student interval of the mean; `band="runs"`: the 5-95 % spread of the runs."""
        long = self._long(outcomes)
        grouped = long.groupby(["scenario", "outcome", "month"], sort=False)["value"]
        if band == "runs":
            frame = grouped.agg(
                mean="mean", low=lambda v: v.quantile(0.05), high=lambda v: v.quantile(0.95)
            )
            return frame.reset_index()
        return _cut_to_range(_student_band(grouped))

    def differences(self, outcomes: Sequence[str]) -> pd.DataFrame:
        """Paired difference from the baseline per (scenario, outcome, month), with its 95 % interval."""
        long = self._long(outcomes)
        base = long[long["scenario"] == self.baseline].drop(columns="scenario")
        paired = long[long["scenario"] != self.baseline].merge(
            base, on=["replication", "outcome", "month"], suffixes=("", "_base")
        )
        paired["value"] = paired["value"] - paired["value_base"]
        return _student_band(paired.groupby(["scenario", "outcome", "month"], sort=False)["value"])

    def territory_series(self) -> pd.DataFrame:
        """Every run month by month, for the territory (`experiments.territory_figures`)."""
        return for_territory(self.series, self.territory)

    def _long(self, outcomes: Sequence[str]) -> pd.DataFrame:
        return self.territory_series().melt(
            id_vars=["scenario", "replication", "month"],
            value_vars=list(outcomes),
            var_name="outcome",
            value_name="value",
        )


def _student_band(grouped) -> pd.DataFrame:
    from scipy import stats

    frame = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    t = np.where(frame["n"] > 1, stats.t.ppf(0.975, np.maximum(frame["n"] - 1, 1)), np.nan)
    half = t * frame["sd"] / np.sqrt(frame["n"])
    frame["low"], frame["high"] = frame["mean"] - half, frame["mean"] + half
    return frame.drop(columns=["sd", "n"])


def _cut_to_range(frame: pd.DataFrame) -> pd.DataFrame:
    """Bands of levels kept in their outcome's range (`model.outcomes`); see `experiments.intervals`."""
    floors = frame["outcome"].map(lambda o: outcome_bounds(o)[0]).astype(float)
    ceilings = frame["outcome"].map(lambda o: outcome_bounds(o)[1]).astype(float)
    frame["low"] = frame["low"].where(floors.isna() | (frame["low"] >= floors), floors)
    frame["high"] = frame["high"].where(ceilings.isna() | (frame["high"] <= ceilings), ceilings)
    return frame


def load_comparison(directory: str | Path, summary: RunSummary | None = None) -> Comparison:
    """The finished runs of a comparison store; a one-line error if it holds something else or nothing yet."""
    with StoreReader(directory) as reader:
        if reader.kind != "compare":
            raise UserError(f"{reader.path}: holds a {reader.kind}, not a comparison")
        outcomes = reader.outcomes()
        if not outcomes:
            raise UserError(f"{reader.path}: no finished run yet")
        series = reader.series_wide()
        zones = reader.zone_values()
        design = reader.design
    return Comparison(
        territory=_territory_of(design),
        baseline=design["baseline"],
        scenarios=list(design["scenarios"]),
        replications=design["replications"],
        households=design["households"],
        months=design["months"],
        seed=design["seed"],
        series=series,
        outcomes=outcomes,
        directory=Path(directory),
        summary=summary,
        zones=zones,
    )


def _territory_of(design: dict) -> Territory | None:
    """The territory a comparison's figures are for, as its design records it; for a store written
    before it did, rebuilt from the scenario files (None when they cannot be read: the sample's)."""
    if "territory" in design:
        return Territory.from_json(design["territory"])
    files = design.get("files") or []
    names = [design["baseline"], *design["scenarios"]]
    if len(files) != len(names) or any(not isinstance(f, str) for f in files):
        return None
    sizes = {"households": design["households"], "months": design["months"]}
    try:
        declared = load_scenario(files[0])
        named = {name: load_scenario(path, sizes) for name, path in zip(names, files, strict=True)}
    except (UserError, OSError, ValueError):
        return None
    return territory_for(
        named,
        sample=design["households"],
        months=design["months"],
        households=declared_households(declared),
    )


# --------------------------------------------------------------------------- statistics


def comparison_table(
    values: pd.DataFrame, baseline: str, scenarios: list[str], outcomes: list[str]
) -> pd.DataFrame:
    """Per outcome and scenario: mean with interval, and paired difference from the baseline."""
    rows = []
    by_scenario = {name: part.set_index("replication") for name, part in values.groupby("scenario")}
    base = by_scenario.get(baseline)
    for outcome in outcomes:
        for name in [baseline, *scenarios]:
            part = by_scenario.get(name)
            if part is None:
                continue
            mean, low, high, cut = bounded_mean_interval(
                part[outcome].dropna().to_numpy(), outcome_bounds(outcome)
            )
            row = {
                "outcome": outcome,
                "scenario": name,
                "runs": int(part[outcome].notna().sum()),
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "ci_cut_to_range": cut,
            }
            if name != baseline and base is not None:
                paired = (part[outcome] - base[outcome]).dropna()
                diff, diff_low, diff_high = mean_interval(paired.to_numpy())
                row |= {"diff": diff, "diff_low": diff_low, "diff_high": diff_high}
            rows.append(row)
    return pd.DataFrame(rows)


def zone_comparison(values: pd.DataFrame, baseline: str, scenarios: list[str]) -> pd.DataFrame:
    """Per zone, outcome and scenario: mean over replications with its 95 % interval, and the paired
    difference from the baseline with its interval (`values`: rows of `StoreReader.zone_values`,
    all at one month or each at its run's horizon)."""
    from scipy import stats

    if values.empty:
        return pd.DataFrame()
    wide = values.pivot_table(
        index=["zone", "outcome", "replication"], columns="scenario", values="value"
    )

    def summarise(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
        grouped = frame.groupby(level=["zone", "outcome"])
        mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
        half = (stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)).where(n > 1)
        label = prefix or "mean"
        low, high = (f"{prefix}_low", f"{prefix}_high") if prefix else ("ci_low", "ci_high")
        parts = {
            name: pd.DataFrame(
                {
                    "pairs" if prefix else "runs": n[name],
                    label: mean[name],
                    low: mean[name] - half[name],
                    high: mean[name] + half[name],
                }
            )
            for name in frame.columns
        }
        return pd.concat(parts, names=["scenario"]).reset_index()

    levels = summarise(wide[[c for c in [baseline, *scenarios] if c in wide.columns]], "")
    present = [s for s in scenarios if s in wide.columns]
    if baseline in wide.columns and present:
        diffs = summarise(wide[present].sub(wide[baseline], axis=0), "diff")
        levels = levels.merge(diffs, on=["scenario", "zone", "outcome"], how="left")
    months = values["month"].unique()
    levels["month"] = int(months[0]) if len(months) == 1 else int(months.max())
    return levels.sort_values(["outcome", "zone", "scenario"]).reset_index(drop=True)


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
        rows.append(
            {
                "scenario": name,
                "pairs": len(paired),
                "extra_public_eur": cost.mean() if len(cost) else math.nan,
                "extra_sharing_households": sharers.mean() if len(sharers) else math.nan,
                "t_co2e_avoided": avoided.mean() if len(avoided) else math.nan,
                "eur_per_extra_sharing_household": per_sharer[0],
                "eur_per_household_low": per_sharer[1],
                "eur_per_household_high": per_sharer[2],
                "eur_per_t_co2e_avoided": per_tonne[0],
                "eur_per_t_low": per_tonne[1],
                "eur_per_t_high": per_tonne[2],
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- files


def plot_bands(
    bands: pd.DataFrame, outcomes: list[str], path: Path, title: str, order: list[str]
) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = 2
    rows = math.ceil(len(outcomes) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(11, 2.8 * rows), squeeze=False)
    colours = dict(zip(order, itertools.cycle(OKABE_ITO), strict=False))
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        part = bands[bands["outcome"] == outcome]
        for name in order:
            line = part[part["scenario"] == name]
            if line.empty:
                continue
            ax.plot(line["month"], line["mean"], label=name, color=colours[name])
            ax.fill_between(
                line["month"], line["low"], line["high"], alpha=0.25, color=colours[name]
            )
        ax.set_title(outcome, fontsize=10)
        ax.set_xlabel("month")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(guarded(path), dpi=110)
    plt.close(fig)
    return path


def write_comparison(
    comparison: Comparison, directory: str | Path
) -> tuple[pd.DataFrame, pd.DataFrame, list[Path]]:
    """Tables and plots of a comparison into `directory`; returns (table, cost-effectiveness, files)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    baseline, scenarios = comparison.baseline, comparison.scenarios
    table = comparison.table()
    costs = comparison.cost_effectiveness()
    scope = territory_scope(comparison)
    written = write_table(
        table, directory, "comparison", title=f"{baseline} vs {', '.join(scenarios)}, {scope}"
    )
    if not costs.empty:
        written += write_table(
            costs, directory, "cost_effectiveness", title=f"Cost-effectiveness, {scope}"
        )
    zones = comparison.by_zone()
    if not zones.empty:
        written += write_table(
            zones, directory, "zones", title="Households sharing each good, by zone"
        )
    by_zone = comparison.zone_table()
    if not by_zone.empty:
        by_zone.to_csv(guarded(directory / "zone_comparison.csv"), index=False)
        by_zone.to_parquet(guarded(directory / "zone_comparison.parquet"), index=False)
        written += [directory / "zone_comparison.csv", directory / "zone_comparison.parquet"]
    headline = [o for o in HEADLINE_OUTCOMES if o in comparison.outcomes]
    if comparison.series["month"].nunique() > 1 and headline:
        written.append(
            plot_bands(
                comparison.curves(headline),
                headline,
                directory / "curves.png",
                "Mean over replications with 95 % band",
                comparison.names,
            )
        )
        written.append(
            plot_bands(
                comparison.differences(headline),
                headline,
                directory / "differences.png",
                f"Difference from {baseline} (paired), 95 % band",
                scenarios,
            )
        )
    return table, costs, written


def territory_scope(comparison: Comparison) -> str:
    """What the figures of a comparison are for: `for the territory (N households), simulated
    with n households`."""
    simulated = f"{comparison.households:,}".replace(",", "\u202f")
    return f"{comparison.territory.label()}, simulated with {simulated} households"


def write_report(directory: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, list[Path]]:
    """Tables, plots and raw series of a (possibly partial) comparison store, written beside it."""
    comparison = load_comparison(directory)
    table, costs, written = write_comparison(comparison, directory)
    with StoreReader(directory) as reader:
        written.append(export_series(reader, guarded(Path(directory) / "series.parquet")))
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
    spending of the two poorest quintiles over months 1..horizon. `territory`: the counts are
    already the territory's (a territory from data's `real.*`), else the sample's.

    The rows are read in a fixed order and summed by numpy, so a run's figures are the same bit
    for bit however DuckDB's threads would have split a sum."""
    counted = (SHARING, EMISSIONS, PUBLIC_SPEND, PUBLIC_REVENUE)
    wanted = [*counted, *(f"real.{c}" for c in counted), *POOREST_SPENDING]
    rows = con.execute(
        f"""SELECT r.point_id, r.replication, s.month, s.outcome, s.value
            FROM series s JOIN runs r USING (run_id)
            WHERE r.status = 'done' AND r.point_id IN ({", ".join("?" * len(point_ids))})
              AND s.outcome IN ({", ".join("?" * len(wanted))})
            ORDER BY r.point_id, r.replication, s.outcome, s.month""",
        [*point_ids, *wanted],
    ).df()
    measures = []
    for (point_id, replication), run in rows.groupby(["point_id", "replication"], sort=True):
        horizon = run[run["month"] == run["month"].max()].set_index("outcome")["value"]
        # a territory from data gives its own figures (`real.*`, already the territory's)
        territory = f"real.{SHARING}" in horizon.index
        if territory:
            horizon = horizon[horizon.index.str.startswith("real.")]
            horizon.index = horizon.index.str.removeprefix("real.")
        poorest = run[run["outcome"].isin(POOREST_SPENDING) & (run["month"] >= 1)]["value"]
        measures.append(
            {
                "point_id": int(point_id),
                "replication": int(replication),
                "sharing": float(horizon.get(SHARING, math.nan)),
                "emissions_t": float(horizon.get(EMISSIONS, math.nan)),
                "net_public_eur": float(horizon.get(PUBLIC_SPEND, math.nan))
                - float(horizon.get(PUBLIC_REVENUE, 0.0)),
                "poorest_spending_eur": float(np.mean(poorest.to_numpy()))
                if len(poorest)
                else math.nan,
                "territory": territory,
            }
        )
    return pd.DataFrame(
        measures,
        columns=[
            "point_id",
            "replication",
            "sharing",
            "emissions_t",
            "net_public_eur",
            "poorest_spending_eur",
            "territory",
        ],
    )


def paired_impacts(measures: pd.DataFrame, baseline_point: int) -> pd.DataFrame:
    """Each impact of `IMPACTS` per (point, replication), against the baseline's run of the same
    replication (common random numbers); replications the baseline lacks are left out."""
    base = measures[measures["point_id"] == baseline_point].set_index("replication")
    others = measures[measures["point_id"] != baseline_point]
    paired = others.join(
        base.drop(columns="point_id"), on="replication", rsuffix="_base", how="inner"
    )
    return pd.DataFrame(
        {
            "point_id": paired["point_id"].to_numpy(),
            "replication": paired["replication"].to_numpy(),
            "extra_sharing_households": (paired["sharing"] - paired["sharing_base"]).to_numpy(),
            "t_co2e_avoided": (paired["emissions_t_base"] - paired["emissions_t"]).to_numpy(),
            "poorest_savings_eur_per_month": (
                paired["poorest_spending_eur_base"] - paired["poorest_spending_eur"]
            ).to_numpy(),
            "net_public_cost_eur": (
                paired["net_public_eur"] - paired["net_public_eur_base"]
            ).to_numpy(),
        }
    )
