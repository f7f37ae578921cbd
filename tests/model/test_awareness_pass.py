"""Awareness spread through ties by one compiled pass learns exactly what the numpy expressions
it replaced learnt: the same pairs drawn for, the same draws, the same chances to the bit."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model.awareness import spread_awareness
from model.network import ShareOfTies


def numpy_spread(need, aware, p, q, share, draws):
    """The numpy expressions as they were written before the compiled pass."""
    rows, cols = np.divmod(np.flatnonzero(need & ~aware), need.shape[1])
    p = p[rows, cols] if np.ndim(p) == 2 else p[cols]
    chance = np.minimum(1.0, p + q * share[rows, cols])
    learnt = draws[: rows.size] < chance
    newly = np.zeros(need.shape, dtype=bool)
    newly[rows[learnt], cols[learnt]] = True
    return newly


@pytest.mark.parametrize("by_zone", [False, True])
def test_awareness_through_ties_learns_what_numpy_learnt(by_zone):
    rng = np.random.default_rng(21)
    n, goods, zq = 4000, 3, 10
    need = rng.random((n, goods)) < 0.7
    aware = rng.random((n, goods)) < 0.3
    degree = rng.integers(0, 12, n).astype(np.float64)
    inverse = np.divide(1.0, degree, out=np.zeros(n), where=degree > 0)
    active = np.floor(rng.random((n, goods)) * (degree[:, None] + 1))
    extra = rng.uniform(0, 0.3, (zq, 5, goods)) if by_zone else np.zeros((zq, 5, goods))
    household_zq = rng.integers(0, zq * 5, n)
    q = 0.4
    for p_base in (0.01, 0.9):  # chances above 1 are held at 1
        behaviour = SimpleNamespace(awareness_p=p_base, awareness_q=q)
        effects = SimpleNamespace(extra_awareness_p=extra)
        households = SimpleNamespace(need=need, aware=aware.copy(), zq=household_zq)
        p = p_base + (extra.reshape(-1, goods)[household_zq] if by_zone else extra[0, 0])
        draws = np.random.default_rng(5).random(need.size)
        expected = numpy_spread(need, aware, p, q, active * inverse[:, None], draws)
        got = spread_awareness(
            households,
            ShareOfTies(active, inverse),
            behaviour,
            effects,
            np.random.default_rng(5),
        )
        assert np.array_equal(got, expected)
        assert np.array_equal(households.aware, aware | expected)
