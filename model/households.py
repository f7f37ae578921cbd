"""Households: their state as numpy arrays (one row each), and the Mesa agent that is a handle on a row.

A household has a zone and a cell, a monthly income (log-normal by zone), an
income quintile (over the whole territory), trust in sharing (Beta by zone),
environmental concern (Beta), digital access, and for each good: whether it
needs it and how many uses a month, its current mode (own, rent, share,
forgo), whether it lends (owners only), whether it knows sharing is possible,
the availability of sharing it expects, the price per shared use it expects,
and the age of the good it owns.

A share `initial_aware_share` of the households needing a good knows it can be
shared. Who owns, rents or forgoes at month 0 is set by the model (see
`TerritoryModel._assign_initial_modes`).
"""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property

import numpy as np
from mesa.discrete_space import CellAgent

from .constants import Constants, equilibrium_constants
from .scenario import Scenario, TerritoryFromData
from .territory import Layout
from .today import aware_share_at_start


class Mode(IntEnum):
    OWN = 0
    RENT = 1
    SHARE = 2
    FORGO = 3


MODE_NAMES = [m.name.lower() for m in Mode]
QUINTILES = 5  # income quintiles, over the whole territory
NEVER_JOINED = np.iinfo(np.int16).min  # `joined_month` of a household that has not joined sharing
JOINED_LONG_AGO = -30000  # of one that had joined before month 0 (today's members)


def pairs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(household rows, goods) where an (N, G) array of flags is set, in row order."""
    return np.divmod(np.flatnonzero(flags), flags.shape[1])


def take_rows(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """values[rows] of an (N, G) array, by `take` along the rows: numpy's indexing of a 2-D array by
    one index array is several times slower (the same values)."""
    return values.take(rows, axis=0)


def put_rows(values: np.ndarray, rows: np.ndarray, new: np.ndarray) -> None:
    """values[rows] = new (an (R, G) array), through the flat index when `values` is C-contiguous:
    faster than numpy's assignment by one index array on a 2-D array (the same values)."""
    if values.flags.c_contiguous and values.ndim == 2 and np.ndim(new) == 2:
        goods = values.shape[1]
        flat = (rows.astype(np.intp)[:, None] * goods + np.arange(goods)).reshape(-1)
        values.reshape(-1)[flat] = np.asarray(new, dtype=values.dtype).reshape(-1)
    else:
        values[rows] = new


def any_good(flags: np.ndarray) -> np.ndarray:
    """Per household, whether any of its (N, G) flags is set (column by column: faster than
    reducing along the short goods axis)."""
    out = flags[:, 0].copy()
    for g in range(1, flags.shape[1]):
        out |= flags[:, g]
    return out


def sum_over_goods(values: np.ndarray) -> np.ndarray:
    """Per household, the sum of its (N, G) values over goods; flags are counted."""
    out = values[:, 0].astype(np.int64 if values.dtype == bool else values.dtype)
    for g in range(1, values.shape[1]):
        out += values[:, g]
    return out


def per_good(values: np.ndarray) -> np.ndarray:
    """Per good, the sum of an (N, G) array over households (column by column)."""
    return np.array([values[:, g].sum() for g in range(values.shape[1])])


@dataclass
class GoodTable:
    """The goods' parameters as arrays, one entry per good (and per zone where it varies)."""

    names: list[str]
    purchase_eur: np.ndarray
    lifetime_months: np.ndarray
    fixed_eur_per_month: np.ndarray
    rent_eur_per_use: np.ndarray
    share_eur_per_use: np.ndarray
    forgo_eur_per_use: np.ndarray
    spare_uses_per_month: np.ndarray
    capacity_uses_per_month: np.ndarray
    bad_experience_prob: np.ndarray
    perceived_risk: np.ndarray
    embodied_kg_co2e: np.ndarray
    need_share: np.ndarray  # (zone, good)
    uses_per_month: np.ndarray  # (zone, good)
    initial_own_share: np.ndarray  # (zone, good)
    initial_multi_owner_share: np.ndarray  # (zone, good) owners holding more than one unit
    multi_unit: np.ndarray  # (good,) bool: a household may hold more than one unit
    extra_units: np.ndarray  # (good,) mean units beyond the first of a household holding several
    extra_units_uses_share: np.ndarray  # (good,) share of uses its extra units serve
    constants: Constants  # equilibrium constants, (zone, good) each
    uses_shape: np.ndarray
    initial_aware_share: np.ndarray
    initial_lend_share: np.ndarray

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> GoodTable:
        goods = list(scenario.goods.values())
        kinds = [z.kind for z in scenario.territory.zones.values()]

        def column(attr):
            return np.array([float(getattr(g, attr)) for g in goods])

        def by_zone(attr):
            return np.array([[getattr(g, attr).of(kind) for g in goods] for kind in kinds])

        def today_or(values, attr):  # what is known today, where the scenario says it
            known = [getattr(scenario.today.goods.get(g), attr, None) for g in scenario.goods]
            return np.array([v if k is None else k for v, k in zip(values, known, strict=True)])

        need_share, uses_per_month = by_zone("need_share"), by_zone("uses_per_month")
        initial_own_share = by_zone("initial_own_share")
        initial_multi_owner_share = by_zone("initial_multi_owner_share")
        if isinstance(scenario.territory, TerritoryFromData):  # the zones' own figures
            scenario.territory.resolved().apply_to_goods(
                list(scenario.goods),
                need_share,
                uses_per_month,
                initial_own_share,
                initial_multi_owner_share,
            )
        multi = column("max_units") > 1
        initial_multi_owner_share *= multi
        return cls(
            names=list(scenario.goods),
            purchase_eur=column("purchase_eur"),
            lifetime_months=column("lifetime_months"),
            fixed_eur_per_month=column("fixed_eur_per_month"),
            rent_eur_per_use=column("rent_eur_per_use"),
            share_eur_per_use=column("share_eur_per_use"),
            forgo_eur_per_use=column("forgo_eur_per_use"),
            spare_uses_per_month=column("spare_uses_per_month"),
            capacity_uses_per_month=column("capacity_uses_per_month"),
            bad_experience_prob=column("bad_experience_prob"),
            perceived_risk=column("perceived_risk"),
            embodied_kg_co2e=column("embodied_kg_co2e"),
            need_share=need_share,
            uses_per_month=uses_per_month,
            initial_own_share=initial_own_share,
            initial_multi_owner_share=initial_multi_owner_share,
            multi_unit=multi,
            extra_units=(column("multi_units_mean") - 1) * multi,
            extra_units_uses_share=column("extra_units_uses_share"),
            constants=equilibrium_constants(scenario),
            uses_shape=column("uses_shape"),
            initial_aware_share=aware_share_at_start(scenario),
            initial_lend_share=today_or(column("initial_lend_share"), "lend_share"),
        )

    @property
    def own_emissions_kg_per_month(self) -> np.ndarray:
        return self.embodied_kg_co2e / self.lifetime_months


@dataclass
class HouseholdState:
    """All households' state; row i is household i."""

    zone: np.ndarray  # (N,) int8
    cell: np.ndarray  # (N,) int32
    income_eur: np.ndarray  # (N,) monthly disposable income
    quintile: np.ndarray  # (N,) int8, 0 = poorest fifth
    trust: np.ndarray  # (N,) 0..1
    concern: np.ndarray  # (N,) 0..1
    digital: np.ndarray  # (N,) bool
    need: np.ndarray  # (N, G) bool
    uses: np.ndarray  # (N, G) uses per month (0 where no need)
    mode: np.ndarray  # (N, G) int8 Mode
    lending: np.ndarray  # (N, G) bool
    aware: np.ndarray  # (N, G) bool
    availability: np.ndarray  # (N, G) expected share of shared uses served
    expected_price: np.ndarray  # (N, G) expected price per shared use before subsidy
    tried: np.ndarray  # (N, G) bool: has shared this good at least once
    utilization: np.ndarray  # (N, G) expected share of spare capacity a lender sees used
    age_months: np.ndarray  # (N, G) age of the owned good
    extra: np.ndarray  # (N, G) bool: an owner holding more than one unit (max_units = 2)
    share_rest: np.ndarray  # (N, G) bool: an owner that gave up its extra units to share for them
    joined_month: np.ndarray  # (N, G) int16: month it joined sharing (knew of it, pool open)
    lend_income_eur: np.ndarray  # (N, G) last month's lending income
    # The rows where last month's lending income stands (the market's); zero everywhere else.
    lend_income_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))

    @property
    def size(self) -> int:
        return self.zone.size

    @cached_property
    def zq(self) -> np.ndarray:
        """Flat (zone, quintile) index, for looking up policy effects."""
        return self.zone.astype(np.int64) * QUINTILES + self.quintile

    @cached_property
    def zone_index(self) -> np.ndarray:
        """(N,) the zones as numpy's index integers, converted once (counts by zone read them)."""
        return self.zone.astype(np.intp)

    @cached_property
    def quintile_index(self) -> np.ndarray:
        """(N,) the income quintiles as numpy's index integers, converted once."""
        return self.quintile.astype(np.intp)

    def uniform_draws(self, rng: np.random.Generator) -> np.ndarray:
        """(N, G) uniform numbers drawn from `rng`, into a buffer kept from one call to the next:
        the same numbers as `rng.random((N, G))`, without a new array's memory to map each time.
        The draws hold until the next call."""
        buffer = self.__dict__.get("_draws")
        if buffer is None or buffer.shape != self.mode.shape:
            buffer = self.__dict__["_draws"] = np.empty(self.mode.shape)
        return rng.random(out=buffer)

    def units(self, extra_units: np.ndarray) -> np.ndarray:
        """(N, G) units held: 1 for an owner, plus the good's `extra_units` for one holding
        several (a mean, so it may be fractional)."""
        return (self.mode == Mode.OWN) * (1.0 + self.extra * extra_units)

    def record_joining(self, month: int, pool_ok: np.ndarray) -> None:
        """Note the month each household joins sharing a good: aware of it, with a pool open."""
        joining = pool_ok & self.aware
        joining &= self.joined_month == NEVER_JOINED
        self.joined_month[joining] = month

    def months_since_joining(
        self, rows: np.ndarray, cols: np.ndarray, month: int, pool_news_month: np.ndarray
    ) -> np.ndarray:
        """For the pairs (rows, cols): months since the household joined sharing the good, or since
        the pool of its zone last opened or grew (`pool_news_month`, (Z, G)), whichever is later;
        -1 where it has not joined."""
        joined = self.joined_month[rows, cols].astype(np.int32)
        since = month - np.maximum(joined, pool_news_month[self.zone[rows], cols])
        return np.where(joined == NEVER_JOINED, -1, since)

    def sharing_or_lending(self, rows: np.ndarray | None = None) -> np.ndarray:
        """(N, G) flags: the household shares (needing the good) or lends it; (R, G) those of the
        households `rows` only, when given."""
        if rows is None:
            return ((self.mode == Mode.SHARE) & self.need) | self.lending
        return (
            (take_rows(self.mode, rows) == Mode.SHARE) & take_rows(self.need, rows)
        ) | take_rows(self.lending, rows)


def _beta(rng, mean, concentration, size):
    return rng.beta(mean * concentration, (1 - mean) * concentration, size)


def populate(
    scenario: Scenario, layout: Layout, goods: GoodTable, rng: np.random.Generator
) -> HouseholdState:
    zones = list(scenario.territory.zones.values())
    zone = layout.household_zone
    n, g_n = zone.size, len(goods.names)

    def per_zone(attr):
        return np.array([getattr(z, attr) for z in zones], dtype=float)[zone]

    income = np.exp(
        np.log(per_zone("income_median_eur")) + per_zone("income_sigma") * rng.standard_normal(n)
    )
    ranks = np.argsort(np.argsort(income, kind="stable"), kind="stable")
    quintile = (ranks * QUINTILES // max(n, 1)).astype(np.int8)
    trust = _beta(rng, per_zone("trust_mean"), per_zone("trust_concentration"), n)
    concern = _beta(rng, per_zone("concern_mean"), per_zone("concern_concentration"), n)
    digital = rng.random(n) < per_zone("digital_access_share")

    need = rng.random((n, g_n)) < goods.need_share[zone]
    # Heterogeneous use: gamma around the zone's mean (mean 1, shape `uses_shape`).
    uses = (
        goods.uses_per_month[zone]
        * rng.gamma(goods.uses_shape, 1 / goods.uses_shape, (n, g_n))
        * need
    )

    aware = need & (rng.random((n, g_n)) < goods.initial_aware_share)
    no_goods = np.zeros((n, g_n), dtype=bool)

    return HouseholdState(
        zone=zone,
        cell=layout.household_cell,
        income_eur=income,
        quintile=quintile,
        trust=trust,
        concern=concern,
        digital=digital,
        need=need,
        uses=uses,
        mode=np.full((n, g_n), Mode.FORGO, dtype=np.int8),  # set by the model at month 0
        lending=no_goods.copy(),
        aware=aware,
        availability=np.full((n, g_n), scenario.behaviour.initial_availability),
        expected_price=np.broadcast_to(goods.share_eur_per_use, (n, g_n)).copy(),
        tried=np.zeros((n, g_n), dtype=bool),
        utilization=np.full((n, g_n), scenario.behaviour.initial_utilization),
        age_months=np.zeros((n, g_n), dtype=np.int16),
        extra=no_goods.copy(),
        share_rest=no_goods.copy(),
        joined_month=np.full((n, g_n), NEVER_JOINED, dtype=np.int16),
        lend_income_eur=np.zeros((n, g_n)),
    )


class AgentNumbers(weakref.WeakKeyDictionary):
    """Per model, the counter of its agents' `unique_id`s, forgotten with the model."""

    def __getitem__(self, model) -> itertools.count:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = self[model] = itertools.count(1)
            return counter


class Household(CellAgent):
    """A household; a thin handle whose attributes read and write its row of the model's arrays."""

    _ids = AgentNumbers()  # not Mesa's class-wide registry, which keeps every model alive

    def __init__(self, model, row: int, cell):
        super().__init__(model)
        self.row = row
        self.cell = cell

    @property
    def _state(self) -> HouseholdState:
        return self.model.households

    @property
    def zone(self) -> str:
        return self.model.scenario.zone_names[self._state.zone[self.row]]

    @property
    def income_eur(self) -> float:
        return float(self._state.income_eur[self.row])

    @property
    def quintile(self) -> int:
        """Income quintile, 1 (poorest) to 5."""
        return int(self._state.quintile[self.row]) + 1

    @property
    def trust(self) -> float:
        return float(self._state.trust[self.row])

    @trust.setter
    def trust(self, value: float) -> None:
        self._state.trust[self.row] = value

    @property
    def concern(self) -> float:
        return float(self._state.concern[self.row])

    @property
    def digital(self) -> bool:
        return bool(self._state.digital[self.row])

    @digital.setter
    def digital(self, value: bool) -> None:
        self._state.digital[self.row] = value

    def mode_of(self, good: str) -> str:
        """'own', 'rent', 'share', 'forgo', or 'none' when the household does not need the good."""
        g = self.model.goods.names.index(good)
        if not self._state.need[self.row, g]:
            return "none"
        return MODE_NAMES[self._state.mode[self.row, g]]

    @property
    def modes(self) -> dict[str, str]:
        return {good: self.mode_of(good) for good in self.model.goods.names}

    @property
    def lending(self) -> dict[str, bool]:
        return {
            good: bool(v)
            for good, v in zip(self.model.goods.names, self._state.lending[self.row], strict=True)
        }

    @property
    def aware(self) -> dict[str, bool]:
        return {
            good: bool(v)
            for good, v in zip(self.model.goods.names, self._state.aware[self.row], strict=True)
        }

    @property
    def availability(self) -> dict[str, float]:
        return {
            good: float(v)
            for good, v in zip(
                self.model.goods.names, self._state.availability[self.row], strict=True
            )
        }

    def describe(self) -> dict:
        """Everything about this household, for display."""
        return {
            "id": self.unique_id,
            "zone": self.zone,
            "income_eur": round(self.income_eur, 2),
            "quintile": self.quintile,
            "trust": round(self.trust, 3),
            "concern": round(self.concern, 3),
            "digital": self.digital,
            "modes": self.modes,
            "lending": self.lending,
            "aware": self.aware,
            "ties": int(self.model.degree[self.row]),
        }
