"""A plain numpy month: the yardstick the model's month is measured against (`partage bench`).

The roofline month does, for every household and good, the work a month of this model cannot
do without, written the plainest way in whole-array numpy, with no rule of the model:
- influence: one sparse product over the territory's ties per good (shares of ties sharing);
- awareness: one uniform draw per household and good, compared with p + q x share;
- decisions: one uniform draw per household and good (who reconsiders), the four modes'
  utilities (a cost over income, a convenience, a social term), one Gumbel draw per mode,
  the best mode kept where the household reconsiders;
- market: demand and supply of sharing summed by zone and good (bincounts), a service ratio;
- trust: one sparse product (mean trust of ties) and a drift toward it;
- reporters: one count of households by zone, good and mode.

It runs on the model's own households and ties (read once, copied), so both walk the same
memory. `time_alternately` times the model's months and roofline months in alternating blocks
within one process, so that a busy machine slows both alike; their ratio is the figure.
"""

from __future__ import annotations

import time

import numpy as np

MODES = 4
BLOCK_MONTHS = 10  # months timed in a row before switching to the other side


class RooflineMonth:
    """The plain month's state, copied from a built model."""

    def __init__(self, model, seed: int = 1):
        hh = model.households
        self.network = model.ties.network
        self.inverse_degree = model.ties.inverse_degree
        self.zone_good = model.zone_good_index
        self.cells = model.zone_count * len(model.goods.names)
        self.need = hh.need.copy()
        self.uses = hh.uses.copy()
        self.mode = hh.mode.copy()
        self.aware = hh.aware.copy()
        self.trust = hh.trust.copy()
        self.inverse_income = 1.0 / hh.income_eur[:, None]
        self.cost_eur = np.array([300.0, 45.0, 30.0, 60.0])  # own, rent, share, forgo, per use
        self.rng = np.random.default_rng(seed)

    def step(self) -> None:
        rng, shape = self.rng, self.mode.shape
        sharing = (self.mode == 2) & self.need
        social = np.empty(shape)
        for g in range(shape[1]):
            social[:, g] = (self.network @ sharing[:, g].astype(np.float64)) * self.inverse_degree
        self.aware |= rng.random(shape) < 0.01 + 0.3 * social
        reconsider = rng.random(shape) < 1 / 6
        best = np.full(shape, -np.inf)
        choice = np.zeros(shape, dtype=np.int8)
        for m in range(MODES):
            utility = -self.cost_eur[m] * self.uses * self.inverse_income + 0.5 * social
            utility += -np.log(-np.log(rng.random(shape)))
            if m == 2:
                utility[~self.aware] = -np.inf
            better = utility > best
            best[better] = utility[better]
            choice[better] = m
        self.mode = np.where(reconsider & self.need, choice, self.mode)
        borrowing = (self.mode == 2) & self.need
        demand = np.bincount(self.zone_good[borrowing], self.uses[borrowing], self.cells)
        supply = np.bincount(self.zone_good[self.mode == 0], minlength=self.cells) * 4.0
        served = np.minimum(
            1.0, np.divide(supply, demand, out=np.ones(self.cells), where=demand > 0)
        )
        self.uses_met = served[self.zone_good] * self.uses * borrowing
        of_ties = (self.network @ self.trust) * self.inverse_degree
        self.trust += 0.05 * (of_ties - self.trust)
        coded = np.where(self.need, self.mode, MODES)
        self.tally = np.bincount((self.zone_good * (MODES + 1) + coded).ravel())


def time_alternately(model, months: int) -> dict:
    """CPU seconds of `months` months of the model and of the roofline, timed in alternating
    blocks; household-good-months per second of each and their ratio (model / roofline)."""
    roofline = RooflineMonth(model)
    model_s = roofline_s = 0.0
    done = 0
    while done < months:
        block = min(BLOCK_MONTHS, months - done)
        start = time.process_time()
        for _ in range(block):
            model.step()
        model_s += time.process_time() - start
        start = time.process_time()
        for _ in range(block):
            roofline.step()
        roofline_s += time.process_time() - start
        done += block
    pairs = model.households.need.size * months
    return {
        "households": model.households.size,
        "months": months,
        "model_s": model_s,
        "roofline_s": roofline_s,
        "model_hgm_per_s": pairs / model_s,
        "roofline_hgm_per_s": pairs / roofline_s,
        "ratio": roofline_s / model_s,
    }
