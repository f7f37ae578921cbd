"""Learning and trust: what households learn from the month's market, and how trust moves.

Rules, each month after the market:
- Expectations move a share r = `behaviour.availability_learning_rate` of the
  way toward what was met: a borrower's expected availability toward the share
  of its asked uses that were served; a borrower served at all, its expected
  price per use toward the price it paid (before subsidy; it has now tried
  sharing the good); a lender's expected utilization toward the share of its
  spare capacity that was used. Expectations of those who did not take part
  stay as they were.
- Experiences: each good a household borrowed (was served) or lent (was used)
  this month goes badly with the good's `bad_experience_prob`, times the
  `bad_experience_factor` of trust labels reaching it. Each good month closes
  `trust_gain` of the gap to 1: trust = 1 - (1 - trust)(1 - gain)^good_months;
  each bad one removes `trust_loss` x (1 - insured share) of trust
  (negativity bias). An insurance fund pays `claim_eur` x its cover for each bad
  experience it covers.
- Word of mouth: then trust drifts toward the mean trust of one's ties,
  trust += `trust_drift` x (ties' trust - trust) (the territory's mean in a
  well-mixed territory; one's own trust without ties), all households at once
  from the trust after this month's experiences.
- Third places: trust += `trust_boost_per_month` x (1 - trust) where they reach.
  Trust is kept within 0..1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from .households import GoodTable, HouseholdState, put_rows, sum_over_goods, take_rows
from .market import MarketResult
from .policies import Effects, per_household
from .scenario import Behaviour

if TYPE_CHECKING:
    from .network import Ties
    from .reporters import Totals


def _in_place(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The households' arrays a compiled pass updates in place: they must be C-contiguous, as the
    households' state makes them, or the pass would write into copies."""
    for array in arrays:
        if not array.flags.c_contiguous:
            raise ValueError(
                "households' state: a C-contiguous array is needed to update it in place"
            )
    return arrays


@numba.njit(cache=True, nogil=True)
def _learn_from_market(
    rows,
    served,
    demand,
    price_paid,
    used_informal,
    used_platform,
    capacity,
    rate,
    availability,
    expected_price,
    tried,
    utilization,
):  # pragma: no cover - compiled
    """The expectations of the market's rows moved toward what was met, in one pass over the rows
    (in place); returns `got` (served > 0) and `used` (used_informal + used_platform). Pair by
    pair, the same operations on the same floats as the arrays' expressions (`learn_toward`, in
    tests/model/numpy_month.py, moves expected[rows] a share `rate` of the way to `observed`):
        asked = demand > 0
        met = np.divide(served, demand, out=zeros, where=asked)
        learn_toward(availability, rows, met, rate * asked)
        got = served > 0
        learn_toward(expected_price, rows, price_paid, rate * got)
        tried[rows] |= got
        used = used_informal + used_platform
        offered = capacity > 0
        utilization_seen = np.divide(used, capacity, out=zeros, where=offered)
        learn_toward(utilization, rows, utilization_seen, rate * offered)"""
    got = np.empty(served.shape, dtype=np.bool_)
    used = np.empty(served.shape)
    for i in range(rows.size):
        r = rows[i]
        for g in range(served.shape[1]):
            asked = demand[i, g] > 0
            met = served[i, g] / demand[i, g] if asked else 0.0
            current = availability[r, g]
            availability[r, g] = current + (rate * (1.0 if asked else 0.0)) * (met - current)
            got[i, g] = served[i, g] > 0
            current = expected_price[r, g]
            step = rate * (1.0 if got[i, g] else 0.0)
            expected_price[r, g] = current + step * (price_paid[i, g] - current)
            tried[r, g] = tried[r, g] or got[i, g]
            used[i, g] = used_informal[i, g] + used_platform[i, g]
            offered = capacity[i, g] > 0
            seen = used[i, g] / capacity[i, g] if offered else 0.0
            current = utilization[r, g]
            utilization[r, g] = current + (rate * (1.0 if offered else 0.0)) * (seen - current)
    return got, used


def row_products(values: np.ndarray) -> np.ndarray:
    """(R,) the products of an (R, G) array over goods, column by column: the same to the bit as
    `np.prod(values, axis=1)`, which multiplies a row's floats in order, without reducing along the
    short goods axis."""
    if values.shape[1] == 0:
        return np.prod(values, axis=1)
    out = values[:, 0].copy()
    for g in range(1, values.shape[1]):
        out *= values[:, g]
    return out


def trust_after_experiences(trust, good_months, bad, gain, loss, cover):
    """Trust after this month's experiences: each good month closes `gain` of the gap to 1; each bad
    one (per good, counted in `bad` (N, G)) removes `loss` of trust, less the insured share `cover`."""
    after_good = 1 - (1 - trust) * (1 - gain) ** good_months
    kept = row_products(np.where(bad > 0, (1 - loss * (1 - cover)) ** bad, 1.0))
    return after_good * kept


def learn_from_the_month(
    households: HouseholdState,
    goods: GoodTable,
    behaviour: Behaviour,
    effects: Effects,
    market: MarketResult,
    ties: Ties,
    totals: Totals,
    rng: np.random.Generator,
) -> float:
    """Update expectations and trust (in place) and count the month's transactions and bad
    experiences in `totals`; returns the insurance claims paid by the public (EUR)."""
    hh, b, fx = households, behaviour, effects
    rate = b.availability_learning_rate
    rows = market.rows  # the market's arrays are those of these households
    served = market.served
    got, used = _learn_from_market(
        rows,
        served,
        market.demand,
        market.price_paid_per_use,
        market.used_informal,
        market.used_platform,
        market.capacity,
        float(rate),
        *_in_place(hh.availability, hh.expected_price, hh.tried, hh.utilization),
    )
    hh.lend_income_eur[hh.lend_income_rows] = 0.0  # last month's, the only ones not zero
    put_rows(hh.lend_income_eur, rows, market.lender_income_eur)
    hh.lend_income_rows = rows

    def at_rows(effect):
        return take_rows(effect, rows) if effect.ndim == 2 else effect

    bad_prob = goods.bad_experience_prob * at_rows(per_household(fx.bad_experience_factor, hh.zq))
    lent = used > 0
    bad_borrow = got & (rng.random(got.shape) < bad_prob)
    bad_lend = lent & (rng.random(lent.shape) < bad_prob)
    cover = at_rows(per_household(fx.insurance_cover, hh.zq))
    bad = bad_borrow.astype(np.int64) + bad_lend
    trust = hh.trust.copy()
    good_months = sum_over_goods(got & ~bad_borrow) + sum_over_goods(lent & ~bad_lend)
    trust[rows] = trust_after_experiences(
        trust[rows], good_months, bad, b.trust_gain, b.trust_loss, cover
    )
    totals.bad_experiences = int(bad.sum())
    totals.bad_experiences_by_row = bad
    totals.transactions = int(np.count_nonzero(got))
    totals.claims_eur_by_row = (
        bad * cover * at_rows(per_household(fx.claim_eur, hh.zq)) if np.any(cover) else None
    )
    claims = float(totals.claims_eur_by_row.sum()) if np.any(cover) else 0.0

    trust = ties.drift_toward_ties(trust, b.trust_drift)  # toward the mean of one's ties
    if fx.trust_boost.any():
        trust = trust + per_household(fx.trust_boost, hh.zq) * (1 - trust)
    hh.trust = np.clip(trust, 0.0, 1.0)
    return claims
