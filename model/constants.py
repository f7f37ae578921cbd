"""Equilibrium constants: the utility added to owning, sharing and holding extra units of a good,
by zone, read from a scenario's `[constants]` tables into (zone, good) arrays (zero where none is
given). `model.equilibrium` solves them; `model.choice` adds them to the utilities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scenario import Scenario, ScenarioError

MODES_WITH_CONSTANTS = ("own", "share", "extra_units")


@dataclass
class Constants:
    """(zone, good) arrays of constants."""

    own: np.ndarray
    share: np.ndarray
    extra_units: np.ndarray

    @classmethod
    def zeros(cls, zones: int, goods: int) -> Constants:
        return cls(*(np.zeros((zones, goods)) for _ in MODES_WITH_CONSTANTS))

    def any(self) -> bool:
        return bool(self.own.any() or self.share.any() or self.extra_units.any())

    def to_tables(self, zone_names: list[str], good_names: list[str]) -> dict:
        """The `[constants]` tables of a scenario, rounded to 4 decimals, goods without any left out."""
        tables = {}
        for g, good in enumerate(good_names):
            table = {}
            for mode in MODES_WITH_CONSTANTS:
                values = getattr(self, mode)[:, g]
                if values.any():
                    table[mode] = {
                        z: round(float(v), 4) for z, v in zip(zone_names, values, strict=True)
                    }
            if table:
                tables[good] = table
        return tables


def equilibrium_constants(scenario: Scenario) -> Constants:
    """The scenario's constants as (zone, good) arrays. Constants naming none of the scenario's
    zones were solved for another territory (inherited through `extends`) and are not used; a
    zone or good named that the scenario lacks is otherwise refused."""
    zones, goods = scenario.zone_names, scenario.good_names
    constants = Constants.zeros(len(zones), len(goods))
    named = {
        zone
        for table in scenario.constants.values()
        for mode in MODES_WITH_CONSTANTS
        for zone in getattr(table, mode)
    }
    if named and not named & set(zones):
        return constants
    for good, table in scenario.constants.items():
        if good not in goods:
            raise ScenarioError(
                f"{scenario.name}: constants.{good}: unknown good; allowed: {', '.join(goods)}"
            )
        for mode in MODES_WITH_CONSTANTS:
            for zone, value in getattr(table, mode).items():
                if zone not in zones:
                    raise ScenarioError(
                        f"{scenario.name}: constants.{good}.{mode}: unknown zone {zone!r}; "
                        f"allowed: the zones' keys ({', '.join(zones[:8])}…)"
                    )
                getattr(constants, mode)[zones.index(zone), goods.index(good)] = value
    return constants
