"""Policy levers: how each kind of policy changes prices, supply, risk, awareness and ties.

Each month the active policies (start_month <= month <= end_month) are folded
into one `Effects` record of arrays indexed by zone, income quintile and good.
The model reads these arrays; it never looks at policies directly. A policy
outside its window contributes nothing, and costs nothing.

Levers and the mechanism each acts on:
- sharing_subsidy: price of a shared use (paid by the public to the lender).
- ownership_cost: a monthly fee added to owning (public revenue).
- community_pool: units of the good lent by the commune, in the target zones
  (supply; no platform, so no digital access needed).
- carsharing_parking: access cost and convenience of sharing.
- insurance_fund: perceived risk and the trust lost after a bad experience;
  pays claims.
- trust_label: the rate of bad experiences and perceived risk.
- awareness_campaign: the media awareness rate (Bass p).
- third_places: new ties between residents, and a slow rise in trust.
- digital_inclusion: offline households gain digital access (platform sharing).
- public_platform: the platform fee.
- rental_support: commercial rental price and access cost.

Public cost: `investment_eur` once in the first simulated month the policy is
active, `running_eur_per_month` each month it is active, plus the per-unit costs
each kind declares: units of a pool and parking spots (known in advance, part of
the declared budget), and trainees, subsidies, claims and rental support (paid
per event, known only by simulating). Ownership fees and pool user fees are
public revenue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .households import QUINTILES
from .scenario import Scenario, TerritoryFromData
from .territory import _split
from .today import fleet_units, fleets_of_today, real_households_by_zone

# Kinds whose public cost also depends on what households do (paid per use, claim or trainee),
# and kinds that raise revenue; the declared budget of a scenario leaves both out.
COST_PER_EVENT = {
    "sharing_subsidy": "subsidy per shared use",
    "insurance_fund": "claims",
    "digital_inclusion": "training per trainee",
    "rental_support": "support per rental",
}
REVENUE = {"ownership_cost": "fees", "community_pool": "user fees"}


@dataclass
class Effects:
    """What the active policies do this month; arrays are (zone, quintile, good) unless noted."""

    subsidy_eur: np.ndarray
    subsidy_cap_share: np.ndarray
    ownership_fee_eur: np.ndarray
    share_access_discount_eur: np.ndarray
    share_convenience_bonus: np.ndarray
    pool_units: np.ndarray  # (zone, good) units available
    pool_price_eur: np.ndarray  # (zone, good)
    pool_access: np.ndarray  # (zone, quintile, good) bool: may borrow from the pool
    operator_units: np.ndarray  # (zone, good) units of the pools run by operators (today's fleets)
    insurance_cover: np.ndarray
    claim_eur: np.ndarray
    bad_experience_factor: np.ndarray
    perceived_risk_factor: np.ndarray
    extra_awareness_p: np.ndarray
    platform_fee_share: np.ndarray  # (zone,)
    rent_discount_eur: np.ndarray
    rent_access_discount_eur: np.ndarray
    trust_boost: np.ndarray  # (zone, quintile)
    digital_training_share: np.ndarray  # (zone, quintile)
    eur_per_trainee: np.ndarray  # (zone, quintile)
    new_ties_by_zone: np.ndarray  # (zone,) expected new ties this month
    fixed_cost_eur: float = 0.0  # investments and running costs due this month
    active: list[str] = field(default_factory=list)


def no_effects(n_zones: int, n_goods: int, platform_fee: float) -> Effects:
    zqg = (n_zones, QUINTILES, n_goods)
    zq = (n_zones, QUINTILES)
    return Effects(
        subsidy_eur=np.zeros(zqg),
        subsidy_cap_share=np.ones(zqg),
        ownership_fee_eur=np.zeros(zqg),
        share_access_discount_eur=np.zeros(zqg),
        share_convenience_bonus=np.zeros(zqg),
        pool_units=np.zeros((n_zones, n_goods)),
        pool_price_eur=np.zeros((n_zones, n_goods)),
        pool_access=np.zeros(zqg, dtype=bool),
        operator_units=np.zeros((n_zones, n_goods)),
        insurance_cover=np.zeros(zqg),
        claim_eur=np.zeros(zqg),
        bad_experience_factor=np.ones(zqg),
        perceived_risk_factor=np.ones(zqg),
        extra_awareness_p=np.zeros(zqg),
        platform_fee_share=np.full(n_zones, platform_fee),
        rent_discount_eur=np.zeros(zqg),
        rent_access_discount_eur=np.zeros(zqg),
        trust_boost=np.zeros(zq),
        digital_training_share=np.zeros(zq),
        eur_per_trainee=np.zeros(zq),
        new_ties_by_zone=np.zeros(n_zones),
    )


def per_household(table: np.ndarray, zq: np.ndarray) -> np.ndarray:
    """Look up a (zone, quintile, good) or (zone, quintile) effect for every household, given the
    households' flat (zone, quintile) index `zq`.

    Where no policy targets zones or quintiles the table is the same for all of them,
    and its first row, which broadcasts against (N, G), is returned without a lookup."""
    flat = table.reshape(table.shape[0] * QUINTILES, *table.shape[2:])
    if (flat == flat[0]).all():
        return flat[0]
    return flat[zq]


def first_month(policy) -> int:
    """The month its one-off investment is paid: the first simulated month it is active."""
    return max(policy.start_month, 1)


class PolicyBook:
    """Turns a scenario's policies into monthly `Effects` for a territory."""

    def __init__(self, scenario: Scenario, households_by_zone: np.ndarray):
        self.scenario = scenario
        self.zone_names = scenario.zone_names
        self.good_names = scenario.good_names
        self.households_by_zone = households_by_zone.astype(float)
        self.whole_units = not isinstance(scenario.territory, TerritoryFromData)
        self.share_price = np.array([g.share_eur_per_use for g in scenario.goods.values()])
        self.real_households_by_zone = real_households_by_zone(scenario)
        self.fleets = fleets_of_today(scenario)
        # Found once a run, not every month: reading a territory's zones is not free.
        self.targets = {name: self._targets(p) for name, p in scenario.policies.items()}

    def _targets(self, policy) -> tuple[np.ndarray, ...]:
        """(zqg, zq, zg, zones): the (zone, quintile, good), (zone, quintile) and (zone, good) flags
        a policy targets, and its zones'."""
        zones = self.scenario.targeted_zones(policy.zones)
        quintiles = np.array(
            [not policy.quintiles or q + 1 in policy.quintiles for q in range(QUINTILES)]
        )
        goods = np.array([not policy.goods or g in policy.goods for g in self.good_names])
        zqg = zones[:, None, None] & quintiles[None, :, None] & goods[None, None, :]
        zq = zones[:, None] & quintiles[None, :]
        zg = zones[:, None] & goods[None, :]
        for flags in (zqg, zq, zg, zones):
            flags.flags.writeable = False  # kept for the whole run
        return zqg, zq, zg, zones

    def effects(self, month: int) -> Effects:
        z_n, g_n = len(self.zone_names), len(self.good_names)
        fx = no_effects(z_n, g_n, self.scenario.market.platform_fee_share)
        self._fleets_of_today(fx, month)
        for name, policy in self.scenario.policies.items():
            if not policy.active(month):
                continue
            fx.active.append(name)
            zqg, zq, zg, zones = self.targets[name]
            fx.fixed_cost_eur += policy.running_eur_per_month
            if month == first_month(policy):
                fx.fixed_cost_eur += policy.investment_eur
            _APPLY[policy.kind](self, policy, fx, month, zqg=zqg, zq=zq, zg=zg, zones=zones)
        return fx

    def status_quo(self) -> Effects:
        """Month 0 without any policy: today's fleets only. The observed start is drawn under it, so
        that a scenario and its baseline without policies start from the same households."""
        fx = no_effects(
            len(self.zone_names), len(self.good_names), self.scenario.market.platform_fee_share
        )
        self._fleets_of_today(fx, 0)
        return fx

    def _fleets_of_today(self, fx: Effects, month: int) -> None:
        """Today's operator fleets, as pools open to every household of their zones, at no public
        cost (`model.today`)."""
        for g, real_units, price in fleet_units(self.scenario, month, self.fleets):
            per_1000 = 1000 * np.divide(
                real_units,
                self.real_households_by_zone,
                out=np.zeros(real_units.shape),
                where=self.real_households_by_zone > 0,
            )
            units = self.units(per_1000, real_units > 0)
            fx.pool_units[:, g] += units
            fx.operator_units[:, g] += units
            fx.pool_price_eur[:, g] = np.where(units > 0, price, fx.pool_price_eur[:, g])
            fx.pool_access[:, :, g] |= (units > 0)[:, None]

    def units(self, per_1000: float, zones: np.ndarray) -> np.ndarray:
        """Units of a per-1000-households provision in each zone: whole units on a grid; on a
        territory from data, the real zone's units scaled to its sample, which may be fractional
        (19 cars for 12 861 real households are 0.46 of a car for 306 sampled ones)."""
        units = per_1000 * self.households_by_zone / 1000.0
        return (np.round(units) if self.whole_units else units) * zones


def territory_households(scenario: Scenario) -> int:
    """The households of the scenario's territory: the real ones of a territory from data, else the
    scenario's `households`."""
    if isinstance(scenario.territory, TerritoryFromData):
        return int(round(scenario.territory.resolved().households.sum()))
    return scenario.households


def households_by_zone(scenario: Scenario, households: int | None = None) -> np.ndarray:
    """Households in each zone, split exactly as the territory splits them (by default, those of
    the scenario's territory: the real ones of a territory from data)."""
    total = territory_households(scenario) if households is None else households
    return _split(total, [z.household_share for z in scenario.territory.zones.values()], minimum=0)


def declared_costs(
    scenario: Scenario, households: int | None = None, months: int | None = None
) -> np.ndarray:
    """Public cost known in advance for each month 0..horizon (EUR): investments, running costs,
    pool units and parking spots. Costs per event (`COST_PER_EVENT`) and revenue are left out.

    `households` and `months` default to the scenario's; a run with fewer households has its
    pool units and parking spots rounded zone by zone for its own size, which is why the
    declared budget of the territory is computed at the territory's size, never scaled."""
    book = PolicyBook(scenario, households_by_zone(scenario, households))
    horizon = scenario.months if months is None else months
    return np.array([0.0] + [book.effects(m).fixed_cost_eur for m in range(1, horizon + 1)])


def _sharing_subsidy(book, p, fx, month, zqg, **_):
    fx.subsidy_eur = np.where(zqg, fx.subsidy_eur + p.eur_per_use, fx.subsidy_eur)
    fx.subsidy_cap_share = np.where(
        zqg, np.minimum(fx.subsidy_cap_share, p.max_share_of_price), fx.subsidy_cap_share
    )


def _ownership_cost(book, p, fx, month, zqg, **_):
    fx.ownership_fee_eur = fx.ownership_fee_eur + zqg * p.eur_per_month


def _community_pool(book, p, fx, month, zqg, zg, zones, **_):
    units = book.units(p.units_per_1000_households, zones)[:, None] * zg
    fx.pool_price_eur = np.where(units > 0, p.price_eur_per_use, fx.pool_price_eur)
    fx.pool_units = fx.pool_units + units
    fx.pool_access = fx.pool_access | zqg
    total_units = float(units.sum())
    fx.fixed_cost_eur += total_units * p.running_eur_per_unit_month
    if month == first_month(p):
        fx.fixed_cost_eur += total_units * p.investment_eur_per_unit


def _carsharing_parking(book, p, fx, month, zqg, zones, **_):
    fx.share_access_discount_eur = (
        fx.share_access_discount_eur + zqg * p.access_discount_eur_per_use
    )
    fx.share_convenience_bonus = fx.share_convenience_bonus + zqg * p.convenience_bonus
    fx.fixed_cost_eur += (
        float(book.units(p.spots_per_1000_households, zones).sum()) * p.eur_per_spot_month
    )


def _insurance_fund(book, p, fx, month, zqg, **_):
    fx.insurance_cover = np.where(
        zqg, np.maximum(fx.insurance_cover, p.cover_share), fx.insurance_cover
    )
    fx.claim_eur = np.where(zqg, np.maximum(fx.claim_eur, p.claim_eur), fx.claim_eur)
    fx.perceived_risk_factor = fx.perceived_risk_factor * np.where(zqg, 1 - p.cover_share, 1.0)


def _trust_label(book, p, fx, month, zqg, **_):
    fx.bad_experience_factor = fx.bad_experience_factor * np.where(
        zqg, 1 - p.bad_experience_reduction, 1.0
    )
    fx.perceived_risk_factor = fx.perceived_risk_factor * np.where(
        zqg, 1 - p.perceived_risk_reduction, 1.0
    )


def _awareness_campaign(book, p, fx, month, zqg, **_):
    fx.extra_awareness_p = fx.extra_awareness_p + zqg * p.extra_awareness_p


def _third_places(book, p, fx, month, zq, zones, **_):
    fx.new_ties_by_zone = (
        fx.new_ties_by_zone
        + p.ties_per_1000_households_month * book.households_by_zone / 1000 * zones
    )
    fx.trust_boost = fx.trust_boost + zq * p.trust_boost_per_month


def _digital_inclusion(book, p, fx, month, zq, **_):
    fx.digital_training_share = np.where(
        zq,
        np.maximum(fx.digital_training_share, p.trained_share_per_month),
        fx.digital_training_share,
    )
    fx.eur_per_trainee = np.where(zq, p.eur_per_trainee, fx.eur_per_trainee)


def _public_platform(book, p, fx, month, zones, **_):
    fx.platform_fee_share = np.where(
        zones, np.minimum(fx.platform_fee_share, p.fee_share), fx.platform_fee_share
    )


def _rental_support(book, p, fx, month, zqg, **_):
    fx.rent_discount_eur = fx.rent_discount_eur + zqg * p.rent_discount_eur_per_use
    fx.rent_access_discount_eur = fx.rent_access_discount_eur + zqg * p.access_discount_eur_per_use


_APPLY = {
    "sharing_subsidy": _sharing_subsidy,
    "ownership_cost": _ownership_cost,
    "community_pool": _community_pool,
    "carsharing_parking": _carsharing_parking,
    "insurance_fund": _insurance_fund,
    "trust_label": _trust_label,
    "awareness_campaign": _awareness_campaign,
    "third_places": _third_places,
    "digital_inclusion": _digital_inclusion,
    "public_platform": _public_platform,
    "rental_support": _rental_support,
}
