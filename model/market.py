"""The sharing market: who gets a shared good, through which channel, and who is paid.

Rules, each month and for every good at once, after the decisions:
- Demand: each household in the share mode wants its monthly uses; an owner
  that gave up its extra units for sharing (`share_rest`, `model.choice`) wants
  the `extra_units_uses_share` of its uses they served.
- Supply: each lender offers the good's `spare_uses_per_month`; community pools
  offer `units * capacity_uses_per_month` in their zone.
- Channels, cheapest first:
  1. informal, through ties: a borrower splits its demand equally among its
     lending ties; a lender asked for more than it offers serves everyone
     pro rata. No fee, no digital access needed. In a well-mixed territory the
     informal channel is the zone's lenders as a whole.
  2. the zone's community pool, for eligible borrowers, pro rata if short.
  3. the zone's platform: what lenders with digital access have left, for
     borrowers with digital access, pro rata if short; the platform keeps its fee.
  What is left is unmet.
- Money is conserved: a borrower pays the peer price less the subsidy, the
  public pays the subsidy, the lender receives the price (less the platform fee
  on the platform), the platform the fee, the commune the pool price (the
  operator, for a fleet of today's, `model.today`).
  Access costs (travel, time) are costs to the borrower, paid to nobody.
- A community pool is open to a household where a `community_pool` policy
  reaches its zone and income quintile and has units of the good there, or
  where an operator's fleet of today stands in its zone; on a territory whose
  zones have an area, only if one of the units stands within
  `market.pool_walk_km` of home (`PoolReach`: units stand at random in their
  zone, so a share 1 - exp(-pi d^2 x units per km2) of its households is within
  reach; a larger pool reaches the same households and more).
- The subsidy per shared use is the policy's `eur_per_use`, capped at
  `max_share_of_price` of the peer price.
Only the households borrowing or lending something take part; the arrays of
the result are theirs (`rows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, partial
from typing import TYPE_CHECKING

import numba
import numpy as np

from .households import GoodTable, HouseholdState, Mode, any_good, take_rows
from .policies import Effects, per_household

if TYPE_CHECKING:
    from .network import Ties


@dataclass
class MarketResult:
    """What happened in the market this month; (R, G) arrays for the households `rows` (those
    borrowing or lending something), unless noted."""

    rows: np.ndarray
    demand: np.ndarray
    served_informal: np.ndarray
    served_pool: np.ndarray
    served_platform: np.ndarray
    used_informal: np.ndarray  # lenders' capacity used informally
    used_platform: np.ndarray  # lenders' capacity used through the platform
    capacity: np.ndarray  # lenders' spare capacity
    borrower_paid_eur: np.ndarray  # payments of borrowers (net of subsidy), excluding access
    subsidy_eur: np.ndarray  # public subsidy per borrower
    lender_income_eur: np.ndarray
    platform_fees_eur: float
    pool_revenue_eur: float  # fees of the public pools (public revenue)
    operator_revenue_eur: float  # fees of the pools run by operators (today's fleets)
    price_paid_per_use: np.ndarray  # gross price per served use (before subsidy), where served
    platform_fee_eur: np.ndarray | float = 0.0  # platform fees of each row's platform uses
    pool_paid_eur: np.ndarray | float = 0.0  # paid to pools, public and operators'
    operator_paid_eur: np.ndarray | float = 0.0  # of which to the operators' fleets

    @cached_property
    def served(self) -> np.ndarray:
        return self.served_informal + self.served_pool + self.served_platform

    @cached_property
    def unmet(self) -> np.ndarray:
        return self.demand - self.served


def _ratio(supply: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Share of demand served, min(1, supply / demand), 1 where there is no demand."""
    ratio = np.divide(supply, demand, out=np.ones(np.shape(demand)), where=demand > 0)
    return np.minimum(ratio, 1.0, out=ratio)


@dataclass(frozen=True)
class PoolReach:
    """Where a pool's units stand at random in a zone of known area: `spot` (N,) a uniform number
    per household, fixed for the run; `units_to_cover` (Z,) turns a zone's sampled pool units into
    the expected number of units within walking distance of a home (pi d^2 x real units per km2).
    A household is within reach of a zone's pool when spot < 1 - exp(-units x units_to_cover)."""

    spot: np.ndarray
    units_to_cover: np.ndarray

    def covered(self, pool_units: np.ndarray) -> np.ndarray:
        """(Z, G) share of each zone's households within walking distance of a unit."""
        return -np.expm1(-pool_units * self.units_to_cover[:, None])


def pool_reach(scenario, households_by_zone: np.ndarray, seed_sequence) -> PoolReach | None:
    """The reach of pools on a territory whose zones have an area (`Market.pool_walk_km`), else
    None (every household of a zone with units is within reach). The spots come from a stream of
    their own, so that the model's other draws are unchanged."""
    from .scenario import TerritoryFromData

    if not isinstance(scenario.territory, TerritoryFromData):
        return None
    resolved = scenario.territory.resolved()
    sampled = households_by_zone.astype(float)
    per_km2 = np.divide(
        resolved.households / resolved.area_km2,
        sampled,
        out=np.zeros(sampled.shape),
        where=sampled > 0,
    )
    stream = np.random.SeedSequence(seed_sequence.entropy, spawn_key=(*seed_sequence.spawn_key, 17))
    spot = np.random.default_rng(stream).random(int(sampled.sum()))
    return PoolReach(spot=spot, units_to_cover=np.pi * scenario.market.pool_walk_km**2 * per_km2)


def pool_open(
    households: HouseholdState, effects: Effects, reach: PoolReach | None = None
) -> np.ndarray:
    """(N, G) flags: a community pool with units of the good is open to the household (and, with
    a `reach`, one of its units stands within walking distance)."""
    if effects.pool_units.any():
        units = effects.pool_units
        if reach is None:
            within = (units > 0)[households.zone]
        else:
            within = take_rows(reach.covered(units), households.zone) > reach.spot[:, None]
        return per_household(effects.pool_access, households.zq) & within
    return np.zeros(households.mode.shape, dtype=bool)


class PoolOpenings:
    """`pool_open` of a run's households, computed again only in the months the pools' units or
    access change (most months they stay as they were). The flags returned are read-only."""

    def __init__(self, households: HouseholdState, reach: PoolReach | None):
        self.households = households
        self.reach = reach
        self._units = self._access = self._open = None

    def __call__(self, effects: Effects) -> np.ndarray:
        if not (
            self._open is not None
            and np.array_equal(effects.pool_units, self._units)
            and np.array_equal(effects.pool_access, self._access)
        ):
            self._units, self._access = effects.pool_units.copy(), effects.pool_access.copy()
            self._open = pool_open(self.households, effects, self.reach)
            self._open.flags.writeable = False
        return self._open


def public_share_of_pools(effects: Effects) -> np.ndarray | None:
    """(Z, G) share of each zone's pool units that are public (policies), the rest being run by
    operators; None when no operator runs any."""
    if not effects.operator_units.any():
        return None
    units = effects.pool_units
    return np.divide(
        units - effects.operator_units, units, out=np.ones(units.shape), where=units > 0
    )


def clear_market(
    households: HouseholdState, goods: GoodTable, effects: Effects, ties: Ties, pool_ok: np.ndarray
) -> MarketResult:
    """This month's market among the households that borrow or lend something."""
    hh, fx = households, effects
    borrower = (hh.mode == Mode.SHARE) & hh.need
    partly = hh.share_rest.any()
    if partly:  # owners sharing for the uses of the extra units they gave up
        borrower |= hh.share_rest & hh.need
    rows = np.flatnonzero(any_good(borrower | hh.lending))
    lending_ties = (
        np.zeros((rows.size, len(goods.names)))
        if ties.well_mixed
        else take_rows(ties.lending_ties, rows)
    )
    subsidy = np.minimum(
        per_household(fx.subsidy_eur, hh.zq),
        per_household(fx.subsidy_cap_share, hh.zq) * goods.share_eur_per_use,
    )
    uses = take_rows(hh.uses, rows)
    zone = hh.zone_index.take(rows)  # numpy's index integers, converted once per run
    return allocate(
        rows=rows,
        borrower=take_rows(borrower, rows),
        uses=(
            np.where(take_rows(hh.share_rest, rows), uses * goods.extra_units_uses_share, uses)
            if partly
            else uses
        ),
        lender=take_rows(hh.lending, rows),
        spare=goods.spare_uses_per_month,
        price=goods.share_eur_per_use,
        subsidy=take_rows(subsidy, rows) if subsidy.ndim == 2 else subsidy,
        digital=hh.digital[rows],
        lending_ties=lending_ties,
        neighbour_sum=ties.neighbour_sum_of_rows(rows),
        zone=zone,
        zone_count=ties.zone_count,
        well_mixed=ties.well_mixed,
        pool_ok=take_rows(pool_ok, rows),
        pool_supply=fx.pool_units * goods.capacity_uses_per_month,
        pool_price=fx.pool_price_eur,
        pool_public_share=public_share_of_pools(fx),
        platform_fee=fx.platform_fee_share,
    )


@numba.njit(cache=True, nogil=True)
def _sums_by_index(index, weights, out):  # pragma: no cover - compiled
    """out[index[i], g] += weights[i, g], i in order (as `np.bincount` adds its weights); returns
    False, out left partly summed, at an index outside `out`."""
    bins = out.shape[0]
    for i in range(index.size):
        k = index[i]
        if k < 0 or k >= bins:
            return False
        for g in range(weights.shape[1]):
            out[k, g] += weights[i, g]
    return True


def sums_by_index(index: np.ndarray, weights: np.ndarray, minlength: int) -> np.ndarray:
    """`np.bincount(index, weights=weights, minlength=minlength)` with every index below
    `minlength`, and for (N, G) `weights` the (minlength, G) sums of each column: each bin's
    weights added from +0.0 in the order of `index`, as `np.bincount` adds them, in one pass."""
    flat = weights.ndim == 1
    columns = weights.reshape(-1, 1) if flat else weights
    out = np.zeros((minlength, columns.shape[1]))
    if not _sums_by_index(index, np.ascontiguousarray(columns, dtype=np.float64), out):
        out = np.stack(
            [
                np.bincount(index, weights=columns[:, g], minlength=minlength)
                for g in range(columns.shape[1])
            ],
            axis=1,
        )
    return out[:, 0] if flat else out


def zone_sum(zones: np.ndarray, zone_count: int, values: np.ndarray) -> np.ndarray:
    """Sum of (R, G) values over the households of each zone, given their `zones`: (Z, G); each
    zone's sum taken in the households' order, as `np.bincount` of each good's column takes it,
    in one pass over the rows (`sums_by_index`)."""
    return sums_by_index(zones, values, zone_count)


def allocate(
    *,
    rows: np.ndarray,
    borrower: np.ndarray,
    uses: np.ndarray,
    lender: np.ndarray,
    spare: np.ndarray,
    price: np.ndarray,
    subsidy: np.ndarray,
    digital: np.ndarray,
    lending_ties: np.ndarray,
    neighbour_sum,
    zone: np.ndarray,
    zone_count: int,
    well_mixed: bool,
    pool_ok: np.ndarray,
    pool_supply: np.ndarray,
    pool_price: np.ndarray,
    platform_fee: np.ndarray,
    pool_public_share: np.ndarray | None = None,
) -> MarketResult:
    """Allocate shared uses among the households `rows`, whose arrays are given, `zone` the zone of
    each of them (among `zone_count`). `neighbour_sum(x)` sums x over each of their ties. The
    rows' arrays are computed by compiled passes (`_demand_and_capacity` and those after it)
    that do, element by element, the same operations in the same order as the numpy expressions
    written in their docstrings, and add the zones' sums in the rows' order as `zone_sum` does:
    the same numbers, in fewer passes over the rows."""
    shape = uses.shape
    demand, capacity = _demand_and_capacity(uses, borrower, _per_good(spare), lender)

    if well_mixed:
        zone_total = partial(zone_sum, zone, zone_count)
        offered = zone_total(capacity)
        served_informal = demand * take_rows(_ratio(offered, zone_total(demand)), zone)
        used_share = np.divide(
            zone_total(served_informal), offered, out=np.zeros(offered.shape), where=offered > 0
        )
        used_informal = capacity * take_rows(used_share, zone)
        left = demand - served_informal
    else:
        # A borrower splits its demand equally among its lending ties.
        asked = _split_among(demand, lending_ties)
        asked_of_lender = neighbour_sum(asked)
        lender_ratio = _lender_ratio(capacity, asked_of_lender, lender)
        served_informal, used_informal, left = _informal(
            asked, neighbour_sum(lender_ratio), asked_of_lender, lender_ratio, demand
        )

    zones = zone_count
    pools = bool(pool_supply.any())
    if pools:
        pool_demand, pool_asked = _masked_with_zone_sums(left, pool_ok, zone, zones)
        served_pool = _served_pro_rata(pool_demand, _ratio(pool_supply, pool_asked), zone, left)
    else:
        served_pool = np.zeros(shape)

    listed_capacity, platform_demand, platform_supply, platform_asked = _platform(
        capacity, used_informal, left, lender, borrower, digital, zone, zones
    )
    served_platform = np.empty(shape)
    platform_served = _times_zone_with_sums(
        platform_demand, _ratio(platform_supply, platform_asked), zone, served_platform
    )
    used_share = np.divide(
        platform_served,
        platform_supply,
        out=np.zeros(platform_supply.shape),
        where=platform_supply > 0,
    )
    used_platform = _times_zone(listed_capacity, used_share, zone)

    uniform_fee = bool((platform_fee == platform_fee[0]).all())
    paid = _payments(
        served_informal,
        served_platform,
        served_pool,
        used_informal,
        used_platform,
        _per_good(price),
        np.asarray(subsidy, dtype=np.float64).reshape(-1, shape[1]),
        pool_price if pools else np.zeros((zones, shape[1])),
        (
            pool_public_share
            if pools and pool_public_share is not None
            else np.ones((zones, shape[1]))
        ),
        np.ascontiguousarray(platform_fee[:1] if uniform_fee else platform_fee[zone]),
        zone,
        pools,
    )
    borrower_paid, subsidy_paid, gross_paid, pool_paid, operator_paid = paid[:5]
    lender_income, platform_fee_eur, price_paid = paid[5:]
    pool_revenue = operator_revenue = 0.0
    if pools:
        pool_revenue = float(pool_paid.sum())
        if pool_public_share is not None:
            operator_revenue = float(operator_paid.sum())
            pool_revenue -= operator_revenue
        else:
            operator_paid = 0.0
    else:
        pool_paid = operator_paid = 0.0
    platform_fees = float(platform_fee_eur.sum())

    return MarketResult(
        rows=rows,
        demand=demand,
        served_informal=served_informal,
        served_pool=served_pool,
        served_platform=served_platform,
        used_informal=used_informal,
        used_platform=used_platform,
        capacity=capacity,
        borrower_paid_eur=borrower_paid,
        subsidy_eur=subsidy_paid,
        lender_income_eur=lender_income,
        platform_fees_eur=platform_fees,
        pool_revenue_eur=pool_revenue,
        operator_revenue_eur=operator_revenue,
        price_paid_per_use=price_paid,
        platform_fee_eur=platform_fee_eur,
        pool_paid_eur=pool_paid,
        operator_paid_eur=operator_paid,
    )


def _per_good(values) -> np.ndarray:
    """A (G,) vector of floats per good, as the compiled passes read it (`values[g]`)."""
    return np.ascontiguousarray(values, dtype=np.float64).reshape(-1)


@numba.njit(cache=True, nogil=True)
def _demand_and_capacity(uses, borrower, spare, lender):  # pragma: no cover - compiled
    """demand = uses * borrower; capacity = spare * lender."""
    demand = np.empty(uses.shape)
    capacity = np.empty(uses.shape)
    for i in range(uses.shape[0]):
        for g in range(uses.shape[1]):
            demand[i, g] = uses[i, g] * (1.0 if borrower[i, g] else 0.0)
            capacity[i, g] = spare[g] * (1.0 if lender[i, g] else 0.0)
    return demand, capacity


@numba.njit(cache=True, nogil=True)
def _split_among(demand, lending_ties):  # pragma: no cover - compiled
    """np.divide(demand, lending_ties, out=zeros, where=lending_ties > 0)."""
    asked = np.zeros(demand.shape)
    for i in range(demand.shape[0]):
        for g in range(demand.shape[1]):
            if lending_ties[i, g] > 0:
                asked[i, g] = demand[i, g] / lending_ties[i, g]
    return asked


@numba.njit(cache=True, nogil=True, inline="always")
def _ratio_of(supply, demand):  # pragma: no cover - compiled
    """One element of `_ratio`: np.minimum(supply / demand if demand > 0 else 1.0, 1.0)."""
    ratio = supply / demand if demand > 0 else 1.0
    return ratio if ratio <= 1.0 or ratio != ratio else 1.0


@numba.njit(cache=True, nogil=True)
def _lender_ratio(capacity, asked_of_lender, lender):  # pragma: no cover - compiled
    """_ratio(capacity, asked_of_lender) * lender."""
    out = np.empty(capacity.shape)
    for i in range(capacity.shape[0]):
        for g in range(capacity.shape[1]):
            ratio = _ratio_of(capacity[i, g], asked_of_lender[i, g])
            out[i, g] = ratio * (1.0 if lender[i, g] else 0.0)
    return out


@numba.njit(cache=True, nogil=True)
def _informal(asked, ratio_of_ties, asked_of_lender, lender_ratio, demand):  # pragma: no cover
    """served = asked * ratio_of_ties; used = asked_of_lender * lender_ratio; left = demand -
    served."""
    served = np.empty(asked.shape)
    used = np.empty(asked.shape)
    left = np.empty(asked.shape)
    for i in range(asked.shape[0]):
        for g in range(asked.shape[1]):
            served[i, g] = asked[i, g] * ratio_of_ties[i, g]
            used[i, g] = asked_of_lender[i, g] * lender_ratio[i, g]
            left[i, g] = demand[i, g] - served[i, g]
    return served, used, left


@numba.njit(cache=True, nogil=True)
def _masked_with_zone_sums(values, flags, zone, zones):  # pragma: no cover - compiled
    """masked = values * flags, and zone_sum(masked)."""
    masked = np.empty(values.shape)
    sums = np.zeros((zones, values.shape[1]))
    for i in range(values.shape[0]):
        for g in range(values.shape[1]):
            masked[i, g] = values[i, g] * (1.0 if flags[i, g] else 0.0)
            sums[zone[i], g] += masked[i, g]
    return masked, sums


@numba.njit(cache=True, nogil=True)
def _served_pro_rata(demand, ratio, zone, left):  # pragma: no cover - compiled
    """served = demand * take_rows(ratio, zone); left -= served (in place)."""
    served = np.empty(demand.shape)
    for i in range(demand.shape[0]):
        for g in range(demand.shape[1]):
            served[i, g] = demand[i, g] * ratio[zone[i], g]
            left[i, g] -= served[i, g]
    return served


@numba.njit(cache=True, nogil=True)
def _platform(
    capacity, used_informal, left, lender, borrower, digital, zone, zones
):  # pragma: no cover
    """listed = (capacity - used_informal) * (lender & digital[:, None]); asked = left * (borrower &
    digital[:, None]); and the zone sums of both."""
    listed = np.empty(capacity.shape)
    asked = np.empty(capacity.shape)
    supply = np.zeros((zones, capacity.shape[1]))
    demand = np.zeros((zones, capacity.shape[1]))
    for i in range(capacity.shape[0]):
        k = zone[i]
        for g in range(capacity.shape[1]):
            listed[i, g] = (capacity[i, g] - used_informal[i, g]) * (
                1.0 if lender[i, g] and digital[i] else 0.0
            )
            asked[i, g] = left[i, g] * (1.0 if borrower[i, g] and digital[i] else 0.0)
            supply[k, g] += listed[i, g]
            demand[k, g] += asked[i, g]
    return listed, asked, supply, demand


@numba.njit(cache=True, nogil=True)
def _times_zone_with_sums(values, by_zone, zone, out):  # pragma: no cover - compiled
    """out = values * take_rows(by_zone, zone); returns zone_sum(out)."""
    sums = np.zeros(by_zone.shape)
    for i in range(values.shape[0]):
        k = zone[i]
        for g in range(values.shape[1]):
            out[i, g] = values[i, g] * by_zone[k, g]
            sums[k, g] += out[i, g]
    return sums


@numba.njit(cache=True, nogil=True)
def _times_zone(values, by_zone, zone):  # pragma: no cover - compiled
    """values * take_rows(by_zone, zone)."""
    out = np.empty(values.shape)
    for i in range(values.shape[0]):
        k = zone[i]
        for g in range(values.shape[1]):
            out[i, g] = values[i, g] * by_zone[k, g]
    return out


@numba.njit(cache=True, nogil=True)
def _payments(
    served_informal,
    served_platform,
    served_pool,
    used_informal,
    used_platform,
    price,
    subsidy,
    pool_price,
    pool_public_share,
    fee,
    zone,
    pools,
):  # pragma: no cover - compiled
    """What `allocate` wrote as:
    peer_served = served_informal + served_platform
    subsidy_paid = peer_served * subsidy
    borrower_paid = peer_served * (price - subsidy)
    gross_paid = peer_served * price
    if pools:
        pool_paid = served_pool * take_rows(pool_price, zone)
        borrower_paid += pool_paid
        gross_paid += pool_paid
        operator_paid = pool_paid * (1 - take_rows(pool_public_share, zone))
    lender_income = used_informal * price + used_platform * price * (1 - fee)
    platform_fee_eur = served_platform * price * fee
    served = peer_served + served_pool
    price_paid = np.divide(gross_paid, served, out=zeros, where=served > 0)"""
    shape = served_informal.shape
    borrower_paid = np.empty(shape)
    subsidy_paid = np.empty(shape)
    gross_paid = np.empty(shape)
    pool_paid = np.zeros(shape)
    operator_paid = np.zeros(shape)
    lender_income = np.empty(shape)
    platform_fee = np.empty(shape)
    price_paid = np.zeros(shape)
    for i in range(shape[0]):
        k = zone[i]
        s = i if subsidy.shape[0] > 1 else 0  # a subsidy per household, or one per good
        f = fee[i] if fee.size > 1 else fee[0]  # a fee per household's zone, or one fee
        keep = 1 - f
        for g in range(shape[1]):
            peer = served_informal[i, g] + served_platform[i, g]
            subsidy_paid[i, g] = peer * subsidy[s, g]
            borrower = peer * (price[g] - subsidy[s, g])
            gross = peer * price[g]
            if pools:
                to_pools = served_pool[i, g] * pool_price[k, g]
                borrower += to_pools
                gross += to_pools
                pool_paid[i, g] = to_pools
                operator_paid[i, g] = to_pools * (1 - pool_public_share[k, g])
            borrower_paid[i, g] = borrower
            gross_paid[i, g] = gross
            lender_income[i, g] = (
                used_informal[i, g] * price[g] + used_platform[i, g] * price[g] * keep
            )
            platform_fee[i, g] = served_platform[i, g] * price[g] * f
            served = peer + served_pool[i, g]
            if served > 0:
                price_paid[i, g] = gross / served
    return (
        borrower_paid,
        subsidy_paid,
        gross_paid,
        pool_paid,
        operator_paid,
        lender_income,
        platform_fee,
        price_paid,
    )
