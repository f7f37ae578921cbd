"""What one run of an experiment simulates: a scenario of the model, or a built-in reference function.

A target turns a point of a design (a scenario name and parameter values at
dotted paths), a seed and a size into a monthly series: a DataFrame with a
`month` column and one numeric column per outcome.

Rules:
- Only the targets registered in `BUILTIN_TARGETS` can be named by a design
  file; nothing in a design is ever imported or executed as code.
- Scenarios are validated once, by the process that builds the experiment, and
  shipped once to each worker. A worker validates the overrides of a point the
  first time it meets that point and keeps the result in a small cache, so
  replications of a point do not validate it again.
- `ishigami` is the Ishigami–Homma function (a = 7, b = 0.1), whose Sobol
  indices are known analytically: it checks the sensitivity pipeline end to end.
- `diffusion` is a stochastic Bass diffusion over individual households, a
  small stand-in for the model with a tunable cost per run. A run raises when
  `awareness_p + awareness_q > 1`, because a monthly adoption probability above
  one has no meaning: it is how tests exercise failing runs.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

ISHIGAMI_A = 7.0
ISHIGAMI_B = 0.1


class Target:
    """Base class: a named simulation that maps (point, seed, size) to a monthly series."""

    kind = "target"
    default_outcomes: tuple[str, ...] = ()
    _cache_size = 32

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_prepared", None)
        return state

    def scenario_names(self) -> list[str]:
        return ["default"]

    def parameter_info(self, path: str) -> dict:
        """Type and bounds of a parameter, for checking a design (`type`, `min`, `max`, `choices`)."""
        raise NotImplementedError

    def outcome_names(self) -> list[str] | None:
        """The outcome columns a run writes (None when unknown before running)."""
        return None

    def fingerprint_data(self) -> Any:
        """Everything that defines the target's behaviour, for detecting a changed experiment."""
        return {"kind": self.kind}

    def prepare(
        self, scenario: str, params: Mapping[str, Any], households: int | None, months: int | None
    ) -> Any:
        """Everything `simulate` needs for a point, validated; cached per worker."""
        return {"params": dict(params), "households": households, "months": months}

    def prepared(
        self,
        scenario: str,
        params: Mapping[str, Any],
        households: int | None = None,
        months: int | None = None,
    ) -> Any:
        cache = self.__dict__.setdefault("_prepared", OrderedDict())
        key = (scenario, json.dumps(params, sort_keys=True, default=str), households, months)
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        value = self.prepare(scenario, params, households, months)
        cache[key] = value
        if len(cache) > self._cache_size:
            cache.popitem(last=False)
        return value

    def simulate(self, prepared: Any, *, seed: int) -> pd.DataFrame:
        """The monthly series of one run: a `month` column and one column per outcome."""
        raise NotImplementedError


class IshigamiTarget(Target):
    kind = "ishigami"
    default_outcomes = ("y",)
    parameters = {
        name: {"type": "float", "min": -math.pi, "max": math.pi} for name in ("x1", "x2", "x3")
    }

    def parameter_info(self, path: str) -> dict:
        if path not in self.parameters:
            raise KeyError(f"no such parameter; allowed: {', '.join(self.parameters)}")
        return dict(self.parameters[path], path=path)

    def outcome_names(self) -> list[str]:
        return ["y"]

    def simulate(self, prepared, *, seed):
        x1, x2, x3 = (float(prepared["params"].get(name, 0.0)) for name in ("x1", "x2", "x3"))
        y = math.sin(x1) + ISHIGAMI_A * math.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * math.sin(x1)
        return pd.DataFrame({"month": [0], "y": [y]})


def ishigami_indices(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> dict[str, list[float]]:
    """Analytic first-order (S1) and total (ST) Sobol indices of the Ishigami function."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    variance = v1 + v2 + v13
    return {
        "S1": [v1 / variance, v2 / variance, 0.0],
        "ST": [(v1 + v13) / variance, v2 / variance, v13 / variance],
    }


class DiffusionTarget(Target):
    kind = "diffusion"
    default_outcomes = ("adoption_share", "adopters")
    parameters = {
        "awareness_p": {"type": "float", "min": 0.0, "max": 1.0, "default": 0.03},
        "awareness_q": {"type": "float", "min": 0.0, "max": 1.0, "default": 0.38},
    }
    default_households = 1000
    default_months = 24

    def parameter_info(self, path: str) -> dict:
        if path not in self.parameters:
            raise KeyError(f"no such parameter; allowed: {', '.join(self.parameters)}")
        return dict(self.parameters[path], path=path)

    def outcome_names(self) -> list[str]:
        return ["adopters", "adoption_share", "new_adopters"]

    def simulate(self, prepared, *, seed):
        params = prepared["params"]
        p = float(params.get("awareness_p", self.parameters["awareness_p"]["default"]))
        q = float(params.get("awareness_q", self.parameters["awareness_q"]["default"]))
        if p + q > 1:
            raise ValueError(
                f"awareness_p + awareness_q = {p + q:g} > 1: adoption probability above one"
            )
        households = int(prepared["households"] or self.default_households)
        months = int(prepared["months"] or self.default_months)
        rng = np.random.default_rng(seed)
        adopted = np.zeros(households, dtype=bool)
        rows = []
        for month in range(1, months + 1):
            share = adopted.mean()
            draws = rng.random(households) < p + q * share
            new = draws & ~adopted
            adopted |= new
            rows.append((month, int(adopted.sum()), float(adopted.mean()), int(new.sum())))
        return pd.DataFrame(rows, columns=["month", "adopters", "adoption_share", "new_adopters"])


class ScenarioTarget(Target):
    """Scenarios of the Partage model, by name; points override dotted paths of one of them."""

    kind = "scenario"
    default_outcomes = (
        "sharing_households",
        "emissions.cumulative_t",
        "public.cumulative_spend_eur",
    )

    def __init__(self, scenarios: Mapping[str, Any]):
        self.scenarios = dict(scenarios)

    def scenario_names(self) -> list[str]:
        return list(self.scenarios)

    def parameter_info(self, path: str) -> dict:
        from model.scenario import ScenarioError, parameter_info

        scenario = next(iter(self.scenarios.values()))
        try:
            scenario.get(path)
        except ScenarioError:
            raise KeyError(f"no such parameter in scenario {scenario.name!r}") from None
        return parameter_info(scenario, path)

    def outcome_names(self) -> list[str]:
        return available_outcomes(next(iter(self.scenarios.values())))

    def check_value(self, path: str, value: Any) -> None:
        """Raise `ScenarioError` when a scenario refuses `value` at `path` (checked before running)."""
        for name, scenario in self.scenarios.items():
            scenario.with_overrides({path: value}, source=name)

    def fingerprint_data(self):
        return {
            "kind": self.kind,
            "scenarios": {name: s.model_dump(mode="json") for name, s in self.scenarios.items()},
        }

    def prepare(self, scenario, params, households, months):
        sizes = {
            key: value for key, value in (("households", households), ("months", months)) if value
        }
        overrides = {**params, **sizes}
        base = self.scenarios[scenario]
        return base.with_overrides(overrides, source=scenario) if overrides else base

    def simulate(self, prepared, *, seed):
        from model.simulate import simulate

        # The seed is a 63-bit integer from a SeedSequence, inside the schema's bounds: setting it
        # on the validated scenario spares a validation per run.
        return simulate(prepared.model_copy(update={"seed": seed}))


def available_outcomes(scenario) -> list[str]:
    """The outcome columns a run of the scenario writes, read from a tiny instance (no month run)."""
    from model.model import TerritoryModel

    # The horizon is kept: a dated series of the scenario (e.g. a fleet's size) must lie within it.
    tiny = scenario.with_overrides({"households": max(60, 3 * len(scenario.zone_names))})
    return [name for name in TerritoryModel(tiny).latest if name != "month"]


BUILTIN_TARGETS: dict[str, type[Target]] = {
    "ishigami": IshigamiTarget,
    "diffusion": DiffusionTarget,
}
