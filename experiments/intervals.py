"""Intervals over replications: Student intervals of means, paired bootstrap intervals of ratios.

Both the comparison engine (`experiments.compare`) and sweep summaries
(`experiments.sweep.point_summary`) report a mean over replications with a 95 %
interval; cost-effectiveness divides two paired mean differences, whose
interval comes from resampling the replications (the pairs stay together).
The bootstrap has a fixed seed, so a table is the same each time it is written.

An outcome with a known range (a count is never negative, a share lies in
0..1: `model.outcomes`) gets its Student interval intersected with that range:
the true mean lies in the range for certain, so the cut interval covers it at
least as often as the whole one, and no table shows a negative count. The cut is
reported (`bounded_mean_interval` returns it), never hidden.
"""

from __future__ import annotations

import math

import numpy as np

BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20130702


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student interval; the interval is NaN with fewer than two values."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean()) if len(values) else math.nan
    if len(values) < 2:
        return mean, math.nan, math.nan
    from scipy import stats

    half = (
        stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    )
    return mean, mean - half, mean + half


def bounded_mean_interval(
    values: np.ndarray,
    bounds: tuple[float | None, float | None] = (None, None),
    level: float = 0.95,
) -> tuple[float, float, float, bool]:
    """Mean and Student interval cut to `bounds` (low, high; None = open); the last item says
    whether the interval was cut."""
    mean, low, high = mean_interval(values, level)
    floor, ceiling = bounds
    cut = False
    if floor is not None and low < floor:
        low, cut = float(floor), True
    if ceiling is not None and high > ceiling:
        high, cut = float(ceiling), True
    return mean, low, high, cut


def ratio_interval(numerator: np.ndarray, denominator: np.ndarray, level: float = 0.95):
    """Ratio of mean paired differences with a paired bootstrap interval over replications."""
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    if denominator.mean() <= 0:
        return math.nan, math.nan, math.nan
    ratio = numerator.mean() / denominator.mean()
    if len(numerator) < 2:
        return ratio, math.nan, math.nan
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    picks = rng.integers(0, len(numerator), size=(BOOTSTRAP_RESAMPLES, len(numerator)))
    num, den = numerator[picks].mean(axis=1), denominator[picks].mean(axis=1)
    if (den <= 0).mean() > (1 - level) / 2:  # the denominator may be zero: no finite bound
        return ratio, math.nan, math.inf
    ratios = num[den > 0] / den[den > 0]
    low, high = np.quantile(ratios, [(1 - level) / 2, 0.5 + level / 2])
    return ratio, float(low), float(high)
