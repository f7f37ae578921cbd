"""Validation check: the Bass limit (`check_bass`).

In a well-mixed territory where a household shares as soon as it is aware, the
share F(t) of adopters among the households needing a good must follow the
discrete Bass curve
F(t+1) = F(t) + (p + q F(t)) (1 - F(t)), F(0) = 0, for several (p, q).
Tolerance, from the population size N (households needing the good): given
F(t), the month's new adopters are Binomial(N (1 - F), p + q F), so the
simulated curve scatters around the Bass curve with a standard deviation
sigma(t) that the linear noise approximation gives exactly to first order:
    V(t+1) = G'(F_t)^2 V(t) + (1 - F_t) h_t (1 - h_t) / N,   V(0) = 0,
with h_t = p + q F_t and G'(F) = 1 - p + q - 2 q F (early deviations are
amplified by word of mouth, later ones damped by saturation). sigma(t) is of
the order of the binomial error sqrt(F (1 - F) / N) times a factor of 1 to 3.
Where only a few households are left to adopt (the first and last months)
counts are not Gaussian and sigma(t) falls below one household: the resolution
of one household, 1/N, is added in quadrature. The mean of R replications must
stay within 4 sigma(t) / sqrt(R) of the curve at every month and for every
good (about 100 correlated comparisons: a false alarm rate below 1 %, by
Bonferroni), and each month's increment, given the simulated F(t), must have a
binomial z-score below 4.5 (its standard deviation, too, at least one
household).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.validation.seeds import replication_seeds
from model.model import TerritoryModel

VALIDATION = Path(__file__).resolve().parents[2] / "scenarios" / "validation"
BASS_SCENARIO = VALIDATION / "bass.toml"

BASS_PARAMETERS = ((0.03, 0.38), (0.01, 0.5), (0.05, 0.2), (0.005, 0.8))
BASS_Z_LIMIT = 4.0  # mean curve vs Bass curve, in standard errors
INCREMENT_Z_LIMIT = 4.5  # one month's new adopters given F(t), in binomial standard errors


def bass_curve(p: float, q: float, months: int, start: float = 0.0) -> np.ndarray:
    """The discrete Bass curve F(0..months)."""
    share = np.empty(months + 1)
    share[0] = start
    for t in range(months):
        f = share[t]
        share[t + 1] = f + min(1.0, p + q * f) * (1 - f)
    return share


def bass_sigma(p: float, q: float, months: int, population: int) -> np.ndarray:
    """Standard deviation of one run's F(t) around the Bass curve (linear noise approximation).

    Use `bass_tolerance` for checks: it adds the resolution of one household.
    """
    curve = bass_curve(p, q, months)
    variance = np.zeros(months + 1)
    for t in range(months):
        f = curve[t]
        h = min(1.0, p + q * f)
        slope = 1 - p + q - 2 * q * f
        variance[t + 1] = slope**2 * variance[t] + (1 - f) * h * (1 - h) / population
    return np.sqrt(variance)


def bass_tolerance(p: float, q: float, months: int, population: int) -> np.ndarray:
    """sigma(t) of one run, with one household's worth (1/N) added in quadrature."""
    return np.hypot(bass_sigma(p, q, months, population), 1.0 / population)


@dataclass
class BassRun:
    shares: np.ndarray  # (months + 1, goods) share of adopters
    needing: np.ndarray  # (goods,) households needing each good
    goods: list[str]


def run_bass(
    model_class, scenario, p: float, q: float, households: int, months: int, seed: int
) -> BassRun:
    """One run in the Bass limit; the share of adopters of each good, month by month."""
    overrides = {"behaviour.awareness_p": p, "behaviour.awareness_q": q}
    kwargs = {"agents": False} if model_class is TerritoryModel else {}
    model = model_class(
        scenario, households=households, months=months, seed=seed, overrides=overrides, **kwargs
    )
    model.run()
    goods = list(model.goods.names)
    shares = np.array([[row[f"{g}.share"] for g in goods] for row in model.series])
    if model_class is TerritoryModel:
        needing = model.households.need.sum(axis=0)
    else:
        needing = np.array([sum(p.need[g] for p in model.people) for g in range(len(goods))])
    return BassRun(shares, needing, goods)


def check_bass(
    p: float,
    q: float,
    *,
    households: int,
    months: int,
    replications: int,
    seed: int = 1,
    model_class=TerritoryModel,
    scenario=BASS_SCENARIO,
    compare_q: float | None = None,
) -> dict:
    """Compare the mean adoption curve of `replications` runs with the Bass curve for (p, q).

    `compare_q` compares with the curve of another q instead (to show that the check can fail).
    """
    runs = [
        run_bass(model_class, scenario, p, q, households, months, s)
        for s in replication_seeds(seed, replications)
    ]
    goods = runs[0].goods
    needing = np.mean([r.needing for r in runs], axis=0)
    stacked = np.stack([r.shares for r in runs])  # (R, months + 1, goods)
    mean = stacked.mean(axis=0)
    expected = bass_curve(p, q if compare_q is None else compare_q, months)
    worst_z, worst_increment_z = 0.0, 0.0
    per_good = {}
    for g, good in enumerate(goods):
        sigma = bass_tolerance(p, q, months, int(needing[g])) / math.sqrt(replications)
        z = (mean[:, g] - expected) / sigma
        increment_z = max(_increment_z(r.shares[:, g], p, q, int(r.needing[g])) for r in runs)
        per_good[good] = {
            "needing": int(needing[g]),
            "max_abs_error": float(np.abs(mean[:, g] - expected).max()),
            "max_sigma": float(sigma.max()),
            "max_abs_z": float(np.abs(z).max()),
            "max_increment_z": increment_z,
        }
        worst_z = max(worst_z, per_good[good]["max_abs_z"])
        worst_increment_z = max(worst_increment_z, increment_z)
    return {
        "p": p,
        "q": q,
        "households": households,
        "months": months,
        "replications": replications,
        "model": model_class.__name__,
        "goods": per_good,
        "mean": mean,
        "expected": expected,
        "goods_order": goods,
        "max_abs_z": worst_z,
        "max_increment_z": worst_increment_z,
        "passed": worst_z <= BASS_Z_LIMIT and worst_increment_z <= INCREMENT_Z_LIMIT,
    }


def _increment_z(shares: np.ndarray, p: float, q: float, needing: int) -> float:
    """Largest |z| of a month's new adopters against Binomial(N (1 - F), p + q F), given F(t)."""
    adopters = np.rint(shares * needing)
    f = adopters[:-1] / needing
    h = np.minimum(1.0, p + q * f)
    left = needing - adopters[:-1]
    expected = left * h
    sd = np.sqrt(left * h * (1 - h) + 1.0)  # at least one household
    new = adopters[1:] - adopters[:-1]
    return float(np.abs((new - expected) / sd).max())
