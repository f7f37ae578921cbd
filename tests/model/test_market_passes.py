"""The market's compiled passes give what the numpy expressions they replaced gave, to the bit,
in every branch: ties or a well-mixed territory, pools or none, operators' fleets or public
pools only, one platform fee or one per zone, a subsidy per good or per household."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
import scipy.sparse as sp

from model.households import take_rows
from model.market import MarketResult, _ratio, allocate, zone_sum


# The allocation as it was written in numpy before its compiled passes.
def numpy_allocate(
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
    zone_total = partial(zone_sum, zone, zone_count)
    demand = uses * borrower
    capacity = spare * lender

    if well_mixed:
        offered = zone_total(capacity)
        served_informal = demand * take_rows(_ratio(offered, zone_total(demand)), zone)
        used_share = np.divide(
            zone_total(served_informal), offered, out=np.zeros(offered.shape), where=offered > 0
        )
        used_informal = capacity * take_rows(used_share, zone)
    else:
        # A borrower splits its demand equally among its lending ties.
        asked = np.divide(demand, lending_ties, out=np.zeros(demand.shape), where=lending_ties > 0)
        asked_of_lender = neighbour_sum(asked)
        lender_ratio = _ratio(capacity, asked_of_lender)
        lender_ratio *= lender
        served_informal = asked * neighbour_sum(lender_ratio)
        used_informal = asked_of_lender * lender_ratio

    left = demand - served_informal
    pools = bool(pool_supply.any())
    if pools:
        pool_demand = left * pool_ok
        served_pool = pool_demand * take_rows(_ratio(pool_supply, zone_total(pool_demand)), zone)
        left -= served_pool
    else:
        served_pool = np.zeros(demand.shape)

    listed_capacity = (capacity - used_informal) * (lender & digital[:, None])
    platform_demand = left * (borrower & digital[:, None])
    platform_supply = zone_total(listed_capacity)
    served_platform = platform_demand * take_rows(
        _ratio(platform_supply, zone_total(platform_demand)), zone
    )
    used_share = np.divide(
        zone_total(served_platform),
        platform_supply,
        out=np.zeros(platform_supply.shape),
        where=platform_supply > 0,
    )
    used_platform = listed_capacity * take_rows(used_share, zone)

    uniform_fee = bool((platform_fee == platform_fee[0]).all())
    fee = platform_fee[0] if uniform_fee else platform_fee[zone][:, None]
    peer_served = served_informal + served_platform
    subsidy_paid = peer_served * subsidy
    borrower_paid = peer_served * (price - subsidy)
    gross_paid = peer_served * price
    pool_revenue = operator_revenue = 0.0
    pool_paid = operator_paid = 0.0
    if pools:
        pool_paid = served_pool * take_rows(pool_price, zone)
        borrower_paid += pool_paid
        gross_paid += pool_paid
        pool_revenue = float(pool_paid.sum())
        if pool_public_share is not None:
            operator_paid = pool_paid * (1 - take_rows(pool_public_share, zone))
            operator_revenue = float(operator_paid.sum())
            pool_revenue -= operator_revenue
    lender_income = used_informal * price + used_platform * price * (1 - fee)
    platform_fee_eur = served_platform * price * fee
    platform_fees = float(platform_fee_eur.sum())
    served = peer_served + served_pool
    price_paid = np.divide(gross_paid, served, out=np.zeros(served.shape), where=served > 0)

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


FIELDS = [
    "demand",
    "served_informal",
    "served_pool",
    "served_platform",
    "used_informal",
    "used_platform",
    "capacity",
    "borrower_paid_eur",
    "subsidy_eur",
    "lender_income_eur",
    "platform_fees_eur",
    "pool_revenue_eur",
    "operator_revenue_eur",
    "price_paid_per_use",
    "platform_fee_eur",
    "pool_paid_eur",
    "operator_paid_eur",
]


def market_inputs(seed: int, *, well_mixed, pools, operators, uniform_fee, subsidy_per_row):
    rng = np.random.default_rng(seed)
    rows, goods, zones = 700, 3, 6
    ties = sp.random(rows, rows, density=0.01, random_state=seed, format="csr")
    ties = ((ties + ties.T) > 0).astype(np.float64)
    borrower = rng.random((rows, goods)) < 0.4
    lender = ~borrower & (rng.random((rows, goods)) < 0.5)
    uses = np.round(rng.gamma(2.0, 3.0, (rows, goods)), 2)
    uses[rng.random(uses.shape) < 0.1] = 0.0
    zone = rng.integers(0, zones, rows)
    fee = np.full(zones, 0.12) if uniform_fee else rng.uniform(0.05, 0.2, zones)
    return dict(
        rows=np.arange(rows),
        borrower=borrower,
        uses=uses,
        lender=lender,
        spare=np.array([6.0, 2.5, 11.0]),
        price=np.array([3.0, 7.5, 1.25]),
        subsidy=(
            np.round(rng.uniform(0, 1, (rows, goods)), 2)
            if subsidy_per_row
            else np.array([0.5, 0.0, 0.25])
        ),
        digital=rng.random(rows) < 0.8,
        lending_ties=np.zeros((rows, goods)) if well_mixed else ties @ lender.astype(np.float64),
        neighbour_sum=lambda values: ties @ values,
        zone=zone,
        zone_count=zones,
        well_mixed=well_mixed,
        pool_ok=rng.random((rows, goods)) < 0.5,
        pool_supply=(
            rng.uniform(0, 40, (zones, goods)) * (rng.random((zones, goods)) < 0.7)
            if pools
            else np.zeros((zones, goods))
        ),
        pool_price=np.round(rng.uniform(0.5, 4, (zones, goods)), 2),
        platform_fee=fee,
        pool_public_share=rng.uniform(0, 1, (zones, goods)) if operators else None,
    ), zones


@pytest.mark.parametrize("well_mixed", [False, True])
@pytest.mark.parametrize("pools, operators", [(False, False), (True, False), (True, True)])
@pytest.mark.parametrize("uniform_fee, subsidy_per_row", [(True, False), (False, True)])
def test_the_compiled_market_is_the_numpy_market_to_the_bit(
    well_mixed, pools, operators, uniform_fee, subsidy_per_row
):
    for seed in range(3):
        inputs, zones = market_inputs(
            seed,
            well_mixed=well_mixed,
            pools=pools,
            operators=operators,
            uniform_fee=uniform_fee,
            subsidy_per_row=subsidy_per_row,
        )
        expected = numpy_allocate(**inputs)
        got = allocate(**inputs)
        for field in FIELDS:
            want, have = getattr(expected, field), getattr(got, field)
            assert np.asarray(have).dtype == np.asarray(want).dtype, field
            assert np.asarray(have).shape == np.asarray(want).shape, field
            assert np.asarray(have).tobytes() == np.asarray(want).tobytes(), field


def test_last_months_lending_income_is_the_markets_and_zero_elsewhere_every_month():
    """Only last month's market rows are cleared before this month's are written, rather than
    the whole (N, G) array: the array is the same every month."""
    from model.model import TerritoryModel
    from tests.conftest import ROOT

    model = TerritoryModel(
        ROOT / "scenarios" / "bordeaux_metropole.toml", households=3000, months=18
    )
    for _ in range(18):
        model.step()
        market = model.last_market
        expected = np.zeros(model.households.lend_income_eur.shape)
        expected[market.rows] = market.lender_income_eur
        assert model.households.lend_income_eur.tobytes() == expected.tobytes()
