"""The validation checks of `partage validate`, at small size.

Tolerances come from the population size: in the Bass limit the share of
adopters of one run scatters around the Bass curve with a standard deviation
sigma(t) of the order of the binomial error sqrt(F (1 - F) / N) (propagated by
the linear noise approximation, `bass_sigma`); the mean of R runs must stay
within 4 sigma(t) / sqrt(R) at every month (sigma(t) never below one
household, 1/N, where counts are too small to be Gaussian), and each month's
new adopters within 4.5 binomial standard errors of their expectation given F(t).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.validation.bass import (
    BASS_Z_LIMIT,
    bass_curve,
    bass_sigma,
    bass_tolerance,
    check_bass,
)


def test_bass_curve_is_the_discrete_recursion():
    p, q = 0.03, 0.38
    curve = bass_curve(p, q, 3)
    assert curve[0] == 0
    assert curve[1] == pytest.approx(p)
    assert curve[2] == pytest.approx(p + (p + q * p) * (1 - p))
    assert np.all(np.diff(bass_curve(p, q, 60)) > 0) and bass_curve(p, q, 200)[-1] == pytest.approx(
        1.0
    )


def test_bass_sigma_starts_as_a_binomial_error():
    p, q, n = 0.03, 0.38, 10_000
    sigma = bass_sigma(p, q, 40, n)
    assert sigma[0] == 0
    assert sigma[1] == pytest.approx(math.sqrt(p * (1 - p) / n))
    # Word of mouth amplifies early noise: later errors exceed the plain binomial error at F.
    curve = bass_curve(p, q, 40)
    t = int(np.argmin(np.abs(curve - 0.5)))
    assert sigma[t] > math.sqrt(0.25 / n)
    assert sigma[t] < 5 * math.sqrt(0.25 / n)


def test_bass_tolerance_never_falls_below_one_household():
    n = 5_000
    tolerance = bass_tolerance(0.01, 0.5, 60, n)
    assert tolerance.min() >= 1 / n
    assert tolerance[-1] == pytest.approx(1 / n, rel=1e-3)  # saturated: only discreteness is left


@pytest.mark.parametrize("p, q", [(0.03, 0.38), (0.01, 0.5), (0.05, 0.2)])
def test_bass_limit_follows_the_discrete_bass_curve(p, q):
    result = check_bass(p, q, households=3_000, months=25, replications=2)
    assert result["passed"], result["goods"]
    assert result["max_abs_z"] <= BASS_Z_LIMIT


def test_bass_check_fails_against_the_wrong_curve():
    # Simulated with q = 0.38, compared with q = 0.30: the check must notice.
    result = check_bass(0.03, 0.38, households=3_000, months=25, replications=2, compare_q=0.30)
    assert not result["passed"]
