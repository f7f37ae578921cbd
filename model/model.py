"""TerritoryModel: households on a territory choose, month by month, to own, rent, share or forgo.

Each month, in this order:
1. Policies: the active policies are folded into this month's effects.
2. Influence: each household counts, per good, the share of its ties who share
   or lend it (the territory's share in a well-mixed territory), and its ties
   who lend it.
3. Awareness: an unaware household needing a good learns that it can be
   shared with probability p + q x (share of its ties sharing or lending it),
   p being the media rate plus campaigns (Bass 1969, discrete form).
4. Digital inclusion: trained offline households gain digital access.
5. Decisions: owners reconsider a good when it wears out (hazard
   1 / lifetime: they buy a new one if they keep owning) or on a life event;
   others every `reconsider_months` on average, or when they have just learnt
   about sharing. They choose by multinomial logit (see `choice`). Aware owners
   reconsider lending on the same rhythm.
6. Market: shared uses are allocated through ties, pools and the platform
   (see `market`); unserved uses are unmet.
7. Learning and trust: borrowers learn the availability and price they met;
   lenders learn how much of their spare capacity is used. Each month of
   sharing (borrowing or lending) goes badly with the good's probability
   (lowered by trust labels): trust rises by `trust_gain` x (1 - trust) after
   a good month and falls by `trust_loss` x trust (less the insured share)
   after a bad one; then trust drifts toward the mean trust of one's ties.
8. Ties: platform and pool exchanges create ties with
   `tie_from_sharing_prob`; third places create ties within their zones.
9. Reporters: adoption, ecological, economic, social and public outcomes.

State lives in numpy arrays (`model.households`, one row per household); each
`Household` agent is a handle on its row. All randomness comes from
`model.rng`, seeded by the scenario's seed unless one is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import scipy.sparse as sp
from mesa.discrete_space import OrthogonalMooreGrid

from . import reporters
from .choice import choose, gumbel, lend_decision, mode_utilities
from .geography import build_network, layout_territory
from .households import (
    GoodTable,
    Household,
    HouseholdState,
    Mode,
    any_good,
    per_good,
    populate,
    sum_over_goods,
)
from .market import MarketResult, clear_market
from .policies import QUINTILES, Effects, PolicyBook
from .scenario import Scenario, load_scenario
from .territory import adjacency
from .zone_results import real_scales

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


def pairs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(household rows, goods) where an (N, G) array of flags is set, in row order."""
    return np.divmod(np.flatnonzero(flags), flags.shape[1])


def learn_toward(expected: np.ndarray, rows: np.ndarray, observed: np.ndarray, rate: np.ndarray) -> None:
    """Move `expected[rows]` a share `rate` of the way toward what was `observed` (in place)."""
    current = expected[rows]
    current += rate * (observed - current)
    expected[rows] = current


def _inverse(degree: np.ndarray) -> np.ndarray:
    """1 / degree, and 0 for households without ties."""
    return np.divide(1.0, degree, out=np.zeros(degree.shape), where=degree > 0)


def trust_after_experiences(trust, good_months, bad, gain, loss, cover):
    """Trust after this month's experiences: each good month closes `gain` of the gap to 1; each bad
    one (per good, counted in `bad` (N, G)) removes `loss` of trust, less the insured share `cover`."""
    after_good = 1 - (1 - trust) * (1 - gain) ** good_months
    kept = np.prod(np.where(bad > 0, (1 - loss * (1 - cover)) ** bad, 1.0), axis=1)
    return after_good * kept


class TerritoryModel(mesa.Model):
    """Collaborative consumption in a territory, configured by a scenario.

    Keyword arguments override the scenario: `households`, `months`, `seed`,
    `overrides` (a mapping of dotted paths to values), and any dotted path
    passed directly as a keyword (`**{"goods.car.purchase_eur": 20000}`), which
    lets `mesa.batch_run` sweep any parameter.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        households: int | None = None,
        months: int | None = None,
        seed: int | None = None,
        overrides: Mapping[str, Any] | None = None,
        agents: bool = True,
        **dotted: Any,
    ):
        merged = dict(overrides or {})
        merged.update({k: v for k, v in dotted.items() if "." in k})
        unknown = [k for k in dotted if "." not in k]
        if unknown:
            raise TypeError(f"TerritoryModel got unexpected keyword arguments: {', '.join(unknown)}")
        self.scenario = resolve_scenario(scenario, merged, households=households, months=months, seed=seed)
        super().__init__(seed=self.scenario.seed)
        self.months = self.scenario.months
        self.goods = GoodTable.from_scenario(self.scenario)
        self.behaviour = self.scenario.behaviour
        zones = list(self.scenario.territory.zones.values())
        self.share_access_eur = np.array([z.share_access_eur for z in zones])
        self.rental_access_eur = np.array([z.rental_access_eur for z in zones])

        n = self.scenario.households
        self.layout = layout_territory(self.scenario, n, self.rng)
        self.network = build_network(self.scenario, self.layout, self.rng)
        self.well_mixed = self.scenario.network.kind == "well-mixed"
        self.households: HouseholdState = populate(self.scenario, self.layout, self.goods, self.rng)
        self.zone_count = len(zones)
        self.households_by_zone = np.bincount(self.households.zone, minlength=self.zone_count)
        self.zq = self.households.zq
        self._zone_order = np.argsort(self.households.zone, kind="stable")
        self._zone_starts = np.concatenate([[0], np.cumsum(self.households_by_zone)[:-1]])
        self.extra_network: sp.csr_matrix | None = None
        self._base_degree = np.asarray(self.network.sum(axis=1)).ravel()
        self.degree = self._base_degree
        self._inverse_degree = _inverse(self.degree)
        self._rental_access_hh = self.rental_access_eur[self.households.zone][:, None]
        self._share_access_hh = self.share_access_eur[self.households.zone][:, None]
        hh = self.households
        self.needing = hh.need.sum(axis=0)
        goods_count = len(self.goods.names)
        self.zone_good_index = hh.zone.astype(np.int64)[:, None] * goods_count + np.arange(goods_count)
        self.zone_needing = np.bincount(
            self.zone_good_index[hh.need], minlength=self.zone_count * goods_count
        ).reshape(self.zone_count, goods_count)
        self.quintile_sizes = np.bincount(hh.quintile, minlength=QUINTILES)
        self.policy_book = PolicyBook(self.scenario, self.households_by_zone)
        self.totals = reporters.Totals()
        self.real_scale, self.zone_real_scale = real_scales(self.scenario, self.households_by_zone)
        self.zone_series: list[np.ndarray] = []  # (Z, K) outcomes by zone, one per month

        self.grid = OrthogonalMooreGrid((self.layout.side, self.layout.side), torus=False, random=self.random)
        if agents:
            cells = self.grid.all_cells.cells
            for row, cell in enumerate(self.households.cell):
                Household(self, row, cells[cell])

        self.last_market: MarketResult | None = None
        self.effects: Effects = self.policy_book.effects(0)
        self._assign_initial_modes()
        self.count_active_ties()
        self.latest: dict[str, float] = reporters.measure(self, None, np.zeros(len(self.goods.names)))
        self.series: list[dict[str, float]] = [self.latest]
        self.datacollector = mesa.DataCollector(model_reporters=reporters.model_reporters(self.latest))
        self.datacollector.collect(self)
        self.running = self.months > 0

    # ------------------------------------------------------------------ network helpers

    def neighbour_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of `values` over each household's ties (rows of an (N,) or (N, G) array).

        Column by column; the ties made by sharing, few, are a matrix of their own."""
        if values.ndim == 2:
            total = np.empty(values.shape)
            for g in range(values.shape[1]):
                total[:, g] = self.neighbour_sum(values[:, g])
            return total
        total = self.network @ values
        if self.extra_network is not None:
            total[self._extra_rows] += self._extra_compact @ values
        return total

    def active(self) -> np.ndarray:
        """(N, G) flags: the household shares or lends the good."""
        hh = self.households
        return ((hh.mode == Mode.SHARE) & hh.need) | hh.lending

    def count_active_ties(self) -> None:
        """Count, for each household and good, its ties who share or lend it (`active_ties`) and
        who lend it (`lending_ties`). The step keeps both up to date as choices and ties change."""
        self.active_ties = self.neighbour_sum(self.active().astype(np.float64))
        self.lending_ties = self.neighbour_sum(self.households.lending.astype(np.float64))

    def sparse_neighbour_sum(self, values: np.ndarray) -> np.ndarray:
        """`neighbour_sum` of an (N, G) array that is zero for nearly all households: only the
        ties of the others are walked (households who changed their lending, say)."""
        total = np.zeros(values.shape)
        rows, cols = pairs(values != 0)
        for ties in (self.network, self.extra_network):
            if ties is None or rows.size == 0:
                continue
            lengths = np.diff(ties.indptr)[rows]
            starts = np.repeat(ties.indptr[rows] - np.cumsum(lengths) + lengths, lengths)
            neighbours = ties.indices[starts + np.arange(starts.size)]
            np.add.at(total, (neighbours, np.repeat(cols, lengths)), np.repeat(values[rows, cols], lengths))
        return total

    def _neighbour_sum_of_rows(self, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        """`neighbour_sum` for values given only at `rows` (zero elsewhere), read at `rows`."""
        full = np.zeros((self.households.size, values.shape[1]))
        full[rows] = values
        return self.neighbour_sum(full)[rows]

    def _zone_sum_of_rows(self, zones: np.ndarray, values: np.ndarray) -> np.ndarray:
        """`zone_sum` for (R, G) values of households in `zones`: (Z, G)."""
        return np.stack(
            [np.bincount(zones, weights=values[:, g], minlength=self.zone_count) for g in range(values.shape[1])],
            axis=1,
        )

    def random_member(self, zones: np.ndarray) -> np.ndarray:
        """A household drawn uniformly from each zone listed."""
        counts = self.households_by_zone[zones]
        return self._zone_order[self._zone_starts[zones] + (self.rng.random(zones.size) * counts).astype(np.int64)]

    def add_ties(self, a: np.ndarray, b: np.ndarray) -> int:
        """Create ties between a[i] and b[i]; returns how many were created."""
        keep = a != b
        a, b = a[keep], b[keep]
        if a.size == 0:
            return 0
        # Add this month's ties to those made before (a tie made twice is one tie), rather than
        # rebuilding from every tie ever made: the cost stays proportional to the new ties.
        extra = adjacency(self.households.size, a, b)
        if self.extra_network is not None:
            extra = (self.extra_network + extra).tocsr()
            extra.data[:] = 1.0
            new = (extra - self.extra_network).tocoo()  # the ties that did not exist yet
        else:
            new = extra.tocoo()
        self.extra_network = extra
        # Each new tie adds its ends' activity to the counts over ties.
        new_rows, new_cols = new.row[new.data > 0], new.col[new.data > 0]
        np.add.at(self.active_ties, new_rows, self.active()[new_cols])
        np.add.at(self.lending_ties, new_rows, self.households.lending[new_cols])
        self._extra_rows = np.flatnonzero(np.diff(extra.indptr))
        self._extra_compact = extra[self._extra_rows]  # only the rows that have such ties
        self.degree = self._base_degree + np.diff(extra.indptr)
        self._inverse_degree = _inverse(self.degree)
        return int(a.size)

    def per_household(self, table: np.ndarray) -> np.ndarray:
        """Look up a (zone, quintile, good) or (zone, quintile) effect for every household.

        Where no policy targets zones or quintiles the table is the same for all of them,
        and its first row, which broadcasts against (N, G), is returned without a lookup."""
        flat = table.reshape(self.zone_count * QUINTILES, *table.shape[2:])
        if (flat == flat[0]).all():
            return flat[0]
        return flat[self.zq]

    # ------------------------------------------------------------------ the month

    def step(self) -> None:
        month = self.steps
        hh, goods, b = self.households, self.goods, self.behaviour
        fx = self.effects = self.policy_book.effects(month)
        public_cost = fx.fixed_cost_eur

        # 2. influence
        if self.well_mixed:
            social = np.broadcast_to(per_good(self.active()) / np.maximum(self.needing, 1), hh.mode.shape)
            lending_ties = np.zeros(hh.mode.shape)
        else:
            social = self.active_ties * self._inverse_degree[:, None]
            lending_ties = self.lending_ties.copy()

        # 3. awareness
        rows, cols = pairs(hh.need & ~hh.aware)  # only those who could learn are drawn for
        p = b.awareness_p + self.per_household(fx.extra_awareness_p)
        p = p[rows, cols] if np.ndim(p) == 2 else p[cols]
        chance = np.minimum(1.0, p + b.awareness_q * social[rows, cols])
        learnt = self.rng.random(rows.size) < chance
        newly_aware = np.zeros(hh.need.shape, dtype=bool)
        newly_aware[rows[learnt], cols[learnt]] = True
        hh.aware |= newly_aware

        # 4. digital inclusion
        if fx.digital_training_share.any():
            trained = ~hh.digital & (self.rng.random(hh.size) < self.per_household(fx.digital_training_share))
            hh.digital |= trained
            public_cost += float((self.per_household(fx.eur_per_trainee) * trained).sum())

        # 5. decisions
        if fx.pool_units.any():
            pool_ok = self.per_household(fx.pool_access) & (fx.pool_units[hh.zone] > 0)
        else:
            pool_ok = np.zeros(hh.mode.shape, dtype=bool)
        active_before, lending_before = self.active(), hh.lending.copy()
        purchases = self._decide(fx, social, lending_ties, pool_ok, newly_aware)
        if not self.well_mixed:  # keep the counts over ties up to date with the changes
            self.active_ties += self.sparse_neighbour_sum(self.active().astype(np.int8) - active_before)
            self.lending_ties += self.sparse_neighbour_sum(hh.lending.astype(np.int8) - lending_before)

        # 6. market, among the households that borrow or lend something (lending changed with
        # the decisions: count lending ties again)
        borrower = (hh.mode == Mode.SHARE) & hh.need
        rows = np.flatnonzero(any_good(borrower | hh.lending))
        lending_ties = np.zeros((rows.size, len(goods.names))) if self.well_mixed else self.lending_ties[rows]
        subsidy = np.minimum(self.per_household(fx.subsidy_eur), self.per_household(fx.subsidy_cap_share) * goods.share_eur_per_use)
        market = clear_market(
            rows=rows,
            borrower=borrower[rows],
            uses=hh.uses[rows],
            lender=hh.lending[rows],
            spare=goods.spare_uses_per_month,
            price=goods.share_eur_per_use,
            subsidy=subsidy[rows] if subsidy.ndim == 2 else subsidy,
            digital=hh.digital[rows],
            lending_ties=lending_ties,
            neighbour_sum=partial(self._neighbour_sum_of_rows, rows),
            zone_sum=partial(self._zone_sum_of_rows, hh.zone[rows]),
            zone=hh.zone[rows],
            well_mixed=self.well_mixed,
            pool_ok=pool_ok[rows],
            pool_supply=fx.pool_units * goods.capacity_uses_per_month,
            pool_price=fx.pool_price_eur,
            platform_fee=fx.platform_fee_share,
        )
        self.last_market = market
        public_cost += float(market.subsidy_eur.sum())

        # 7. learning and trust
        public_cost += self._learn_and_update_trust(fx, market)

        # 8. ties
        created = self._create_ties(fx, market)

        hh.age_months += (hh.mode == Mode.OWN).astype(np.int16)
        self.latest = reporters.measure(
            self, market, purchases, public_cost=public_cost, ties_created=created
        )
        self.series.append(self.latest)
        self.datacollector.collect(self)
        if self.steps >= self.months:
            self.running = False

    def _utilities(self, rows, cols, fx: Effects, social, lending_ties, pool_ok, habit: bool = True):
        """Utilities of the four modes for household-good pairs, and whether sharing is open to them."""
        hh, goods, b = self.households, self.goods, self.behaviour
        zq = self.zq[rows]
        zone = hh.zone[rows]
        uses = hh.uses[rows, cols]
        fee = fx.platform_fee_share[zone]
        flat = self.zone_count * QUINTILES

        def effect(table):
            return table.reshape(flat, -1)[zq, cols]

        risk = (
            goods.perceived_risk[cols] * effect(fx.perceived_risk_factor)
            * np.where(pool_ok[rows, cols], 1 - b.pool_risk_relief, 1.0)
        )
        expected_lend = (
            hh.lending[rows, cols] * goods.spare_uses_per_month[cols] * goods.share_eur_per_use[cols]
            * (1 - fee) * hh.utilization[rows, cols]
        )
        own_cost = (
            goods.purchase_eur[cols] / goods.lifetime_months[cols] + goods.fixed_eur_per_month[cols]
            + effect(fx.ownership_fee_eur) - expected_lend
        )
        rent_per_use = (
            goods.rent_eur_per_use[cols] - effect(fx.rent_discount_eur)
            + np.maximum(0.0, self.rental_access_eur[zone] - effect(fx.rent_access_discount_eur))
        )
        expected_price = np.where(
            hh.tried[rows, cols] | ~pool_ok[rows, cols],
            hh.expected_price[rows, cols],
            np.minimum(hh.expected_price[rows, cols], fx.pool_price_eur[zone, cols]),
        )
        subsidy = np.minimum(effect(fx.subsidy_eur), effect(fx.subsidy_cap_share) * goods.share_eur_per_use[cols])
        share_per_use = np.maximum(0.0, expected_price - subsidy) + np.maximum(
            0.0, self.share_access_eur[zone] - effect(fx.share_access_discount_eur)
        )
        own_emissions = goods.own_emissions_kg_per_month[cols]
        use_emissions = own_emissions * np.minimum(1.0, uses / goods.capacity_uses_per_month[cols])
        utility = mode_utilities(
            behaviour=b,
            income=hh.income_eur[rows],
            concern=hh.concern[rows],
            trust=hh.trust[rows],
            uses=uses,
            current=hh.mode[rows, cols] if habit else None,
            own_cost=own_cost,
            rent_cost_per_use=rent_per_use,
            share_cost_per_use=share_per_use,
            forgo_per_use=goods.forgo_eur_per_use[cols],
            availability=hh.availability[rows, cols],
            share_bonus=effect(fx.share_convenience_bonus),
            risk=risk,
            social=social[rows, cols],
            own_emissions=own_emissions,
            use_emissions=use_emissions,
        )
        can_share = hh.aware[rows, cols] & (
            self.well_mixed | hh.digital[rows] | (lending_ties[rows, cols] > 0) | pool_ok[rows, cols]
        )
        return utility, can_share

    def _assign_initial_modes(self) -> None:
        """Month 0: in each zone, the needing households with the strongest preference for owning own
        a good, up to its `initial_own_share`; the others rent or forgo, by the same logit without
        sharing. Aware owners lend with `initial_lend_share`; owned goods get a random age."""
        hh, goods, rng = self.households, self.goods, self.rng
        rows, cols = np.nonzero(hh.need)
        nothing = np.zeros(hh.mode.shape)
        utility, _ = self._utilities(rows, cols, self.effects, nothing, nothing, nothing.astype(bool), habit=False)
        noisy = self.behaviour.logit_scale * utility + gumbel(rng, utility.shape)
        alternative = np.where(noisy[:, Mode.RENT] >= noisy[:, Mode.FORGO], Mode.RENT, Mode.FORGO)
        advantage = noisy[:, Mode.OWN] - np.maximum(noisy[:, Mode.RENT], noisy[:, Mode.FORGO])
        group = hh.zone[rows].astype(np.int64) * len(goods.names) + cols
        order = np.lexsort((-advantage, group))
        sizes = np.bincount(group, minlength=self.zone_count * len(goods.names))
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        rank = np.empty(rows.size, dtype=np.int64)
        rank[order] = np.arange(rows.size) - np.repeat(starts, sizes)
        quota = np.round(goods.initial_own_share[hh.zone[rows], cols] * sizes[group])
        own = rank < quota
        hh.mode[rows, cols] = np.where(own, Mode.OWN, alternative).astype(np.int8)
        owner = hh.mode == Mode.OWN
        hh.lending = owner & hh.aware & (rng.random(owner.shape) < goods.initial_lend_share)
        hh.age_months = ((rng.random(owner.shape) * goods.lifetime_months).astype(np.int16) * owner).astype(np.int16)

    def _decide(self, fx: Effects, social, lending_ties, pool_ok, newly_aware) -> np.ndarray:
        """Steps 5: mode choices and lending; returns the number of purchases of each good."""
        hh, goods, b, rng = self.households, self.goods, self.behaviour, self.rng
        owner = hh.mode == Mode.OWN
        draw = rng.random(hh.mode.shape)
        wear_out = owner & (draw < 1.0 / goods.lifetime_months)
        life_event = owner & ~wear_out & (draw < 1.0 / goods.lifetime_months + b.life_event_rate)
        others = ~owner & ((draw < 1.0 / b.reconsider_months) | newly_aware)
        rows, cols = pairs(hh.need & (wear_out | life_event | others))
        old_mode = hh.mode[rows, cols]
        flat = self.zone_count * QUINTILES
        utility, can_share = self._utilities(rows, cols, fx, social, lending_ties, pool_ok)
        available = np.ones(utility.shape, dtype=bool)
        available[:, Mode.SHARE] = can_share
        new_mode = choose(utility, available, b.logit_scale, rng)
        if b.always_share_when_aware:
            new_mode = np.where(hh.aware[rows, cols], np.int8(Mode.SHARE), new_mode)
        hh.mode[rows, cols] = new_mode

        bought = (new_mode == Mode.OWN) & ((old_mode != Mode.OWN) | wear_out[rows, cols])
        purchases = np.bincount(cols[bought], minlength=len(goods.names))
        hh.age_months[rows[bought], cols[bought]] = 0
        hh.lending[rows[new_mode != Mode.OWN], cols[new_mode != Mode.OWN]] = False
        if b.always_share_when_aware:
            switch = hh.aware & hh.need
            hh.mode[switch] = Mode.SHARE
            hh.lending[switch] = False

        # Lending: aware owners reconsider on the same rhythm as non-owners.
        owner = hh.mode == Mode.OWN
        lend_draw = rng.random(hh.mode.shape)
        rows, cols = pairs(owner & hh.aware & ((lend_draw < 1.0 / b.reconsider_months) | newly_aware))
        if rows.size:
            zq = self.zq[rows]
            fee = fx.platform_fee_share[hh.zone[rows]]
            expected_income = (
                goods.spare_uses_per_month[cols] * goods.share_eur_per_use[cols] * (1 - fee)
                * hh.utilization[rows, cols]
            )
            hh.lending[rows, cols] = lend_decision(
                behaviour=b,
                income=hh.income_eur[rows],
                trust=hh.trust[rows],
                expected_income=expected_income,
                risk=goods.perceived_risk[cols] * fx.perceived_risk_factor.reshape(flat, -1)[zq, cols],
                social=social[rows, cols],
                lending_now=hh.lending[rows, cols],
                rng=rng,
            )
        return purchases

    def _learn_and_update_trust(self, fx: Effects, market: MarketResult) -> float:
        """Step 7; returns the insurance claims paid by the public."""
        hh, goods, b, rng = self.households, self.goods, self.behaviour, self.rng
        rate = b.availability_learning_rate
        rows = market.rows  # the market's arrays are those of these households
        served = market.served
        asked = market.demand > 0
        met = np.divide(served, market.demand, out=np.zeros(served.shape), where=asked)
        learn_toward(hh.availability, rows, met, rate * asked)
        got = served > 0
        learn_toward(hh.expected_price, rows, market.price_paid_per_use, rate * got)
        hh.tried[rows] |= got
        used = market.used_informal + market.used_platform
        offered = market.capacity > 0
        utilization = np.divide(used, market.capacity, out=np.zeros(used.shape), where=offered)
        learn_toward(hh.utilization, rows, utilization, rate * offered)
        hh.lend_income_eur.fill(0.0)
        hh.lend_income_eur[rows] = market.lender_income_eur

        def at_rows(effect):
            return effect[rows] if effect.ndim == 2 else effect

        bad_prob = goods.bad_experience_prob * at_rows(self.per_household(fx.bad_experience_factor))
        lent = used > 0
        bad_borrow = got & (rng.random(got.shape) < bad_prob)
        bad_lend = lent & (rng.random(lent.shape) < bad_prob)
        cover = at_rows(self.per_household(fx.insurance_cover))
        bad = bad_borrow.astype(np.int64) + bad_lend
        trust = hh.trust.copy()
        good_months = sum_over_goods(got & ~bad_borrow) + sum_over_goods(lent & ~bad_lend)
        trust[rows] = trust_after_experiences(trust[rows], good_months, bad, b.trust_gain, b.trust_loss, cover)
        self.totals.bad_experiences = int(bad.sum())
        self.totals.transactions = int(np.count_nonzero(got))
        claims = float((bad * cover * at_rows(self.per_household(fx.claim_eur))).sum()) if np.any(cover) else 0.0

        # Word of mouth on trust, then third places.
        if self.well_mixed:
            ties_trust = np.full(hh.size, trust.mean())
        else:
            ties_trust = np.where(self.degree > 0, self.neighbour_sum(trust) * self._inverse_degree, trust)
        trust = trust + b.trust_drift * (ties_trust - trust)
        if fx.trust_boost.any():
            trust = trust + self.per_household(fx.trust_boost) * (1 - trust)
        hh.trust = np.clip(trust, 0.0, 1.0)
        return claims

    def _create_ties(self, fx: Effects, market: MarketResult) -> int:
        """Step 8: ties from platform and pool exchanges, and from third places."""
        hh, rng = self.households, self.rng
        if self.well_mixed:
            return 0
        met = (market.served_platform > 0) | (market.served_pool > 0) | (market.used_platform > 0)
        participants = market.rows[any_good(met)]
        creators = participants[rng.random(participants.size) < self.scenario.network.tie_from_sharing_prob]
        a_parts, b_parts = [], []
        if creators.size and participants.size > 1:
            by_zone = participants[np.argsort(hh.zone[participants], kind="stable")]
            counts = np.bincount(hh.zone[participants], minlength=self.zone_count)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            zones = hh.zone[creators]
            partners = by_zone[starts[zones] + (rng.random(creators.size) * counts[zones]).astype(np.int64)]
            a_parts.append(creators)
            b_parts.append(partners)
        if fx.new_ties_by_zone.any():
            n_new = rng.poisson(fx.new_ties_by_zone)
            zones = np.repeat(np.arange(self.zone_count), n_new)
            a_parts.append(self.random_member(zones))
            b_parts.append(self.random_member(zones))
        if not a_parts:
            return 0
        return self.add_ties(np.concatenate(a_parts), np.concatenate(b_parts))

    # ------------------------------------------------------------------ conveniences

    def network_graph(self):
        """The ties as a networkx Graph (nodes are household rows), for analysis."""
        import networkx as nx

        ties = self.network if self.extra_network is None else self.network + self.extra_network
        return nx.from_scipy_sparse_array(ties)

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
