"""Plain functions for other tools: one run of a scenario, its outcomes as a dict.

`run_outcomes` is what SALib, EMA Workbench or a notebook calls: a scenario
(file or object), overrides at dotted paths, a seed, and the outcomes at the
horizon come back as `{name: float}`. `outcome_function` wraps it as a
function of keyword arguments, the shape EMA Workbench expects of a model.

    >>> from experiments.api import run_outcomes
    >>> run_outcomes("scenarios/tool_library.toml", {"behaviour.trust_gain": 0.05},
    ...              seed=1, households=500, months=24)["sharing_households"]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd


def run_series(
    scenario: Any,
    overrides: Mapping[str, Any] | None = None,
    *,
    seed: int,
    households: int | None = None,
    months: int | None = None,
) -> pd.DataFrame:
    """The monthly series of one run (a `month` column and one column per outcome)."""
    from model.scenario import Scenario, load_scenario
    from model.simulate import simulate

    sizes = {key: value for key, value in (("households", households), ("months", months)) if value}
    changes = {**dict(overrides or {}), **sizes, "seed": seed}
    if isinstance(scenario, Scenario):
        resolved = scenario.with_overrides(changes)
    else:
        resolved = load_scenario(Path(scenario), changes)
    return simulate(resolved)


def run_outcomes(
    scenario: Any,
    overrides: Mapping[str, Any] | None = None,
    *,
    seed: int,
    households: int | None = None,
    months: int | None = None,
    outcomes: Iterable[str] | None = None,
) -> dict[str, float]:
    """The outcomes of one run at its horizon (the last month), by name.

    `scenario` is a scenario file or a `Scenario`; `overrides` maps dotted paths
    to values; `outcomes` restricts the result (default: every outcome).
    """
    series = run_series(scenario, overrides, seed=seed, households=households, months=months)
    last = series.iloc[-1]
    names = list(outcomes) if outcomes is not None else [c for c in series.columns if c != "month"]
    missing = [name for name in names if name not in series.columns]
    if missing:
        raise KeyError(
            f"no outcome {missing[0]!r}; available: {', '.join(c for c in series.columns if c != 'month')}"
        )
    return {name: float(last[name]) for name in names}


def outcome_function(
    scenario: Any,
    *,
    seed: int,
    households: int | None = None,
    months: int | None = None,
    outcomes: Iterable[str] | None = None,
) -> Callable[..., dict[str, float]]:
    """A function of dotted-path keyword arguments returning outcomes, e.g. for EMA Workbench.

    `f(**{"behaviour.trust_gain": 0.05})` runs the scenario with that override.
    The scenario file is read and validated once, when the function is made.
    """
    from model.scenario import Scenario, load_scenario

    base = scenario if isinstance(scenario, Scenario) else load_scenario(Path(scenario))
    wanted = list(outcomes) if outcomes is not None else None

    def model(**overrides: Any) -> dict[str, float]:
        return run_outcomes(
            base, overrides, seed=seed, households=households, months=months, outcomes=wanted
        )

    return model
