"""The decision: own, rent, share or forgo a good, and whether an owner lends it.

Monthly cost of each mode for a household and a good:
- own:   purchase / lifetime + fixed cost + ownership fee - expected lending income
- rent:  uses x (rental price - rental support + zone's rental access cost - access support)
- share: uses x [availability x (expected price - subsidy + share access cost - access support)
                 + (1 - availability) x value of an unmet use]
- forgo: uses x value of an unmet use

Utility of a mode = - price_weight x cost / income
                    + convenience (own, rent; share scaled by expected availability, plus bonuses)
                    - risk_weight x (1 - trust) x perceived risk   (share only)
                    + social_weight x share of ties sharing or lending the good (share only)
                    - environment_weight x concern x embodied kg CO2e per month attributable
                    + habit bonus for the current mode.
Attributable emissions: an owned good's embodied emissions over its lifetime;
a rented or shared use, that amount times uses / capacity of a pooled unit.

The choice is multinomial logit (Gumbel-max) over the modes available: sharing
needs awareness and a channel (digital access for the platform, a lending tie,
or an eligible community pool).

Lending: an aware owner lends when the logit of (expected income relative to
income - hassle - risk + social influence) against not lending says so.
"""

from __future__ import annotations

import numpy as np

from .households import Mode

N_MODES = len(Mode)


def gumbel(rng: np.random.Generator, shape) -> np.ndarray:
    return -np.log(-np.log(rng.random(shape)))


def mode_utilities(
    *,
    behaviour,
    income: np.ndarray,
    concern: np.ndarray,
    trust: np.ndarray,
    uses: np.ndarray,
    current: np.ndarray,
    own_cost: np.ndarray,
    rent_cost_per_use: np.ndarray,
    share_cost_per_use: np.ndarray,
    forgo_per_use: np.ndarray,
    availability: np.ndarray,
    share_bonus: np.ndarray,
    risk: np.ndarray,
    social: np.ndarray,
    own_emissions: np.ndarray,
    use_emissions: np.ndarray,
) -> np.ndarray:
    """Utilities, shape (n, 4) in Mode order, for n household-good pairs."""
    b = behaviour
    unmet = uses * forgo_per_use
    cost = np.empty((uses.size, N_MODES))
    cost[:, Mode.OWN] = own_cost
    cost[:, Mode.RENT] = uses * rent_cost_per_use
    cost[:, Mode.SHARE] = availability * uses * share_cost_per_use + (1 - availability) * unmet
    cost[:, Mode.FORGO] = unmet
    utility = -b.price_weight * cost / income[:, None]
    utility[:, Mode.OWN] += b.convenience_own - b.environment_weight * concern * own_emissions
    utility[:, Mode.RENT] += b.convenience_rent - b.environment_weight * concern * use_emissions
    utility[:, Mode.SHARE] += (
        b.convenience_share * availability
        + share_bonus
        - b.risk_weight * (1 - trust) * risk
        + b.social_weight * social
        - b.environment_weight * concern * use_emissions
    )
    if current is not None:
        utility[np.arange(uses.size), current] += b.habit_bonus
    return utility


def choose(utility: np.ndarray, available: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Multinomial logit draw: argmax of scaled utility plus Gumbel noise over available modes."""
    noisy = scale * utility + gumbel(rng, utility.shape)
    noisy[~available] = -np.inf
    return np.argmax(noisy, axis=1).astype(np.int8)


def lend_decision(
    *,
    behaviour,
    income: np.ndarray,
    trust: np.ndarray,
    expected_income: np.ndarray,
    risk: np.ndarray,
    social: np.ndarray,
    lending_now: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Binary logit: True where the owner lends."""
    b = behaviour
    lend = (
        b.price_weight * expected_income / income
        - b.lend_hassle
        - b.risk_weight * (1 - trust) * risk
        + b.social_weight * social
        + b.habit_bonus * lending_now
    )
    keep_out = b.habit_bonus * ~lending_now
    n = lend.size
    return b.logit_scale * lend + gumbel(rng, n) > b.logit_scale * keep_out + gumbel(rng, n)
