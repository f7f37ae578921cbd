"""TerritoryModel: households on a territory choose, month by month, to own, rent, share or forgo.

Each month, in this order (each phase's rules are in the module named):
1. Policies (`policies`): the active policies are folded into this month's effects.
2. Influence (`network`): each household reads, per good, the share of its ties
   who share or lend it (the territory's share in a well-mixed territory), and
   its ties who lend it.
3. Awareness (`awareness`): an unaware household needing a good learns that it
   can be shared with probability p + q x (share of its ties sharing or lending
   it), p being the media rate plus campaigns (Bass 1969, discrete form).
4. Digital inclusion (`awareness`): trained offline households gain digital access.
5. Decisions (`choice`): owners reconsider a good when it wears out (hazard
   1 / lifetime: they buy a new one if they keep owning) or on a life event;
   others every `reconsider_months` on average, or when they have just learnt
   about sharing. They choose by multinomial logit. Aware owners reconsider
   lending on the same rhythm. Owned goods age a month. The counts over ties
   follow the changes (`network`).
6. Market (`market`): shared uses are allocated through ties, pools and the
   platform; unserved uses are unmet.
7. Learning and trust (`learning`): borrowers learn the availability and price
   they met, lenders how much of their spare capacity is used; each month of
   sharing goes well or badly and moves trust, which then drifts toward the
   trust of one's ties.
8. Ties (`network`): platform and pool exchanges create ties with
   `tie_from_sharing_prob`; third places create ties within their zones.
9. Reporters (`reporters`): adoption, ecological, economic, social and public outcomes.

State lives in numpy arrays (`model.households`, one row per household); each
`Household` agent is a handle on its row, built when `model.agents` is first
read. All randomness comes from `model.rng`, seeded by the scenario's seed
unless one is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid

from . import reporters
from .awareness import spread_awareness, train_offline_households
from .choice import decide
from .equilibrium import assign_initial_modes
from .geography import build_network, layout_territory
from .households import (
    JOINED_LONG_AGO,
    QUINTILES,
    GoodTable,
    Household,
    HouseholdState,
    populate,
)
from .learning import learn_from_the_month
from .market import MarketResult, PoolOpenings, clear_market, pool_open, pool_reach
from .network import Ties
from .policies import Effects, PolicyBook, households_by_zone
from .scenario import Scenario, load_scenario
from .today import subscribers_by_zone
from .zone_results import household_weights, real_scales

POOL_NEWS_GROWTH = 1.5  # a zone's pool that grows by half or more in a month is news to its members
DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"


def resolve_scenario(
    scenario: Scenario | str | Path | None,
    overrides: Mapping[str, Any] | None,
    *,
    households: int | None = None,
    months: int | None = None,
    seed: int | None = None,
) -> Scenario:
    """A validated scenario from an object, a file path or the default baseline, with overrides
    and, where given, its number of households, horizon and seed replaced."""
    overrides = dict(overrides or {})
    for key, value in (("households", households), ("months", months), ("seed", seed)):
        if value is not None:
            overrides[key] = value
    if scenario is None:
        scenario = DEFAULT_SCENARIO
    if isinstance(scenario, Scenario):
        return scenario.with_overrides(overrides) if overrides else scenario
    return load_scenario(scenario, overrides)


class TerritoryModel(mesa.Model):
    """Collaborative consumption in a territory, configured by a scenario.

    Keyword arguments override the scenario: `households`, `months`, `seed` (or
    `rng`, Mesa's name, an integer seed), `overrides` (a mapping of dotted paths to
    values), and any dotted path passed directly as a keyword
    (`**{"goods.car.purchase_eur": 20000}`), which lets `mesa.batch_run` sweep any
    parameter, the seed included. `agents=True` builds the `Household` agents and
    the grid at once; otherwise they are built the first time `model.agents` or
    `model.grid` is read.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        households: int | None = None,
        months: int | None = None,
        seed: int | None = None,
        rng: int | None = None,
        overrides: Mapping[str, Any] | None = None,
        agents: bool = False,
        **dotted: Any,
    ):
        merged = dict(overrides or {})
        merged.update({k: v for k, v in dotted.items() if "." in k})
        unknown = [k for k in dotted if "." not in k]
        if unknown:
            raise TypeError(
                f"TerritoryModel got unexpected keyword arguments: {', '.join(unknown)}"
            )
        if rng is not None:
            if seed is not None:
                raise TypeError("TerritoryModel: give seed or rng, not both")
            seed = rng
        self.scenario = resolve_scenario(
            scenario, merged, households=households, months=months, seed=seed
        )
        super().__init__(seed=self.scenario.seed)
        self.months = self.scenario.months
        self.goods = GoodTable.from_scenario(self.scenario)
        self.behaviour = self.scenario.behaviour
        zones = list(self.scenario.territory.zones.values())
        self.zone_count = len(zones)
        self.share_access_eur = np.array([z.share_access_eur for z in zones])
        self.rental_access_eur = np.array([z.rental_access_eur for z in zones])

        n = self.scenario.households
        self.layout = layout_territory(self.scenario, n, self.rng)
        self.network = build_network(self.scenario, self.layout, self.rng)
        self.well_mixed = self.scenario.network.kind == "well-mixed"
        self.households: HouseholdState = populate(self.scenario, self.layout, self.goods, self.rng)
        hh = self.households
        self.ties = Ties(self.network, hh.zone, self.zone_count, self.well_mixed)
        self.households_by_zone = self.ties.households_by_zone
        self.rental_access_by_household = self.rental_access_eur[hh.zone][:, None]
        self.share_access_by_household = self.share_access_eur[hh.zone][:, None]
        goods_count = len(self.goods.names)
        self.zone_good_index = hh.zone.astype(np.int64)[:, None] * goods_count + np.arange(
            goods_count
        )
        self.quintile_sizes = np.bincount(hh.quintile, minlength=QUINTILES)
        self.policy_book = PolicyBook(self.scenario, self.households_by_zone)
        self.totals = reporters.Totals()
        self.month_buffers = reporters.MonthBuffers(n, goods_count)
        self.real_scale, self.zone_real_scale = real_scales(self.scenario, self.households_by_zone)
        self.household_weight = household_weights(self.zone_real_scale, hh.zone)
        if self.household_weight is not None:
            self.real_quintile_sizes = np.bincount(
                hh.quintile, weights=self.household_weight, minlength=QUINTILES
            )
            self.real_policy_book = PolicyBook(self.scenario, households_by_zone(self.scenario))
        self.zone_series: list[np.ndarray] = []  # (Z, K) outcomes by zone, one per month
        self._grid: OrthogonalMooreGrid | None = None
        if agents:
            self._build_agents()

        self.last_market: MarketResult | None = None
        self.effects: Effects = self.policy_book.effects(0)
        self.status_quo = self.policy_book.status_quo()
        self.pool_reach = pool_reach(
            self.scenario, self.households_by_zone, self.rng.bit_generator.seed_seq
        )
        self.month0_pool_ok = pool_open(hh, self.status_quo, self.pool_reach)
        self.pool_openings = PoolOpenings(hh, self.pool_reach)
        self.month0_subscribers = subscribers_by_zone(self.scenario, self.households_by_zone)
        self._count_needing()
        self.zone_needing_before_subscribers = self.zone_needing
        assign_initial_modes(
            hh,
            self.goods,
            self.behaviour,
            self.status_quo,
            pool_ok=self.month0_pool_ok,
            rental_access_eur=self.rental_access_eur,
            share_access_eur=self.share_access_eur,
            rng=self.rng,
            subscribers=self.month0_subscribers,
        )
        hh.joined_month[self.month0_pool_ok & hh.aware] = JOINED_LONG_AGO  # today's members
        self.pool_units_before = self.effects.pool_units
        self.pool_news_month = np.full(self.effects.pool_units.shape, JOINED_LONG_AGO)
        self._count_needing()
        self.ties.count(hh)
        self.latest: dict[str, float] = reporters.measure(self, None, np.zeros(goods_count))
        self.series: list[dict[str, float]] = [self.latest]
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters.model_reporters(self.latest)
        )
        self.datacollector.collect(self)
        self.running = self.months > 0

    # ------------------------------------------------------------------ the month

    def step(self) -> None:
        """One month: the nine phases of the module docstring, in order."""
        hh, goods, behaviour, ties, rng = (
            self.households,
            self.goods,
            self.behaviour,
            self.ties,
            self.rng,
        )
        # 1. policies
        fx = self.effects = self.policy_book.effects(self.steps)
        # 2. influence
        social, lending_ties = ties.influence(hh, self.needing)
        # 3. awareness
        newly_aware = spread_awareness(hh, social, behaviour, fx, rng)
        # 4. digital inclusion
        training_by_household = train_offline_households(hh, fx, rng)
        training_eur = 0.0 if training_by_household is None else float(training_by_household.sum())
        # 5. decisions, then the counts over ties follow the changes
        pool_ok = self.pool_openings(fx)
        active_before, lending_before = hh.sharing_or_lending(), hh.lending.copy()
        if pool_ok.any():
            grew = fx.pool_units > POOL_NEWS_GROWTH * self.pool_units_before
            self.pool_news_month[grew] = self.steps
            hh.record_joining(self.steps, pool_ok)
        self.pool_units_before = fx.pool_units
        purchases_by_zone = (
            None if self.household_weight is None else np.zeros((self.zone_count, len(goods.names)))
        )
        purchases = decide(
            hh,
            goods,
            behaviour,
            fx,
            social=social,
            lending_ties=lending_ties,
            pool_ok=pool_ok,
            newly_aware=newly_aware,
            rental_access_eur=self.rental_access_eur,
            share_access_eur=self.share_access_eur,
            well_mixed=self.well_mixed,
            rng=rng,
            month=self.steps,
            pool_news_month=self.pool_news_month,
            purchases_by_zone=purchases_by_zone,
        )
        ties.update_counts(hh, active_before, lending_before)
        # 6. market
        market = self.last_market = clear_market(hh, goods, fx, ties, pool_ok)
        # 7. learning and trust
        claims_eur = learn_from_the_month(hh, goods, behaviour, fx, market, ties, self.totals, rng)
        # 8. ties
        created = ties.make_new_ties(
            hh, market, self.scenario.network.tie_from_sharing_prob, fx.new_ties_by_zone, rng
        )
        # 9. reporters
        public_cost_eur = (
            fx.fixed_cost_eur + training_eur + float(market.subsidy_eur.sum()) + claims_eur
        )
        self.latest = reporters.measure(
            self,
            market,
            purchases,
            public_cost=public_cost_eur,
            ties_created=created,
            purchases_by_zone=purchases_by_zone,
            training_eur_by_household=training_by_household,
        )
        self.series.append(self.latest)
        self.datacollector.collect(self)
        if self.steps >= self.months:
            self.running = False

    def units_held(self) -> np.ndarray:
        """(N, G) units each household holds (owners needing the good: one, or more)."""
        hh = self.households
        return hh.units(self.goods.extra_units) * hh.need

    def _count_needing(self) -> None:
        """Households needing each good, in all and by zone (fixed once month 0 is set)."""
        hh = self.households
        self.needing = hh.need.sum(axis=0)
        self.zone_needing = np.bincount(
            self.zone_good_index[hh.need], minlength=self.zone_count * len(self.goods.names)
        ).reshape(self.zone_count, len(self.goods.names))

    # ------------------------------------------------------------------ agents, built when read

    def _build_agents(self) -> None:
        """The grid and one `Household` handle per row, each placed on its cell."""
        if self._grid is not None:
            return
        self._grid = OrthogonalMooreGrid(
            (self.layout.side, self.layout.side), torus=False, random=self.random
        )
        cells = self._grid.all_cells.cells
        for row, cell in enumerate(self.households.cell):
            Household(self, row, cells[cell])

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """All agents: the households, as handles on their rows of `households`."""
        self._build_agents()
        return super().agents

    @property
    def agents_by_type(self) -> dict:
        self._build_agents()
        return super().agents_by_type

    @property
    def grid(self) -> OrthogonalMooreGrid:
        """The territory's grid (Mesa `OrthogonalMooreGrid`), with each household on its cell."""
        self._build_agents()
        return self._grid

    # ------------------------------------------------------------------ conveniences

    @property
    def degree(self) -> np.ndarray:
        """Each household's number of ties, those made during the run included."""
        return self.ties.degree

    def network_graph(self):
        """The ties as a networkx Graph (nodes are household rows), for analysis."""
        return self.ties.graph()

    def run(self, progress=None) -> None:
        """Run to the horizon; `progress(month)` is called after each month."""
        while self.running:
            self.step()
            if progress is not None:
                progress(self.steps)

    def series_frame(self):
        """The monthly series as a pandas DataFrame, one row per month (0 = initial state)."""
        import pandas as pd

        return pd.DataFrame(self.series)
