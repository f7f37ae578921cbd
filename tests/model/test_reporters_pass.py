"""The month's reporters in one compiled pass (`model.reporter_loops`) give what the numpy
expressions they replace give, to the bit: every month of runs whose policies change the prices
by zone and quintile, on a grid and on a territory from data (weighted)."""

from __future__ import annotations

import numpy as np
import pytest

from model import reporters as reporter_loops
from model.households import Mode, any_good, sum_over_goods
from model.model import TerritoryModel
from model.reporters import rented_uses, row_sums, times_by_good
from tests.conftest import ROOT
from tests.model.numpy_month import household_spending, tally_by_zone


def same(got, expected) -> bool:
    return np.asarray(got).tobytes() == np.asarray(expected).tobytes()


def check_month(model, market, month, weight) -> None:
    """`month` (`households_month`'s) against the numpy expressions, on the model's state."""
    hh, goods = model.households, model.goods
    tally = tally_by_zone(model)
    counts = month.counts.reshape(model.zone_count, len(goods.names), 2, 2, 2, len(Mode))
    assert same(counts.sum(axis=(2, 3))[:, :, 0, :], tally.modes[:, :, : len(Mode)])
    assert same(counts[:, :, :, 1].sum(axis=(2, 3, 4)), tally.lenders)
    assert same(counts[:, :, 1].sum(axis=(2, 3, 4)), tally.several)
    assert same(month.coded, tally.coded)
    owning = tally.owning
    if goods.multi_unit.any():
        assert same(month.several_flags, tally.several_flags)
        units = owning + times_by_good(tally.several_flags, goods.extra_units)
    else:
        units = owning
    spending = household_spending(model, market, rented_uses(hh), units)
    assert same(month.spending, spending)
    rent_uses = tally.needing_in(Mode.RENT) * hh.uses
    renters = times_by_good(rent_uses, goods.rent_eur_per_use)
    forgone = tally.needing_in(Mode.FORGO) * hh.uses
    assert same(month.renters_rows, row_sums(renters))
    assert same(month.forgone_rows, row_sums(forgone))
    totals = reporter_loops.uses_totals(month.coded, hh.uses, goods.rent_eur_per_use)
    assert same(totals, (float(renters.sum()), float(forgone.sum())))
    sharing_any = any_good(tally.sharing)
    assert same(month.sharing_any, sharing_any)
    assert month.sharing == np.count_nonzero(sharing_any)
    zone, zones = hh.zone_index, model.zone_count
    assert same(month.spending_by_zone, np.bincount(zone, weights=spending, minlength=zones))
    assert same(month.trust_by_zone, np.bincount(zone, weights=hh.trust, minlength=zones))
    sharing = np.bincount(np.compress(sharing_any, zone), minlength=zones)
    assert same(month.sharing_by_zone, sharing)
    values = spending if weight is None else spending * weight
    assert same(month.by_quintile, np.bincount(hh.quintile_index, weights=values, minlength=5))
    aware = hh.aware & hh.need
    for g in range(len(goods.names)):
        expected = (
            np.count_nonzero(aware[:, g])
            if weight is None
            else float(np.compress(aware[:, g], weight).sum())
        )
        assert same(month.aware_count(g, weight is not None), expected)
    if weight is not None:
        assert same(month.sharing_weight(), float(np.compress(sharing_any, weight).sum()))
    if market is None:
        return
    rows = market.rows
    row_weight = None if weight is None else weight[rows]
    for g in range(len(goods.names)):
        served = market.served_pool[:, g] > 0
        expected = (
            np.count_nonzero(served)
            if weight is None
            else float(np.compress(served, row_weight).sum())
        )
        assert same(month.pool_users(g, weight is not None), expected)
    received = sum_over_goods(market.subsidy_eur)
    received = received if weight is None else received * row_weight
    quintile = hh.quintile_index[rows]
    assert same(month.subsidy_by_quintile, np.bincount(quintile, weights=received, minlength=5))
    subsidy = np.bincount(zone[rows], weights=market.subsidy_eur.sum(axis=1), minlength=zones)
    assert same(month.subsidy_by_zone, subsidy if rows.size else np.zeros(zones))


@pytest.mark.parametrize(
    "scenario",
    [
        "bordeaux_metropole.toml",
        "parking_fee.toml",
        "rental_support.toml",
        "sharing_subsidy.toml",
        "carsharing_parking.toml",
    ],
)
def test_one_pass_over_the_households_gives_the_numpy_expressions_every_month(
    scenario, monkeypatch
):
    households_month = reporter_loops.households_month
    checked = []

    def checking(model, market, *prices):
        month = households_month(model, market, *prices)
        check_month(model, market, month, prices[-1])
        checked.append(market is not None)
        return month

    monkeypatch.setattr("model.reporters.households_month", checking)
    model = TerritoryModel(ROOT / "scenarios" / scenario, households=1500, months=14, seed=3)
    model.run()
    assert len(checked) == 15 and all(checked[1:])


def arrays(rng, households: int, goods: int):
    """Modes coded as the tally codes them, uses with zeros, and prices with a negative one."""
    coded = rng.integers(0, 2 * len(Mode), (households, goods)).astype(np.int8)
    uses = rng.gamma(0.5, 10.0, (households, goods)) * 10 ** rng.uniform(-3, 3, (households, goods))
    uses[rng.random(uses.shape) < 0.3] = 0.0
    rent = rng.uniform(-1.0, 30.0, goods)
    return coded, uses, rent


@pytest.mark.parametrize("goods", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("households", [0, 1, 2, 3, 5, 42, 43, 44, 127, 1000, 4099, 70001])
def test_the_sums_of_rented_and_forgone_uses_are_numpy_pairwise_sums_to_the_bit(households, goods):
    rng = np.random.default_rng(households * 10 + goods)
    coded, uses, rent = arrays(rng, households, goods)
    renters = times_by_good((coded == Mode.RENT) * uses, rent)
    forgone = (coded == Mode.FORGO) * uses
    got = reporter_loops.uses_totals(coded, uses, rent)
    assert same(got, (float(renters.sum()), float(forgone.sum())))
