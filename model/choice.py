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

Several units (a good with `max_units = 2`, the car): an owner holding several
reconsiders its extra units, not its first, when its events come (they are shed
first); an owner who keeps owning after reconsidering, or a household that buys
one, then decides on extra units (`decide_extra_units`). Units purchased count
the extra ones at the good's `multi_units_mean` - 1. An owner that goes without
its extra units and for whom sharing is the best way to do without them shares
for their uses (`share_rest`): a member of car-sharing that keeps its first car
(Martin, Shaheen & Lidicker 2010: 0.47 to 0.24 cars per member household); the
market serves it `extra_units_uses_share` of its uses.

The equilibrium constants of the scenario (`model.equilibrium`) are added to
the utilities of owning and sharing, by zone and good.

Owners reconsidering when a pool is open do so only in the `pool_reconsider_months`
after they joined sharing (knew of it with a pool open); today's members joined
before month 0.

Month 0 is drawn from the model's equilibrium: see `model.equilibrium`.
"""

from __future__ import annotations

import numba
import numpy as np

from .households import GoodTable, HouseholdState, Mode
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
        # at each pair's current mode, through the flat index (one per row: the same as utility[i, j])
        utility.reshape(-1)[np.arange(0, uses.size * N_MODES, N_MODES) + current] += b.habit_bonus
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


def at(values: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """values[rows, cols] of a 2-D array, read through its flat index when it is C-contiguous:
    numpy's indexing by two arrays is several times slower than `take` (the same values)."""
    if not isinstance(values, np.ndarray):  # an array computed at the pairs read (`ShareOfTies`)
        return values[rows, cols]
    if values.flags.c_contiguous:
        return values.reshape(-1).take(rows.astype(np.intp, copy=False) * values.shape[1] + cols)
    return values[rows, cols]


def set_at(values: np.ndarray, rows: np.ndarray, cols: np.ndarray, new) -> None:
    """values[rows, cols] = new, through the flat index when `values` is C-contiguous."""
    if values.flags.c_contiguous:
        values.reshape(-1)[rows.astype(np.intp, copy=False) * values.shape[1] + cols] = new
    else:
        values[rows, cols] = new


def _by_pair(table: np.ndarray, zq: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """A (zone, quintile, good) effect read for household-good pairs."""
    return at(table.reshape(-1, table.shape[-1]), zq, cols)


@numba.njit(inline="always")
def _maximum(a, b):  # pragma: no cover - compiled
    """np.maximum(a, b) of two floats: a NaN if either is one, a where a > b, else b (so b of two
    equal zeros, whatever their signs, as numpy gives)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a > b else b


@numba.njit(inline="always")
def _minimum(a, b):  # pragma: no cover - compiled
    """np.minimum(a, b) of two floats: a NaN if either is one, a where a < b, else b."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a < b else b


@numba.njit(cache=True, nogil=True)
def _utilities(
    rows,
    cols,
    flat,
    zq,
    zone,
    pool_ok,
    social,
    lending_ties,
    uses_share,
    uses,
    lending,
    utilization,
    expected_price,
    tried,
    availability,
    mode,
    aware,
    income,
    concern,
    trust,
    digital,
    of_goods,
    by_zq,
    fee_by_zone,
    rental_access,
    share_access,
    pool_price,
    constants,
    weights,
    habit,
    with_constants,
    well_mixed,
    utility,
    can_share,
):  # pragma: no cover - compiled
    """`utilities_of_pairs`'s arithmetic, pair by pair, in the order of its numpy expressions
    (the same operations on the same floats, so the same bits). `of_goods` (10, G): perceived
    risk, spare uses, price of a shared use, purchase, lifetime, fixed cost, rental price, own
    emissions, capacity, value of an unmet use; `by_zq` (8, ZQ x G): perceived risk factor,
    ownership fee, rental discount, rental access discount, subsidy, subsidy cap, share access
    discount, share convenience bonus; `constants` (2, Z x G): of owning and of sharing;
    `weights`: 1 - pool risk relief, -price weight, the convenience of owning, renting and
    sharing, the environment, risk and social weights, the habit bonus."""
    goods = of_goods.shape[1]
    relief, price_weight, conv_own, conv_rent, conv_share = (
        weights[0],
        weights[1],
        weights[2],
        weights[3],
        weights[4],
    )
    environment, risk_weight, social_weight, habit_bonus = (
        weights[5],
        weights[6],
        weights[7],
        weights[8],
    )
    for i in range(rows.size):
        r, g, f = rows[i], cols[i], flat[i]
        q = zq[i] * goods + g
        z = zone[i]
        zg = z * goods + g
        ok = pool_ok[i]
        use = uses[f] * uses_share[i] if uses_share.size else uses[f]
        fee = fee_by_zone[z]
        risk = of_goods[0, g] * by_zq[0, q] * (relief if ok else 1.0)
        expected_lend = lending[f] * of_goods[1, g] * of_goods[2, g] * (1 - fee) * utilization[f]
        own_cost = of_goods[3, g] / of_goods[4, g] + of_goods[5, g] + by_zq[1, q] - expected_lend
        rent_per_use = of_goods[6, g] - by_zq[2, q] + _maximum(0.0, rental_access[z] - by_zq[3, q])
        price = expected_price[f]
        if not (tried[f] or not ok):
            price = _minimum(price, pool_price[zg])
        subsidy = _minimum(by_zq[4, q], by_zq[5, q] * of_goods[2, g])
        share_per_use = _maximum(0.0, price - subsidy) + _maximum(
            0.0, share_access[z] - by_zq[6, q]
        )
        own_emissions = of_goods[7, g]
        use_emissions = own_emissions * _minimum(1.0, use / of_goods[8, g])
        # `mode_utilities`
        unmet = use * of_goods[9, g]
        a = availability[f]
        cost_share = a * use * share_per_use + (1 - a) * unmet
        env = environment * concern[r]
        u_own = price_weight * own_cost / income[r]
        u_rent = price_weight * (use * rent_per_use) / income[r]
        u_share = price_weight * cost_share / income[r]
        u_forgo = price_weight * unmet / income[r]
        u_own = u_own + (conv_own - env * own_emissions)
        u_rent = u_rent + (conv_rent - env * use_emissions)
        u_share = u_share + (
            conv_share * a
            + by_zq[7, q]
            - risk_weight * (1 - trust[r]) * risk
            + social_weight * social[i]
            - env * use_emissions
        )
        if habit:
            m = mode[f]
            if m == 0:
                u_own = u_own + habit_bonus
            elif m == 1:
                u_rent = u_rent + habit_bonus
            elif m == 2:
                u_share = u_share + habit_bonus
            else:
                u_forgo = u_forgo + habit_bonus
        if with_constants:
            u_own = u_own + constants[0, zg]
            u_share = u_share + constants[1, zg]
        utility[i, 0], utility[i, 1], utility[i, 2], utility[i, 3] = u_own, u_rent, u_share, u_forgo
        can_share[i] = aware[f] & (well_mixed | digital[r] | (lending_ties[i] > 0) | ok)


_NO_SHARE = np.zeros(0)  # `uses_share` of `_utilities`: all the pairs' uses
_NO_CONSTANTS = np.zeros((2, 0))
_PER_PAIR = ("uses", "utilization", "expected_price", "availability")


# The goods' figures `_utilities` reads, in its order.
_GOODS_FIGURES = (
    "perceived_risk",
    "spare_uses_per_month",
    "share_eur_per_use",
    "purchase_eur",
    "lifetime_months",
    "fixed_eur_per_month",
    "rent_eur_per_use",
    "own_emissions_kg_per_month",
    "capacity_uses_per_month",
    "forgo_eur_per_use",
)


def _of_goods(goods: GoodTable) -> np.ndarray:
    """The goods' figures `_utilities` reads, (10, G)."""
    return np.stack([getattr(goods, name) for name in _GOODS_FIGURES]).astype(
        np.float64, copy=False
    )


def _by_zq_tables(fx: Effects) -> list[np.ndarray]:
    """The (zone, quintile, good) effects `_utilities` reads, in its order."""
    return [
        fx.perceived_risk_factor,
        fx.ownership_fee_eur,
        fx.rent_discount_eur,
        fx.rent_access_discount_eur,
        fx.subsidy_eur,
        fx.subsidy_cap_share,
        fx.share_access_discount_eur,
        fx.share_convenience_bonus,
    ]


def _compilable(hh: HouseholdState, goods: GoodTable, fx: Effects, rental, share) -> bool:
    """Whether `_utilities` computes what numpy's expressions do: every float read is a float64
    (numpy computes smaller floats in their own precision) and the (N, G) arrays are C-contiguous."""
    shape = hh.mode.shape
    floats = [getattr(hh, name) for name in _PER_PAIR] + [hh.income_eur, hh.concern, hh.trust]
    floats += _by_zq_tables(fx) + [fx.platform_fee_share, fx.pool_price_eur, rental, share]
    floats += [goods.constants.own, goods.constants.share]
    goods_floats = [getattr(goods, name) for name in _GOODS_FIGURES]
    n_goods = shape[1]
    return (
        all(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in floats + goods_floats)
        and all(
            getattr(hh, name).shape == shape and getattr(hh, name).flags.c_contiguous
            for name in (*_PER_PAIR, "lending", "tried", "mode", "aware")
        )
        and hh.lending.dtype == hh.tried.dtype == hh.aware.dtype == np.bool_
        and hh.digital.dtype == np.bool_
        and all(t.shape[-1] == n_goods and t.flags.c_contiguous for t in _by_zq_tables(fx))
        and fx.pool_price_eur.flags.c_contiguous
    )


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
    uses_share: np.ndarray | None = None,
    compiled: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Utilities of the four modes for the household-good pairs (rows, cols), and whether sharing
    is open to them; `rental_access_eur` and `share_access_eur` are per zone. With `uses_share`,
    for that share of the pairs' uses (the extra units' uses) and without the constants of
    owning and sharing. By a compiled loop over the pairs (`_utilities`: the same operations in
    the same order) when the arrays are those of the month, otherwise (or without `compiled`) by
    numpy's expressions over all the pairs."""
    hh, goods, b, fx = households, goods, behaviour, effects
    zq = hh.zq[rows]
    zone = hh.zone[rows]
    flat = rows.astype(np.intp, copy=False) * hh.mode.shape[1] + cols

    def of_pairs(values):  # at(values, rows, cols) of an (N, G) array, the flat index found once
        if not isinstance(values, np.ndarray):  # computed at the pairs read (`ShareOfTies`)
            return values.of_flat(rows, flat)
        if values.flags.c_contiguous and values.shape == hh.mode.shape:
            return values.reshape(-1).take(flat)
        return at(values, rows, cols)

    pool_ok = of_pairs(pool_ok)
    if compiled and _compilable(hh, goods, fx, rental_access_eur, share_access_eur):
        constants = goods.constants
        with_constants = uses_share is None and bool(constants.any())
        weights = np.array(
            [
                1 - b.pool_risk_relief,
                -b.price_weight,
                b.convenience_own,
                b.convenience_rent,
                b.convenience_share,
                b.environment_weight,
                b.risk_weight,
                b.social_weight,
                b.habit_bonus,
            ],
            dtype=np.float64,
        )
        utility = np.empty((rows.size, N_MODES))
        can_share = np.empty(rows.size, dtype=bool)
        _utilities(
            np.ascontiguousarray(rows),  # one signature of the loop, however the pairs were cut
            np.ascontiguousarray(cols),
            flat,
            zq,
            zone,
            pool_ok,
            np.ascontiguousarray(of_pairs(social), dtype=np.float64),
            of_pairs(lending_ties),
            _NO_SHARE if uses_share is None else np.ascontiguousarray(uses_share, np.float64),
            hh.uses.reshape(-1),
            hh.lending.reshape(-1),
            hh.utilization.reshape(-1),
            hh.expected_price.reshape(-1),
            hh.tried.reshape(-1),
            hh.availability.reshape(-1),
            hh.mode.reshape(-1),
            hh.aware.reshape(-1),
            hh.income_eur,
            hh.concern,
            hh.trust,
            hh.digital,
            _of_goods(goods),
            np.stack([fx_table.reshape(-1) for fx_table in _by_zq_tables(fx)]),
            fx.platform_fee_share,
            rental_access_eur,
            share_access_eur,
            fx.pool_price_eur.reshape(-1),
            np.stack([constants.own.reshape(-1), constants.share.reshape(-1)])
            if with_constants
            else _NO_CONSTANTS,
            weights,
            habit,
            with_constants,
            bool(well_mixed),
            utility,
            can_share,
        )
        return utility, can_share
    uses = of_pairs(hh.uses)
    if uses_share is not None:
        uses = uses * uses_share
    fee = fx.platform_fee_share[zone]

    def effect(table):
        return _by_pair(table, zq, cols)

    risk = (
        goods.perceived_risk[cols]
        * effect(fx.perceived_risk_factor)
        * np.where(pool_ok, 1 - b.pool_risk_relief, 1.0)
    )
    expected_lend = (
        of_pairs(hh.lending)
        * goods.spare_uses_per_month[cols]
        * goods.share_eur_per_use[cols]
        * (1 - fee)
        * of_pairs(hh.utilization)
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
    expected_price = of_pairs(hh.expected_price)
    expected_price = np.where(
        of_pairs(hh.tried) | ~pool_ok,
        expected_price,
        np.minimum(expected_price, at(fx.pool_price_eur, zone, cols)),
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
        current=of_pairs(hh.mode) if habit else None,
        own_cost=own_cost,
        rent_cost_per_use=rent_per_use,
        share_cost_per_use=share_per_use,
        forgo_per_use=goods.forgo_eur_per_use[cols],
        availability=of_pairs(hh.availability),
        share_bonus=effect(fx.share_convenience_bonus),
        risk=risk,
        social=of_pairs(social),
        own_emissions=own_emissions,
        use_emissions=use_emissions,
    )
    constants = goods.constants
    if uses_share is None and constants.any():
        utility[:, Mode.OWN] += at(constants.own, zone, cols)
        utility[:, Mode.SHARE] += at(constants.share, zone, cols)
    can_share = of_pairs(hh.aware) & (
        well_mixed | hh.digital[rows] | (of_pairs(lending_ties) > 0) | pool_ok
    )
    return utility, can_share


def decide_extra_units(
    households: HouseholdState,
    goods: GoodTable,
    behaviour: Behaviour,
    effects: Effects,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    worn_out: np.ndarray,
    draw: np.ndarray,
    purchases_by_zone: np.ndarray | None = None,
    **context,
) -> np.ndarray:
    """Owners (rows, cols) keep, buy or give up their extra units (in place); returns the units
    purchased of each good (added by zone to `purchases_by_zone`, when given).

    Binary logit: holding them is worth `extra_units` times owning one (its cost, convenience and
    emissions) plus the zone's constant of extra units; going without them, the best of renting,
    sharing (where open) and forgoing for `extra_units_uses_share` of the household's uses; the
    habit bonus goes to the current state. A household giving up its extra units keeps its first.
    `draw`: a uniform number per pair (the month's draws are of a fixed size, so that paired runs
    keep drawing the same numbers)."""
    hh, b = households, behaviour
    purchases = np.zeros(len(goods.names))
    if not rows.size:
        return purchases
    utility, can_share = utilities_of_pairs(
        hh,
        goods,
        b,
        effects,
        rows,
        cols,
        habit=False,
        uses_share=goods.extra_units_uses_share[cols],
        **context,
    )
    extra_units = goods.extra_units[cols]
    holding = at(hh.extra, rows, cols)
    keep = extra_units * utility[:, Mode.OWN] + at(goods.constants.extra_units, hh.zone[rows], cols)
    without = np.maximum(utility[:, Mode.RENT], utility[:, Mode.FORGO])
    without = np.where(can_share, np.maximum(without, utility[:, Mode.SHARE]), without)
    advantage = b.logit_scale * (keep - without + b.habit_bonus * (2 * holding - 1))
    keeps = draw < 0.5 * (1 + np.tanh(0.5 * advantage))  # binary logit
    set_at(hh.extra, rows, cols, keeps)
    # going without them by sharing: a member of car-sharing that keeps its first car
    set_at(hh.share_rest, rows, cols, ~keeps & can_share & (utility[:, Mode.SHARE] >= without))
    bought = keeps & (~holding | worn_out)
    purchases += np.bincount(cols[bought], weights=extra_units[bought], minlength=len(goods.names))
    if purchases_by_zone is not None:  # fractional units: added one by one, in order, as before
        np.add.at(purchases_by_zone, (hh.zone[rows[bought]], cols[bought]), extra_units[bought])
    return purchases


# Compiled passes over every household and good (numba): each sets, in one pass, the flags that
# the numpy expression it replaces sets in several, by the same comparisons of the same numbers (no
# arithmetic on floats), so the same pairs. Flags, rather than the indices of the pairs: a loop
# without branches, which the compiler vectorizes; numpy then finds the few set. Compiled on first
# use and cached on disk (`cache=True`).


@numba.njit(cache=True, nogil=True)
def _owners_below(mode, draw, below, own, out):  # pragma: no cover - compiled
    """out = (mode == own) & (draw < below), of flat (N x G) arrays and a scalar bound."""
    for i in range(mode.size):
        out[i] = (mode[i] == own) & (draw[i] < below)


@numba.njit(cache=True, nogil=True)
def _others_reconsidering(mode, need, draw, newly_aware, below, own, out):  # pragma: no cover
    """out = need & ~owner & ((draw < below) | newly_aware), of flat (N x G) arrays: the pairs of
    non-owners reconsidering their mode."""
    for i in range(mode.size):
        out[i] = (mode[i] != own) & need[i] & ((draw[i] < below) | newly_aware[i])


@numba.njit(cache=True, nogil=True)
def _lenders_reconsidering(
    mode, aware, draw, newly_aware, below, age, own, out
):  # pragma: no cover
    """out = ((draw < below) | newly_aware) & owner & aware, of flat (N x G) arrays: the owners
    reconsidering their lending; and every owned good ages a month (`age += owner`: the lending
    decisions change no mode)."""
    for i in range(mode.size):
        owner = mode[i] == own
        age[i] += owner
        out[i] = owner & aware[i] & ((draw[i] < below) | newly_aware[i])


def _flat(values: np.ndarray) -> np.ndarray:
    """The flat view of a C-contiguous (N, G) array (a copy in that order otherwise)."""
    return np.ascontiguousarray(values).reshape(-1)


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
    month: int = 0,
    pool_news_month: np.ndarray | None = None,
    purchases_by_zone: np.ndarray | None = None,
) -> np.ndarray:
    """This month's mode choices and lending decisions (in place); returns the units purchased
    of each good, and adds them by zone and good to `purchases_by_zone` (Z, G) when given.
    `pool_news_month` (Z, G): the month each zone's pool last opened or grew, for the window
    after joining (`HouseholdState.months_since_joining`)."""
    hh, b, fx = households, behaviour, effects
    n_goods = hh.mode.shape[1]
    own = np.int8(Mode.OWN)
    draw = hh.uniform_draws(rng)  # rng.random(hh.mode.shape), into a buffer kept between months
    # An owner's event, by the month's draw: wear-out below 1 / lifetime, a life event above it and
    # below `life_event_rate` more, news of a pool above that and below `pool_reconsider_rate`
    # more. The few owners below the last threshold are sorted out as pairs rather than over
    # every household and good.
    wear_below = 1.0 / goods.lifetime_months
    life_below = wear_below + b.life_event_rate
    news_below = life_below + b.pool_reconsider_rate
    flags = np.empty(hh.mode.size, dtype=bool)
    _owners_below(_flat(hh.mode), draw.reshape(-1), news_below.max(), own, flags)
    flat = np.flatnonzero(flags)  # a scalar bound first, then each good's
    r, c = np.divmod(flat, n_goods)
    d = draw.reshape(-1).take(flat)
    below = d < news_below[c]
    flat, r, c, d = flat[below], r[below], c[below], d[below]
    worn, lived = d < wear_below[c], d < life_below[c]
    news = ~lived & at(hh.aware, r, c) & at(pool_ok, r, c)
    if pool_news_month is not None and news.any():
        # only in the months after joining: knowing of sharing with a pool open
        since = hh.months_since_joining(r[news], c[news], month, pool_news_month)
        news[np.flatnonzero(news)[(since < 0) | (since >= b.pool_reconsider_months)]] = False
    # the owners' events (wear-out, life event or pool news), as sorted flat indices
    event = worn | lived | news
    flat, worn, news = flat[event], worn[event], news[event]
    event_need = _flat(hh.need).take(flat)
    # A household holding several units reconsiders its extra units first (`decide_extra_units`).
    holding_extra = hh.extra if goods.multi_unit.any() else None
    first_unit = event_need
    if holding_extra is not None:
        event_extra = _flat(holding_extra).take(flat)
        first_unit = event_need & ~event_extra
    if holding_extra is not None:  # one draw per household and good of several units, every month
        position = np.cumsum(goods.multi_unit) - 1
        extra_draw = rng.random((hh.size, int(goods.multi_unit.sum())))
    _others_reconsidering(
        _flat(hh.mode),
        _flat(hh.need),
        draw.reshape(-1),
        _flat(newly_aware),
        1.0 / b.reconsider_months,
        own,
        flags,
    )
    first = flat[first_unit]  # the owners' pairs reconsidering their first unit, sorted
    flags[first] = True
    chosen = np.flatnonzero(flags)
    place = np.full(chosen.size, -1, dtype=np.intp)  # each pair's place in `first`, -1 for others
    if first.size:
        in_first = np.searchsorted(first, chosen)
        found = first.take(np.minimum(in_first, first.size - 1)) == chosen
        place[found] = in_first[found]
    rows, cols = np.divmod(chosen, n_goods)
    an_event = place >= 0  # the owners' pairs among them: their events
    worn_now = np.zeros(rows.size, dtype=bool)
    worn_now[an_event] = worn[first_unit][place[an_event]]
    news_now = np.zeros(rows.size, dtype=bool)
    news_now[an_event] = news[first_unit][place[an_event]]
    old_mode = at(hh.mode, rows, cols)
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
        new_mode = np.where(at(hh.aware, rows, cols), np.int8(Mode.SHARE), new_mode)
    set_at(hh.mode, rows, cols, new_mode)

    bought = (new_mode == Mode.OWN) & ((old_mode != Mode.OWN) | worn_now)
    purchases = np.bincount(cols[bought], minlength=len(goods.names)).astype(float)
    if purchases_by_zone is not None:  # counts: whole numbers, added exactly in any order
        purchases_by_zone += np.bincount(
            hh.zone[rows[bought]] * np.intp(purchases_by_zone.shape[1]) + cols[bought],
            minlength=purchases_by_zone.size,
        ).reshape(purchases_by_zone.shape)
    set_at(hh.age_months, rows[bought], cols[bought], 0)
    not_owning = new_mode != Mode.OWN
    set_at(hh.lending, rows[not_owning], cols[not_owning], False)
    if holding_extra is not None:
        set_at(hh.extra, rows[not_owning], cols[not_owning], False)
        set_at(hh.share_rest, rows[not_owning], cols[not_owning], False)
        # a pool that is news is a reason to shed a car, not to buy a second one
        keeps = (new_mode == Mode.OWN) & goods.multi_unit[cols] & ~news_now
        # the owners of extra units with an event, needing the good (none of the pairs above:
        # those held no extra units), then those keeping their first unit
        extra_event = event_need & event_extra
        extra_rows, extra_cols = np.divmod(flat[extra_event], n_goods)
        extra_rows = np.concatenate([extra_rows, rows[keeps]])
        extra_cols = np.concatenate([extra_cols, cols[keeps]])
        extra_worn = np.concatenate([worn[extra_event], worn_now[keeps]])
        purchases += decide_extra_units(
            hh,
            goods,
            b,
            fx,
            extra_rows,
            extra_cols,
            worn_out=extra_worn & at(hh.extra, extra_rows, extra_cols),
            draw=at(extra_draw, extra_rows, position[extra_cols]),
            social=social,
            lending_ties=lending_ties,
            pool_ok=pool_ok,
            rental_access_eur=rental_access_eur,
            share_access_eur=share_access_eur,
            well_mixed=well_mixed,
            purchases_by_zone=purchases_by_zone,
        )
    if b.always_share_when_aware:
        switch = hh.aware & hh.need
        hh.mode[switch] = Mode.SHARE
        hh.lending[switch] = False
        hh.extra[switch] = False
        hh.share_rest[switch] = False

    # Lending: aware owners reconsider on the same rhythm as non-owners; owned goods age a month
    # (the modes are those just decided), in the same pass.
    lend_draw = hh.uniform_draws(rng)  # the same buffer: the first draws are no longer read
    age = hh.age_months if hh.age_months.flags.c_contiguous else hh.age_months.copy()
    _lenders_reconsidering(
        _flat(hh.mode),
        _flat(hh.aware),
        lend_draw.reshape(-1),
        _flat(newly_aware),
        1.0 / b.reconsider_months,
        age.reshape(-1),
        own,
        flags,
    )
    rows, cols = np.divmod(np.flatnonzero(flags), n_goods)
    if age is not hh.age_months:
        hh.age_months[...] = age
    if rows.size:
        zq = hh.zq[rows]
        fee = fx.platform_fee_share[hh.zone[rows]]
        expected_income = (
            goods.spare_uses_per_month[cols]
            * goods.share_eur_per_use[cols]
            * (1 - fee)
            * at(hh.utilization, rows, cols)
        )
        new_lending = lend_decision(
            behaviour=b,
            income=hh.income_eur[rows],
            trust=hh.trust[rows],
            expected_income=expected_income,
            risk=goods.perceived_risk[cols] * _by_pair(fx.perceived_risk_factor, zq, cols),
            social=at(social, rows, cols),
            lending_now=at(hh.lending, rows, cols),
            rng=rng,
        )
        set_at(hh.lending, rows, cols, new_lending)
    return purchases
