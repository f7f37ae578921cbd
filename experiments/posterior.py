"""A posterior sampled by MCMC on a cheap log density (the emulators'), with its effective size.

Rules:
- The sampler is emcee's affine-invariant ensemble sampler (Goodman & Weare
  2010; Foreman-Mackey et al. 2013), on the unit cube of the prior box: the
  prior is uniform, a point outside the cube has probability zero.
- The walkers start at the most probable distinct points of a Sobol sample of
  the cube, i.e. where the emulators say the plausible region is, so no time is
  spent climbing out of regions the data rule out.
- The moves are emcee's differential-evolution mixture (80 % DEMove, 20 %
  DESnookerMove, as emcee's documentation advises for posteriors that are not
  Gaussian); a emulator likelihood of many targets is often curved or
  squeezed against the prior box, where the default stretch move mixes slowly.
- The effective sample size is the number of draws kept divided by the
  integrated autocorrelation time (emcee's estimator, Sokal's window with
  c = 5), taking the slowest parameter. The first `burn_in_taus` times that
  time are discarded as burn-in.
- The chain runs `steps` steps, then on, checking every 100 steps, until it has
  converged in emcee's documented sense (its length is at least 50
  autocorrelation times, and the estimated times changed by less than 1 %
  since the previous check) and holds
  `min_effective` effective samples, or until `max_steps` steps per walker;
  what it reaches is reported, never raised (`reliable`).
- All randomness comes from one `numpy.random.RandomState` seeded by the
  caller: the same seed and density give the same chain, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BURN_IN_TAUS = 3
RELIABLE_TAUS = 50  # emcee's advice: a chain longer than 50 autocorrelation times
STABLE_TAU = 0.01  # emcee's advice: the estimated times change by less than 1 % between checks
CHECK_EVERY = 100  # steps between two checks, as in emcee's documentation


@dataclass
class PosteriorChain:
    """Draws of the posterior (burn-in discarded, thinned) and what says how far to trust them."""

    draws: np.ndarray  # (draws, dimensions), unit cube
    effective_samples: float
    autocorrelation_steps: np.ndarray  # per dimension
    acceptance: float  # mean acceptance fraction of the walkers
    steps: int  # per walker, burn-in included
    burn_in: int
    walkers: int
    tau_change: float = math.inf  # largest relative change of the times since the previous block
    max_steps: int = 0  # the most steps per walker it was allowed

    @property
    def long_enough(self) -> bool:
        """Whether the chain is longer than 50 of its autocorrelation times."""
        return self.steps >= RELIABLE_TAUS * float(np.max(self.autocorrelation_steps))

    @property
    def reliable(self) -> bool:
        """Whether the chain has converged in emcee's sense: long enough, and its autocorrelation
        times no longer moving (so that its effective sample size can be trusted)."""
        return self.long_enough and self.tau_change < STABLE_TAU


def starting_points(
    log_density: Callable[[np.ndarray], np.ndarray], candidates: np.ndarray, walkers: int
) -> np.ndarray:
    """The `walkers` most probable distinct candidates (unit cube)."""
    values = log_density(candidates)
    order = np.argsort(-np.where(np.isfinite(values), values, -np.inf), kind="stable")
    return candidates[order[:walkers]]


def sample_posterior(
    log_density: Callable[[np.ndarray], np.ndarray],
    start: np.ndarray,
    *,
    steps: int,
    max_steps: int,
    min_effective: int,
    seed: int,
) -> PosteriorChain:
    """Run emcee from `start` (walkers x dimensions) until `min_effective` effective samples or
    `max_steps`. `log_density` takes an array of points and returns their log densities."""
    import emcee
    from threadpoolctl import threadpool_limits

    walkers, dimensions = start.shape

    def bounded(points: np.ndarray) -> np.ndarray:
        inside = np.all((points >= 0) & (points <= 1), axis=1)
        values = np.full(len(points), -np.inf)
        if inside.any():
            values[inside] = log_density(points[inside])
        return np.where(np.isfinite(values), values, -np.inf)

    sampler = emcee.EnsembleSampler(
        walkers,
        dimensions,
        bounded,
        vectorize=True,
        moves=[(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)],
    )
    sampler.random_state = np.random.RandomState(seed % 2**32).get_state()
    previous = np.full(dimensions, np.inf)
    with threadpool_limits(1):  # small matrices: BLAS threads only add contention
        state = sampler.run_mcmc(start, steps, progress=False)
        while True:
            chain = sampler.get_chain()
            tau = emcee.autocorr.integrated_time(chain, tol=0, quiet=True)
            tau = np.where(np.isfinite(tau), tau, len(chain))
            change = float(np.max(np.abs(previous - tau) / tau))
            burn_in = min(len(chain) // 2, math.ceil(BURN_IN_TAUS * float(tau.max())))
            effective = walkers * (len(chain) - burn_in) / float(tau.max())
            converged = len(chain) >= RELIABLE_TAUS * float(tau.max()) and change < STABLE_TAU
            if (effective >= min_effective and converged) or len(chain) + CHECK_EVERY > max_steps:
                break
            previous = tau
            state = sampler.run_mcmc(state, CHECK_EVERY, progress=False)
    thin = max(1, math.floor(float(tau.max()) / 2))
    draws = sampler.get_chain(discard=burn_in, thin=thin, flat=True)
    return PosteriorChain(
        draws=draws,
        effective_samples=float(effective),
        autocorrelation_steps=tau,
        acceptance=float(np.mean(sampler.acceptance_fraction)),
        steps=len(chain),
        burn_in=burn_in,
        walkers=walkers,
        tau_change=change,
        max_steps=max_steps,
    )
