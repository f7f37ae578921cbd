"""What households learn from the market, in one compiled pass over its rows, is what the numpy
expressions it replaced made of it: the same expectations to the bit."""

from __future__ import annotations

import numpy as np

from model.households import put_rows, take_rows
from model.learning import _learn_from_market
from tests.model.numpy_month import learn_toward


def test_the_expectations_learnt_in_one_pass_are_those_of_the_numpy_expressions():
    rng = np.random.default_rng(31)
    n, goods, m = 3000, 3, 900
    rows = np.sort(rng.choice(n, m, replace=False))

    def sometimes_zero(shape, scale):
        values = rng.gamma(2.0, scale, shape)
        values[rng.random(shape) < 0.4] = 0.0
        return values

    demand, served = sometimes_zero((m, goods), 3.0), sometimes_zero((m, goods), 2.0)
    price_paid = sometimes_zero((m, goods), 1.5)
    used_informal, used_platform = sometimes_zero((m, goods), 1.0), sometimes_zero((m, goods), 1.0)
    capacity = sometimes_zero((m, goods), 4.0)
    state = [rng.random((n, goods)), rng.gamma(2.0, 2.0, (n, goods)), rng.random((n, goods)) < 0.2]
    state.append(rng.random((n, goods)))
    rate = 0.3

    availability, expected_price, tried, utilization = (array.copy() for array in state)
    asked = demand > 0
    met = np.divide(served, demand, out=np.zeros(served.shape), where=asked)
    learn_toward(availability, rows, met, rate * asked)
    got = served > 0
    learn_toward(expected_price, rows, price_paid, rate * got)
    put_rows(tried, rows, take_rows(tried, rows) | got)
    used = used_informal + used_platform
    offered = capacity > 0
    seen = np.divide(used, capacity, out=np.zeros(used.shape), where=offered)
    learn_toward(utilization, rows, seen, rate * offered)

    updated = [array.copy() for array in state]
    got_here, used_here = _learn_from_market(
        rows, served, demand, price_paid, used_informal, used_platform, capacity, rate, *updated
    )
    for name, want, have in zip(
        ["availability", "expected price", "tried", "utilization", "got", "used"],
        [availability, expected_price, tried, utilization, got, used],
        [*updated, got_here, used_here],
        strict=True,
    ):
        assert have.dtype == want.dtype and have.tobytes() == want.tobytes(), name
