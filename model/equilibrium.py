"""Month 0 as the model's own equilibrium: stationary shares, the constants that hold them, and the
households' modes at month 0 drawn from them.

Rules:
- Each household-good pair needing the good is a Markov chain over five states: owning one
  unit, owning several (`max_units = 2`), renting, sharing, forgoing. An owner reconsiders at
  the monthly rate 1 / lifetime + `life_event_rate` (one holding several reconsiders its extra
  units, and gives those up first); others at 1 / `reconsider_months`. Each choice is the
  model's own logit (`model.choice`: the same utilities, habit bonus on the current state),
  under today's state (availability, prices, fleets of today open, no influence of ties) and
  the awareness of the long run: every household knows that it can share (awareness only
  grows, `awareness_p` > 0), through a pool or a platform. Its stationary distribution solves
  pi T = pi, pair by pair (a batched 5 x 5 linear solve).
- Constants (`[constants]` of a scenario, by good and zone): utility added to owning, to
  sharing and to holding extra units, solved by fixed-point iteration on the logit shares
  (Berry 1994's contraction): constant += logit(observed) - logit(stationary), until each
  zone's stationary share of owners, of subscribers of a fleet of today and of owners holding
  several equals the observed one. They absorb what the model does not explain of today's
  levels (parking, public transport, habits of a place); the behavioural weights still explain
  responses to change (prices, supply, trust, ties).
- Month 0: in each zone, as many owners as observed (`initial_own_share` of the needing
  households), drawn with probability in proportion to each pair's stationary share of owning
  (weighted sampling without replacement, Efraimidis & Spirakis 2006); among them, as many
  holding several as observed, in proportion to their stationary share of holding several;
  the subscribers of today's fleets among the non-owners likewise; the others rent or forgo in
  proportion to their stationary shares. So month 0 is a draw from the equilibrium, not the
  households the weights like best. Aware owners lend with `initial_lend_share`; owned goods get
  an age drawn uniformly over their lifetime.
"""

from __future__ import annotations

import numba
import numpy as np

from .choice import utilities_of_pairs
from .households import GoodTable, HouseholdState, Mode
from .policies import Effects
from .scenario import Behaviour

SEVERAL = 4  # the fifth state: owning more than one unit
STATES = 5
TARGET_CLIP = 0.002  # observed shares of 0 or 1 are held this far from the bounds
DAMPING = 0.7
REST_MIN = (
    0.01  # a zone where all needing households own or subscribe keeps 1 % renting or forgoing
)
CONSTANT_LIMIT = 30.0
CHUNK = 200_000  # household-good pairs solved at once


def _softmax_rows(x: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Softmax over the last, short axis among the available entries: the same values as
    `exp(x - max(axis=-1)) / sum(axis=-1)` with unavailable entries at -inf, where a short row's
    sum adds its floats in order from +0.0 (`reporters.row_sums`). The masking, the largest entry
    and the sums run as compiled loops over the rows, the exponential in numpy as before."""
    width = x.shape[-1]
    assert width < 8, "numpy adds rows of 8 floats or more pairwise"
    rows = np.ascontiguousarray(x).reshape(-1, width)
    flags = np.broadcast_to(available, x.shape).reshape(-1, width)
    e = np.exp(_masked_minus_largest(rows, flags))
    _divide_by_row_sums(e)
    return e.reshape(x.shape)


@numba.njit(cache=True, nogil=True)
def _masked_minus_largest(rows: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """Each row, -inf where not flagged, minus its largest entry (`np.maximum` from the first
    column on: a NaN wins; the sign of a zero largest changes no difference's exponential)."""
    out = np.empty(rows.shape)
    for i in range(rows.shape[0]):
        for k in range(rows.shape[1]):
            out[i, k] = rows[i, k] if flags[i, k] else -np.inf
        largest = out[i, 0]
        for k in range(1, rows.shape[1]):
            value = out[i, k]
            if not (largest >= value or largest != largest):
                largest = value
        for k in range(rows.shape[1]):
            out[i, k] = out[i, k] - largest
    return out


@numba.njit(cache=True, nogil=True)
def _divide_by_row_sums(e: np.ndarray) -> None:
    """Each row divided by its sum, added in order from +0.0; in place."""
    for i in range(e.shape[0]):
        total = e[i, 0] + 0.0
        for k in range(1, e.shape[1]):
            total += e[i, k]
        for k in range(e.shape[1]):
            e[i, k] = e[i, k] / total


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * x))


def stationary(households, goods, behaviour, effects, rows, cols, **context) -> np.ndarray:
    """(n, 5) stationary probabilities of the pairs (rows, cols), computed `CHUNK` pairs at a time
    so that a million households stay within memory (see `_stationary`)."""
    if rows.size <= CHUNK:
        return _stationary(households, goods, behaviour, effects, rows, cols, **context)
    return np.concatenate(
        [
            _stationary(
                households,
                goods,
                behaviour,
                effects,
                rows[i : i + CHUNK],
                cols[i : i + CHUNK],
                **context,
            )
            for i in range(0, rows.size, CHUNK)
        ]
    )


def _stationary(
    households: HouseholdState,
    goods: GoodTable,
    behaviour: Behaviour,
    effects: Effects,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    pool_ok: np.ndarray,
    rental_access_eur: np.ndarray,
    share_access_eur: np.ndarray,
) -> np.ndarray:
    """(n, 5) stationary probabilities of the pairs (rows, cols): own one, rent, share, forgo (in
    `Mode` order), own several."""
    hh, b = households, behaviour
    nothing = np.zeros(hh.mode.shape)
    context = dict(
        social=nothing,
        lending_ties=nothing,
        pool_ok=pool_ok,
        rental_access_eur=rental_access_eur,
        share_access_eur=share_access_eur,
        well_mixed=False,
        habit=False,
    )
    utility, _ = utilities_of_pairs(hh, goods, b, effects, rows, cols, **context)
    can_share = hh.digital[rows] | pool_ok[rows, cols]  # in the long run, everyone is aware
    n = rows.size
    available = np.ones((n, 4), dtype=bool)
    available[:, Mode.SHARE] = can_share
    scaled = b.logit_scale * utility
    # choice[:, c, m]: probability of choosing m when the current mode is c (habit on c)
    choice = _softmax_rows(
        scaled[:, None, :] + b.logit_scale * b.habit_bonus * np.eye(4)[None], available[:, None, :]
    )
    several = np.zeros((n, 2))  # probability of holding several, for a holder and a non-holder
    multi = goods.multi_unit[cols]
    if multi.any():
        m_rows, m_cols = rows[multi], cols[multi]
        u2, _ = utilities_of_pairs(
            hh,
            goods,
            b,
            effects,
            m_rows,
            m_cols,
            uses_share=goods.extra_units_uses_share[m_cols],
            **context,
        )
        keep = (
            goods.extra_units[m_cols] * u2[:, Mode.OWN]
            + goods.constants.extra_units[hh.zone[m_rows], m_cols]
        )
        without = np.maximum(u2[:, Mode.RENT], u2[:, Mode.FORGO])
        without = np.where(can_share[multi], np.maximum(without, u2[:, Mode.SHARE]), without)
        several[multi, 0] = _sigmoid(b.logit_scale * (keep + b.habit_bonus - without))
        several[multi, 1] = _sigmoid(b.logit_scale * (keep - without - b.habit_bonus))

    r_owner = 1.0 / goods.lifetime_months[cols] + b.life_event_rate
    r_other = np.full(n, 1.0 / b.reconsider_months)
    a = _stationary_system(choice, several, r_owner, r_other)
    rhs = np.zeros((n, STATES, 1))
    rhs[:, -1, 0] = 1.0
    pi = np.linalg.solve(a, rhs)[:, :, 0]
    return np.clip(pi, 0.0, 1.0)


def _stationary_system(
    choice: np.ndarray, several: np.ndarray, r_owner: np.ndarray, r_other: np.ndarray
) -> np.ndarray:
    """(n, 5, 5) the system whose solution is the stationary distribution pi: pi T = pi and
    sum(pi) = 1, that is (T' - I) pi = 0 with the last equation replaced by the sum. T, the
    month's transitions between the five states, is written transposed, a[:, next, current], and
    I taken from its diagonal (x - 0 is x): the same numbers as building T and computing T' - I,
    pair by pair in one compiled pass."""
    return _stationary_system_of_pairs(
        np.ascontiguousarray(choice), np.ascontiguousarray(several), r_owner, r_other, int(Mode.OWN)
    )


@numba.njit(cache=True, nogil=True)
def _stationary_system_of_pairs(choice, several, r_owner, r_other, own):
    n = choice.shape[0]
    a = np.zeros((n, STATES, STATES))
    for i in range(n):
        for current in range(4):
            rate = r_owner[i] if current == own else r_other[i]
            for nxt in range(4):
                a[i, nxt, current] = rate * choice[i, current, nxt]
            to_own = a[i, own, current]
            a[i, SEVERAL, current] = to_own * several[i, 1]
            a[i, own, current] = to_own * (1 - several[i, 1])
            a[i, current, current] += 1 - rate
        a[i, SEVERAL, SEVERAL] = 1 - r_owner[i] * (1 - several[i, 0])
        a[i, own, SEVERAL] = r_owner[i] * (1 - several[i, 0])
        for state in range(STATES):
            a[i, state, state] -= 1.0
        for state in range(STATES):
            a[i, STATES - 1, state] = 1.0
    return a


def _by_group_then_key(group: np.ndarray, key: np.ndarray, groups: int) -> np.ndarray:
    """The order of `np.lexsort((key, group))`: by group, then by key, then by position. Two stable
    sorts give it, the second over groups of 16 bits (a radix sort) when they fit: faster."""
    by_key = np.argsort(key, kind="stable")
    narrow = group.astype(np.uint16) if groups <= 1 << 16 else group
    return by_key[np.argsort(narrow[by_key], kind="stable")]


def _weighted_pick(
    weights: np.ndarray, group: np.ndarray, quota: np.ndarray, eligible: np.ndarray, rng
) -> np.ndarray:
    """Flags of the entries picked: in each group, its quota of the eligible entries, drawn without
    replacement with probability in proportion to `weights` (Efraimidis & Spirakis 2006: the
    largest u ** (1 / w))."""
    u = rng.random(weights.size)
    with np.errstate(divide="ignore"):
        key = np.log(u) / np.maximum(weights, 1e-300)
    key = np.where(eligible, -key, np.inf)  # ascending: the largest u ** (1 / w) first
    order = _by_group_then_key(group, key, quota.size)
    sizes = np.bincount(group, minlength=quota.size)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(weights.size, dtype=np.int64)
    rank[order] = np.arange(weights.size) - np.repeat(starts, sizes)
    return eligible & (rank < quota[group])


def zone_good_groups(households: HouseholdState, rows, cols, goods_count: int) -> np.ndarray:
    return households.zone[rows].astype(np.int64) * goods_count + cols


def add_subscribers_needs(
    households: HouseholdState, goods: GoodTable, subscribers: np.ndarray, rng
) -> np.ndarray:
    """Give a need for the good to enough households owning none, at random, for every zone to
    hold its subscribers of today's fleets among its needing non-owners (a subscriber needs the
    good at times: it gets the zone's mean uses); in place, `subscribers` included (a zone too
    small for them hands the rest to the zone with most room). Returns the zones' quotas of
    owners, (zone, good), computed before: the observed owners stay the observed share."""
    hh = households
    zones, goods_count = subscribers.shape
    index = hh.zone.astype(np.int64)[:, None] * goods_count + np.arange(goods_count)
    needing = np.bincount(index[hh.need], minlength=zones * goods_count).reshape(zones, -1)
    owners = np.round(goods.initial_own_share * needing)
    deficit = np.maximum(0, subscribers - (needing - owners)).astype(np.int64)
    idle = np.bincount(index[~hh.need], minlength=zones * goods_count).reshape(zones, -1)
    excess = np.maximum(0, deficit - idle)
    if excess.any():  # a zone too small for its subscribers: the rest go to the zone with most room
        for g in np.flatnonzero(excess.sum(axis=0)):
            room = (needing[:, g] - owners[:, g] + idle[:, g]) - subscribers[:, g]
            subscribers[:, g] -= excess[:, g]
            subscribers[np.argmax(room), g] += excess[:, g].sum()
        deficit = np.maximum(0, subscribers - (needing - owners)).astype(np.int64)
    if deficit.any():
        idle_rows, idle_cols = np.nonzero(~hh.need & (deficit[hh.zone] > 0))
        group = zone_good_groups(hh, idle_rows, idle_cols, goods_count)
        picked = _weighted_pick(
            np.ones(idle_rows.size), group, deficit.ravel(), np.ones(idle_rows.size, bool), rng
        )
        r, c = idle_rows[picked], idle_cols[picked]
        hh.need[r, c] = True
        hh.uses[r, c] = goods.uses_per_month[hh.zone[r], c]
    return owners


def assign_initial_modes(
    households: HouseholdState,
    goods: GoodTable,
    behaviour: Behaviour,
    effects: Effects,
    *,
    pool_ok: np.ndarray,
    rental_access_eur: np.ndarray,
    share_access_eur: np.ndarray,
    rng: np.random.Generator,
    subscribers: np.ndarray,
) -> None:
    """Month 0 (in place), drawn from the equilibrium: see the module docstring."""
    hh = households
    goods_count = len(goods.names)
    owners = add_subscribers_needs(hh, goods, subscribers, rng)
    rows, cols = np.nonzero(hh.need)
    pi = stationary(
        hh,
        goods,
        behaviour,
        effects,
        rows,
        cols,
        pool_ok=pool_ok,
        rental_access_eur=rental_access_eur,
        share_access_eur=share_access_eur,
    )
    group = zone_good_groups(hh, rows, cols, goods_count)
    everyone = np.ones(rows.size, dtype=bool)
    own_pi = pi[:, Mode.OWN] + pi[:, SEVERAL]
    own = _weighted_pick(own_pi, group, owners.ravel(), everyone, rng)
    several_quota = np.round(
        goods.initial_multi_owner_share.ravel() * np.bincount(group[own], minlength=owners.size)
    )
    several = _weighted_pick(
        pi[:, SEVERAL] / np.maximum(own_pi, 1e-300), group, several_quota, own, rng
    )
    subscribed = _weighted_pick(
        pi[:, Mode.SHARE], group, subscribers.ravel().astype(float), ~own, rng
    )
    rent_pi, forgo_pi = pi[:, Mode.RENT], pi[:, Mode.FORGO]
    renting = rng.random(rows.size) * (rent_pi + forgo_pi) < rent_pi
    mode = np.where(renting, Mode.RENT, Mode.FORGO)
    mode = np.where(subscribed, Mode.SHARE, mode)
    hh.mode[rows, cols] = np.where(own, Mode.OWN, mode).astype(np.int8)
    hh.extra[rows, cols] = several
    r, c = rows[subscribed], cols[subscribed]
    hh.aware[r, c] = True
    hh.tried[r, c] = True
    hh.expected_price[r, c] = effects.pool_price_eur[hh.zone[r], c]
    owner = hh.mode == Mode.OWN
    hh.lending = owner & hh.aware & (rng.random(owner.shape) < goods.initial_lend_share)
    hh.age_months = (
        (rng.random(owner.shape) * goods.lifetime_months).astype(np.int16) * owner
    ).astype(np.int16)


def observed_targets(model) -> dict[str, np.ndarray]:
    """(zone, good) shares the constants must reproduce: owners among the needing households,
    subscribers among them (NaN where no fleet of today has subscribers), and owners holding
    several among owners (NaN for goods of one unit)."""
    goods = model.goods
    needing = np.maximum(model.zone_needing, 1)
    subscribers = model.month0_subscribers
    share = np.where(subscribers > 0, subscribers / needing, np.nan)
    several = np.where(goods.multi_unit[None, :], goods.initial_multi_owner_share, np.nan)
    own = np.round(goods.initial_own_share * model.zone_needing_before_subscribers) / needing
    return {"own": own, "share": share, "extra_units": several}


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, TARGET_CLIP, 1 - TARGET_CLIP)
    return np.log(p) - np.log1p(-p)


def stationary_by_zone(model) -> dict[str, np.ndarray]:
    """(zone, good) stationary shares of the model's households as they are at month 0."""
    hh, goods = model.households, model.goods
    rows, cols = np.nonzero(hh.need)
    pi = stationary(
        hh,
        goods,
        model.behaviour,
        model.status_quo,
        rows,
        cols,
        pool_ok=model.month0_pool_ok,
        rental_access_eur=model.rental_access_eur,
        share_access_eur=model.share_access_eur,
    )
    group = zone_good_groups(hh, rows, cols, len(goods.names))
    size = model.zone_count * len(goods.names)
    counts = np.maximum(np.bincount(group, minlength=size), 1)

    def total(values):
        return np.bincount(group, weights=values, minlength=size).reshape(model.zone_count, -1)

    own = total(pi[:, Mode.OWN] + pi[:, SEVERAL])
    n = counts.reshape(model.zone_count, -1)
    return {
        "own": own / n,
        "share": total(pi[:, Mode.SHARE]) / n,
        "extra_units": total(pi[:, SEVERAL]) / np.maximum(own, 1e-12),
    }


def solve_constants(
    model,
    iterations: int = 300,
    tolerance: float = 2e-4,
    modes=("own", "share", "extra_units"),
):
    """The constants (`model.constants.Constants`) under which the model's stationary shares by
    zone equal the observed ones, for the households of `model` at month 0; solved in place in
    `model.goods.constants` (start from zero for a fresh solve) and returned, with the largest
    gap left between stationary and observed shares.

    Each step moves a constant by the gap in log odds against the modes without one (rent and
    forgo), damped by `DAMPING` (owning and sharing compete for the same households)."""
    constants = model.goods.constants
    targets = {k: v for k, v in observed_targets(model).items() if k in modes}
    for target in targets.values():
        np.clip(target, TARGET_CLIP, 1 - TARGET_CLIP, out=target)
    gap = np.inf
    for _ in range(iterations):
        shares = stationary_by_zone(model)
        gap = 0.0
        share_target = targets.get("share", np.full(targets["own"].shape, np.nan))
        with_share = ~np.isnan(share_target)
        target_rest = np.maximum(1 - targets["own"] - np.nan_to_num(share_target), REST_MIN)
        shares_rest = 1 - shares["own"] - shares["share"]
        for name, target in targets.items():
            known = ~np.isnan(target)
            if not known.any():
                continue
            if name == "extra_units" or (name == "own" and not with_share.any()):
                step = _logit(target[known]) - _logit(shares[name][known])
            elif name == "own":  # against the other modes, or against renting and forgoing
                step = np.where(
                    with_share[known],
                    _log_odds(target[known], target_rest[known])
                    - _log_odds(shares[name][known], shares_rest[known]),
                    _logit(target[known]) - _logit(shares[name][known]),
                )
            else:
                step = _log_odds(target[known], target_rest[known]) - _log_odds(
                    shares[name][known], shares_rest[known]
                )
            values = getattr(constants, name)
            values[known] = np.clip(values[known] + DAMPING * step, -CONSTANT_LIMIT, CONSTANT_LIMIT)
            gap = max(gap, float(np.abs(shares[name][known] - target[known]).max()))
        if gap < tolerance:
            break
    return constants, gap


def _log_odds(p: np.ndarray, rest: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(p, 1e-12)) - np.log(np.maximum(rest, 1e-12))
