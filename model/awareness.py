"""Awareness and digital access: who knows a good can be shared, and who can reach the platform.

Rules, each month:
- Awareness (Bass 1969, discrete form): a household needing a good and not yet
  aware that it can be shared learns it with probability
  min(1, p + q x share of its ties sharing or lending the good), where
  p = `behaviour.awareness_p` plus the `extra_awareness_p` of awareness
  campaigns reaching it (media), and q = `behaviour.awareness_q` (word of
  mouth). In a well-mixed territory the share of ties is the territory's share.
  Awareness is never lost.
- Digital inclusion: where a `digital_inclusion` policy is active, each
  offline household it reaches gains digital access with probability
  `trained_share_per_month`, at `eur_per_trainee` to the public. Access is never
  lost. Platform sharing needs digital access; sharing through ties and pools
  does not (see `choice`).
"""

from __future__ import annotations

import numba
import numpy as np

from .households import HouseholdState, pairs
from .network import ShareOfTies
from .policies import Effects, per_household
from .scenario import Behaviour


def spread_awareness(
    households: HouseholdState,
    social: np.ndarray,
    behaviour: Behaviour,
    effects: Effects,
    rng: np.random.Generator,
) -> np.ndarray:
    """Make households aware (in place) by media and word of mouth; returns the (N, G) flags of
    those who learnt this month."""
    hh = households
    p = behaviour.awareness_p + per_household(effects.extra_awareness_p, hh.zq)
    if isinstance(social, ShareOfTies):  # through ties: one compiled pass over the pairs drawn for
        flat = np.flatnonzero(hh.need & ~hh.aware)  # only those who could learn are drawn for
        draws = rng.random(flat.size)
        newly_aware = np.zeros(hh.need.shape, dtype=bool)
        _learn_at(
            flat,
            np.asarray(p, dtype=np.float64).reshape(-1, hh.need.shape[1]),
            float(behaviour.awareness_q),
            np.ascontiguousarray(social.active_ties),
            social.inverse_degree,
            draws,
            newly_aware,
        )
        hh.aware |= newly_aware
        return newly_aware
    rows, cols = pairs(hh.need & ~hh.aware)
    p = p[rows, cols] if np.ndim(p) == 2 else p[cols]
    chance = np.minimum(1.0, p + behaviour.awareness_q * social[rows, cols])
    learnt = rng.random(rows.size) < chance
    newly_aware = np.zeros(hh.need.shape, dtype=bool)
    newly_aware[rows[learnt], cols[learnt]] = True
    hh.aware |= newly_aware
    return newly_aware


@numba.njit(cache=True, nogil=True)
def _learn_at(flat, p, q, active_ties, inverse_degree, draws, newly_aware):  # pragma: no cover
    """For each pair drawn for (flat index row x G + good, in order; `p` has one row per household,
    or one for all): chance = np.minimum(1.0, p + q x active_ties x inverse_degree), learnt where
    its draw is below (the same operations on the same floats as the numpy expression, without its
    arrays of pairs)."""
    goods = newly_aware.shape[1]
    for k in range(flat.size):
        i = flat[k] // goods
        g = flat[k] - i * goods
        x = p[i if p.shape[0] > 1 else 0, g] + q * (active_ties[i, g] * inverse_degree[i])
        chance = 1.0 if x >= 1.0 else x
        if draws[k] < chance:
            newly_aware[i, g] = True


def train_offline_households(
    households: HouseholdState, effects: Effects, rng: np.random.Generator
) -> np.ndarray | None:
    """Give digital access (in place) to the offline households trained this month; returns the
    public cost of each household's training (EUR), or None when no one is trained."""
    if not effects.digital_training_share.any():
        return None
    hh = households
    trained = ~hh.digital & (
        rng.random(hh.size) < per_household(effects.digital_training_share, hh.zq)
    )
    hh.digital |= trained
    return per_household(effects.eur_per_trainee, hh.zq) * trained
