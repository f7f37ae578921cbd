"""The decision: own, rent, share or forgo a good, and whether an owner lends it.

Who reconsiders, each month (a uniform draw u per household and good needed):
- an owner whose good wears out (u < 1 / lifetime_months): if it keeps owning,
  it buys a new one;
- an owner on a life event (otherwise, u < 1 / lifetime_months + `life_event_rate`);
- an aware owner to whom a community pool of the good is open, at the monthly
  rate `pool_reconsider_rate` (otherwise, u below the sum of the three):
  households joining car-sharing shed a car soon after joining, not only when
  it wears out (6t / ADEME 2016: 5 cars sold per shared car; Martin, Shaheen &
  Lidicker 2010: 0.47 to 0.24 cars per member household). The same draw u is
  used, so a territory without a pool draws exactly as before;
- a non-owner from time to time (u < 1 / `reconsider_months`) or in the month it
  learnt that the good can be shared.
With `always_share_when_aware` (a validation switch) every aware household
needing a good shares it, whatever its choice.

Monthly cost of each mode for a household and a good:
- own:   purchase / lifetime + fixed cost + ownership fee - expected lending income
- rent:  uses x (rental price - rental support + zone's rental access cost - access support)
- share: uses x [availability x (expected price - subsidy + share access cost - access support)
                 + (1 - availability) x value of an unmet use]
- forgo: uses x value of an unmet use

Utility of a mode = - price_weight x cost / income
                    + convenience (own, rent; share scaled by expected availability, plus bonuses)
                    - risk_weight x (1 - trust) x perceived risk   (share only)
                    + social_weight x share of ties sharing or lending the good (share only)
                    - environment_weight x concern x embodied kg CO2e per month attributable
                    + habit bonus for the current mode.
Attributable emissions: an owned good's embodied emissions over its lifetime;
a rented or shared use, that amount times uses / capacity of a pooled unit.

The choice is multinomial logit (Gumbel-max) over the modes available: sharing
needs awareness and a channel (digital access for the platform, a lending tie,
or an eligible community pool).

Perceived risk is the good's `perceived_risk`, times the factors of insurance
and trust labels, times (1 - `pool_risk_relief`) where a community pool is open
to the household. The expected price of a shared use is what the household
learnt (see `learning`); one that has never shared and has a pool open expects
the lower of that and the pool's price. A purchase resets the good's age, and
every owned good then ages a month.
A household that stops owning stops lending.

Lending: an aware owner reconsiders lending on the non-owners' rhythm
(u < 1 / `reconsider_months`, a fresh draw) or in the month it became aware;
it lends when the binary logit of (price_weight x expected income / income
- `lend_hassle` - risk_weight x (1 - trust) x perceived risk + social influence
+ habit if lending now) against (habit if not lending now) says so. Expected
income = spare uses x peer price x (1 - platform fee) x the share of its spare
capacity it expects to see used (learnt).

Month 0 (`assign_initial_modes`): in each zone, the households needing a good
with the strongest preference for owning it over renting or forgoing (by the
same utilities with Gumbel noise, without sharing, habit or social influence)
own it, up to the good's `initial_own_share` of the zone's needing households;
the others rent or forgo, whichever their noisy utility prefers. Aware owners
lend with probability `initial_lend_share`; owned goods get an age drawn
uniformly over their lifetime.
"""

from __future__ import annotations

import numpy as np

from .households import GoodTable, HouseholdState, Mode, pairs
from .policies import Effects
from .scenario import Behaviour

N_MODES = len(Mode)


def gumbel(rng: np.random.Generator, shape) -> np.ndarray:
    return -np.log(-np.log(rng.random(shape)))


def mode_utilities(
    *,
    behaviour,
    income: np.ndarray,
    concern: np.ndarray,
    trust: np.ndarray,
    uses: np.ndarray,
    current: np.ndarray,
    own_cost: np.ndarray,
    rent_cost_per_use: np.ndarray,
    share_cost_per_use: np.ndarray,
    forgo_per_use: np.ndarray,
    availability: np.ndarray,
    share_bonus: np.ndarray,
    risk: np.ndarray,
    social: np.ndarray,
    own_emissions: np.ndarray,
    use_emissions: np.ndarray,
) -> np.ndarray:
    """Utilities, shape (n, 4) in Mode order, for n household-good pairs."""
    b = behaviour
    unmet = uses * forgo_per_use
    cost = np.empty((uses.size, N_MODES))
    cost[:, Mode.OWN] = own_cost
    cost[:, Mode.RENT] = uses * rent_cost_per_use
    cost[:, Mode.SHARE] = availability * uses * share_cost_per_use + (1 - availability) * unmet
    cost[:, Mode.FORGO] = unmet
    utility = -b.price_weight * cost / income[:, None]
    utility[:, Mode.OWN] += b.convenience_own - b.environment_weight * concern * own_emissions
    utility[:, Mode.RENT] += b.convenience_rent - b.environment_weight * concern * use_emissions
    utility[:, Mode.SHARE] += (
        b.convenience_share * availability
        + share_bonus
        - b.risk_weight * (1 - trust) * risk
        + b.social_weight * social
        - b.environment_weight * concern * use_emissions
    )
    if current is not None:
        utility[np.arange(uses.size), current] += b.habit_bonus
    return utility


def choose(
    utility: np.ndarray, available: np.ndarray, scale: float, rng: np.random.Generator
) -> np.ndarray:
    """Multinomial logit draw: argmax of scaled utility plus Gumbel noise over available modes."""
    noisy = scale * utility + gumbel(rng, utility.shape)
    noisy[~available] = -np.inf
    return np.argmax(noisy, axis=1).astype(np.int8)


def lend_decision(
    *,
    behaviour,
    income: np.ndarray,
    trust: np.ndarray,
    expected_income: np.ndarray,
    risk: np.ndarray,
    social: np.ndarray,
    lending_now: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Binary logit: True where the owner lends."""
    b = behaviour
    lend = (
        b.price_weight * expected_income / income
        - b.lend_hassle
        - b.risk_weight * (1 - trust) * risk
        + b.social_weight * social
        + b.habit_bonus * lending_now
    )
    keep_out = b.habit_bonus * ~lending_now
    n = lend.size
    return b.logit_scale * lend + gumbel(rng, n) > b.logit_scale * keep_out + gumbel(rng, n)


# --------------------------------------------------------------------------- the households' decisions


def _by_pair(table: np.ndarray, zq: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """A (zone, quintile, good) effect read for household-good pairs."""
    return table.reshape(-1, table.shape[-1])[zq, cols]


def utilities_of_pairs(
    households: HouseholdState,
    goods: GoodTable,
    behaviour: Behaviour,
    effects: Effects,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    social: np.ndarray,
    lending_ties: np.ndarray,
    pool_ok: np.ndarray,
    rental_access_eur: np.ndarray,
    share_access_eur: np.ndarray,
    well_mixed: bool,
    habit: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Utilities of the four modes for the household-good pairs (rows, cols), and whether sharing
    is open to them; `rental_access_eur` and `share_access_eur` are per zone."""
    hh, goods, b, fx = households, goods, behaviour, effects
    zq = hh.zq[rows]
    zone = hh.zone[rows]
    uses = hh.uses[rows, cols]
    fee = fx.platform_fee_share[zone]

    def effect(table):
        return _by_pair(table, zq, cols)

    risk = (
        goods.perceived_risk[cols]
        * effect(fx.perceived_risk_factor)
        * np.where(pool_ok[rows, cols], 1 - b.pool_risk_relief, 1.0)
    )
    expected_lend = (
        hh.lending[rows, cols]
        * goods.spare_uses_per_month[cols]
        * goods.share_eur_per_use[cols]
        * (1 - fee)
        * hh.utilization[rows, cols]
    )
    own_cost = (
        goods.purchase_eur[cols] / goods.lifetime_months[cols]
        + goods.fixed_eur_per_month[cols]
        + effect(fx.ownership_fee_eur)
        - expected_lend
    )
    rent_per_use = (
        goods.rent_eur_per_use[cols]
        - effect(fx.rent_discount_eur)
        + np.maximum(0.0, rental_access_eur[zone] - effect(fx.rent_access_discount_eur))
    )
    expected_price = np.where(
        hh.tried[rows, cols] | ~pool_ok[rows, cols],
        hh.expected_price[rows, cols],
        np.minimum(hh.expected_price[rows, cols], fx.pool_price_eur[zone, cols]),
    )
    subsidy = np.minimum(
        effect(fx.subsidy_eur), effect(fx.subsidy_cap_share) * goods.share_eur_per_use[cols]
    )
    share_per_use = np.maximum(0.0, expected_price - subsidy) + np.maximum(
        0.0, share_access_eur[zone] - effect(fx.share_access_discount_eur)
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
        well_mixed | hh.digital[rows] | (lending_ties[rows, cols] > 0) | pool_ok[rows, cols]
    )
    return utility, can_share


def assign_initial_modes(
    households: HouseholdState,
    goods: GoodTable,
    behaviour: Behaviour,
    effects: Effects,
    *,
    rental_access_eur: np.ndarray,
    share_access_eur: np.ndarray,
    rng: np.random.Generator,
    subscribers: np.ndarray | None = None,
) -> None:
    """Month 0 (in place): owners up to each zone's `initial_own_share`, the others renting or
    forgoing, or sharing where a fleet of today has `subscribers` (zone, good) there; aware owners
    lending with `initial_lend_share`; owned goods of random ages."""
    hh = households
    rows, cols = np.nonzero(hh.need)
    nothing = np.zeros(hh.mode.shape)
    utility, _ = utilities_of_pairs(
        hh,
        goods,
        behaviour,
        effects,
        rows,
        cols,
        social=nothing,
        lending_ties=nothing,
        pool_ok=nothing.astype(bool),
        rental_access_eur=rental_access_eur,
        share_access_eur=share_access_eur,
        well_mixed=False,
        habit=False,
    )
    noisy = behaviour.logit_scale * utility + gumbel(rng, utility.shape)
    alternative = np.where(noisy[:, Mode.RENT] >= noisy[:, Mode.FORGO], Mode.RENT, Mode.FORGO)
    advantage = noisy[:, Mode.OWN] - np.maximum(noisy[:, Mode.RENT], noisy[:, Mode.FORGO])
    zone_count = goods.initial_own_share.shape[0]
    group = hh.zone[rows].astype(np.int64) * len(goods.names) + cols
    sizes = np.bincount(group, minlength=zone_count * len(goods.names))
    rank = _ranks_in_groups(-advantage, group, sizes.size)
    quota = np.round(goods.initial_own_share[hh.zone[rows], cols] * sizes[group])
    own = rank < quota
    hh.mode[rows, cols] = np.where(own, Mode.OWN, alternative).astype(np.int8)
    if subscribers is not None and subscribers.any():
        _subscribe(hh, goods, rows, cols, ~own, noisy, subscribers, effects, rng)
    owner = hh.mode == Mode.OWN
    hh.lending = owner & hh.aware & (rng.random(owner.shape) < goods.initial_lend_share)
    hh.age_months = (
        (rng.random(owner.shape) * goods.lifetime_months).astype(np.int16) * owner
    ).astype(np.int16)


def _ranks_in_groups(key: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """Each entry's rank (0 = smallest key) among the entries of its group."""
    order = np.lexsort((key, group))
    sizes = np.bincount(group, minlength=groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(key.size, dtype=np.int64)
    rank[order] = np.arange(key.size) - np.repeat(starts, sizes)
    return rank


def _subscribe(hh, goods, rows, cols, non_owner, noisy, subscribers, effects, rng) -> None:
    """Today's subscribers of a fleet (in place): in each zone, that many households owning none of
    the good, those preferring sharing most among the households needing it first, then others
    at random (a subscriber needs the good at times: it is given the zone's mean uses). They
    share it, know it can be shared, have tried it and expect the fleet's price."""
    goods_count = hh.mode.shape[1]
    advantage = noisy[:, Mode.SHARE] - np.maximum(noisy[:, Mode.RENT], noisy[:, Mode.FORGO])
    key = np.full(hh.mode.shape, np.inf)
    key[rows[non_owner], cols[non_owner]] = -advantage[non_owner]
    idle = ~hh.need & (subscribers[hh.zone] > 0)
    key[idle] = 1e12 + rng.random(int(idle.sum()))
    all_rows, all_cols = np.nonzero(np.isfinite(key))
    group = hh.zone[all_rows].astype(np.int64) * goods_count + all_cols
    rank = _ranks_in_groups(key[all_rows, all_cols], group, subscribers.size)
    chosen = rank < subscribers[hh.zone[all_rows], all_cols]
    r, c = all_rows[chosen], all_cols[chosen]
    newly_needing = ~hh.need[r, c]
    hh.uses[r[newly_needing], c[newly_needing]] = goods.uses_per_month[
        hh.zone[r[newly_needing]], c[newly_needing]
    ]
    hh.need[r, c] = True
    hh.mode[r, c] = Mode.SHARE
    hh.aware[r, c] = True
    hh.tried[r, c] = True
    hh.expected_price[r, c] = effects.pool_price_eur[hh.zone[r], c]


def decide(
    households: HouseholdState,
    goods: GoodTable,
    behaviour: Behaviour,
    effects: Effects,
    *,
    social: np.ndarray,
    lending_ties: np.ndarray,
    pool_ok: np.ndarray,
    newly_aware: np.ndarray,
    rental_access_eur: np.ndarray,
    share_access_eur: np.ndarray,
    well_mixed: bool,
    rng: np.random.Generator,
) -> np.ndarray:
    """This month's mode choices and lending decisions (in place); returns the number of
    purchases of each good."""
    hh, b, fx = households, behaviour, effects
    owner = hh.mode == Mode.OWN
    draw = rng.random(hh.mode.shape)
    wear_out = owner & (draw < 1.0 / goods.lifetime_months)
    life_event = owner & ~wear_out & (draw < 1.0 / goods.lifetime_months + b.life_event_rate)
    pool_news = (
        owner
        & ~wear_out
        & ~life_event
        & hh.aware
        & pool_ok
        & (draw < 1.0 / goods.lifetime_months + b.life_event_rate + b.pool_reconsider_rate)
    )
    others = ~owner & ((draw < 1.0 / b.reconsider_months) | newly_aware)
    rows, cols = pairs(hh.need & (wear_out | life_event | pool_news | others))
    old_mode = hh.mode[rows, cols]
    utility, can_share = utilities_of_pairs(
        hh,
        goods,
        b,
        fx,
        rows,
        cols,
        social=social,
        lending_ties=lending_ties,
        pool_ok=pool_ok,
        rental_access_eur=rental_access_eur,
        share_access_eur=share_access_eur,
        well_mixed=well_mixed,
    )
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
        zq = hh.zq[rows]
        fee = fx.platform_fee_share[hh.zone[rows]]
        expected_income = (
            goods.spare_uses_per_month[cols]
            * goods.share_eur_per_use[cols]
            * (1 - fee)
            * hh.utilization[rows, cols]
        )
        hh.lending[rows, cols] = lend_decision(
            behaviour=b,
            income=hh.income_eur[rows],
            trust=hh.trust[rows],
            expected_income=expected_income,
            risk=goods.perceived_risk[cols] * _by_pair(fx.perceived_risk_factor, zq, cols),
            social=social[rows, cols],
            lending_now=hh.lending[rows, cols],
            rng=rng,
        )
    hh.age_months += (hh.mode == Mode.OWN).astype(np.int16)  # owned goods age a month
    return purchases
