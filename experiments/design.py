"""Sweep designs: the TOML file that declares an experiment, and the samplers that turn it into runs.

A design names what to simulate (`scenario = "path.toml"`, relative to the
design file, or a built-in `target`), the parameters to vary as dotted paths
with a range (`min`, `max`) or a list of `values`, the sampler (`grid`, `lhs`,
`sobol`, `morris`), the replications, the horizon (`months`) and the outcomes
to analyse. Example:

    name = "tool-library-sobol"
    scenario = "../../scenarios/tool_library.toml"
    seed = 2013
    replications = 2
    households = 400
    months = 36
    outcomes = ["sharing_households", "emissions.cumulative_t"]

    [sampler]
    method = "sobol"      # grid | lhs | sobol | morris
    samples = 64          # lhs: points; sobol: base sample N (a power of two); morris: trajectories

    [[parameters]]
    path = "behaviour.trust_gain"
    min = 0.0
    max = 0.1

Rules:
- Every parameter is checked against the declaration of the target (the
  scenario schema for scenarios): unknown paths and out-of-range bounds are
  rejected with one line naming the file, the field and what is allowed.
- Grid: the Cartesian product of each parameter's `values`, or of `levels`
  evenly spaced values between `min` and `max` (3 by default).
- LHS, Sobol and Morris draw from the unit hypercube (Sobol and Morris through
  SALib, with the design's seed). A parameter with `values` is sampled as a
  discrete uniform choice; an integer parameter is rounded.
- Runs are planned lazily, one at a time, so the memory a sweep needs does not
  grow with its design (a grid is walked as a product; a SALib sample is one
  matrix of points by parameters). A design of more than `MAX_PLANNED_RUNS`
  runs is refused in one line unless asked for explicitly (`--allow-large-design`).
- Runs are identified by (point index, replication), e.g. `p000012r0003`, which
  never change for a given design. Replication `r` gets the seed of
  `SeedSequence(seed).spawn(replications)[r]`, the same for every point (common
  random numbers) unless `common_random_numbers = false`, in which case the
  point's own child sequence is spawned in turn.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from experiments.errors import UserError
from experiments.targets import BUILTIN_TARGETS, ScenarioTarget, Target
from model.messages import escaped, shown
from model.scenario import PLAIN_NAME, PLAIN_NAME_RULE, ScenarioError, is_plain_name, read_toml_file

SAMPLERS = ("grid", "lhs", "sobol", "morris")
MAX_PLANNED_RUNS = 1_000_000
Scalar = bool | int | float | str


class DesignError(UserError):
    """A design file that cannot be used; the message is one line, ready to print."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParameterSpec(Strict):
    path: str = Field(
        min_length=1, description="Dotted path of the parameter, e.g. behaviour.trust_gain."
    )
    min: float | None = Field(default=None, allow_inf_nan=False)
    max: float | None = Field(default=None, allow_inf_nan=False)
    values: list[Scalar] | None = Field(default=None, min_length=1)
    levels: int | None = Field(
        default=None, ge=2, le=1000, description="Grid: evenly spaced values."
    )

    @model_validator(mode="after")
    def _range_or_values(self):
        has_range = self.min is not None or self.max is not None
        if self.values is not None and has_range:
            raise ValueError("give either min and max, or values, not both")
        if self.values is None:
            if self.min is None or self.max is None:
                raise ValueError("needs min and max, or a list of values")
            if not self.min < self.max:
                raise ValueError(
                    f"min ({self.min:g}) must be below max ({self.max:g}); allowed: a range with min < max"
                )
        elif self.levels is not None:
            raise ValueError("levels applies to a min..max range, not to values")
        return self


class SamplerSpec(Strict):
    method: Literal["grid", "lhs", "sobol", "morris"]
    samples: int = Field(
        default=64,
        ge=1,
        le=1_000_000,
        description="lhs: points; sobol: base sample N (a power of two); morris: trajectories.",
    )
    levels: int = Field(default=4, ge=2, le=100, description="Morris: levels of the grid.")
    second_order: bool = Field(
        default=False, description="Sobol: also sample for second-order indices."
    )

    @model_validator(mode="after")
    def _power_of_two(self):
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(
                f"Sobol needs samples to be a power of two, got {self.samples} (e.g. 64, 128, 256, 1024)"
            )
        return self


class DesignSpec(Strict):
    name: str | None = Field(default=None, pattern=rf"^{PLAIN_NAME.pattern}$")
    description: str = Field(default="", max_length=4000)
    scenario: str | None = Field(
        default=None, description="Base scenario file, relative to the design."
    )
    target: Literal[tuple(BUILTIN_TARGETS)] | None = None  # type: ignore[valid-type]
    seed: int = Field(default=1, ge=0, le=2**63 - 1)
    replications: int = Field(default=1, ge=1, le=100_000)
    households: int | None = Field(default=None, ge=1, le=5_000_000)
    months: int | None = Field(default=None, ge=1, le=1200, description="Horizon of every run.")
    outcomes: list[str] = Field(default_factory=list)
    common_random_numbers: bool = True
    sampler: SamplerSpec
    parameters: list[ParameterSpec] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _scenario_or_target(self):
        if (self.scenario is None) == (self.target is None):
            raise ValueError(
                'give exactly one of scenario = "file.toml" or target = '
                + " | ".join(f'"{name}"' for name in BUILTIN_TARGETS)
            )
        paths = [parameter.path for parameter in self.parameters]
        repeated = sorted({path for path in paths if paths.count(path) > 1})
        if repeated:
            raise ValueError(f"parameter {repeated[0]} is listed more than once")
        return self


@dataclass(frozen=True)
class Point:
    """One combination of parameter values; `x` is its row in the sampler's unit of each parameter."""

    point_id: int
    scenario: str
    params: dict[str, Any]
    x: tuple[float, ...] = ()


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run, apart from the target it already holds."""

    run_id: str
    point_id: int
    replication: int
    scenario: str
    params: dict[str, Any]
    seed: int
    households: int | None
    months: int | None


@dataclass
class Design:
    """A validated design with its target, ready to be sampled."""

    spec: DesignSpec
    source: str
    target: Target
    infos: list[dict] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name or Path(self.source).stem

    @property
    def outcomes(self) -> list[str]:
        return list(self.spec.outcomes) or list(self.target.default_outcomes)

    def problem(self) -> dict:
        return salib_problem(self.spec)

    def points(self) -> list[Point]:
        return list(self.iter_points())

    def iter_points(self) -> Iterator[Point]:
        """The points one at a time, in their fixed order (see the module's rules)."""
        scenario = self.target.scenario_names()[0]
        for index, row in enumerate(sample_unit(self)):
            yield Point(index, scenario, self.values_of(row), tuple(float(v) for v in row))

    def point_count(self) -> int:
        """How many points the sampler gives, counted without sampling."""
        sampler, dimensions = self.spec.sampler, len(self.spec.parameters)
        if sampler.method == "grid":
            return math.prod(
                len(p.values) if p.values is not None else (p.levels or 3)
                for p in self.spec.parameters
            )
        if sampler.method == "lhs":
            return sampler.samples
        if sampler.method == "sobol":
            return sampler.samples * (
                2 * dimensions + 2 if sampler.second_order else dimensions + 2
            )
        return sampler.samples * (dimensions + 1)

    def run_count(self) -> int:
        return self.point_count() * self.spec.replications

    def check_size(self, *, allow_large: bool = False) -> None:
        """Refuse, in one line, a design above `MAX_PLANNED_RUNS` runs unless `allow_large`."""
        runs = self.run_count()
        if runs > MAX_PLANNED_RUNS and not allow_large:
            raise DesignError(
                f"{self.source}: the design plans {runs:,} runs ({self.point_count():,} points × "
                f"{self.spec.replications:,} replications), more than the limit of {MAX_PLANNED_RUNS:,}; "
                "make it smaller, or pass --allow-large-design to run it anyway"
            )

    def values_of(self, row) -> dict[str, Any]:
        """Parameter values, by dotted path, of one row of the sample."""
        return {
            parameter.path: _value(parameter, info, x)
            for parameter, info, x in zip(self.spec.parameters, self.infos, row, strict=True)
        }

    def fingerprint(self) -> str:
        """What defines the runs of each replication: not their number, nor any description."""
        return fingerprint(
            self._defining_data(None)
            | {"target": without_descriptions(self.target.fingerprint_data())}
        )

    def legacy_fingerprint(self, stored_design: dict) -> str:
        """The fingerprint stores written before replications could be added hold (they counted them)."""
        return fingerprint(self._defining_data(stored_design.get("replications")))

    def _defining_data(self, replications: int | None) -> dict:
        data = {
            "sampler": self.spec.sampler.model_dump(),
            "parameters": [p.model_dump() for p in self.spec.parameters],
            "seed": self.spec.seed,
            "households": self.spec.households,
            "months": self.spec.months,
            "common_random_numbers": self.spec.common_random_numbers,
            "target": self.target.fingerprint_data(),
        }
        return data if replications is None else data | {"replications": replications}

    def tasks(self, points: Iterable[Point]) -> Iterator[RunTask]:
        return iter_runs(
            points,
            self.spec.replications,
            self.spec.seed,
            self.spec.households,
            self.spec.months,
            common_random_numbers=self.spec.common_random_numbers,
        )


def fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def without_descriptions(data: Any) -> Any:
    """`data` without its `description` fields: text for people, which changes no run."""
    if isinstance(data, dict):
        return {
            key: without_descriptions(value) for key, value in data.items() if key != "description"
        }
    if isinstance(data, list):
        return [without_descriptions(value) for value in data]
    return data


# --------------------------------------------------------------------------- seeds and runs


def run_id(point_id: int, replication: int) -> str:
    return f"p{point_id:06d}r{replication:04d}"


def replication_seed(seed: int, replication: int, point_id: int | None = None) -> int:
    """The seed of a run: `SeedSequence(seed).spawn(...)[replication]` (of the point's child without CRN)."""
    key = (replication,) if point_id is None else (point_id, replication)
    state = np.random.SeedSequence(seed, spawn_key=key).generate_state(1, dtype=np.uint64)[0]
    return int(state >> np.uint64(1))


def plan_runs(
    points: Iterable[Point],
    replications: int,
    seed: int,
    households: int | None,
    months: int | None,
    *,
    common_random_numbers: bool = True,
) -> list[RunTask]:
    return list(
        iter_runs(
            points,
            replications,
            seed,
            households,
            months,
            common_random_numbers=common_random_numbers,
        )
    )


def iter_runs(
    points: Iterable[Point],
    replications: int,
    seed: int,
    households: int | None,
    months: int | None,
    *,
    common_random_numbers: bool = True,
) -> Iterator[RunTask]:
    """The runs of the points, point by point, replication by replication, made as they are asked for."""
    shared = (
        [replication_seed(seed, r) for r in range(replications)] if common_random_numbers else None
    )
    for point in points:
        for r in range(replications):
            yield RunTask(
                run_id(point.point_id, r),
                point.point_id,
                r,
                point.scenario,
                point.params,
                shared[r] if shared is not None else replication_seed(seed, r, point.point_id),
                households,
                months,
            )


# --------------------------------------------------------------------------- samplers


def salib_problem(spec: DesignSpec) -> dict:
    """The SALib problem: one variable per parameter, on its sampling bounds."""
    return {
        "num_vars": len(spec.parameters),
        "names": [parameter.path for parameter in spec.parameters],
        "bounds": [_bounds(parameter) for parameter in spec.parameters],
    }


def _bounds(parameter: ParameterSpec) -> list[float]:
    if parameter.values is not None:
        return [0.0, float(len(parameter.values))]
    return [float(parameter.min), float(parameter.max)]


def _value(parameter: ParameterSpec, info: dict, x: float) -> Any:
    if parameter.values is not None:
        index = min(max(int(math.floor(x)), 0), len(parameter.values) - 1)
        return parameter.values[index]
    if info.get("type") == "int":
        return round(x)
    return float(x)


def sample_unit(design: Design) -> Iterable:
    """Rows of the sample, each value in its parameter's sampling bounds (see `_bounds`).

    A grid is a lazy product of its axes; the SALib samplers give a matrix.
    """
    spec = design.spec
    problem = design.problem()
    method = spec.sampler.method
    if method == "grid":
        axes = []
        for parameter in spec.parameters:
            if parameter.values is not None:
                axes.append([i + 0.5 for i in range(len(parameter.values))])
            else:
                axes.append(
                    [
                        float(v)
                        for v in np.linspace(parameter.min, parameter.max, parameter.levels or 3)
                    ]
                )
        return itertools.product(*axes)
    if method == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, spec.sampler.samples, seed=spec.seed)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(
            problem,
            spec.sampler.samples,
            calc_second_order=spec.sampler.second_order,
            seed=spec.seed,
        )
    from SALib.sample import morris

    return morris.sample(
        problem, spec.sampler.samples, num_levels=spec.sampler.levels, seed=spec.seed
    )


# --------------------------------------------------------------------------- loading


def load_design(path: str | Path) -> Design:
    """Read, validate and check a design file against its target; raises `DesignError`."""
    path = Path(path)
    try:
        raw = read_toml_file(path, "design")
    except ScenarioError as error:
        raise DesignError(str(error)) from None
    try:
        spec = DesignSpec.model_validate(raw)
    except ValidationError as error:
        raise DesignError(f"{escaped(path)}: {first_problem(error, raw)}") from None
    if spec.name is None and not is_plain_name(path.stem):
        raise DesignError(
            f"{escaped(path)}: the file's name {shown(path.stem)} cannot name the results folder; "
            f'add name = "..." ({PLAIN_NAME_RULE})'
        )
    target = _build_target(spec, path)
    design = Design(spec, str(path), target)
    design.infos = [_check_parameter(design, index, p) for index, p in enumerate(spec.parameters)]
    _check_outcomes(design)
    return design


def _check_outcomes(design: Design) -> None:
    """Outcomes the target does not write are refused before any run (not reported after them all)."""
    known = design.target.outcome_names()
    if known is None:
        return
    for index, outcome in enumerate(design.spec.outcomes):
        if outcome not in known:
            raise DesignError(
                f"{escaped(design.source)}: outcomes[{index}] = {shown(outcome)}: not an outcome of "
                f"the runs; allowed: {', '.join(known[:12])}{' ...' if len(known) > 12 else ''} "
                "(all: partage outcomes)"
            )


def _build_target(spec: DesignSpec, path: Path) -> Target:
    if spec.target is not None:
        return BUILTIN_TARGETS[spec.target]()
    from model.scenario import load_scenario

    scenario_path = (path.parent / spec.scenario).resolve()
    if not scenario_path.is_file():
        raise DesignError(
            f"{escaped(path)}: scenario = {shown(spec.scenario)}: no such file (looked for {escaped(scenario_path)})"
        )
    sizes = {
        key: value
        for key, value in (("households", spec.households), ("months", spec.months))
        if value
    }
    scenario = load_scenario(scenario_path, sizes)
    return ScenarioTarget({scenario.name: scenario})


def _check_parameter(design: Design, index: int, parameter: ParameterSpec) -> dict:
    return check_parameter(
        f"{escaped(design.source)}: parameters[{index}] ({escaped(parameter.path)})",
        design.target,
        parameter,
    )


def check_parameter(where: str, target: Target, parameter: ParameterSpec) -> dict:
    """The declaration of a parameter (type, bounds) after checking its path and range against the
    target; `where` starts the one-line error (file, field)."""
    try:
        info = target.parameter_info(parameter.path)
    except KeyError as error:
        raise DesignError(f"{where}: {escaped(error.args[0])}") from None
    kind = info.get("type")
    if parameter.values is not None:
        allowed = info.get("choices") or ([True, False] if kind == "bool" else None)
        for value in parameter.values:
            if allowed is not None and value not in allowed:
                raise DesignError(
                    f"{where}: value {shown(value)} not allowed; allowed: {', '.join(map(str, allowed))}"
                )
            if kind in ("float", "int") and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise DesignError(f"{where}: value {shown(value)} is not a number")
            if kind in ("float", "int"):
                _check_bounds(where, "value", float(value), info)
        check_values_in_target(where, target, parameter.path, parameter.values)
        return info
    if kind not in ("float", "int"):
        allowed = info.get("choices") or ([True, False] if kind == "bool" else [])
        hint = f"; allowed values: {', '.join(map(str, allowed))}" if allowed else ""
        raise DesignError(
            f"{where}: a {kind} parameter needs a list of values, not min and max{hint}"
        )
    _check_bounds(where, "min", parameter.min, info)
    _check_bounds(where, "max", parameter.max, info)
    ends = [parameter.min, parameter.max]
    if kind == "int":
        ends = [math.ceil(parameter.min), math.floor(parameter.max)]
    check_values_in_target(where, target, parameter.path, ends)
    return info


def check_values_in_target(where: str, target: Target, path: str, values: Iterable[Any]) -> None:
    """Every value (a grid's values, or a range's two ends) applied alone to the target's scenarios,
    so that a value they refuse (a name that is not plain, a start past the horizon) is refused
    before any run, in one line, rather than by every run."""
    check = getattr(target, "check_value", None)
    if check is None:
        return
    for value in values:
        try:
            check(path, value)
        except ScenarioError as error:
            raise DesignError(f"{where}: value {shown(value)} refused: {error}") from None


def _check_bounds(where: str, name: str, value: float, info: dict) -> None:
    low, high = info.get("min"), info.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        allowed = (
            f"from {low if low is not None else '-inf'} to {high if high is not None else 'inf'}"
        )
        raise DesignError(f"{where}: {name} = {value:g} is out of range; allowed: {allowed}")


def first_problem(error: ValidationError, raw: dict, root: type[BaseModel] | None = None) -> str:
    """The first problem of a validation error as one line; `root` is the model validated."""
    problems = error.errors(include_url=False)
    first = problems[0]
    loc = list(first["loc"])
    dotted = escaped(
        "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    )
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    kind = first["type"]
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1], root or DesignSpec)
        return f"{dotted}: unknown key; allowed keys here: {', '.join(model.model_fields)}{more}"
    if kind == "missing":
        return f"{dotted}: required value is missing{more}"
    message = first["msg"].removeprefix("Value error, ")
    if not loc:
        return f"{message}{more}"
    given = _value_at(raw, loc)
    if kind == "value_error" or isinstance(given, dict | list):
        return f"{dotted}: {message}{more}"
    allowed = ""
    if kind == "literal_error":
        allowed = f"; allowed: {first['ctx']['expected']}"
    return (
        f"{dotted} = {shown(given)}: {message}{allowed}{more}"
        if given is not None
        else f"{dotted}: {message}{more}"
    )


def _model_at(loc: list, root: type[BaseModel]) -> type[BaseModel]:
    model: type[BaseModel] = root
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        for candidate in (annotation, *typing.get_args(annotation)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
    return model


def _value_at(raw: Any, loc: list) -> Any:
    node = raw
    for part in loc:
        if (
            isinstance(node, dict)
            and part in node
            or isinstance(node, list)
            and isinstance(part, int)
            and part < len(node)
        ):
            node = node[part]
        else:
            return None
    return node
