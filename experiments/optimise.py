"""Policy design: a multi-objective search over policy levers under a budget (`partage optimise`).

An optimisation design (TOML) names the scenario whose policies are the levers,
the baseline they are measured against, the levers, the objectives, the budget,
the horizon, the replications and the search. Example:

    name = "packages"
    scenario = "../../scenarios/territoire_partage.toml"   # its policies are the levers
    baseline = "../../scenarios/baseline.toml"
    seed = 2013
    replications = 2
    households = 400
    months = 36

    [search]
    population = 8        # NSGA-II population
    generations = 4

    [[objectives]]
    outcome = "extra_sharing_households"
    direction = "maximise"

    [[objectives]]
    outcome = "net_public_cost_eur"
    direction = "minimise"

    [budget]
    net_public_cost_eur = 2_000_000     # at most, over the horizon, for the whole territory

    [levers.tool_library]
    optional = true                              # an on/off gene: the package may leave it out
    units_per_1000_households = { min = 1, max = 12 }

    [levers.carsharing_fleet]
    zones = ["centre", "suburb"]                 # it may target any non-empty subset of these

Rules:
- Objectives are impacts of the comparison engine (`experiments.compare.IMPACTS`),
  each the mean over replications of a paired difference from the baseline run
  with the same seed (common random numbers). Counts are scaled from the
  simulated households to the scenario's territory, and the net public cost is
  scaled as the scenario library scales it (lump sums as declared, the rest in
  proportion to households).
- The budget bounds the mean net public cost over the horizon, above the
  baseline's (a constraint of the search); the report gives the share of
  replications within it.
- Every lever is a gene in [0, 1]: a field's value is its range cut into
  `STEPS` steps (integer fields rounded) or one of its declared levels
  (`{ levels = [0, 5, 10] }`, equal cells of the gene), an on/off gene is on at
  0.5 and above, a zones gene picks one of the non-empty subsets of its zones. A
  policy left out drops its other genes, so equal packages are one candidate.
- The search is pymoo's NSGA-II, seeded with the design's seed. Duplicates are
  removed on decoded packages (`PackageDuplicates`), and a package already
  evaluated is not offered again. Each candidate is a point of the experiment's
  results store, its replications runs of the executors; a candidate met again
  (in an interrupted search being resumed) is read from the store, never run
  again, so a rerun of the same design gives the same front bit for bit.
- Every package evaluated is written once to the store's `archive` table; the
  front is the non-dominated set of the archive within the budget, not of the
  last population, and its hypervolume after each generation is reported.
- Uncertainties (`[uncertainties]`: `ranges` of scenario parameters, a Latin
  hypercube, and/or rows of a calibration's `posterior`) make every package run
  in each of their `scenarios`, paired with the baseline in the same scenario;
  each objective is then a `statistic` over the scenarios (`mean`, `pNN`, or
  `regret` against the best package evaluated in each scenario).
- A design is checked before any run: unknown outcome, policy, field or zone,
  empty or inverted bounds, bounds outside the schema, a budget below what even
  the cheapest package declares, and a design changed since a partial run in
  the same directory are refused with one line naming the file and the field.

Written under `results/NAME/` (or `--out`): `front.csv`/`front.md` (levers,
impacts with 95 % intervals, shares of replications better than the baseline
and within the budget), `candidates.csv` (every candidate evaluated),
`front.png`, `hypervolume.csv`/`.md`, `report.md`, one scenario file per point of the
front in `front/`, `manifest.json` and the store `experiment.duckdb`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pymoo.core.duplicate import DuplicateElimination

from experiments.compare import IMPACTS, paired_impacts, run_measures
from experiments.design import (
    DesignError,
    Point,
    _check_bounds,
    fingerprint,
    first_problem,
    plan_runs,
)
from experiments.errors import UserError
from experiments.executors import make_executor, run_tasks
from experiments.intervals import mean_interval
from experiments.manifest import build_manifest, write_manifest
from experiments.outputs import default_folder, guarded, writable_folder
from experiments.report import format_number, markdown_table, write_table
from experiments.store import ResultsStore, RunResult, StoreError, StoreReader, database_path
from experiments.targets import ScenarioTarget
from model.messages import escaped, shown

STEPS = 1000
MAX_ZONES_PER_LEVER = 8
BASELINE_POINT = 0
BASELINE, CANDIDATE = "baseline", "candidate"
COST = "net_public_cost_eur"
# Okabe-Ito colours, distinguishable with the common colour-blindnesses.
FRONT_COLOUR, OTHER_COLOUR, INFEASIBLE_COLOUR = "#0072B2", "#999999", "#D55E00"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ObjectiveSpec(Strict):
    outcome: Literal[tuple(IMPACTS)]  # type: ignore[valid-type]
    direction: Literal["maximise", "minimise"]
    statistic: str = Field(
        default="mean",
        pattern=r"^(mean|regret|p([1-9]|[1-9][0-9]))$",
        description="Over the scenarios of the uncertainties: mean, pNN (a percentile), regret.",
    )


class SearchSpec(Strict):
    algorithm: Literal["nsga2"] = "nsga2"
    population: int = Field(default=8, ge=4, le=10_000)
    generations: int = Field(default=4, ge=1, le=10_000)
    offspring: int | None = Field(
        default=None, ge=1, le=10_000, description="Default: the population."
    )


class BudgetSpec(Strict):
    net_public_cost_eur: float = Field(
        ge=0, le=1e13, description="Most the package may cost over the horizon."
    )


class RangeSpec(Strict):
    min: float
    max: float

    @model_validator(mode="after")
    def _not_empty(self):
        if not self.min < self.max:
            raise ValueError(
                f"empty or inverted range: min ({self.min:g}) must be below max ({self.max:g})"
            )
        return self


class LevelsSpec(Strict):
    levels: list[float] = Field(min_length=2, max_length=100)

    @model_validator(mode="after")
    def _distinct(self):
        if len(set(self.levels)) < len(self.levels):
            raise ValueError("a level is listed twice")
        return self


class UncertainRangeSpec(RangeSpec):
    """A range of an uncertain scenario parameter: the lever range's bounds and check, and a path."""

    path: str = Field(min_length=1, description="Dotted path of a scenario parameter.")


class UncertaintiesSpec(Strict):
    scenarios: int = Field(ge=1, le=1000, description="Scenarios of the uncertainties drawn.")
    posterior: str | None = Field(
        default=None,
        description="A calibration's posterior sample (posterior.parquet or .csv), relative to the design.",
    )
    ranges: list[UncertainRangeSpec] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _something_uncertain(self):
        if self.posterior is None and not self.ranges:
            raise ValueError("give a posterior file, ranges, or both")
        paths = [r.path for r in self.ranges]
        repeated = sorted({path for path in paths if paths.count(path) > 1})
        if repeated:
            raise ValueError(f"uncertainty {repeated[0]} is listed more than once")
        return self


class LeverSpec(BaseModel):
    """A policy's levers: `optional`, `zones`, and a `{min, max}` range per field searched."""

    model_config = ConfigDict(extra="allow")
    optional: bool = False
    zones: list[str] | None = Field(default=None, min_length=1, max_length=MAX_ZONES_PER_LEVER)


class OptimiseSpec(Strict):
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
    description: str = Field(default="", max_length=4000)
    scenario: str = Field(
        description="Scenario whose policies the levers act on, relative to the design."
    )
    baseline: str = Field(
        description="Scenario the packages are compared with, relative to the design."
    )
    seed: int = Field(default=1, ge=0, le=2**63 - 1)
    replications: int = Field(default=2, ge=1, le=10_000)
    households: int | None = Field(default=None, ge=10, le=5_000_000)
    months: int | None = Field(default=None, ge=1, le=1200)
    objectives: list[ObjectiveSpec] = Field(min_length=1, max_length=len(IMPACTS))
    budget: BudgetSpec | None = None
    search: SearchSpec = SearchSpec()
    levers: dict[str, LeverSpec] = Field(min_length=1, max_length=50)
    uncertainties: UncertaintiesSpec | None = None

    @model_validator(mode="after")
    def _distinct_objectives(self):
        names = [f"{o.statistic} {o.outcome}".removeprefix("mean ") for o in self.objectives]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"objective {repeated[0]} is listed more than once")
        if self.uncertainties is None:
            robust = [o for o in self.objectives if o.statistic != "mean"]
            if robust:
                raise ValueError(
                    f"objective {robust[0].outcome}: statistic {robust[0].statistic} needs "
                    "[uncertainties]; allowed without them: mean"
                )
        return self


@dataclass(frozen=True)
class Gene:
    """One coordinate of the search space, in [0, 1]."""

    policy: str
    kind: Literal["switch", "zones", "number"]
    field: str = ""
    low: float = 0.0
    high: float = 1.0
    integer: bool = False
    zones: tuple[str, ...] = ()
    levels: tuple[float, ...] = ()

    @property
    def label(self) -> str:
        return {"switch": self.policy, "zones": f"{self.policy}.zones"}.get(
            self.kind, f"{self.policy}.{self.field}"
        )

    def subsets(self) -> list[list[str]]:
        return [
            [z for bit, z in enumerate(self.zones) if mask >> bit & 1]
            for mask in range(1, 2 ** len(self.zones))
        ]

    def decode(self, x: float) -> Any:
        x = min(max(float(x), 0.0), 1.0)
        if self.kind == "switch":
            return x >= 0.5
        if self.kind == "zones":
            subsets = self.subsets()
            return subsets[min(int(x * len(subsets)), len(subsets) - 1)]
        if self.levels:
            value = self.levels[min(int(x * len(self.levels)), len(self.levels) - 1)]
        else:
            value = self.low + round(x * STEPS) / STEPS * (self.high - self.low)
        return int(round(value)) if self.integer else round(value, 10)


@dataclass
class Optimisation:
    """A checked optimisation design, ready to search."""

    spec: OptimiseSpec
    source: Path
    scenario: Any
    baseline: Any
    genes: list[Gene]
    households: int
    months: int
    _scaled: dict = field(default_factory=dict)
    uncertainty: list[dict[str, Any]] = field(default_factory=lambda: [{}])

    def baseline_points(self) -> list[Point]:
        """The baseline in each scenario of the uncertainties: points 0 .. scenarios - 1."""
        return [
            Point(BASELINE_POINT + s, BASELINE, dict(overrides))
            for s, overrides in enumerate(self.uncertainty)
        ]

    @property
    def name(self) -> str:
        return self.spec.name or self.source.stem

    @property
    def territory_households(self) -> int:
        """The households counts are scaled to: a territory from data's real ones, else the scenario's."""
        from experiments.territory_figures import declared_households

        return declared_households(self.scenario)

    def decode(self, x) -> dict[str, Any]:
        """A candidate's scenario changes by dotted path; a policy left out keeps only its switch."""
        values = {gene: gene.decode(v) for gene, v in zip(self.genes, x, strict=True)}
        off = {g.policy for g, v in values.items() if g.kind == "switch" and not v}
        params: dict[str, Any] = {}
        for gene, value in values.items():
            if gene.kind == "switch":
                params[f"policies.{gene.policy}"] = bool(value)
            elif gene.policy not in off:
                params[f"policies.{gene.policy}.{gene.field or 'zones'}"] = value
        return params

    def described(self) -> dict:
        """What defines the experiment, stored with it to detect a design changed after a partial run."""
        described = self.spec.model_dump(mode="json") | {
            "scenario_content": fingerprint(self.scenario.model_dump(mode="json")),
            "baseline_content": fingerprint(self.baseline.model_dump(mode="json")),
            "households": self.households,
            "months": self.months,
        }
        if self.spec.uncertainties is not None:
            described["uncertainty_scenarios"] = fingerprint(self.uncertainty)
        return described

    def target(self) -> PackageTarget:
        return PackageTarget({BASELINE: self.baseline, CANDIDATE: self.scenario})

    def scenario_of(self, params: dict[str, Any], months: int | None = None):
        """The candidate's scenario at the territory's size (the baseline for point 0's empty params)."""
        base = self.baseline if params is None else self.scenario
        return package_scenario(base, params or {}, {"months": months or self.months})


def package_scenario(base, params: dict[str, Any], sizes: dict[str, int] | None = None):
    """`base` with the policies switched off removed and the other changes applied, validated."""
    from model.scenario import apply_overrides, validate_raw

    raw = base.model_dump(exclude_none=True)
    overrides = dict(sizes or {})
    for path, value in params.items():
        keys = path.split(".")
        if len(keys) == 2 and keys[0] == "policies":
            if not value:
                raw["policies"].pop(keys[1], None)
        else:
            overrides[path] = value
    return validate_raw(apply_overrides(raw, overrides), base.name, set(overrides))


class PackageTarget(ScenarioTarget):
    """Scenarios whose points may also switch policies off (`policies.NAME = false`)."""

    kind = "package"

    def prepare(self, scenario, params, households, months):
        sizes = {
            key: value for key, value in (("households", households), ("months", months)) if value
        }
        return package_scenario(self.scenarios[scenario], dict(params), sizes)


# --------------------------------------------------------------------------- loading and checks


def load_optimisation(path: str | Path) -> Optimisation:
    """Read and check an optimisation design; every problem is a one-line `DesignError`."""
    from model.scenario import ScenarioError, load_scenario, read_toml_file

    path = Path(path)
    try:
        raw = read_toml_file(path, "optimisation design")
    except ScenarioError as error:
        raise DesignError(str(error)) from None
    try:
        spec = OptimiseSpec.model_validate(raw)
    except ValidationError as error:
        raise DesignError(f"{escaped(path)}: {first_problem(error, raw, OptimiseSpec)}") from None
    scenarios = []
    for key in ("scenario", "baseline"):
        file = (path.parent / getattr(spec, key)).resolve()
        if not file.is_file():
            raise DesignError(
                f"{escaped(path)}: {key} = {shown(getattr(spec, key))}: no such file "
                f"(looked for {escaped(file)})"
            )
        scenarios.append(load_scenario(file))
    scenario, baseline = scenarios
    genes = [
        gene for name, lever in spec.levers.items() for gene in _genes(path, scenario, name, lever)
    ]
    optimisation = Optimisation(
        spec,
        path,
        scenario,
        baseline,
        genes,
        households=spec.households or scenario.households,
        months=spec.months or scenario.months,
    )
    _check_ranges_in_scenario(optimisation)
    if spec.uncertainties is not None:
        optimisation.uncertainty = uncertainty_scenarios(path, spec, scenario)
    if spec.budget is not None:
        _check_budget_reachable(optimisation)
    return optimisation


def _check_ranges_in_scenario(optimisation: Optimisation) -> None:
    """Both ends of every lever's range applied to the scenario at the search's horizon: a value it
    refuses (e.g. a start after the horizon) is refused now, not by every candidate."""
    from model.scenario import ScenarioError

    for gene in optimisation.genes:
        if gene.kind != "number":
            continue
        path = f"policies.{gene.policy}.{gene.field}"
        for value in (gene.decode(0.0), gene.decode(1.0)):
            try:
                optimisation.scenario_of({path: value})
            except ScenarioError as error:
                raise DesignError(
                    f"{escaped(optimisation.source)}: levers.{escaped(gene.policy)}.{escaped(gene.field)}: "
                    f"value {shown(value)} refused: {error}"
                ) from None


def uncertainty_scenarios(path: Path, spec: OptimiseSpec, scenario) -> list[dict[str, Any]]:
    """The scenarios of the uncertainties: rows of a calibration's posterior sample drawn without
    replacement and a Latin hypercube over the ranges (scipy), both seeded with the design's seed."""
    from scipy.stats import qmc

    from model.scenario import ScenarioError, parameter_info

    uncertain = spec.uncertainties
    count = uncertain.scenarios
    rows: list[dict[str, Any]] = [{} for _ in range(count)]
    where = f"{escaped(path)}: uncertainties"

    def info_of(name: str, field_where: str) -> dict:
        if name.split(".")[0] == "policies" or name in ("households", "months", "seed"):
            raise DesignError(
                f"{field_where}: {shown(name)} is a lever or a size, not an uncertainty; "
                "allowed: behaviour, network and other scenario parameters"
            )
        try:
            info = parameter_info(scenario, name)
        except (ScenarioError, KeyError):
            info = None
        if info is None or info.get("type") not in ("float", "int"):
            raise DesignError(
                f"{field_where}: {shown(name)} is no numeric parameter of scenario {shown(scenario.name)}"
            )
        return info

    if uncertain.posterior is not None:
        file = (path.parent / uncertain.posterior).resolve()
        try:
            sample = (
                pd.read_csv(file) if file.suffix == ".csv" else pd.read_parquet(file)
            ).select_dtypes("number")
        except (OSError, ValueError) as error:
            raise DesignError(
                f"{where}.posterior = {shown(uncertain.posterior)}: cannot be read as a posterior "
                f"sample (.parquet or .csv written by partage calibrate): {escaped(str(error), 120)}"
            ) from None
        if sample.empty:
            raise DesignError(
                f"{where}.posterior = {shown(uncertain.posterior)}: no numeric column"
            )
        if len(sample) < count:
            raise DesignError(
                f"{where}.scenarios = {count}: the posterior has {len(sample)} rows; allowed: at most {len(sample)}"
            )
        for name in sample.columns:
            info_of(name, f"{where}.posterior column")
        picked = np.sort(np.random.default_rng(spec.seed).choice(len(sample), count, replace=False))
        for row, index in zip(rows, picked, strict=True):
            row.update({name: float(sample[name].iloc[index]) for name in sample.columns})
    if uncertain.ranges:
        unit = qmc.LatinHypercube(d=len(uncertain.ranges), seed=spec.seed).random(count)
        for k, spread in enumerate(uncertain.ranges):
            field_where = f"{where}.ranges[{k}]"
            info = info_of(spread.path, field_where)
            if any(spread.path in row for row in rows):
                raise DesignError(f"{field_where}: {shown(spread.path)} is also in the posterior")
            _check_bounds(field_where, "min", spread.min, info)
            _check_bounds(field_where, "max", spread.max, info)
            for row, u in zip(rows, unit[:, k], strict=True):
                value = spread.min + float(u) * (spread.max - spread.min)
                row[spread.path] = int(round(value)) if info["type"] == "int" else round(value, 10)
    return rows


def _genes(path: Path, scenario, name: str, lever: LeverSpec) -> list[Gene]:
    from model.scenario import ScenarioError, parameter_info

    where = f"{escaped(path)}: levers.{escaped(name)}"
    if name not in scenario.policies:
        allowed = ", ".join(scenario.policies) or "none (the scenario has no policy)"
        raise DesignError(
            f"{where}: no policy {shown(name)} in scenario {shown(scenario.name)}; allowed: {allowed}"
        )
    policy = scenario.policies[name]
    genes = [Gene(name, "switch")] if lever.optional else []
    if lever.zones is not None:
        for zone in lever.zones:
            if zone not in scenario.territory.zones:
                raise DesignError(
                    f"{where}.zones: unknown zone {shown(zone)}; allowed: {', '.join(scenario.territory.zones)}"
                )
        if len(set(lever.zones)) < len(lever.zones):
            raise DesignError(f"{where}.zones: a zone is listed twice")
        genes.append(Gene(name, "zones", zones=tuple(lever.zones)))
    numeric = [
        key
        for key in type(policy).model_fields
        if parameter_info(scenario, f"policies.{name}.{key}").get("type") in ("float", "int")
    ]
    for key, value in (lever.model_extra or {}).items():
        field_where = f"{where}.{escaped(key)}"
        try:
            info = parameter_info(scenario, f"policies.{name}.{key}")
        except ScenarioError:
            info = None
        if info is None or info.get("type") not in ("float", "int"):
            raise DesignError(
                f"{field_where}: no such numeric field of a {policy.kind} policy; "
                f"allowed: optional, zones, {', '.join(numeric)}"
            )
        if not isinstance(value, dict):
            raise DesignError(
                f"{field_where} = {shown(value)}: expected a range, e.g. {{ min = 1, max = 10 }}, "
                "or levels, e.g. { levels = [0, 5, 10] }"
            )
        integer = info["type"] == "int"
        if "levels" in value:
            try:
                levels = sorted(LevelsSpec.model_validate(value).levels)
            except ValidationError as error:
                raise DesignError(
                    f"{field_where}: {first_problem(error, value, LevelsSpec)}"
                ) from None
            for level in levels:
                _check_bounds(field_where, "levels", level, info)
            genes.append(
                Gene(name, "number", key, levels[0], levels[-1], integer, levels=tuple(levels))
            )
            continue
        try:
            bounds = RangeSpec.model_validate(value)
        except ValidationError as error:
            raise DesignError(f"{field_where}: {first_problem(error, value, RangeSpec)}") from None
        _check_bounds(field_where, "min", bounds.min, info)
        _check_bounds(field_where, "max", bounds.max, info)
        genes.append(Gene(name, "number", key, bounds.min, bounds.max, integer=integer))
    if not genes:
        raise DesignError(
            f"{where}: nothing to search; give optional = true, zones, or a field's range"
        )
    return genes


def cheapest_declared_cost(optimisation: Optimisation) -> tuple[float, dict[str, Any]] | None:
    """The lowest public cost declared in advance over the horizon (territory size) of any package,
    with that package; None when revenue or a costly baseline makes a bound unknowable before running.

    Declared costs are sums over policies of non-negative terms, each non-decreasing in every cost
    field and in the zones covered, so optional policies off, each field at the cheaper end of its
    range and the cheapest single zone give the minimum."""
    from model.policies import REVENUE, declared_costs

    if optimisation.baseline.policies:
        return None

    def cost(params: dict[str, Any]) -> float:
        scenario = optimisation.scenario_of(params)
        return float(declared_costs(scenario).sum())

    params: dict[str, Any] = {}
    for gene in optimisation.genes:
        if gene.kind == "switch":
            params[f"policies.{gene.policy}"] = False
    for gene in optimisation.genes:
        if gene.kind == "switch" or params.get(f"policies.{gene.policy}") is False:
            continue
        path = f"policies.{gene.policy}.{gene.field or 'zones'}"
        options = (
            [[z] for z in gene.zones]
            if gene.kind == "zones"
            else [gene.decode(0.0), gene.decode(1.0)]
        )
        params[path] = min(options, key=lambda value, path=path: cost(params | {path: value}))
    scenario = optimisation.scenario_of(params)
    kept = scenario.policies.values()
    if any(p.kind in REVENUE for p in kept):
        return None
    return cost(params), params


def _check_budget_reachable(optimisation: Optimisation) -> None:
    found = cheapest_declared_cost(optimisation)
    budget = optimisation.spec.budget.net_public_cost_eur
    if found is None or found[0] <= budget:
        return
    lowest, params = found
    kept = [g.policy for g in optimisation.genes if params.get(f"policies.{g.policy}", True)]
    raise DesignError(
        f"{escaped(optimisation.source)}: budget.net_public_cost_eur = {budget:,.0f}: no package can meet it; "
        f"the cheapest ({', '.join(dict.fromkeys(kept)) or 'no policy'}, each lever at its cheapest) "
        f"declares {lowest:,.0f} EUR over {optimisation.months} months; allowed: at least {lowest:,.0f}, "
        "or make more policies optional"
    )


def check_unchanged(directory: Path, optimisation: Optimisation) -> None:
    """Refuse to resume a search whose design changed since its partial run, naming the first change."""
    if not database_path(directory).is_file():
        return
    try:
        with StoreReader(directory) as reader:
            kind, stored = reader.kind, reader.design
    except StoreError:
        return
    if kind != "optimise":
        raise DesignError(
            f"{escaped(directory)}: holds a {escaped(kind)}, not an optimisation; choose another --out directory"
        )
    change = _first_difference(stored, optimisation.described())
    if change is not None:
        where, old, new = change
        raise DesignError(
            f"{escaped(optimisation.source)}: {escaped(where)} changed since the partial run in "
            f"{escaped(directory)} (was {shown(old)}, now {shown(new)}); allowed: the design as it was run, or another --out directory"
        )


def _first_difference(old: Any, new: Any, where: str = "") -> tuple[str, Any, Any] | None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *[k for k in new if k not in old]]:
            found = _first_difference(
                old.get(key), new.get(key), f"{where}.{key}" if where else key
            )
            if found:
                return found
        return None
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            found = _first_difference(a, b, f"{where}[{index}]")
            if found:
                return found
        return None
    return None if old == new else (where, old, new)


# --------------------------------------------------------------------------- the search

ARCHIVE_SCHEMA = """CREATE TABLE IF NOT EXISTS archive (
    package_id INTEGER, generation INTEGER, params JSON, scenario_means JSON
)"""


@dataclass
class Evaluation:
    """A package's impacts, one row per (scenario of the uncertainties, replication), and their means.
    `point_id` is the package's point in the first scenario: its number in every table."""

    point_id: int
    params: dict[str, Any]
    impacts: pd.DataFrame

    def mean(self, impact: str) -> float:
        return float(self.impacts[impact].mean())

    def scenario_means(self) -> dict[str, list[float]]:
        """Each impact's mean over replications in each scenario of the uncertainties."""
        by_scenario = self.impacts.groupby("scenario", sort=True)
        return {impact: [float(v) for v in by_scenario[impact].mean()] for impact in IMPACTS}


class SearchStopped(UserError):
    """A search stopped on request before its end; its finished runs are in its store."""


@dataclass
class OptimisationOutcome:
    directory: Path
    optimisation: Optimisation
    evaluations: dict[int, Evaluation]
    generations: list[list[int]]
    front: list[int]
    runs_done: int
    runs_reused: int
    written: list[Path] = field(default_factory=list)
    hypervolume: pd.DataFrame | None = None


class PackageDuplicates(DuplicateElimination):
    """pymoo's duplicate elimination on decoded packages, not raw genes: two gene vectors that decode
    to the same package (a policy left out, levels, zones) are one candidate, and a package already
    evaluated (`seen`) is not offered again, so every evaluation of the search is a new package."""

    def __init__(self, optimisation: Optimisation, seen: set[str]):
        super().__init__()
        self.optimisation = optimisation
        self.seen = seen

    def _do(self, pop, other, is_duplicate):
        taken = set(self.seen)
        if other is not None:
            taken |= {_key(self.optimisation.decode(x)) for x in other.get("X")}
        for index, x in enumerate(pop.get("X")):
            key = _key(self.optimisation.decode(x))
            is_duplicate[index] = key in taken
            taken.add(key)
        return is_duplicate


def run_optimisation(
    design_path: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool = True,
    on_generation: Callable[[int], None] | None = None,
    on_run: Callable[[RunResult], None] | None = None,
    on_front: Callable[[pd.DataFrame], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> OptimisationOutcome:
    """Run (or resume) the search a design declares, then write its front; see the module docstring.
    `on_generation(number)` and `on_run(result)` are called as generations and runs finish,
    `on_front(table)` after each generation with the front so far (`front_so_far`). `cancelled` is
    asked after every run: True stops the search with `SearchStopped`, its finished runs stored
    (the same design resumes it)."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem
    from pymoo.problems.static import StaticProblem

    optimisation = load_optimisation(design_path)
    spec = optimisation.spec
    directory = Path(out) if out else default_folder(optimisation.name)
    check_unchanged(directory, optimisation)
    writable_folder(directory, "--out" if out else "output folder")
    described = optimisation.described()
    key = fingerprint(described)
    target = optimisation.target()
    executor = make_executor(workers, scheduler)
    offspring = spec.search.offspring or spec.search.population
    planned = spec.search.population + (spec.search.generations - 1) * offspring
    scenarios = len(optimisation.uncertainty)
    planned_runs = (planned + 1) * scenarios * spec.replications
    problem = Problem(
        n_var=len(optimisation.genes),
        n_obj=len(spec.objectives),
        n_ieq_constr=1 if spec.budget else 0,
        xl=0.0,
        xu=1.0,
    )
    seen: set[str] = set()
    algorithm = NSGA2(
        pop_size=spec.search.population,
        n_offsprings=offspring,
        eliminate_duplicates=PackageDuplicates(optimisation, seen),
    )
    algorithm.setup(
        problem, termination=("n_gen", spec.search.generations), seed=spec.seed, verbose=False
    )
    evaluations: dict[int, Evaluation] = {}
    generations: list[list[int]] = []
    counts = {"done": 0, "reused": 0}
    bar = _progress_bar(planned_runs, enabled=progress)
    with ResultsStore(directory) as store:
        store.bind(
            name=optimisation.name,
            kind="optimise",
            fingerprint=key,
            design=described,
            points=optimisation.baseline_points(),
            planned_runs=planned_runs,
        )
        store.con.execute(ARCHIVE_SCHEMA)
        manifest = build_manifest(
            name=optimisation.name,
            kind="optimise",
            fingerprint=key,
            design=described,
            seeds={"design_seed": spec.seed, "common_random_numbers": True},
            executor=executor.description,
        )
        write_manifest(directory, manifest)
        store.record_invocation(manifest["command"], manifest)
        known = _stored_points(store)
        members: dict[int, list[int]] = {}
        try:
            while algorithm.has_next():
                population = algorithm.ask()
                if population is None or not len(population):
                    break  # every package the operators can reach has been evaluated
                packages = [optimisation.decode(x) for x in population.get("X")]
                bar.set_description(f"generation {len(generations) + 1}/{spec.search.generations}")
                ids = _package_ids(store, known, members, optimisation, packages)
                _evaluate(
                    store,
                    target,
                    executor,
                    optimisation,
                    (ids, members, packages),
                    evaluations,
                    counts,
                    bar,
                    on_run,
                    cancelled,
                )
                seen.update(_key(package) for package in packages)
                generations.append(ids)
                _archive(store, [evaluations[i] for i in ids], len(generations))
                objectives, constraint = objective_values(
                    optimisation,
                    [evaluations[i].scenario_means() for i in ids],
                    [e.scenario_means() for e in evaluations.values()],
                )
                values = {"F": objectives} | ({"G": constraint} if constraint is not None else {})
                Evaluator(skip_already_evaluated=False).eval(
                    StaticProblem(problem, **values), population
                )
                algorithm.tell(infills=population)
                if on_generation is not None:
                    on_generation(len(generations))
                if on_front is not None:
                    on_front(front_so_far(optimisation, read_archive(store.con)))
        finally:
            bar.close()
        archive = read_archive(store.con)
    front = _distinct_front(optimisation, evaluations, archive_front(optimisation, archive))
    outcome = OptimisationOutcome(
        directory, optimisation, evaluations, generations, front, counts["done"], counts["reused"]
    )
    outcome.hypervolume = hypervolume_growth(optimisation, archive)
    outcome.written = write_outputs(outcome)
    return outcome


def _archive(store: ResultsStore, evaluated: list[Evaluation], generation: int) -> None:
    """Every package evaluated, once, with the generation that first met it and its impacts' means
    in each scenario of the uncertainties: the front is drawn from this table."""
    stored = {row[0] for row in store.con.execute("SELECT package_id FROM archive").fetchall()}
    fresh = {e.point_id: e for e in evaluated if e.point_id not in stored}
    if not fresh:
        return
    store.con.executemany(
        "INSERT INTO archive VALUES (?, ?, ?, ?)",
        [
            [i, generation, json.dumps(e.params, sort_keys=True), json.dumps(e.scenario_means())]
            for i, e in sorted(fresh.items())
        ],
    )


def read_archive(con) -> pd.DataFrame:
    """The archive of a store: package, first generation, levers and means by scenario, in order."""
    frame = con.execute(
        "SELECT package_id, generation, params, scenario_means FROM archive ORDER BY package_id"
    ).df()
    frame["params"] = [json.loads(v) for v in frame["params"]]
    frame["scenario_means"] = [json.loads(v) for v in frame["scenario_means"]]
    return frame


def objective_values(
    optimisation: Optimisation, means: list[dict[str, list[float]]], reference: list[dict]
) -> tuple[np.ndarray, np.ndarray | None]:
    """pymoo's F (minimised: objectives to maximise change sign) and G (`mean cost - budget <= 0`) of
    packages given their impacts' means by scenario. `mean` averages over the scenarios, `pNN` is a
    percentile over them, `regret` the largest shortfall, over the scenarios, from the best package
    of `reference` (every package evaluated) in that scenario."""
    spec = optimisation.spec
    columns = []
    for objective in spec.objectives:
        values = np.array([m[objective.outcome] for m in means], dtype=float)
        sign = -1.0 if objective.direction == "maximise" else 1.0
        if objective.statistic == "mean":
            columns.append(sign * values.mean(axis=1))
        elif objective.statistic == "regret":
            others = np.array([m[objective.outcome] for m in reference], dtype=float)
            best = others.max(axis=0) if sign < 0 else others.min(axis=0)
            columns.append(np.max(sign * (values - best), axis=1))
        else:
            columns.append(sign * np.percentile(values, float(objective.statistic[1:]), axis=1))
    objectives = np.column_stack(columns)
    if spec.budget is None:
        return objectives, None
    cost = np.array([np.mean(m[COST]) for m in means], dtype=float)
    return objectives, (cost - spec.budget.net_public_cost_eur)[:, None]


def archive_front(optimisation: Optimisation, archive: pd.DataFrame) -> list[int]:
    """The packages of the archive that no other package within the budget dominates (pymoo's
    non-dominated sorting over every package evaluated, not only the last population)."""
    if archive.empty:
        return []
    means = list(archive["scenario_means"])
    objectives, constraint = objective_values(optimisation, means, means)
    feasible = np.ones(len(archive), dtype=bool) if constraint is None else constraint[:, 0] <= 0
    return [int(archive["package_id"].iloc[i]) for i in non_dominated(objectives, feasible)]


def front_so_far(optimisation: Optimisation, archive: pd.DataFrame) -> pd.DataFrame:
    """The front of the packages evaluated so far: each package's point, first generation, words,
    and every impact's mean over replications (averaged over the scenarios of the uncertainties),
    ordered by the first objective."""
    on_front = set(archive_front(optimisation, archive))
    rows = [
        {
            "point": int(row.package_id),
            "generation": int(row.generation),
            "package": package_text(optimisation, row.params),
            "params": row.params,
            **{impact: float(np.mean(row.scenario_means[impact])) for impact in IMPACTS},
        }
        for row in archive.itertuples()
        if int(row.package_id) in on_front
    ]
    columns = ["point", "generation", "package", "params", *IMPACTS]
    first = optimisation.spec.objectives[0].outcome
    return pd.DataFrame(rows, columns=columns).sort_values([first, "point"], ignore_index=True)


def non_dominated(objectives: np.ndarray, feasible: np.ndarray) -> list[int]:
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    rows = np.flatnonzero(feasible)
    if not len(rows):
        return []
    front = NonDominatedSorting().do(objectives[rows], only_non_dominated_front=True)
    return sorted(int(rows[i]) for i in front)


def hypervolume(objectives: np.ndarray, ideal: np.ndarray, nadir: np.ndarray) -> float:
    """pymoo's hypervolume of a set of points (minimised objectives), each objective scaled so that
    `ideal` is 0 and `nadir` is 1, with the reference point at 1.1 on every objective."""
    from pymoo.indicators.hv import HV

    if not len(objectives):
        return 0.0
    span = np.where(nadir > ideal, nadir - ideal, 1.0)
    scaled = (np.asarray(objectives, dtype=float) - ideal) / span
    return float(HV(ref_point=np.full(len(ideal), 1.1))(scaled))


def hypervolume_growth(optimisation: Optimisation, archive: pd.DataFrame) -> pd.DataFrame:
    """After each generation: packages evaluated, on the front, and the front's hypervolume, the
    objectives scaled between the best and worst values of every package within the budget."""
    columns = ["generation", "packages evaluated", "on front", "hypervolume", "growth"]
    if archive.empty:
        return pd.DataFrame(columns=columns)
    means = list(archive["scenario_means"])
    objectives, constraint = objective_values(optimisation, means, means)
    feasible = np.ones(len(archive), dtype=bool) if constraint is None else constraint[:, 0] <= 0
    if not feasible.any():
        return pd.DataFrame(columns=columns)
    ideal, nadir = objectives[feasible].min(axis=0), objectives[feasible].max(axis=0)
    rows, previous = [], 0.0
    for generation in sorted(archive["generation"].unique()):
        met = (archive["generation"] <= generation).to_numpy()
        front = non_dominated(objectives, feasible & met)
        volume = hypervolume(objectives[front], ideal, nadir)
        rows.append([int(generation), int(met.sum()), len(front), volume, volume - previous])
        previous = volume
    return pd.DataFrame(rows, columns=columns)


def _distinct_front(
    optimisation: Optimisation, evaluations: dict[int, Evaluation], ids: list[int]
) -> list[int]:
    """The front's candidates ordered by the first objective; of packages equal on every objective
    (levers below the resolution of the simulated size), the first found stands for the others."""
    objectives = [o.outcome for o in optimisation.spec.objectives]
    kept: dict[tuple, int] = {}
    for point_id in sorted(set(ids)):
        kept.setdefault(tuple(evaluations[point_id].mean(o) for o in objectives), point_id)
    return sorted(kept.values(), key=lambda i: (evaluations[i].mean(objectives[0]), i))


def _progress_bar(total: int, *, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc="generation 1",
        unit="run",
        disable=not enabled,
        dynamic_ncols=True,
        smoothing=0.05,
        mininterval=0.5,
    )


def _key(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True)


def _stored_points(store: ResultsStore) -> dict[str, int]:
    rows = store.con.execute("SELECT point_id, params FROM points WHERE scenario = ?", [CANDIDATE])
    return {_key(json.loads(params)): int(point_id) for point_id, params in rows.fetchall()}


def _package_ids(
    store,
    known: dict[str, int],
    members: dict[int, list[int]],
    optimisation: Optimisation,
    packages,
) -> list[int]:
    """The number of each package (its point in the first scenario of the uncertainties), adding a
    point per scenario for packages never met before; `members` gets each package's points."""
    ids, fresh = [], []
    first_free = len(optimisation.uncertainty)
    for params in packages:
        points = []
        for overrides in optimisation.uncertainty:
            whole = params | overrides
            key = _key(whole)
            if key not in known:
                known[key] = max([first_free - 1, *known.values()]) + 1
                fresh.append(Point(known[key], CANDIDATE, whole))
            points.append(known[key])
        members[points[0]] = points
        ids.append(points[0])
    store.add_points(fresh)
    return ids


def _evaluate(
    store,
    target,
    executor,
    optimisation: Optimisation,
    asked: tuple[list[int], dict[int, list[int]], list[dict[str, Any]]],
    evaluations: dict[int, Evaluation],
    counts: dict,
    bar,
    on_run: Callable[[RunResult], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Run what the store lacks for these packages in every scenario of the uncertainties and for
    the baseline in each, then pair each package's runs with the baseline's of the same scenario."""
    spec = optimisation.spec
    ids, members, packages = asked
    package_of = dict(zip(ids, packages, strict=True))
    wanted = [i for i in dict.fromkeys(ids) if i not in evaluations]
    if not wanted:
        return
    baselines = optimisation.baseline_points()
    candidates = [pid for i in wanted for pid in members[i]]
    params = dict(
        store.con.execute(
            f"SELECT point_id, params FROM points WHERE point_id IN ({', '.join('?' * len(candidates))})",
            candidates,
        ).fetchall()
    )
    points = baselines + [Point(pid, CANDIDATE, json.loads(params[pid])) for pid in candidates]
    tasks = plan_runs(
        points, spec.replications, spec.seed, optimisation.households, optimisation.months
    )
    finished = store.finished_run_ids(among=[task.run_id for task in tasks])
    reused = sum(task.run_id in finished for task in tasks if task.point_id >= len(baselines))
    counts["reused"] += reused
    bar.update(reused + (0 if evaluations else len(baselines) * spec.replications))
    summary = run_tasks(
        store,
        target,
        tasks,
        executor,
        # The store holds earlier generations' runs too: planned counts them with this one's.
        planned=store.finished_count() + len(tasks) - len(finished),
        progress=False,
        on_result=lambda result: _finished(result, bar, on_run, len(baselines)),
        cancelled=cancelled,
    )
    counts["done"] += summary.done + summary.failed
    if cancelled is not None and cancelled():
        raise SearchStopped(
            f"{store.path}: the search was stopped; its finished runs are kept and the same "
            "design resumes it"
        )
    if summary.lost:
        raise UserError(
            f"{store.path}: {summary.lost} runs were lost with their workers; "
            "run the same command again to finish them (finished runs are kept)"
        )
    failed = store.con.execute(
        f"SELECT run_id, error FROM runs WHERE status = 'failed' AND point_id IN "
        f"({', '.join('?' * len(points))}) ORDER BY run_id LIMIT 1",
        [p.point_id for p in points],
    ).fetchone()
    if failed:
        raise UserError(
            f"{store.path}: run {failed[0]} failed ({failed[1]}); see `partage results show`"
        )
    measures = run_measures(store.con, [p.point_id for p in points])
    parts: dict[int, list[pd.DataFrame]] = {i: [] for i in wanted}
    for s, baseline in enumerate(baselines):
        ours = {members[i][s]: i for i in wanted}
        part = measures[measures["point_id"].isin([baseline.point_id, *ours])].copy()
        part.loc[part["point_id"] == baseline.point_id, "point_id"] = BASELINE_POINT
        scaled = _scaled(
            optimisation, part, {BASELINE_POINT: {}} | {p: package_of[i] for p, i in ours.items()}
        )
        impacts = paired_impacts(scaled, BASELINE_POINT)
        for point_id, i in ours.items():
            rows = impacts[impacts["point_id"] == point_id]
            parts[i].append(rows.assign(scenario=s))
    for i in wanted:
        evaluations[i] = Evaluation(i, package_of[i], pd.concat(parts[i], ignore_index=True))


def _finished(result: RunResult, bar, on_run, baselines: int = 1) -> None:
    bar.update(result.point_id >= baselines)
    if on_run is not None:
        on_run(result)


def _scaled(
    optimisation: Optimisation, measures: pd.DataFrame, params: dict[int, dict]
) -> pd.DataFrame:
    """Counts and costs of the simulated households scaled to the scenario's territory
    (`experiments.territory_figures`)."""
    from experiments.territory_figures import net_public_cost

    factor = optimisation.territory_households / optimisation.households
    measures = measures.copy()
    sample = ~measures["territory"].astype(bool)  # a territory from data's are its own already
    measures.loc[sample, "sharing"] *= factor
    measures.loc[sample, "emissions_t"] *= factor
    scenarios = {
        point_id: optimisation.scenario_of(None if point_id == BASELINE_POINT else p)
        for point_id, p in params.items()
    }
    measures["net_public_eur"] = [
        float(net)
        if territory
        else net_public_cost(
            scenarios[int(point_id)],
            float(net),
            optimisation.households,
            optimisation.months,
            households=optimisation.territory_households,
        )
        for point_id, net, territory in zip(
            measures["point_id"], measures["net_public_eur"], measures["territory"], strict=True
        )
    ]
    return measures


# --------------------------------------------------------------------------- outputs


def robustness(optimisation: Optimisation, evaluation: Evaluation) -> dict[str, Any]:
    """Each impact's mean and 95 % interval over replications, the share of replications in which
    the package does better than the baseline, and the share within the budget."""
    row: dict[str, Any] = {"replications": len(evaluation.impacts)}
    for impact in IMPACTS:
        values = evaluation.impacts[impact].to_numpy()
        mean, low, high = mean_interval(values)
        row |= {impact: mean, f"{impact} low": low, f"{impact} high": high}
        if impact != COST:
            row[f"{impact} better share"] = float((values > 0).mean()) if len(values) else math.nan
    if optimisation.spec.budget is not None:
        costs = evaluation.impacts[COST].to_numpy()
        row["within budget share"] = float(
            (costs <= optimisation.spec.budget.net_public_cost_eur).mean()
        )
    return row


def objective_column(objective: ObjectiveSpec) -> str:
    """The table column of an objective: the impact's name, or `regret IMPACT`, `p10 IMPACT`..."""
    if objective.statistic == "mean":
        return objective.outcome
    return f"{objective.statistic} {objective.outcome}"


def objective_cells(
    optimisation: Optimisation, evaluations: dict[int, Evaluation]
) -> dict[int, dict[str, float]]:
    """Each package's robustness statistics over the scenarios of the uncertainties (regret against
    every package evaluated), in the objectives' own directions; empty without uncertainties."""
    if optimisation.spec.uncertainties is None:
        return {point_id: {} for point_id in evaluations}
    ids = sorted(evaluations)
    means = [evaluations[i].scenario_means() for i in ids]
    objectives, _ = objective_values(optimisation, means, means)
    cells = {}
    for row, point_id in enumerate(ids):
        cells[point_id] = {
            objective_column(o): float(
                -v if o.direction == "maximise" and o.statistic != "regret" else v
            )
            for o, v in zip(optimisation.spec.objectives, objectives[row], strict=True)
            if o.statistic != "mean"
        }
    return cells


def lever_values(optimisation: Optimisation, params: dict[str, Any]) -> dict[str, Any]:
    """A candidate's levers as table cells: on/off, zones joined by '+', numbers."""
    cells: dict[str, Any] = {}
    for gene in optimisation.genes:
        off = params.get(f"policies.{gene.policy}") is False
        if gene.kind == "switch":
            cells[gene.label] = "off" if off else "on"
            continue
        value = params.get(f"policies.{gene.policy}.{gene.field or 'zones'}")
        if off:
            cells[gene.label] = "-"
        elif gene.kind == "zones":
            cells[gene.label] = "+".join(value)
        else:
            cells[gene.label] = value
    return cells


def package_text(optimisation: Optimisation, params: dict[str, Any]) -> str:
    """The policies a candidate keeps, each with its searched values, e.g.
    `tool_library (units_per_1000_households 7.04); carsharing_spots`."""
    parts = []
    for policy in dict.fromkeys(gene.policy for gene in optimisation.genes):
        if params.get(f"policies.{policy}") is False:
            continue
        values = [
            f"{key.split('.')[-1]} {'+'.join(value) if isinstance(value, list) else format_number(value)}"
            for key, value in params.items()
            if key.startswith(f"policies.{policy}.")
        ]
        parts.append(policy + (f" ({', '.join(values)})" if values else ""))
    searched = {gene.policy for gene in optimisation.genes}
    fixed = [f"{name} (always)" for name in optimisation.scenario.policies if name not in searched]
    return "; ".join(parts + fixed) or "no policy"


def front_summary(optimisation: Optimisation, front: pd.DataFrame) -> pd.DataFrame:
    """The front for people: each package in words, each impact as `mean [low, high]`, and the
    shares of replications better than the baseline and within the budget."""
    table = pd.DataFrame({"rank": front["rank"], "package": front["package"]})
    for impact in IMPACTS:
        table[impact.replace("_", " ") + " (95 % CI)"] = [
            f"{format_number(m)} [{format_number(lo)}, {format_number(hi)}]"
            for m, lo, hi in zip(
                front[impact], front[f"{impact} low"], front[f"{impact} high"], strict=True
            )
        ]
    for objective in optimisation.spec.objectives:
        if objective.outcome != COST:
            label = objective.outcome.replace("_", " ")
            table[f"share better than baseline: {label}"] = front[
                f"{objective.outcome} better share"
            ]
    for objective in optimisation.spec.objectives:
        if objective.statistic != "mean":
            column = objective_column(objective)
            table[column.replace("_", " ") + " over scenarios"] = [
                format_number(v) for v in front[column]
            ]
    if "within budget share" in front:
        table["share within budget"] = front["within budget share"]
    return table


def write_outputs(outcome: OptimisationOutcome) -> list[Path]:
    """The front (table, plot, scenario files, report) and every candidate evaluated."""
    optimisation, directory = outcome.optimisation, outcome.directory
    generation_of = {}
    for number, ids in enumerate(outcome.generations, start=1):
        for point_id in ids:
            generation_of.setdefault(point_id, number)
    statistics = objective_cells(optimisation, outcome.evaluations)
    candidates = pd.DataFrame(
        [
            {
                "point": point_id,
                "generation": generation_of.get(point_id),
                "on front": point_id in outcome.front,
                **lever_values(optimisation, evaluation.params),
                **robustness(optimisation, evaluation),
                **statistics[point_id],
            }
            for point_id, evaluation in sorted(outcome.evaluations.items())
        ]
    )
    written = [directory / "candidates.csv"]
    candidates.to_csv(guarded(written[0]), index=False)
    folder = guarded(directory / "front", directory)
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.toml"):
        old.unlink()
    rows = []
    for rank, point_id in enumerate(outcome.front, start=1):
        evaluation = outcome.evaluations[point_id]
        file = write_front_scenario(optimisation, evaluation, folder, rank)
        written.append(file)
        rows.append(
            {
                "rank": rank,
                "point": point_id,
                "scenario file": f"front/{file.name}",
                "package": package_text(optimisation, evaluation.params),
                **lever_values(optimisation, evaluation.params),
                **robustness(optimisation, evaluation),
                **statistics[point_id],
            }
        )
    front = pd.DataFrame(rows)
    title = (
        f"{optimisation.name}: Pareto front ({len(front)} packages) over {optimisation.spec.replications} "
        f"paired replications, {optimisation.households} households scaled to "
        f"{optimisation.territory_households}, {optimisation.months} months"
    )
    written += write_table(front, directory, "front", title=title)
    if outcome.hypervolume is not None:
        written += write_table(
            outcome.hypervolume, directory, "hypervolume", title=f"{optimisation.name}: hypervolume"
        )
    written.append(plot_front(optimisation, candidates, directory / "front.png"))
    written.append(write_report(outcome, front, directory / "report.md"))
    return written


def write_front_scenario(
    optimisation: Optimisation, evaluation: Evaluation, folder: Path, rank: int
) -> Path:
    """A standalone scenario file of a front point (no `extends`), with the horizon of the search."""
    import tomli_w

    scenario = optimisation.scenario_of(evaluation.params)
    name = f"{optimisation.scenario.name[:50]}_front_{rank:02d}"
    data = scenario.model_dump(mode="json", exclude_none=True) | {"name": name}
    levers = ", ".join(
        f"{k} = {v}" for k, v in lever_values(optimisation, evaluation.params).items()
    )
    data["description"] = (
        f"Point {rank} of the Pareto front of the optimisation {optimisation.name!r} "
        f"(candidate {evaluation.point_id}): {levers}."
    )[:4000]
    path = folder / f"{name}.toml"
    baseline = (optimisation.source.parent / optimisation.spec.baseline).resolve()
    with contextlib.suppress(ValueError):
        baseline = baseline.relative_to(Path.cwd())
    header = (
        f"# Written by `partage optimise {optimisation.source.name}`: point {rank} of its Pareto front.\n"
        f"# Compare it with its baseline: partage compare {baseline} {path.name}\n"
    )
    guarded(path, folder.parent).write_text(header + tomli_w.dumps(data), encoding="utf-8")
    return path


def plot_front(optimisation: Optimisation, candidates: pd.DataFrame, path: Path) -> Path:
    """Each pair of objectives: every candidate (grey), those over budget (orange crosses), the front
    (blue, with 95 % intervals and its rank); Okabe-Ito colours and distinct markers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    objectives = [objective_column(o) for o in optimisation.spec.objectives]
    pairs = list(itertools.combinations(objectives, 2)) or [(objectives[0], COST)]
    fig, axes = plt.subplots(1, len(pairs), figsize=(6.2 * len(pairs), 4.8), squeeze=False)
    budget = optimisation.spec.budget.net_public_cost_eur if optimisation.spec.budget else None
    over = (
        candidates[COST] > budget
        if budget is not None
        else pd.Series(False, index=candidates.index)
    )
    front = candidates[candidates["on front"]].sort_values(objectives[0])
    for ax, (x, y) in zip(axes.flat, pairs, strict=True):
        rest = candidates[~candidates["on front"]]
        ax.scatter(
            rest.loc[~over, x],
            rest.loc[~over, y],
            s=18,
            c=OTHER_COLOUR,
            marker="o",
            label="other candidates",
        )
        if over.any():
            ax.scatter(
                rest.loc[over, x],
                rest.loc[over, y],
                s=22,
                c=INFEASIBLE_COLOUR,
                marker="x",
                label="over budget",
            )
        ax.errorbar(
            front[x].to_numpy(),
            front[y].to_numpy(),
            xerr=_error_bars(front, x),
            yerr=_error_bars(front, y),
            fmt="s",
            color=FRONT_COLOUR,
            ecolor=FRONT_COLOUR,
            elinewidth=0.8,
            capsize=2,
            markersize=6,
            label="Pareto front (95 % intervals)",
        )
        for rank, (_, row) in enumerate(front.iterrows(), start=1):
            ax.annotate(
                str(rank), (row[x], row[y]), textcoords="offset points", xytext=(4, 4), fontsize=8
            )
        for axis, name in (("x", x), ("y", y)):
            if budget is not None and name == COST:
                (ax.axvline if axis == "x" else ax.axhline)(
                    budget, color="black", linestyle="--", linewidth=0.8, label="budget"
                )
        ax.set_xlabel(_axis_label(optimisation, x))
        ax.set_ylabel(_axis_label(optimisation, y))
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"{optimisation.name}: {len(candidates)} candidates, {len(front)} on the front")
    fig.tight_layout()
    fig.savefig(guarded(path), dpi=110)
    plt.close(fig)
    return path


def _error_bars(front: pd.DataFrame, column: str):
    """95 % intervals of a mean impact over replications; none for a robustness statistic."""
    if f"{column} low" not in front:
        return None
    return np.abs([front[column] - front[f"{column} low"], front[f"{column} high"] - front[column]])


def _axis_label(optimisation: Optimisation, column: str) -> str:
    for objective in optimisation.spec.objectives:
        if objective_column(objective) == column:
            direction = "minimise" if objective.statistic == "regret" else objective.direction
            return f"{column.replace('_', ' ')} ({direction})"
    return column.replace("_", " ")


def write_report(outcome: OptimisationOutcome, front: pd.DataFrame, path: Path) -> Path:
    optimisation = outcome.optimisation
    spec = optimisation.spec
    lines = [
        f"# Optimisation {optimisation.name}",
        "",
        f"Scenario `{spec.scenario}` against baseline `{spec.baseline}`; {len(optimisation.genes)} genes, "
        f"NSGA-II (pymoo), population {spec.search.population}, {spec.search.generations} generations, "
        f"seed {spec.seed}. Each candidate: {spec.replications} replications paired with the baseline "
        f"(common random numbers), {optimisation.households} households scaled to "
        f"{optimisation.territory_households}, {optimisation.months} months.",
        "",
        "Objectives: "
        + ", ".join(f"{o.direction} {o.outcome}" for o in spec.objectives)
        + (
            f"; budget: mean net public cost at most {spec.budget.net_public_cost_eur:,.0f} EUR."
            if spec.budget
            else "."
        ),
        "",
        f"{len(outcome.evaluations)} candidates evaluated ({outcome.runs_done} runs now, "
        f"{outcome.runs_reused} reused from the store); {len(outcome.front)} on the front.",
        "",
        "Robustness: `low`/`high` bound each impact's 95 % interval over replications; `better share` is "
        "the share of replications in which the package does better than the baseline; `within budget "
        "share` the share in which its net public cost stays within the budget.",
        "",
        markdown_table(front_summary(optimisation, front))
        if len(front)
        else "No candidate met the budget.",
        "",
        *_uncertainty_lines(optimisation),
        *_hypervolume_lines(outcome),
        "Every column, with each lever's value, is in `front.csv`; every candidate in `candidates.csv`; "
        "each point's scenario in `front/`.",
        "",
        "![Pareto front](front.png)",
        "",
    ]
    guarded(path).write_text("\n".join(lines), encoding="utf-8")
    return path


def _uncertainty_lines(optimisation: Optimisation) -> list[str]:
    spec = optimisation.spec.uncertainties
    if spec is None:
        return []
    table = pd.DataFrame(
        [{"scenario": s} | overrides for s, overrides in enumerate(optimisation.uncertainty)]
    )
    source = []
    if spec.posterior:
        source.append(f"{spec.scenarios} rows of the posterior sample `{spec.posterior}`")
    if spec.ranges:
        source.append(
            "a Latin hypercube over "
            + ", ".join(f"`{r.path}` in [{r.min:g}, {r.max:g}]" for r in spec.ranges)
        )
    return [
        "## Uncertainties",
        "",
        f"Every package is run in {len(optimisation.uncertainty)} scenarios of the uncertainties "
        f"({'; '.join(source)}), each paired with the baseline in the same scenario. Objectives: "
        + ", ".join(
            f"{o.statistic} of {o.outcome} over the scenarios" for o in optimisation.spec.objectives
        )
        + " (`regret`: the largest shortfall, over the scenarios, from the best package evaluated "
        "in that scenario; `pNN`: the NN-th percentile over the scenarios).",
        "",
        markdown_table(table),
        "",
    ]


def _hypervolume_lines(outcome: OptimisationOutcome) -> list[str]:
    table = outcome.hypervolume
    if table is None or table.empty:
        return []
    return [
        "## Hypervolume by generation",
        "",
        "The front is drawn from every package evaluated (the store's `archive` table). Its "
        "hypervolume (pymoo) is taken with each objective scaled from the best (0) to the worst (1) "
        "value of the packages within the budget, the reference point at 1.1 on every objective; "
        "`growth` is the gain over the generation before.",
        "",
        markdown_table(table),
        "",
    ]
