"""The posterior sampled by MCMC on emulators: a known answer, its effective size, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from experiments.calibrate import Emulators, log_likelihood
from experiments.posterior import sample_posterior, starting_points

TRUTH = np.array([0.35, 0.7])
SD = np.array([0.01, 0.02])


def toy_emulators() -> Emulators:
    """Gaussian processes fitted to a known function of the unit square: each target reads one
    coordinate, so the posterior is the product of two Gaussians around the truth."""
    unit = qmc.LatinHypercube(2, seed=3).random(30)
    means = np.column_stack([unit[:, 0], 0.5 * unit[:, 1] + 0.25])
    return Emulators(unit, means, np.zeros_like(means), seed=3)


def toy_chain(seed: int):
    emulators = toy_emulators()
    observed = np.array([TRUTH[0], 0.5 * TRUTH[1] + 0.25])
    density = log_likelihood(emulators, observed, SD * np.array([1.0, 0.5]))
    candidates = qmc.Sobol(2, scramble=True, seed=seed).random(1024)
    return sample_posterior(
        density,
        starting_points(density, candidates, 16),
        steps=300,
        max_steps=6000,
        min_effective=200,
        seed=seed,
    )


def test_the_emulator_posterior_of_a_known_function_rests_on_200_effective_samples():
    chain = toy_chain(seed=11)

    assert chain.effective_samples >= 200
    assert chain.reliable  # longer than 50 autocorrelation times
    assert 0.2 < chain.acceptance < 0.9
    mean, sd = chain.draws.mean(axis=0), chain.draws.std(axis=0)
    np.testing.assert_allclose(mean, TRUTH, atol=0.25 * SD.max())
    np.testing.assert_allclose(sd, SD, rtol=0.3)  # the width of the known posterior


def test_the_chain_is_the_same_for_a_seed_and_differs_with_another():
    first, again, other = toy_chain(seed=11), toy_chain(seed=11), toy_chain(seed=12)

    np.testing.assert_array_equal(first.draws, again.draws)
    assert first.effective_samples == again.effective_samples
    assert not np.array_equal(first.draws[:100], other.draws[:100])
    for dimension in range(2):  # two seeds: overlapping 95 % intervals
        low_a, high_a = np.quantile(first.draws[:, dimension], [0.025, 0.975])
        low_b, high_b = np.quantile(other.draws[:, dimension], [0.025, 0.975])
        assert low_a <= high_b and low_b <= high_a


def test_a_chain_that_cannot_reach_its_effective_size_says_so_instead_of_raising():
    emulators = toy_emulators()
    density = log_likelihood(emulators, np.array([0.5, 0.5]), np.array([0.2, 0.2]))
    start = starting_points(density, qmc.Sobol(2, seed=1).random(256), 8)

    chain = sample_posterior(density, start, steps=60, max_steps=60, min_effective=10_000, seed=1)

    assert chain.steps == 60
    assert chain.effective_samples < 10_000
    assert chain.effective_samples == pytest.approx(
        8 * (60 - chain.burn_in) / chain.autocorrelation_steps.max()
    )


def test_the_emulators_predict_as_scikit_learn_does():
    emulators = toy_emulators()
    points = qmc.Sobol(2, seed=4).random(64)

    means, variances = emulators.predict(points)

    for i, gp in enumerate(emulators.models):
        mean, sd = gp.predict(points, return_std=True)
        np.testing.assert_allclose(means[:, i], mean, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(variances[:, i], sd**2, rtol=1e-6, atol=1e-12)


def curved(points: np.ndarray) -> np.ndarray:
    """A curved ridge in the unit cube, its third parameter squeezed against the box's edge: the
    shape of an emulator likelihood of many targets, where emcee's default stretch move mixes so
    slowly (about 240 steps per autocorrelation time here) that 8 000 steps are not 50 times."""
    ridge = (points[:, 1] - 0.3 - 2 * (points[:, 0] - 0.5) ** 2) / 0.02
    along = (points[:, 0] - 0.5) / 0.2
    edge = points[:, 2] / 0.05
    return -0.5 * (ridge**2 + along**2 + edge**2)


def test_a_curved_posterior_against_the_box_converges_as_emcee_advises_within_the_stated_max():
    start = starting_points(curved, qmc.Sobol(3, scramble=True, seed=1).random(1024), 16)

    chain = sample_posterior(curved, start, steps=500, max_steps=8000, min_effective=200, seed=1)

    assert chain.reliable and chain.effective_samples >= 200
    assert chain.steps < chain.max_steps == 8000
    assert chain.long_enough  # at least 50 autocorrelation times
    assert chain.tau_change < 0.01  # the times no longer move between two checks
    assert abs(chain.draws[:, 0].mean() - 0.5) < 0.05  # the ridge is symmetric about 0.5


def test_a_chain_stopped_by_its_max_before_converging_is_not_reliable():
    start = starting_points(curved, qmc.Sobol(3, scramble=True, seed=1).random(1024), 16)

    chain = sample_posterior(curved, start, steps=300, max_steps=400, min_effective=200, seed=1)

    assert chain.steps == 400 and not chain.reliable
