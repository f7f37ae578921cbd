"""The scalar reference: the same monthly rules as `TerritoryModel`, one Mesa agent per household.

This is the test oracle of the vectorized model. Each household is a plain
`mesa.Agent` holding its own state in Python attributes and lists (one entry
per good), and steps itself, phase by phase, through `model.agents.shuffle_do`.
Nothing here is vectorized: the rules of `model.network`, `model.awareness`,
`model.choice`, `model.market` and `model.learning` are written again,
household by household and good by good, so
that a mistake in the array code shows up as a statistical difference between
the two implementations.

What is shared with the vectorized model: the scenario, the policy effects
(`policies`, data indexed by zone, quintile and good) and the state at month 0,
copied from a `TerritoryModel` built with the same scenario and seed (its
territory, ties, households and their month-0 modes). The reference is an
oracle for the monthly rules; from month 1 on it draws its own random numbers
(`model.random`), so runs agree in distribution, not bit for bit.

The month is synchronous, as in the vectorized model: every household first
observes its ties (`observe_ties`), then all become aware, decide and lend
from what they observed; the market is cleared in rounds (borrowers ask their
lending ties, lenders ration, borrowers collect, then the zone's pool and
platform); then experiences update trust, and trust drifts toward the ties'
trust of the same month.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from .households import MODE_NAMES, NEVER_JOINED, AgentNumbers, Mode
from .model import POOL_NEWS_GROWTH, TerritoryModel, resolve_scenario
from .policies import Effects, PolicyBook
from .scenario import Scenario

OWN, RENT, SHARE, FORGO = (int(m) for m in Mode)


def ratio(supply: float, demand: float) -> float:
    """Share of demand served: min(1, supply / demand), 1 without demand."""
    return min(1.0, supply / demand) if demand > 0 else 1.0


class ReferenceHousehold(mesa.Agent):
    """A household that keeps its own state and steps itself through the month."""

    _ids = AgentNumbers()  # not Mesa's class-wide registry, which keeps every model alive

    def __init__(self, model: ReferenceModel, row: int, state):
        super().__init__(model)
        goods = range(model.n_goods)
        self.row = row
        self.zone = int(state.zone[row])
        self.quintile = int(state.quintile[row])
        self.income = float(state.income_eur[row])
        self.trust = float(state.trust[row])
        self.concern = float(state.concern[row])
        self.digital = bool(state.digital[row])
        self.need = [bool(state.need[row, g]) for g in goods]
        self.uses = [float(state.uses[row, g]) for g in goods]
        self.mode = [int(state.mode[row, g]) for g in goods]
        self.lending = [bool(state.lending[row, g]) for g in goods]
        self.aware = [bool(state.aware[row, g]) for g in goods]
        self.availability = [float(state.availability[row, g]) for g in goods]
        self.expected_price = [float(state.expected_price[row, g]) for g in goods]
        self.tried = [bool(state.tried[row, g]) for g in goods]
        self.utilization = [float(state.utilization[row, g]) for g in goods]
        self.age = [int(state.age_months[row, g]) for g in goods]
        self.extra = [bool(state.extra[row, g]) for g in goods]
        self.share_rest = [bool(state.share_rest[row, g]) for g in goods]
        self.joined = [int(state.joined_month[row, g]) for g in goods]
        self.ties: list[ReferenceHousehold] = []  # from the territory's network
        self.new_ties: list[ReferenceHousehold] = []  # created by sharing and third places
        self.reset_month()

    # ---------------------------------------------------------------- helpers

    def all_ties(self) -> list[ReferenceHousehold]:
        return self.ties + self.new_ties

    def effect(self, table: np.ndarray, g: int | None = None) -> float:
        """This household's value of a (zone, quintile[, good]) policy effect."""
        if g is None:
            return float(table[self.zone, self.quintile])
        return float(table[self.zone, self.quintile, g])

    def gumbel(self) -> float:
        return -math.log(-math.log(max(self.random.random(), 1e-300)))

    def is_sharing(self, g: int) -> bool:
        return self.need[g] and self.mode[g] == SHARE

    def reset_month(self) -> None:
        n = self.model.n_goods
        self.newly_aware = [False] * n
        self.demand = [0.0] * n
        self.asked = [0.0] * n
        self.asked_of_me = [0.0] * n
        self.lender_ratio = [0.0] * n
        self.served_informal = [0.0] * n
        self.served_pool = [0.0] * n
        self.served_platform = [0.0] * n
        self.used_informal = [0.0] * n
        self.used_platform = [0.0] * n
        self.lend_income = [0.0] * n
        self.paid_per_use = [0.0] * n

    # ---------------------------------------------------------------- 2-3. influence, awareness

    def observe_ties(self) -> None:
        """Count, per good, the share of ties sharing or lending it, and the ties lending it."""
        self.reset_month()
        model = self.model
        n = model.n_goods
        if model.well_mixed:
            self.social = list(model.territory_share_active)
            self.lending_ties = [0] * n
            return
        ties = self.all_ties()
        degree = len(ties)
        self.social = [
            sum(1 for t in ties if t.is_sharing(g) or t.lending[g]) / degree if degree else 0.0
            for g in range(n)
        ]
        self.lending_ties = [sum(1 for t in ties if t.lending[g]) for g in range(n)]

    def hear_about_sharing(self) -> None:
        b, fx = self.model.behaviour, self.model.effects
        for g in range(self.model.n_goods):
            if self.need[g] and not self.aware[g]:
                p = b.awareness_p + self.effect(fx.extra_awareness_p, g)
                if self.random.random() < min(1.0, p + b.awareness_q * self.social[g]):
                    self.aware[g] = True
                    self.newly_aware[g] = True

    def join_digital_training(self) -> None:
        fx = self.model.effects
        if not self.digital and self.random.random() < self.effect(fx.digital_training_share):
            self.digital = True
            self.model.public_cost += self.effect(fx.eur_per_trainee)

    # ---------------------------------------------------------------- 5. decisions

    def pool_open(self, g: int) -> bool:
        fx = self.model.effects
        return bool(fx.pool_access[self.zone, self.quintile, g]) and fx.pool_units[self.zone, g] > 0

    def in_the_year_after_joining(self, g: int) -> bool:
        """Within `pool_reconsider_months` of joining sharing, or of the zone's pool opening."""
        model = self.model
        if self.joined[g] == NEVER_JOINED:
            return False
        since = model.steps - max(self.joined[g], int(model.pool_news_month[self.zone, g]))
        return 0 <= since < model.behaviour.pool_reconsider_months

    def reconsider_goods(self) -> None:
        """Owners at wear-out or a life event, others from time to time, choose a mode anew; an
        owner holding several units reconsiders its extra units first."""
        b, goods = self.model.behaviour, self.model.goods
        for g in range(self.model.n_goods):
            draw = self.random.random()
            if self.aware[g] and self.pool_open(g) and self.joined[g] == NEVER_JOINED:
                self.joined[g] = self.model.steps
            if not self.need[g]:
                continue
            hazard = 1.0 / goods.lifetime_months[g]
            if self.mode[g] == OWN:
                wear_out = draw < hazard
                pool_news = (
                    self.aware[g] and self.pool_open(g) and self.in_the_year_after_joining(g)
                )
                threshold = (
                    hazard + b.life_event_rate + (b.pool_reconsider_rate if pool_news else 0.0)
                )
                if not (wear_out or draw < threshold):
                    continue
                if self.extra[g]:
                    self.choose_extra_units(g, wear_out)
                    continue
            else:
                wear_out = pool_news = False
                if not (draw < 1.0 / b.reconsider_months or self.newly_aware[g]):
                    continue
            self.choose_mode(g, wear_out)
            news_only = self.mode[g] == OWN and pool_news and not draw < hazard + b.life_event_rate
            if self.mode[g] == OWN and self.model.goods.multi_unit[g] and not news_only:
                self.choose_extra_units(g, False)
        if b.always_share_when_aware:
            for g in range(self.model.n_goods):
                if self.aware[g] and self.need[g]:
                    self.mode[g] = SHARE
                    self.lending[g] = False
                    self.extra[g] = False
                    self.share_rest[g] = False

    def choose_extra_units(self, g: int, wear_out: bool) -> None:
        """Binary logit: keep or buy the extra units, or go without them (`choice`)."""
        model = self.model
        b, goods = model.behaviour, model.goods
        utility = self.mode_utilities(g, extra=True)
        extra_units = float(goods.extra_units[g])
        keep = extra_units * utility[OWN] + float(goods.constants.extra_units[self.zone, g])
        without = max(utility[RENT], utility[FORGO])
        if self.can_share(g):
            without = max(without, utility[SHARE])
        holding = self.extra[g]
        advantage = b.logit_scale * (keep - without + b.habit_bonus * (1 if holding else -1))
        keeps = self.random.random() < 1 / (1 + math.exp(-advantage))
        if keeps and (not holding or wear_out):
            model.purchases[g] += extra_units
        self.extra[g] = keeps
        self.share_rest[g] = not keeps and self.can_share(g) and utility[SHARE] >= without

    def mode_utilities(self, g: int, extra: bool = False) -> list[float]:
        """Utilities of the four modes; for the extra units (`extra`), for their share of the uses,
        without habit and constants."""
        model = self.model
        b, goods, fx = model.behaviour, model.goods, model.effects
        zone = self.zone
        fee = float(fx.platform_fee_share[zone])
        uses = self.uses[g] * (float(goods.extra_units_uses_share[g]) if extra else 1.0)
        risk = float(goods.perceived_risk[g]) * self.effect(fx.perceived_risk_factor, g)
        if self.pool_open(g):
            risk *= 1 - b.pool_risk_relief
        expected_lend = (
            goods.spare_uses_per_month[g]
            * goods.share_eur_per_use[g]
            * (1 - fee)
            * self.utilization[g]
            if self.lending[g]
            else 0.0
        )
        own_cost = (
            goods.purchase_eur[g] / goods.lifetime_months[g]
            + goods.fixed_eur_per_month[g]
            + self.effect(fx.ownership_fee_eur, g)
            - expected_lend
        )
        rent_per_use = (
            goods.rent_eur_per_use[g]
            - self.effect(fx.rent_discount_eur, g)
            + max(0.0, model.rental_access_eur[zone] - self.effect(fx.rent_access_discount_eur, g))
        )
        expected_price = self.expected_price[g]
        if not self.tried[g] and self.pool_open(g):
            expected_price = min(expected_price, float(fx.pool_price_eur[zone, g]))
        subsidy = min(
            self.effect(fx.subsidy_eur, g),
            self.effect(fx.subsidy_cap_share, g) * goods.share_eur_per_use[g],
        )
        share_per_use = max(0.0, expected_price - subsidy) + max(
            0.0, model.share_access_eur[zone] - self.effect(fx.share_access_discount_eur, g)
        )
        own_emissions = goods.embodied_kg_co2e[g] / goods.lifetime_months[g]
        use_emissions = own_emissions * min(1.0, uses / goods.capacity_uses_per_month[g])
        availability = self.availability[g]
        unmet = uses * goods.forgo_eur_per_use[g]
        cost = [
            own_cost,
            uses * rent_per_use,
            availability * uses * share_per_use + (1 - availability) * unmet,
            unmet,
        ]
        utility = [-b.price_weight * c / self.income for c in cost]
        green = b.environment_weight * self.concern
        utility[OWN] += b.convenience_own - green * own_emissions
        utility[RENT] += b.convenience_rent - green * use_emissions
        utility[SHARE] += (
            b.convenience_share * availability
            + self.effect(fx.share_convenience_bonus, g)
            - b.risk_weight * (1 - self.trust) * risk
            + b.social_weight * self.social[g]
            - green * use_emissions
        )
        if extra:
            return utility
        utility[OWN] += float(goods.constants.own[zone, g])
        utility[SHARE] += float(goods.constants.share[zone, g])
        utility[self.mode[g]] += b.habit_bonus
        return utility

    def can_share(self, g: int) -> bool:
        return self.aware[g] and (
            self.model.well_mixed or self.digital or self.lending_ties[g] > 0 or self.pool_open(g)
        )

    def choose_mode(self, g: int, wear_out: bool) -> None:
        """Multinomial logit over the available modes; buying resets the good's age."""
        b = self.model.behaviour
        utility = self.mode_utilities(g)
        best, best_value = OWN, -math.inf
        for mode in (OWN, RENT, SHARE, FORGO):
            value = b.logit_scale * utility[mode] + self.gumbel()
            if mode == SHARE and not self.can_share(g):
                continue
            if value > best_value:
                best, best_value = mode, value
        if b.always_share_when_aware and self.aware[g]:
            best = SHARE
        if best == OWN and (self.mode[g] != OWN or wear_out):
            self.model.purchases[g] += 1
            self.age[g] = 0
        if best != OWN:
            self.lending[g] = False
            self.extra[g] = False
            self.share_rest[g] = False
        self.mode[g] = best

    def reconsider_lending(self) -> None:
        """Aware owners decide whether to lend, on the same rhythm as non-owners reconsider."""
        model = self.model
        b, goods, fx = model.behaviour, model.goods, model.effects
        for g in range(model.n_goods):
            draw = self.random.random()
            if not (self.mode[g] == OWN and self.aware[g]):
                continue
            if not (draw < 1.0 / b.reconsider_months or self.newly_aware[g]):
                continue
            fee = float(fx.platform_fee_share[self.zone])
            expected_income = (
                goods.spare_uses_per_month[g]
                * goods.share_eur_per_use[g]
                * (1 - fee)
                * self.utilization[g]
            )
            risk = goods.perceived_risk[g] * self.effect(fx.perceived_risk_factor, g)
            lend = (
                b.price_weight * expected_income / self.income
                - b.lend_hassle
                - b.risk_weight * (1 - self.trust) * risk
                + b.social_weight * self.social[g]
                + b.habit_bonus * self.lending[g]
            )
            keep_out = b.habit_bonus * (not self.lending[g])
            self.lending[g] = (
                b.logit_scale * lend + self.gumbel() > b.logit_scale * keep_out + self.gumbel()
            )

    # ---------------------------------------------------------------- 6. market

    def ask_lending_ties(self) -> None:
        """A borrower splits its monthly uses equally among its lending ties."""
        model = self.model
        n = model.n_goods
        self.lending_ties = (
            [0] * n
            if model.well_mixed
            else [sum(1 for t in self.all_ties() if t.lending[g]) for g in range(n)]
        )
        for g in range(n):
            self.demand[g] = (
                self.uses[g]
                if self.is_sharing(g)
                else self.uses[g] * float(model.goods.extra_units_uses_share[g])
                if self.need[g] and self.share_rest[g]
                else 0.0
            )
            if model.well_mixed or not (self.demand[g] > 0 and self.lending_ties[g] > 0):
                continue
            self.asked[g] = self.demand[g] / self.lending_ties[g]
            for tie in self.all_ties():
                if tie.lending[g]:
                    tie.asked_of_me[g] += self.asked[g]

    def ration_lending(self) -> None:
        """A lender asked for more than its spare capacity serves everyone pro rata."""
        if self.model.well_mixed:
            return
        for g in range(self.model.n_goods):
            if self.lending[g]:
                self.lender_ratio[g] = ratio(
                    self.model.goods.spare_uses_per_month[g], self.asked_of_me[g]
                )
                self.used_informal[g] = self.asked_of_me[g] * self.lender_ratio[g]

    def collect_from_ties(self) -> None:
        if self.model.well_mixed:
            return
        for g in range(self.model.n_goods):
            if self.asked[g] > 0:
                self.served_informal[g] = self.asked[g] * sum(
                    t.lender_ratio[g] for t in self.all_ties() if t.lending[g]
                )

    def capacity(self, g: int) -> float:
        return float(self.model.goods.spare_uses_per_month[g]) if self.lending[g] else 0.0

    # ---------------------------------------------------------------- 7. learning and trust

    def learn_from_the_month(self) -> None:
        """Update expected availability, price and utilization; live the month's experiences."""
        model = self.model
        b, goods, fx = model.behaviour, model.goods, model.effects
        rate = b.availability_learning_rate
        good_months = 0
        keep = 1.0
        for g in range(model.n_goods):
            served = self.served_informal[g] + self.served_pool[g] + self.served_platform[g]
            if self.demand[g] > 0:
                self.availability[g] += rate * (served / self.demand[g] - self.availability[g])
            got = served > 0
            if got:
                self.expected_price[g] += rate * (self.paid_per_use[g] - self.expected_price[g])
                self.tried[g] = True
            used = self.used_informal[g] + self.used_platform[g]
            capacity = self.capacity(g)
            if capacity > 0:
                self.utilization[g] += rate * (used / capacity - self.utilization[g])
            bad_prob = goods.bad_experience_prob[g] * self.effect(fx.bad_experience_factor, g)
            cover = self.effect(fx.insurance_cover, g)
            for took_part in (got, used > 0):
                if not took_part:
                    continue
                if self.random.random() < bad_prob:
                    keep *= 1 - b.trust_loss * (1 - cover)
                    model.bad_experiences += 1
                    model.public_cost += cover * self.effect(fx.claim_eur, g)
                else:
                    good_months += 1
            model.transactions += got
        trust = 1 - (1 - self.trust) * (1 - b.trust_gain) ** good_months
        self.trust_after_experience = trust * keep

    def listen_to_ties(self) -> None:
        """Trust drifts toward the ties' trust of this month; third places add a little."""
        model = self.model
        b, fx = model.behaviour, model.effects
        trust = self.trust_after_experience
        if model.well_mixed:
            ties_trust = model.mean_trust_after_experience
        else:
            ties = self.all_ties()
            ties_trust = sum(t.trust_after_experience for t in ties) / len(ties) if ties else trust
        trust += b.trust_drift * (ties_trust - trust)
        trust += self.effect(fx.trust_boost) * (1 - trust)
        self.next_trust = min(1.0, max(0.0, trust))

    def adopt_new_trust(self) -> None:
        self.trust = self.next_trust
        for g in range(self.model.n_goods):
            if self.mode[g] == OWN:
                self.age[g] += 1


class ReferenceModel(mesa.Model):
    """The scalar twin of `TerritoryModel`: same scenario, same keywords, same outcome names."""

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        households: int | None = None,
        months: int | None = None,
        seed: int | None = None,
        overrides: dict[str, Any] | None = None,
    ):
        self.scenario = resolve_scenario(
            scenario, overrides, households=households, months=months, seed=seed
        )
        super().__init__(seed=self.scenario.seed)
        self.months = self.scenario.months
        self.behaviour = self.scenario.behaviour
        month_zero = TerritoryModel(self.scenario, agents=False)
        self.goods = month_zero.goods
        self.n_goods = len(self.goods.names)
        zones = list(self.scenario.territory.zones.values())
        self.n_zones = len(zones)
        self.share_access_eur = [z.share_access_eur for z in zones]
        self.rental_access_eur = [z.rental_access_eur for z in zones]
        self.well_mixed = self.scenario.network.kind == "well-mixed"

        # The same territory, ties and households at month 0 as the vectorized model.
        n = self.scenario.households
        network, state = month_zero.network, month_zero.households
        self.people = [ReferenceHousehold(self, row, state) for row in range(n)]
        for row, person in enumerate(self.people):
            start, end = network.indptr[row], network.indptr[row + 1]
            person.ties = [self.people[col] for col in network.indices[start:end]]
        self.by_zone = [[p for p in self.people if p.zone == z] for z in range(self.n_zones)]
        self.households_by_zone = np.array([len(members) for members in self.by_zone])
        self.policy_book = PolicyBook(self.scenario, self.households_by_zone)
        self.new_tie_pairs: set[tuple[int, int]] = set()
        self.ties_created = 0
        self.effects: Effects = self.policy_book.effects(0)
        self.pool_units_before = self.effects.pool_units
        self.pool_news_month = month_zero.pool_news_month.copy()
        self.series: list[dict[str, float]] = [self.measure()]
        self.running = self.months > 0

    # ---------------------------------------------------------------- the month

    def step(self) -> None:
        month = self.steps
        fx = self.effects = self.policy_book.effects(month)
        grew = fx.pool_units > POOL_NEWS_GROWTH * self.pool_units_before
        self.pool_news_month[grew] = month
        self.pool_units_before = fx.pool_units
        self.public_cost = fx.fixed_cost_eur
        self.purchases = [0] * self.n_goods
        self.transactions = 0
        self.bad_experiences = 0

        if self.well_mixed:
            self.territory_share_active = [
                sum(1 for p in self.people if p.is_sharing(g) or p.lending[g])
                / max(1, sum(1 for p in self.people if p.need[g]))
                for g in range(self.n_goods)
            ]
        agents = self.agents
        agents.shuffle_do("observe_ties")
        agents.shuffle_do("hear_about_sharing")
        if fx.digital_training_share.any():
            agents.shuffle_do("join_digital_training")
        agents.shuffle_do("reconsider_goods")
        agents.shuffle_do("reconsider_lending")

        self.clear_market()

        agents.shuffle_do("learn_from_the_month")
        self.mean_trust_after_experience = sum(p.trust_after_experience for p in self.people) / len(
            self.people
        )
        agents.shuffle_do("listen_to_ties")
        agents.do("adopt_new_trust")
        self.create_ties()
        self.series.append(self.measure())
        if self.steps >= self.months:
            self.running = False

    def clear_market(self) -> None:
        """Ties first, then the zone's community pool, then the zone's platform; the rest is unmet."""
        fx, goods = self.effects, self.goods
        agents = self.agents
        agents.shuffle_do("ask_lending_ties")
        agents.shuffle_do("ration_lending")
        agents.shuffle_do("collect_from_ties")
        for z, members in enumerate(self.by_zone):
            fee = float(fx.platform_fee_share[z])
            for g in range(self.n_goods):
                price = float(goods.share_eur_per_use[g])
                if self.well_mixed:
                    demand = sum(p.demand[g] for p in members)
                    capacity = sum(p.capacity(g) for p in members)
                    served_share = ratio(capacity, demand)
                    for p in members:
                        p.served_informal[g] = p.demand[g] * served_share
                    used_share = ratio(demand * served_share, capacity) if capacity > 0 else 0.0
                    for p in members:
                        p.used_informal[g] = p.capacity(g) * used_share
                # The commune's pool, for eligible borrowers.
                wanting = [p for p in members if p.demand[g] > 0 and p.pool_open(g)]
                pool_demand = sum(p.demand[g] - p.served_informal[g] for p in wanting)
                pool_share = ratio(
                    float(fx.pool_units[z, g]) * goods.capacity_uses_per_month[g], pool_demand
                )
                for p in wanting:
                    p.served_pool[g] = (p.demand[g] - p.served_informal[g]) * pool_share
                # The platform, between households online.
                listed = {
                    p: p.capacity(g) - p.used_informal[g]
                    for p in members
                    if p.lending[g] and p.digital
                }
                online = [p for p in members if p.demand[g] > 0 and p.digital]
                supply = sum(listed.values())
                platform_demand = sum(
                    p.demand[g] - p.served_informal[g] - p.served_pool[g] for p in online
                )
                platform_share = ratio(supply, platform_demand)
                served_total = 0.0
                for p in online:
                    p.served_platform[g] = (
                        p.demand[g] - p.served_informal[g] - p.served_pool[g]
                    ) * platform_share
                    served_total += p.served_platform[g]
                used_share = served_total / supply if supply > 0 else 0.0
                for p, listed_capacity in listed.items():
                    p.used_platform[g] = listed_capacity * used_share
                # Money: the public pays the subsidy on peer uses; lenders get the price less fees.
                pool_price = float(fx.pool_price_eur[z, g])
                for p in members:
                    peer = p.served_informal[g] + p.served_platform[g]
                    served = peer + p.served_pool[g]
                    if served > 0:
                        p.paid_per_use[g] = (peer * price + p.served_pool[g] * pool_price) / served
                        subsidy = min(
                            p.effect(fx.subsidy_eur, g), p.effect(fx.subsidy_cap_share, g) * price
                        )
                        self.public_cost += peer * subsidy
                    p.lend_income[g] = p.used_informal[g] * price + p.used_platform[g] * price * (
                        1 - fee
                    )

    def create_ties(self) -> None:
        """Platform and pool exchanges create ties within the zone; third places too."""
        if self.well_mixed:
            return
        participants = [
            p
            for p in self.people
            if any(
                p.served_platform[g] + p.served_pool[g] > 0 or p.used_platform[g] > 0
                for g in range(self.n_goods)
            )
        ]
        by_zone: dict[int, list[ReferenceHousehold]] = {}
        for p in participants:
            by_zone.setdefault(p.zone, []).append(p)
        pairs = []
        probability = self.scenario.network.tie_from_sharing_prob
        if len(participants) > 1:
            for p in participants:
                if self.random.random() < probability:
                    pairs.append((p, self.random.choice(by_zone[p.zone])))
        for z, expected in enumerate(self.effects.new_ties_by_zone):
            for _ in range(int(self.rng.poisson(expected))):
                pairs.append(
                    (self.random.choice(self.by_zone[z]), self.random.choice(self.by_zone[z]))
                )
        for a, b in pairs:
            if a is b:
                continue
            self.ties_created += 1
            key = (min(a.row, b.row), max(a.row, b.row))
            if key not in self.new_tie_pairs:
                self.new_tie_pairs.add(key)
                a.new_ties.append(b)
                b.new_ties.append(a)

    def run(self) -> None:
        while self.running:
            self.step()

    # ---------------------------------------------------------------- outcomes

    def measure(self) -> dict[str, float]:
        """The adoption and social outcomes of `model.reporters`, counted household by household."""
        out: dict[str, float] = {"month": int(self.steps)}
        for g, name in enumerate(self.goods.names):
            needing = [p for p in self.people if p.need[g]]
            count = max(1, len(needing))
            for mode, mode_name in enumerate(MODE_NAMES):
                out[f"{name}.{mode_name}"] = sum(1 for p in needing if p.mode[g] == mode) / count
            out[f"{name}.lenders"] = sum(1 for p in self.people if p.lending[g]) / count
            out[f"{name}.aware"] = sum(1 for p in needing if p.aware[g]) / count
            out[f"{name}.stock"] = sum(
                1 + p.extra[g] * float(self.goods.extra_units[g])
                for p in needing
                if p.mode[g] == OWN
            )
        sharing = [any(p.is_sharing(g) for g in range(self.n_goods)) for p in self.people]
        out["sharing_households.share"] = sum(sharing) / len(self.people)
        out["trust.mean"] = sum(p.trust for p in self.people) / len(self.people)
        if self.steps > 0:
            out["transactions"] = self.transactions
            out["bad_experiences"] = self.bad_experiences
            out["uses.unmet"] = sum(
                p.demand[g] - p.served_informal[g] - p.served_pool[g] - p.served_platform[g]
                for p in self.people
                for g in range(self.n_goods)
            )
            out["lender_income_eur"] = sum(sum(p.lend_income) for p in self.people)
            out["ties.created"] = self.ties_created
        return out

    def series_frame(self):
        import pandas as pd

        return pd.DataFrame(self.series)
