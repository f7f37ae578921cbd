"""Calibration: behaviour parameters fitted to observed figures, with their uncertainty (`partage calibrate`).

A calibration design (TOML) names the scenario, the free parameters (dotted
paths with a prior range `min`..`max`, declared as sweep parameters are), the
scenarios run beside it at every point (`[arms]`, e.g. a car-sharing fleet),
and the targets: observed figures with their uncertainty and their source.

    name = "calibrate-grid"
    scenario = "../../scenarios/baseline.toml"
    seed = 2026
    households = 2000
    replications = 2
    months = 60

    [arms]
    fleet = "../../scenarios/carsharing_fleet.toml"

    [fixed]                     # optional: values set in every scenario
    "behaviour.pool_reconsider_rate" = 0.0

    [method]
    waves = 3
    points_per_wave = 30

    [[parameters]]
    path = "behaviour.life_event_rate"
    min = 0.002
    max = 0.03

    [[targets]]
    name = "car_free_drift"
    outcome = "car.without.share"
    zones = "each"              # or a list of zones; omitted: territory-wide
    statistic = "drift"         # level | drift | reduction_per_unit
    window = [24, 36]           # months, inclusive
    observed = 0.0
    sd = 0.01
    discrepancy = 0.0           # optional: model discrepancy, one standard deviation
    source = "..."

    [[targets]]                 # a dated series: one figure per date
    name = "carsharing_members"
    outcome = "car.sharing.share"
    dates = "year"              # "month" (from month 0), or "year" (needs start_year)
    series = [[2016, 0.0045, 0.0015], [2019, 0.0105, 0.003]]   # [date, observed, sd]
    source = "..."

A series must be in date order, each date once, within the horizon (a year
is the mean of its months from `start_year`), and name its source; every
target needs a source.

Statistics of one replication, the outcome averaged over the window's months:
- `level`: the average, in the main scenario (or in the arm named `scenario`);
- `drift`: the average minus the value at month 0 (a stationarity target);
- `reduction_per_unit`: (average in the main scenario - average in the arm
  `scenario`) / average of the arm's outcome `per`, replication by
  replication with common random numbers: e.g. private cars given up per
  shared car of a fleet (`outcome = "car.stock"`, `per = "car.pool_units"`).

Method: Gaussian-process history matching in waves, then a posterior sampled
by MCMC on the emulators (`docs/calibration.md` says why). Wave 1 is a Latin
hypercube over the prior box (scipy.stats.qmc). Each target's mean over
replications is emulated by a Gaussian process (scikit-learn; Matérn 5/2 with
a noise term for the model's own randomness). The implausibility of a point
for a target is |observed - emulated| / sqrt(sd^2 + discrepancy^2 + emulator
variance); a point is not ruled out when its largest implausibility is below
the cut-off (3, Pukelsheim's three-sigma rule). Each further wave draws its
points from the not-ruled-out part of a Sobol sample of the prior. After the
last wave, emcee's ensemble sampler draws the posterior (uniform prior,
Gaussian likelihood of the targets under the emulators), its walkers started
at the most probable Sobol candidates, until it holds `min_effective_samples`
effective samples (autocorrelation time; `experiments/posterior.py`). An
empty plausible region, a collapsed chain or too few effective samples is
written into the parameters table (`credible`), the report and the command's
exit status. A check runs the original and the fitted scenario with more
replications: the fit per target with 95 % intervals. The fitted scenario
written at the end gets equilibrium constants solved for the fitted behaviour,
as `partage territory import` solves them (`write_fitted_scenario`), where the
original has constants; waves and check run on the original's constants.

Every run goes through the experiment machinery: a results store per wave
(`wave-1/`, ..., `check/` under the output folder), the local pool or Dask,
common random numbers (replication r has the same seed at every point and in
every arm). A rerun plans the same waves again (the results and the emulators
are deterministic), so an interrupted calibration resumes with no run lost or
repeated. A design changed after a partial run is refused, naming the field.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from experiments.calibration_report import write_calibration_report, write_fitted_scenario
from experiments.design import (
    ParameterSpec,
    Point,
    check_parameter,
    fingerprint,
    first_problem,
    plan_runs,
)
from experiments.errors import UserError
from experiments.intervals import mean_interval
from experiments.manifest import build_manifest, worker_count, write_manifest
from experiments.outputs import default_folder, guarded, writable_file, writable_folder
from experiments.posterior import (
    CHECK_EVERY,
    RELIABLE_TAUS,
    PosteriorChain,
    sample_posterior,
    starting_points,
)
from experiments.store import StoreReader
from experiments.sweep import run_experiment
from experiments.targets import ScenarioTarget, available_outcomes
from experiments.territory_import import EQUILIBRIUM_HOUSEHOLDS
from model.messages import escaped
from model.scenario import Scenario, ScenarioError, load_scenario, read_toml_file
from model.zone_results import outcome_names as zone_outcome_names

STATISTICS = ("level", "drift", "reduction_per_unit")
MAIN = "main"
DESIGN_RECORD = "calibration-design.json"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetSpec(Strict):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,59}$")
    outcome: str = Field(min_length=1, description="Outcome of the model's monthly series.")
    zones: list[str] | Literal["each"] | None = Field(
        default=None, description='Zones: a list, "each" for every zone, or none for the territory.'
    )
    statistic: Literal["level", "drift", "reduction_per_unit"] = "level"
    window: list[int] | None = Field(
        default=None, min_length=2, max_length=2, description="First and last month, inclusive."
    )
    scenario: str | None = Field(
        default=None, description="The arm the statistic reads (see [arms])."
    )
    per: str | None = Field(
        default=None, description="reduction_per_unit: the arm's outcome to divide by."
    )
    observed: float | None = Field(default=None, allow_inf_nan=False)
    sd: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="Uncertainty of the observed figure (one standard deviation).",
    )
    series: list[list[float]] | None = Field(
        default=None,
        min_length=1,
        max_length=600,
        description="A dated series instead of one figure: [month or year, observed, sd] in date order.",
    )
    dates: Literal["month", "year"] = Field(
        default="month",
        description="What the series' first column counts: months from month 0, or calendar years "
        "(then the design's start_year is month 0, and a year is the mean of its months).",
    )
    discrepancy: float = Field(
        default=0.0,
        ge=0,
        description="Model discrepancy (one standard deviation): what the model's structure cannot "
        "reproduce, added to the observation's uncertainty.",
    )
    source: str | None = Field(
        default=None, max_length=2000, description="Where the observed figure comes from."
    )

    @model_validator(mode="after")
    def _consistent(self):
        if self.source is None or len(self.source.strip()) < 3:
            raise ValueError(
                "source: missing; allowed: a text naming where the observed figures come from"
            )
        single = [key for key in ("observed", "sd", "window") if getattr(self, key) is not None]
        if self.series is not None:
            if single:
                raise ValueError(
                    f"{single[0]}: a target with a series takes its figures from the series; "
                    "allowed: either observed, sd and window, or series"
                )
            self._check_series()
        elif len(single) < 3:
            missing = next(k for k in ("observed", "sd", "window") if getattr(self, k) is None)
            raise ValueError(
                f"{missing}: missing; allowed: observed, sd and window, or a series of "
                "[month or year, observed, sd]"
            )
        elif not 0 <= self.window[0] <= self.window[1]:
            raise ValueError(f"window {self.window}: needs 0 <= first month <= last month")
        if self.statistic == "reduction_per_unit" and (self.scenario is None or self.per is None):
            raise ValueError(
                "statistic reduction_per_unit needs scenario (an arm) and per (an outcome)"
            )
        if self.statistic != "reduction_per_unit" and self.per is not None:
            raise ValueError(f"per applies to reduction_per_unit, not to {self.statistic}")
        return self

    def _check_series(self) -> None:
        for index, entry in enumerate(self.series):
            finite = len(entry) == 3 and all(math.isfinite(x) for x in entry)
            if not finite or not entry[0] == int(entry[0]) or not entry[2] > 0:
                raise ValueError(
                    f"series[{index}] = {entry}: allowed: [{self.dates} (a whole number), "
                    "observed value, uncertainty above 0], finite numbers (no nan or inf)"
                )
        dates = [int(entry[0]) for entry in self.series]
        for before, after in zip(dates, dates[1:], strict=False):
            if after <= before:
                raise ValueError(
                    f"series: {self.dates} {after} comes after {before}; allowed: "
                    f"{self.dates}s in increasing order, each once"
                )


class MethodSpec(Strict):
    waves: int = Field(default=3, ge=1, le=20, description="Waves of history matching.")
    points_per_wave: int = Field(default=30, ge=4, le=5000)
    cutoff: float = Field(default=3.0, gt=0, le=10, description="Implausibility cut-off.")
    candidates: int = Field(
        default=8192, ge=256, le=1_000_000, description="Sobol candidates a wave screens."
    )
    walkers: int = Field(
        default=32, ge=4, le=1000, description="Walkers of the MCMC ensemble on the emulators."
    )
    steps: int = Field(
        default=1000, ge=50, le=1_000_000, description="MCMC steps per walker, run in blocks."
    )
    max_steps: int = Field(
        default=20000, ge=50, le=10_000_000, description="Most MCMC steps per walker."
    )
    min_effective_samples: int = Field(
        default=200, ge=1, le=1_000_000, description="Effective samples the posterior needs."
    )
    check_replications: int = Field(
        default=6, ge=2, le=1000, description="Replications of the fit check."
    )


class CalibrationSpec(Strict):
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
    description: str = Field(default="", max_length=4000)
    scenario: str = Field(description="Scenario to calibrate, relative to the design file.")
    seed: int = Field(default=1, ge=0, le=2**63 - 1)
    replications: int = Field(default=2, ge=1, le=1000)
    households: int | None = Field(default=None, ge=10, le=5_000_000)
    months: int = Field(
        ge=1, le=1200, description="Horizon of every run; at least the last target month."
    )
    arms: dict[str, str] = Field(
        default_factory=dict, description="Scenarios run beside it, by name."
    )
    fixed: dict[str, bool | int | float | str] = Field(
        default_factory=dict,
        description="Values set at dotted paths in every scenario, e.g. to test a rule switched off.",
    )
    start_year: int | None = Field(
        default=None,
        ge=1800,
        le=2200,
        description="Calendar year of month 0, for targets whose series are dated in years.",
    )
    method: MethodSpec = MethodSpec()
    parameters: list[ParameterSpec] = Field(min_length=1, max_length=30)
    targets: list[TargetSpec] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _names(self):
        paths = [p.path for p in self.parameters]
        repeated = sorted({p for p in paths if paths.count(p) > 1})
        if repeated:
            raise ValueError(f"parameter {repeated[0]} is listed more than once")
        names = [t.name for t in self.targets]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"target {repeated[0]} is listed more than once")
        if MAIN in self.arms:
            raise ValueError(
                f"arms: {MAIN!r} is the calibrated scenario's own name; choose another"
            )
        return self


@dataclass(frozen=True)
class TargetItem:
    """One observed figure: a target, for one zone or for the territory, at one date of its series."""

    target: TargetSpec
    zone: str | None
    date: int | None = None  # the series' date (month or year), None for a single figure
    dated_window: tuple[int, int] | None = None
    dated_observed: float | None = None
    dated_sd: float | None = None

    @property
    def label(self) -> str:
        when = f"@{self.date}" if self.date is not None else ""
        return self.target.name + (f"[{self.zone}]" if self.zone else "") + when

    @property
    def window(self) -> tuple[int, int]:
        return self.dated_window or tuple(self.target.window)

    @property
    def observed(self) -> float:
        return self.target.observed if self.dated_observed is None else self.dated_observed

    @property
    def sd(self) -> float:
        """Uncertainty: the observation's and the model discrepancy's, added in variance."""
        sd = self.target.sd if self.dated_sd is None else self.dated_sd
        return math.hypot(sd, self.target.discrepancy)

    def column(self, outcome: str) -> str:
        return f"{outcome}.{self.zone}" if self.zone else outcome


@dataclass
class Calibration:
    """A validated design: its scenarios, parameters and expanded targets, ready to run."""

    spec: CalibrationSpec
    source: Path
    scenarios: dict[str, Scenario]
    infos: list[dict]
    items: list[TargetItem]

    @property
    def name(self) -> str:
        return self.spec.name or self.source.stem

    @property
    def lows(self) -> np.ndarray:
        return np.array([p.min for p in self.spec.parameters], dtype=float)

    @property
    def highs(self) -> np.ndarray:
        return np.array([p.max for p in self.spec.parameters], dtype=float)

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.spec.parameters]

    def values_of(self, unit_row: np.ndarray) -> dict[str, Any]:
        """Parameter values, by dotted path, of a point of the unit cube."""
        values = self.lows + np.asarray(unit_row) * (self.highs - self.lows)
        return {
            path: (round(float(v)) if info.get("type") == "int" else float(v))
            for path, info, v in zip(self.paths, self.infos, values, strict=True)
        }

    def record(self) -> dict:
        """What defines the runs: the design and the scenarios it reads, for detecting a change."""
        return {
            "design": self.spec.model_dump(mode="json"),
            "scenarios": {name: s.model_dump(mode="json") for name, s in self.scenarios.items()},
        }

    def fingerprint(self) -> str:
        return fingerprint(self.record())

    def columns(self) -> list[str]:
        """The series columns the targets read."""
        wanted = set()
        for item in self.items:
            wanted.add(item.column(item.target.outcome))
            if item.target.per:
                wanted.add(item.target.per)
                # a ratio of counts is the territory's: its `real.*` columns where it has them
                wanted |= {f"real.{item.column(item.target.outcome)}", f"real.{item.target.per}"}
        return sorted(wanted)


# --------------------------------------------------------------------------- loading and checking


def load_calibration(path: str | Path, *, seed: int | None = None) -> Calibration:
    """Read and check a calibration design; every problem is one line naming the file and field.
    `seed` replaces the design's seed (a second calibration with another design seed)."""
    path = Path(path)
    try:
        raw = read_toml_file(path, "calibration design")
    except ScenarioError as error:
        raise UserError(str(error)) from None
    if seed is not None:
        raw["seed"] = seed
    try:
        spec = CalibrationSpec.model_validate(raw)
    except ValidationError as error:
        raise UserError(f"{escaped(path)}: {first_problem(error, raw, CalibrationSpec)}") from None
    sizes = {"months": spec.months} | ({"households": spec.households} if spec.households else {})
    plain = _load_scenario(path, "scenario", spec.scenario, sizes)
    for key in spec.fixed:
        _check_path(f"{path}: fixed.{key}", plain, key)
    sizes |= spec.fixed
    scenarios = {MAIN: _load_scenario(path, "scenario", spec.scenario, sizes)}
    for name, file in spec.arms.items():
        scenarios[name] = _load_scenario(path, f"arms.{name}", file, sizes)
    target = ScenarioTarget({MAIN: scenarios[MAIN]})
    infos = []
    for index, parameter in enumerate(spec.parameters):
        where = f"{path}: parameters[{index}] ({parameter.path})"
        if parameter.values is not None:
            raise UserError(
                f"{where}: a calibrated parameter needs a prior range min..max, not values"
            )
        _check_path(where, scenarios[MAIN], parameter.path)
        info = check_parameter(where, target, parameter)
        if info.get("type") not in ("float", "int"):
            raise UserError(
                f"{where}: a {info.get('type')} parameter cannot be calibrated; allowed: numbers"
            )
        infos.append(info)
    items = _expand_targets(path, spec, scenarios)
    return Calibration(spec, path, scenarios, infos, items)


def _check_path(where: str, scenario: Scenario, path: str) -> None:
    """A one-line error naming the keys allowed where a dotted path stops matching the scenario."""
    node: Any = scenario.model_dump()
    for depth, key in enumerate(path.split(".")):
        if not isinstance(node, dict) or key not in node:
            here = ".".join(path.split(".")[:depth]) or "the top level"
            allowed = ", ".join(node) if isinstance(node, dict) else "none (a value, not a table)"
            raise UserError(
                f"{where}: unknown parameter path; allowed keys under {here}: {allowed}"
            )
        node = node[key]


def _load_scenario(design: Path, field_name: str, file: str, sizes: dict) -> Scenario:
    scenario_path = (design.parent / file).resolve()
    if not scenario_path.is_file():
        raise UserError(
            f"{design}: {field_name} = {file!r}: no such file (looked for {scenario_path})"
        )
    try:
        return load_scenario(scenario_path, sizes)
    except ScenarioError as error:
        raise UserError(f"{design}: {field_name}: {error}") from None


def _expand_targets(
    path: Path, spec: CalibrationSpec, scenarios: dict[str, Scenario]
) -> list[TargetItem]:
    outcomes = {name: set(available_outcomes(s)) for name, s in scenarios.items()}
    zone_names = scenarios[MAIN].zone_names
    items = []
    for index, target in enumerate(spec.targets):
        where = f"{path}: targets[{index}] ({target.name})"
        arm = target.scenario or MAIN
        if arm not in scenarios:
            allowed = (
                ", ".join([MAIN, *spec.arms])
                if spec.arms
                else f"{MAIN} (declare others under [arms])"
            )
            raise UserError(
                f"{where}: scenario = {target.scenario!r}: no such arm; allowed: {allowed}"
            )
        if target.window is not None and target.window[1] > spec.months:
            raise UserError(
                f"{where}: window = {target.window}: ends after the horizon months = {spec.months}; "
                f"allowed: months 0 to {spec.months}"
            )
        dated = dated_points(where, spec, target)
        known = outcomes[arm]
        territory_wide = sorted(
            n for n in known if not any(n.endswith(f".{z}") for z in zone_names)
        )
        if target.zones is None:
            if target.outcome not in known:
                raise UserError(
                    f"{where}: outcome = {target.outcome!r}: unknown outcome; allowed: {', '.join(territory_wide)}"
                )
            zones: list[str | None] = [None]
        else:
            zones = list(zone_names) if target.zones == "each" else list(target.zones)
            for zone in zones:
                if zone not in zone_names:
                    raise UserError(
                        f"{where}: zones: unknown zone {zone!r}; allowed: {', '.join(zone_names)}"
                    )
            by_zone = sorted(
                {n[: -len(z) - 1] for n in known for z in zone_names if n.endswith(f".{z}")}
                | set(zone_outcome_names(scenarios[arm].good_names, real=False))
            )
            if target.outcome not in by_zone:
                raise UserError(
                    f"{where}: outcome = {target.outcome!r}: no values by zone; "
                    f"allowed outcomes by zone: {', '.join(by_zone)}"
                )
        if target.per is not None and target.per not in known:
            raise UserError(
                f"{where}: per = {target.per!r}: unknown outcome; allowed: {', '.join(territory_wide)}"
            )
        if target.statistic == "reduction_per_unit" and target.zones is not None:
            raise UserError(
                f"{where}: zones: reduction_per_unit is territory-wide; allowed: no zones"
            )
        items += [TargetItem(target, zone, *point) for zone in zones for point in dated]
    return items


def dated_points(where: str, spec: CalibrationSpec, target: TargetSpec) -> list[tuple]:
    """(date, window, observed, sd) of each figure of a target's series, checked against the
    horizon; a target without a series is one point with its own window."""
    if target.series is None:
        return [()]
    if target.dates == "month":
        windows = [(int(d), int(d)) for d, _, _ in target.series]
        first, last = "month 0", f"month {spec.months}"
    elif spec.start_year is None:
        raise UserError(
            f"{where}: dates = 'year': no start_year in the design; allowed: start_year = the "
            "calendar year of month 0 at the top of the design, or dates = 'month'"
        )
    else:
        begin = [12 * (int(d) - spec.start_year) for d, _, _ in target.series]
        windows = [(b, min(b + 11, spec.months)) for b in begin]
        first, last = str(spec.start_year), str(spec.start_year + (spec.months - 1) // 12)
    for (date, _, _), (start, _) in zip(target.series, windows, strict=True):
        if not 0 <= start <= spec.months:
            raise UserError(
                f"{where}: series: {target.dates} {int(date)} is outside the horizon "
                f"(months = {spec.months}); allowed: {first} to {last}"
            )
    return [
        (int(date), window, float(value), float(sd))
        for (date, value, sd), window in zip(target.series, windows, strict=True)
    ]


def check_unchanged(calibration: Calibration, directory: Path) -> None:
    """Refuse a design that differs from the one a partial run in `directory` started with."""
    record_path = directory / DESIGN_RECORD
    current = calibration.record()
    if not record_path.is_file():
        return
    previous = json.loads(record_path.read_text(encoding="utf-8"))
    if previous == json.loads(json.dumps(current)):
        return
    old, new = _flatten(previous), _flatten(json.loads(json.dumps(current)))
    changed = sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
    first = changed[0]
    raise UserError(
        f"{calibration.source}: {first} changed since the partial run in {directory} "
        f"(was {old.get(first)!r}, now {new.get(first)!r}); allowed: the design of that run, "
        "or another --out to start a new calibration"
    )


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        flat = {}
        for key, value in node.items():
            flat |= _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return flat
    if isinstance(node, list):
        flat = {}
        for index, value in enumerate(node):
            flat |= _flatten(value, f"{prefix}[{index}]")
        return flat
    return {prefix: node}


# --------------------------------------------------------------------------- running a batch of points


@dataclass
class Batch:
    """The statistics of the target items at a set of points: `values[point, replication, item]`."""

    unit: np.ndarray
    values: np.ndarray
    summary: Any = None

    @property
    def means(self) -> np.ndarray:
        """Mean over replications of each statistic; NaN, without a warning, where every
        replication left it undefined (e.g. no shared car in a zone)."""
        counts = np.sum(~np.isnan(self.values), axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, np.nansum(self.values, axis=1) / counts, np.nan)

    @property
    def noise_variance(self) -> np.ndarray:
        """Variance of each point's mean over replications (zero with one replication; NaN, without
        a warning, where fewer than two replications define the statistic)."""
        r = self.values.shape[1]
        if r < 2:
            return np.zeros(self.means.shape)
        counts = np.sum(~np.isnan(self.values), axis=1)
        squares = np.nansum((self.values - self.means[:, None, :]) ** 2, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 1, squares / (counts - 1), np.nan) / r


def run_batch(
    calibration: Calibration,
    directory: Path,
    label: str,
    unit: np.ndarray,
    *,
    replications: int,
    workers: int,
    scheduler: str | None,
    progress: bool,
    params: list[dict] | None = None,
) -> Batch:
    """Run every point in every arm R times (common random numbers) into the store `directory`."""
    arms = list(calibration.scenarios)
    params = params or [calibration.values_of(row) for row in unit]
    points = [
        Point(index * len(arms) + a, arm, values, tuple(float(x) for x in row))
        for index, (row, values) in enumerate(zip(unit, params, strict=True))
        for a, arm in enumerate(arms)
    ]
    spec = calibration.spec
    tasks = plan_runs(points, replications, spec.seed, spec.households, spec.months)
    design = {
        "calibration": calibration.fingerprint(),
        "batch": label,
        "replications": replications,
        "points": [p.params for p in points],
        "arms": arms,
    }
    key = fingerprint(design)
    target = ScenarioTarget(calibration.scenarios)
    summary = run_experiment(
        directory,
        name=f"{calibration.name}-{label}",
        kind="calibration",
        fingerprint=key,
        design=design,
        target=target,
        points=points,
        tasks=tasks,
        planned_runs=len(tasks),
        seeds={"design_seed": spec.seed, "common_random_numbers": True},
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )
    if summary.lost or summary.failed:
        raise UserError(
            f"{directory}: {summary.failed} runs failed and {summary.lost} were lost; "
            "run the same command again to finish lost runs, or see `partage results show` for failures"
        )
    return Batch(unit, statistics(calibration, directory, len(unit), replications), summary)


def statistics(
    calibration: Calibration, directory: Path, points: int, replications: int
) -> np.ndarray:
    """Each target item's statistic, per point and replication, from a batch's store."""
    arms = list(calibration.scenarios)
    with StoreReader(directory) as reader:
        in_series = set(reader.outcomes())
        wanted = calibration.columns()
        wide = reader.series_wide([c for c in wanted if c in in_series])
        by_zone = sorted(
            {
                item.target.outcome
                for item in calibration.items
                if item.zone and item.column(item.target.outcome) not in in_series
            }
        )
        if by_zone:  # a territory from data keeps its outcomes by zone apart (`zone_series`)
            zones = reader.con.execute(
                f"""SELECT r.point_id, r.replication, z.month, z.outcome || '.' || z.zone AS column, z.value
                    FROM zone_series z JOIN runs r USING (run_id)
                    WHERE r.status = 'done' AND z.outcome IN ({", ".join("?" * len(by_zone))})""",
                by_zone,
            ).df()
            zones = zones.pivot_table(
                index=["point_id", "replication", "month"], columns="column", values="value"
            ).reset_index()
            wide = wide.merge(zones, on=["point_id", "replication", "month"], how="left")
    values = np.full((points, replications, len(calibration.items)), np.nan)
    frames = {
        key: part.set_index("month") for key, part in wide.groupby(["point_id", "replication"])
    }
    for p in range(points):
        for r in range(replications):
            runs = {arm: frames.get((p * len(arms) + a, r)) for a, arm in enumerate(arms)}
            for i, item in enumerate(calibration.items):
                values[p, r, i] = item_statistic(item, runs)
    return values


def item_statistic(item: TargetItem, runs: dict[str, pd.DataFrame | None]) -> float:
    """One replication's statistic of a target item, from the series of each arm (indexed by month)."""
    target = item.target
    first, last = item.window
    column = item.column(target.outcome)

    def window_mean(frame: pd.DataFrame, name: str) -> float:
        if name not in frame.columns:  # a zone without sampled households has no value
            return math.nan
        return float(frame.loc[first:last, name].mean())

    arm = runs.get(target.scenario or MAIN)
    if arm is None:
        return math.nan
    if target.statistic == "level":
        return window_mean(arm, column)
    if target.statistic == "drift":
        return window_mean(arm, column) - (
            float(arm.loc[0, column]) if column in arm.columns else math.nan
        )
    main = runs.get(MAIN)
    if main is None:
        return math.nan

    def counted(name: str) -> str:
        """The territory's count (a territory from data's sample is stratified by zone)."""
        return f"real.{name}" if f"real.{name}" in arm.columns else name

    units = window_mean(arm, counted(target.per))
    if units <= 0:
        return math.nan
    return (window_mean(main, counted(column)) - window_mean(arm, counted(column))) / units


# --------------------------------------------------------------------------- emulators


class Emulators:
    """One Gaussian process per target item, on the unit cube, fitted to the mean over replications."""

    def __init__(self, unit: np.ndarray, means: np.ndarray, noise: np.ndarray, seed: int):
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        self.models = []
        d = unit.shape[1]
        for i in range(means.shape[1]):
            y = means[:, i]
            ok = np.isfinite(y)
            if ok.sum() < 3:  # no value to learn from (e.g. a zone never sampled): no information
                self.models.append(None)
                continue
            scale = float(np.std(y[ok])) or 1.0
            kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
                length_scale=np.full(d, 0.3), length_scale_bounds=(0.02, 20.0), nu=2.5
            ) + WhiteKernel(1e-2, (1e-6, 1.0))
            gp = GaussianProcessRegressor(
                kernel=kernel,
                normalize_y=True,
                n_restarts_optimizer=1,
                random_state=seed,
                alpha=np.maximum(noise[ok, i], 0) / scale**2 + 1e-8,
            )
            with (
                warnings.catch_warnings()
            ):  # hyperparameters at a bound are expected with few points
                warnings.simplefilter("ignore", ConvergenceWarning)
                gp.fit(unit[ok], y[ok])
            self.models.append(gp)

    def predict(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Emulated means and variances, shape (points, items).

        The arithmetic of scikit-learn's `GaussianProcessRegressor.predict(return_std=True)` (its
        fitted kernel, weights and Cholesky factor), with the factor's inverse computed once: the
        MCMC calls this hundreds of thousands of times, and a triangular solve per call is what
        makes scikit-learn's own predict slow there. A test checks both agree."""
        unit = np.asarray(unit, dtype=float)
        means = np.full((len(unit), len(self.models)), np.nan)
        variances = np.full((len(unit), len(self.models)), np.nan)
        for i, gp in enumerate(self.models):
            if gp is None:
                continue
            if not hasattr(gp, "_partage_inverse_factor"):
                gp._partage_inverse_factor = np.linalg.inv(gp.L_)
            k_trans = gp.kernel_(unit, gp.X_train_)
            v = gp._partage_inverse_factor @ k_trans.T
            variance = np.maximum(gp.kernel_.diag(unit) - np.einsum("ij,ij->j", v, v), 0.0)
            means[:, i] = gp._y_train_std * (k_trans @ gp.alpha_) + gp._y_train_mean
            variances[:, i] = variance * gp._y_train_std**2
        return means, variances


def implausibility(calibration: Calibration, emulators: Emulators, unit: np.ndarray) -> np.ndarray:
    """Each candidate's implausibility for each target item, shape (points, items)."""
    observed, sd = observations(calibration)
    mean, variance = emulators.predict(unit)
    return np.abs(observed - mean) / np.sqrt(sd**2 + variance)


def observations(calibration: Calibration) -> tuple[np.ndarray, np.ndarray]:
    observed = np.array([item.observed for item in calibration.items])
    sd = np.array([item.sd for item in calibration.items])
    return observed, sd


def sobol_candidates(dimensions: int, count: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    return qmc.Sobol(dimensions, scramble=True, seed=seed).random(2 ** math.ceil(math.log2(count)))


def next_wave(
    calibration: Calibration, emulators: Emulators, wave: int
) -> tuple[np.ndarray, float]:
    """Points of the next wave drawn from the not-ruled-out candidates; and the share kept."""
    method = calibration.spec.method
    candidates = sobol_candidates(
        len(calibration.paths), method.candidates, calibration.spec.seed + wave
    )
    worst = np.nanmax(implausibility(calibration, emulators, candidates), axis=1)
    kept = candidates[worst < method.cutoff]
    share = len(kept) / len(candidates)
    if len(kept) < method.points_per_wave:  # too few left: the least implausible candidates
        kept = candidates[np.argsort(worst)[: method.points_per_wave]]
    rng = np.random.default_rng([calibration.spec.seed, wave])
    return kept[rng.choice(len(kept), method.points_per_wave, replace=False)], share


# --------------------------------------------------------------------------- the calibration


@dataclass
class CalibrationResult:
    calibration: Calibration
    directory: Path
    waves: list[Batch]
    kept_shares: list[float]
    posterior: pd.DataFrame
    nroy: pd.DataFrame
    chain: PosteriorChain
    fitted: dict[str, Any]
    original: dict[str, Any]
    fit: pd.DataFrame
    reach: pd.DataFrame
    problems: list[str]
    comparison: pd.DataFrame | None = None  # the intervals of another calibration, side by side
    written: list[Path] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def main_scenario(self) -> Scenario:
        return self.calibration.scenarios[MAIN]

    @property
    def effective_samples(self) -> float:
        return self.chain.effective_samples

    @property
    def credible(self) -> bool:
        return not self.problems

    def verdict(self) -> str:
        """One line: credible or why not, with the effective samples, the chain's length in
        autocorrelation times and the share of the prior box not ruled out after each wave."""
        chain = self.chain
        tau = float(np.max(chain.autocorrelation_steps))
        facts = (
            f"{self.effective_samples:.0f} effective samples (required "
            f"{self.calibration.spec.method.min_effective_samples}), chain of {chain.steps} steps "
            f"= {chain.steps / tau:.0f} autocorrelation times; not ruled out after each wave: "
            + ", ".join(f"{share:.1%}" for share in self.kept_shares)
        )
        if self.credible:
            return f"credible: {facts}"
        return "not credible: " + "; ".join(self.problems) + f"; {facts}"

    def intervals(self) -> pd.DataFrame:
        """Per parameter: prior range, not-ruled-out range, posterior mean, median and 95 % interval."""
        rows = []
        for spec, info in zip(
            self.calibration.spec.parameters, self.calibration.infos, strict=True
        ):
            sample = self.posterior[spec.path]
            rows.append(
                {
                    "parameter": spec.path,
                    "unit": info.get("unit", ""),
                    "prior_min": spec.min,
                    "prior_max": spec.max,
                    "nroy_min": self.nroy[spec.path].min(),
                    "nroy_max": self.nroy[spec.path].max(),
                    "original": self.original[spec.path],
                    "posterior_mean": float(sample.mean()),
                    "posterior_median": float(sample.median()),
                    "low_95": float(sample.quantile(0.025)),
                    "high_95": float(sample.quantile(0.975)),
                    "fitted": self.fitted[spec.path],
                    "effective_samples": round(self.effective_samples, 1),
                    "credible": self.credible,
                }
                | {
                    f"not_ruled_out_wave_{wave}": share
                    for wave, share in enumerate(self.kept_shares, start=1)
                }
                | {"verdict": self.verdict()}
            )
        return pd.DataFrame(rows)


def calibrate(
    design_path: str | Path,
    *,
    out: str | Path | None = None,
    fitted_path: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = True,
    echo: Callable[[str], None] = print,
    seed: int | None = None,
    compare_with: str | Path | None = None,
    equilibrium_households: int = EQUILIBRIUM_HOUSEHOLDS,
) -> CalibrationResult:
    """Run (or resume) the calibration a design declares; write the fitted scenario and the report.
    `seed` replaces the design's seed; `compare_with` is the output folder of another calibration
    of the same parameters (e.g. another seed), whose intervals must overlap these. The fitted
    scenario's equilibrium constants are solved afresh for the fitted behaviour on
    `equilibrium_households` households (`write_fitted_scenario`)."""
    started = time.perf_counter()
    calibration = load_calibration(design_path, seed=seed)
    other = read_other_intervals(compare_with, calibration) if compare_with else None
    directory = writable_folder(out) if out else writable_folder(default_folder(calibration.name))
    if fitted_path is not None:
        writable_file(fitted_path, "--fitted")
    check_unchanged(calibration, directory)
    guarded(directory / DESIGN_RECORD).write_text(
        json.dumps(calibration.record(), indent=1), encoding="utf-8"
    )
    spec, method = calibration.spec, calibration.spec.method
    manifest = build_manifest(
        name=calibration.name,
        kind="calibration",
        fingerprint=calibration.fingerprint(),
        design=spec.model_dump(mode="json") | {"source": str(Path(design_path).resolve())},
        seeds={"design_seed": spec.seed, "common_random_numbers": True},
        executor=scheduler or worker_count(workers),
    )
    write_manifest(directory, manifest)

    runs_per_point = len(calibration.scenarios) * spec.replications
    total_runs = (
        method.waves * method.points_per_wave * runs_per_point
        + 2 * len(calibration.scenarios) * method.check_replications
    )
    clock = _Clock(total_runs, echo)
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(len(calibration.paths), seed=spec.seed).random(method.points_per_wave)
    waves: list[Batch] = []
    shares: list[float] = []
    emulators = None
    for wave in range(1, method.waves + 1):
        clock.announce(f"wave {wave}/{method.waves}", len(unit) * runs_per_point)
        batch = run_batch(
            calibration,
            directory / f"wave-{wave}",
            f"wave-{wave}",
            unit,
            replications=spec.replications,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
        )
        clock.finished(batch.summary)
        waves.append(batch)
        emulators = _fit(calibration, waves)
        if wave < method.waves:
            unit, share = next_wave(calibration, emulators, wave)
            shares.append(share)
            echo(
                f"wave {wave}: {share:.1%} of the prior box not ruled out (cut-off {method.cutoff:g})"
            )

    posterior, nroy, chain, share = draw_posterior(calibration, emulators)
    shares.append(share)
    echo(
        f"after wave {method.waves}: {share:.1%} of the prior box not ruled out; posterior from "
        f"{chain.effective_samples:.0f} effective samples (MCMC on the emulators)"
    )
    original = {path: calibration.scenarios[MAIN].get(path) for path in calibration.paths}
    fitted = {
        path: (
            round(float(posterior[path].median()))
            if info.get("type") == "int"
            else float(posterior[path].median())
        )
        for path, info in zip(calibration.paths, calibration.infos, strict=True)
    }
    clock.announce(
        "check: original and fitted scenario",
        2 * len(calibration.scenarios) * method.check_replications,
    )
    check = run_batch(
        calibration,
        directory / "check",
        "check",
        np.zeros((2, len(calibration.paths))),
        replications=method.check_replications,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        params=[original, fitted],
    )
    clock.finished(check.summary)
    result = CalibrationResult(
        calibration,
        directory,
        waves,
        shares,
        posterior,
        nroy,
        chain,
        fitted,
        original,
        fit_table(calibration, check),
        reach_table(calibration, waves),
        credibility_problems(calibration, chain, shares),
    )
    if other is not None:
        result.comparison = interval_overlap(result.intervals(), other, Path(compare_with))
        disjoint = result.comparison[~result.comparison["overlap"]]["parameter"].tolist()
        if disjoint:
            result.problems.append(
                f"intervals disjoint from the calibration in {compare_with} for "
                + ", ".join(disjoint)
            )
    fitted_file = (
        Path(fitted_path)
        if fitted_path
        else directory / f"{calibration.scenarios[MAIN].name}_calibrated.toml"
    )
    result.written.append(write_fitted_scenario(result, fitted_file, equilibrium_households))
    result.elapsed_s = time.perf_counter() - started
    result.written += write_calibration_report(result)
    return result


def _fit(calibration: Calibration, waves: list[Batch]) -> Emulators:
    unit = np.vstack([b.unit for b in waves])
    means = np.vstack([b.means for b in waves])
    noise = np.vstack([b.noise_variance for b in waves])
    return Emulators(unit, means, noise, calibration.spec.seed)


def log_likelihood(emulators: Emulators, observed: np.ndarray, sd: np.ndarray):
    """The Gaussian log likelihood of the targets under the emulators, as a function of points of
    the unit cube: observation (with model discrepancy) and emulator variances added."""

    def density(unit: np.ndarray) -> np.ndarray:
        mean, variance = emulators.predict(unit)
        total = sd**2 + variance
        return -0.5 * np.nansum((observed - mean) ** 2 / total + np.log(total), axis=1)

    return density


def draw_posterior(calibration: Calibration, emulators: Emulators):
    """(posterior sample, not-ruled-out candidates, the MCMC chain, share not ruled out).

    The posterior is sampled by MCMC (emcee) on the emulators' likelihood, starting from the most
    probable candidates of a Sobol sample of the prior box (`experiments.posterior`)."""
    method, spec = calibration.spec.method, calibration.spec
    candidates = sobol_candidates(len(calibration.paths), method.candidates, spec.seed + 1000)
    worst = np.nanmax(implausibility(calibration, emulators, candidates), axis=1)
    density = log_likelihood(emulators, *observations(calibration))
    chain = sample_posterior(
        density,
        starting_points(density, candidates, method.walkers),
        steps=method.steps,
        max_steps=method.max_steps,
        min_effective=method.min_effective_samples,
        seed=spec.seed + 1000,
    )

    def frame(rows: np.ndarray) -> pd.DataFrame:
        values = calibration.lows + rows * (calibration.highs - calibration.lows)
        return pd.DataFrame(values, columns=calibration.paths)

    kept = worst < method.cutoff
    nroy = frame(candidates[kept] if kept.any() else candidates[np.argsort(worst)[:1]])
    return frame(chain.draws), nroy, chain, float(kept.mean())


COLLAPSED_ACCEPTANCE = 0.05  # walkers that accept fewer moves than this have stopped exploring


def credibility_problems(
    calibration: Calibration, chain: PosteriorChain, kept_shares: list[float]
) -> list[str]:
    """What makes a posterior not credible, one sentence each: an empty plausible region, a
    collapsed chain, too few effective samples, a chain too short to estimate its own mixing."""
    method = calibration.spec.method
    problems = []
    if kept_shares and kept_shares[-1] == 0:
        problems.append(
            f"empty plausible region: no point of the prior box is within the cut-off "
            f"{method.cutoff:g} of every target after wave {method.waves}; the posterior is "
            "conditional on targets the model cannot meet together"
        )
    if chain.acceptance < COLLAPSED_ACCEPTANCE:
        problems.append(
            f"collapse: the MCMC walkers accepted {chain.acceptance:.1%} of their moves "
            f"(below {COLLAPSED_ACCEPTANCE:.0%}); the posterior sits on a few points"
        )
    if chain.effective_samples < method.min_effective_samples:
        problems.append(
            f"small effective sample: {chain.effective_samples:.0f} effective samples, fewer than "
            f"the {method.min_effective_samples} required, after {chain.steps} steps of "
            f"{chain.walkers} walkers"
        )
    elif not chain.long_enough:
        problems.append(
            f"chain too short: {chain.steps} steps per walker (at most {chain.max_steps}), fewer "
            f"than {RELIABLE_TAUS} autocorrelation times "
            f"({float(chain.autocorrelation_steps.max()):.0f} steps each); the effective sample "
            "size is uncertain"
        )
    elif not chain.reliable:
        problems.append(
            f"chain not converged: its autocorrelation times still moved by "
            f"{chain.tau_change:.1%} in the last {CHECK_EVERY} steps (at most "
            f"{chain.max_steps} steps per walker); the effective sample size is uncertain"
        )
    return problems


def read_other_intervals(folder: str | Path, calibration: Calibration) -> pd.DataFrame:
    """The parameters table of another calibration's output folder, checked to hold the same
    parameters; one line naming the file and what is allowed otherwise."""
    table_path = Path(folder) / "parameters.csv"
    if not table_path.is_file():
        raise UserError(
            f"--compare-with {escaped(folder)}: no parameters.csv; allowed: the output folder of a "
            "finished calibration"
        )
    other = pd.read_csv(table_path)
    if sorted(other["parameter"]) != sorted(calibration.paths):
        raise UserError(
            f"{escaped(table_path)}: parameters {', '.join(other['parameter'])}; allowed: the "
            f"parameters of this design ({', '.join(calibration.paths)})"
        )
    return other


def interval_overlap(mine: pd.DataFrame, other: pd.DataFrame, where: Path) -> pd.DataFrame:
    """Per parameter: this calibration's 95 % interval, the other's, and whether they overlap."""
    other = other.set_index("parameter")
    rows = []
    for _, row in mine.iterrows():
        low, high = other.loc[row["parameter"], ["low_95", "high_95"]]
        rows.append(
            {
                "parameter": row["parameter"],
                "low_95": row["low_95"],
                "high_95": row["high_95"],
                "other_low_95": float(low),
                "other_high_95": float(high),
                "overlap": bool(row["low_95"] <= high and low <= row["high_95"]),
            }
        )
    return pd.DataFrame(rows)


def fit_table(calibration: Calibration, check: Batch) -> pd.DataFrame:
    """Per target item: observed with its sd, and the original and fitted scenario's mean with a 95 % interval."""
    rows = []
    for i, item in enumerate(calibration.items):
        row = {
            "target": item.label,
            "zone": item.zone or "",
            "statistic": item.target.statistic,
            "observed": item.observed,
            "sd": item.sd,
        }
        for p, name in enumerate(("original", "fitted")):
            mean, low, high = mean_interval(
                check.values[p, :, i][np.isfinite(check.values[p, :, i])]
            )
            row |= {name: mean, f"{name}_low": low, f"{name}_high": high}
            row[f"{name}_z"] = (mean - item.observed) / item.sd
        rows.append(row)
    return pd.DataFrame(rows)


def reach_table(calibration: Calibration, waves: list[Batch]) -> pd.DataFrame:
    """Per target item: the range of point means over every point simulated, and whether it reaches
    the observed figure within two standard deviations."""
    means = np.vstack([b.means for b in waves])
    rows = []
    for i, item in enumerate(calibration.items):
        finite = means[:, i][np.isfinite(means[:, i])]
        low, high = (
            (float(finite.min()), float(finite.max())) if finite.size else (math.nan, math.nan)
        )
        observed, sd = item.observed, item.sd
        rows.append(
            {
                "target": item.label,
                "observed": observed,
                "sd": sd,
                "points": int(finite.size),
                "lowest": low,
                "highest": high,
                "reached": bool(low <= observed + 2 * sd and high >= observed - 2 * sd),
            }
        )
    return pd.DataFrame(rows)


class _Clock:
    """Progress across waves: runs done, and the time left at the pace so far."""

    def __init__(self, total_runs: int, echo: Callable[[str], None]):
        self.total, self.done, self.echo = total_runs, 0, echo
        self.started = time.perf_counter()
        self.ran, self.ran_s = 0, 0.0

    def announce(self, what: str, runs: int) -> None:
        left = self.total - self.done
        pace = f", about {_duration(left * self.ran_s / self.ran)} left" if self.ran else ""
        self.echo(
            f"{what}: {runs} runs ({self.done} of {self.total} runs of the calibration done{pace})"
        )

    def finished(self, summary) -> None:
        self.done += summary.planned
        if summary.done:
            self.ran += summary.done
            self.ran_s += summary.elapsed_s


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 90 else f"{seconds:.0f} s"
