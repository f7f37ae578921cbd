"""The territory: a grid of cells split into zones, households placed on it, and their ties.

Rules:
- The grid is square, sized so that there are `territory.households_per_cell`
  households per cell on average. Zones are concentric rings around the centre,
  innermost first, each taking its `area_share` of the cells (shares are
  normalised). Each zone receives its `household_share` of the households,
  placed uniformly at random on its cells, so density differs between zones.
- Households are numbered along the grid: zone by zone, rows in a serpentine
  order, so that households close in number are close in space.
- The social network is a symmetric, unweighted adjacency matrix (CSR):
  * `small-world`: each household is tied to its `mean_degree / 2` successors
    in that numbering (neighbours in space), a ring lattice;
    each tie is then rewired with probability `long_tie_share` to a random
    household, of the same zone with probability `same_zone_share` (Watts and
    Strogatz 1998, with homophily).
  * `random`: `households * mean_degree / 2` ties between uniformly drawn pairs.
  * `well-mixed`: no ties; every household sees the averages of the territory.
- All randomness comes from the generator passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .scenario import ZONE_KINDS, Scenario


@dataclass
class Layout:
    """Where households live: grid size, zone of each cell and of each household."""

    side: int
    cell_zone: np.ndarray  # (side * side,) zone index of each cell, row-major
    household_cell: np.ndarray  # (N,) cell index of each household
    household_zone: np.ndarray  # (N,) zone index of each household
    zone_kind: np.ndarray  # (Z,) index into ZONE_KINDS


def layout_territory(scenario: Scenario, households: int, rng: np.random.Generator) -> Layout:
    zones = list(scenario.territory.zones.values())
    side = max(2, math.ceil(math.sqrt(households / scenario.territory.households_per_cell)))
    n_cells = side * side

    # Rings: sort cells by distance to the centre, hand them out by area share.
    rows, cols = np.divmod(np.arange(n_cells), side)
    centre = (side - 1) / 2
    distance = np.hypot(rows - centre, cols - centre)
    ring_order = np.argsort(distance, kind="stable")
    cell_counts = _split(n_cells, [z.area_share for z in zones], minimum=1)
    cell_zone = np.empty(n_cells, dtype=np.int8)
    cell_zone[ring_order] = np.repeat(np.arange(len(zones), dtype=np.int8), cell_counts)

    household_counts = _split(households, [z.household_share for z in zones], minimum=0)
    household_zone = np.repeat(np.arange(len(zones), dtype=np.int8), household_counts)
    household_cell = np.empty(households, dtype=np.int32)
    for z in range(len(zones)):
        zone_cells = np.flatnonzero(cell_zone == z).astype(np.int32)
        members = household_zone == z
        household_cell[members] = zone_cells[rng.integers(0, zone_cells.size, int(members.sum()))]

    # Number households along the grid, zone by zone and row by row in a serpentine, so that
    # households close in number are close in space: neighbours' rows sit together in memory.
    row, col = np.divmod(household_cell, side)
    serpentine_col = np.where(row % 2 == 0, col, side - 1 - col)
    order = np.lexsort((rng.random(households), serpentine_col, row, household_zone))
    household_cell, household_zone = household_cell[order], household_zone[order]

    zone_kind = np.array([ZONE_KINDS.index(z.kind) for z in zones], dtype=np.int8)
    return Layout(side, cell_zone, household_cell, household_zone, zone_kind)


def _split(total: int, weights: list[float], minimum: int) -> np.ndarray:
    """Integer counts proportional to weights, summing to total (largest remainders)."""
    w = np.asarray(weights, dtype=float)
    exact = total * w / w.sum()
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(-(exact - counts), kind="stable")[: total - counts.sum()]] += 1
    while minimum and (counts < minimum).any() and counts.max() > minimum:
        counts[np.argmax(counts)] -= 1
        counts[np.argmin(counts)] += 1
    return counts


def build_network(scenario: Scenario, layout: Layout, rng: np.random.Generator) -> sp.csr_matrix:
    """The symmetric adjacency matrix of ties (empty for a well-mixed territory)."""
    n = layout.household_zone.size
    net = scenario.network
    if net.kind == "well-mixed" or net.mean_degree == 0 or n < 2:
        return sp.csr_matrix((n, n), dtype=np.float64)
    if net.kind == "random":
        n_ties = int(round(n * net.mean_degree / 2))
        a = rng.integers(0, n, n_ties)
        b = rng.integers(0, n, n_ties)
    else:
        a, b = _small_world(net.mean_degree, net.long_tie_share, net.same_zone_share, layout, rng)
    return adjacency(n, a, b)


def adjacency(n: int, a: np.ndarray, b: np.ndarray) -> sp.csr_matrix:
    """Symmetric 0/1 CSR matrix from tie end points, without self-ties or duplicates."""
    keep = a != b
    a, b = a[keep], b[keep]
    matrix = sp.coo_matrix(
        (np.ones(2 * a.size), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n)
    ).tocsr()
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def _small_world(mean_degree, long_tie_share, same_zone_share, layout: Layout, rng):
    n = layout.household_zone.size
    # Households are numbered along the grid (see `layout_territory`): successive numbers are
    # close in space, and the ring lattice ties each to its successors.
    order = np.arange(n)

    half = mean_degree / 2
    whole = int(math.floor(half))
    offsets = list(range(1, whole + 1))
    a_parts, b_parts = [], []
    for k in offsets:
        a_parts.append(order)
        b_parts.append(np.roll(order, -k))
    if half > whole:  # a fractional degree: some households get one more successor
        extra = rng.random(n) < half - whole
        a_parts.append(order[extra])
        b_parts.append(np.roll(order, -(whole + 1))[extra])
    a = np.concatenate(a_parts) if a_parts else np.empty(0, np.int64)
    b = np.concatenate(b_parts) if b_parts else np.empty(0, np.int64)

    return a, rewire_long_ties(a, b, long_tie_share, same_zone_share, layout.household_zone, rng)


def rewire_long_ties(a, b, long_tie_share, same_zone_share, household_zone, rng) -> np.ndarray:
    """The far ends `b` of ties, a share `long_tie_share` of them moved to a random household: of the
    same zone as `a` with probability `same_zone_share` (homophily), else anywhere."""
    n = household_zone.size
    rewire = rng.random(a.size) < long_tie_share
    n_rewire = int(rewire.sum())
    if n_rewire:
        same_zone = rng.random(n_rewire) < same_zone_share
        anywhere = rng.integers(0, n, n_rewire)
        within = random_member_of_zone(household_zone, household_zone[a[rewire]], rng)
        b = b.copy()
        b[rewire] = np.where(same_zone, within, anywhere)
    return b


def random_member_of_zone(household_zone: np.ndarray, zones: np.ndarray, rng) -> np.ndarray:
    """For each entry of `zones`, a household drawn uniformly from that zone."""
    by_zone = np.argsort(household_zone, kind="stable")
    counts = np.bincount(household_zone, minlength=int(household_zone.max()) + 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    picks = starts[zones] + (rng.random(zones.size) * counts[zones]).astype(np.int64)
    return by_zone[picks]
