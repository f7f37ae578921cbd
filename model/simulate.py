"""Run a scenario to its horizon and return its monthly series: the plain entry point of the model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .model import TerritoryModel
from .scenario import Scenario
from .zone_results import zone_frame


def simulate(
    scenario: Scenario | str | Path | None = None,
    *,
    seed: int | None = None,
    households: int | None = None,
    months: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
    agents: bool = False,
) -> pd.DataFrame:
    """One simulation; a DataFrame with one row per month (0 = initial state) and a `month` column.

    Nothing reads the Mesa agents of a run whose series alone is returned, so they are not
    built unless `agents=True`. Its `attrs["zones"]` holds the outcomes by zone, a long table
    (month, zone, outcome, value)."""
    model = TerritoryModel(
        scenario,
        seed=seed,
        households=households,
        months=months,
        overrides=overrides,
        agents=agents,
    )
    model.run(progress)
    series = model.series_frame()
    series.attrs["zones"] = zone_frame(model)
    return series
