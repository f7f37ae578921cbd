"""The month's rules as plain numpy statements over the households' arrays: what the compiled
passes of the month (`learning._learn_from_market`, `reporters.households_month`) compute, and
what the tests check them against, to the bit."""

from __future__ import annotations

import numpy as np

from model.households import Mode, put_rows, sum_over_goods, take_rows
from model.reporters import rented_uses, spending_prices, times_by_good
from model.zone_results import (
    CODES,
    LENDING_CODE,
    NOT_NEEDED_CODE,
    SEVERAL_CODE,
    ZoneTally,
    tally_of_counts,
)


def learn_toward(
    expected: np.ndarray, rows: np.ndarray, observed: np.ndarray, rate: np.ndarray
) -> None:
    """Move `expected[rows]` a share `rate` of the way toward what was `observed` (in place);
    `rows` are distinct (the market's)."""
    current = take_rows(expected, rows)
    current += rate * (observed - current)
    put_rows(expected, rows, current)


def household_spending(
    model, market, rent_uses: np.ndarray | None = None, units: np.ndarray | None = None
) -> np.ndarray:
    """Each household's spending on the goods this month (EUR); `units` held, if known."""
    if rent_uses is None:
        rent_uses = rented_uses(model.households)
    own = model.units_held() if units is None else units
    own_cost, rent_price, rent_access, share_access = spending_prices(model)
    total = own * own_cost if np.ndim(own_cost) == 2 else times_by_good(own, own_cost)
    # Renting is rare: its spending is added at the renting pairs only (elsewhere it adds zero).
    renting = np.flatnonzero(rent_uses != 0)
    rows, cols = np.divmod(renting, total.shape[1])
    shape = total.shape
    total.reshape(-1)[renting] += rent_uses.reshape(-1)[renting] * (
        np.broadcast_to(rent_price, shape)[rows, cols]
        + np.broadcast_to(rent_access, shape)[rows, cols]
    )
    if market is not None:
        if np.ndim(share_access) == 2:
            share_access = take_rows(share_access, market.rows)
        paid = market.borrower_paid_eur + market.served * share_access - market.lender_income_eur
        put_rows(total, market.rows, take_rows(total, market.rows) + paid)  # rows: each once
    return sum_over_goods(total)


def tally_by_zone(model) -> ZoneTally:
    """Count, by zone and good, the households in each mode, lending and holding several units:
    one `bincount` of a code per household and good (counts are integers, exact in any order)."""
    hh, goods = model.households, model.goods
    zones, goods_count = model.zone_count, len(goods.names)
    coded = hh.mode + (~hh.need).view(np.int8) * np.int8(NOT_NEEDED_CODE)
    code = coded + hh.lending.view(np.int8) * np.int8(LENDING_CODE)
    several_flags = None
    if goods.multi_unit.any():
        several_flags = hh.extra & (coded == Mode.OWN)
        several_flags[:, ~goods.multi_unit] = False
        code += several_flags.view(np.int8) * np.int8(SEVERAL_CODE)
    counts = np.bincount(
        (model.zone_good_index * CODES + code).ravel(), minlength=zones * goods_count * CODES
    )
    return tally_of_counts(counts, zones, goods_count, coded, several_flags)
