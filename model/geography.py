"""Households on a territory and their ties: the abstract grid, or real zone polygons.

A grid territory is laid out and tied by `model.territory`. On a territory from
data (`model.geodata`):
- Households are a sample of the real population, stratified by zone: each
  zone gets at least `territory.min_households_per_zone` of the scenario's
  households (at most its real households; half a fair share, households /
  (2 x zones), when the sample is too small), the rest in proportion to its
  real households (largest remainders). Each sampled household stands for its
  zone's real households over sampled ones (`model.zone_results.real_scales`),
  which weights every figure of the territory. They are placed at points
  drawn uniformly inside their zone's polygon (rejection in the polygon's
  bounding box, the point-in-polygon test done by shapely), in a local
  equal-area projection (metres).
- Households are numbered zone by zone, then along a raster of the territory
  (rows in a serpentine order), so that households close in number are close
  in space. The raster (about `RASTER_HOUSEHOLDS_PER_CELL` households per cell
  over the bounding box) gives each household a cell, so that the Mesa grid and
  the app's raster map work as on the abstract grid; a cell's zone is that of
  the household nearest its centre.
- Small-world ties are geographic: each household's nearest neighbours, found
  with a KD-tree (scipy's cKDTree: no all-pairs distance), are taken rank by
  rank (first neighbours of everyone, then second ones, in random order within
  a rank) until the ties number households x mean_degree / 2; then a share
  `long_tie_share` of them is rewired to a random household, of the same zone
  with probability `same_zone_share` (homophily), as on the grid. `random` and
  `well-mixed` networks are built as on the grid.
- All randomness comes from the generator passed in.

What the app can draw from a laid-out territory from data (`PolygonLayout`):
`household_lonlat` (N, 2) lon/lat of each household, `household_xy_m` (N, 2)
the same in metres, `territory.polygons` (a GeoSeries of the zones in lon/lat,
indexed by key, in zone order), `territory.keys` and `territory.names`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import scipy.sparse as sp

from .geodata import RealTerritory
from .scenario import ZONE_KINDS, Scenario, TerritoryFromData
from .territory import Layout, _split, adjacency, rewire_long_ties
from .territory import build_network as build_grid_network
from .territory import layout_territory as layout_grid

RASTER_HOUSEHOLDS_PER_CELL = 8
EXTRA_NEIGHBOURS = (
    3  # neighbours asked of the KD-tree beyond mean_degree / 2, for ties already made
)


@dataclass
class PolygonLayout(Layout):
    """Where households live on a territory from data; the grid fields describe its raster."""

    household_xy_m: np.ndarray = None  # (N, 2) metres, in `territory.metric_crs`
    household_lonlat: np.ndarray = None  # (N, 2) longitude, latitude
    territory: RealTerritory = None
    raster_origin_m: tuple[float, float] = (0.0, 0.0)  # x of the west edge, y of the north edge
    raster_cell_m: float = 1.0


def layout_territory(scenario: Scenario, households: int, rng: np.random.Generator) -> Layout:
    """The grid's layout, or households placed in the polygons of a territory from data."""
    if not isinstance(scenario.territory, TerritoryFromData):
        return layout_grid(scenario, households, rng)
    territory = scenario.territory
    return place_households(
        territory.resolved(), households, rng, territory.min_households_per_zone
    )


def build_network(scenario: Scenario, layout: Layout, rng: np.random.Generator) -> sp.csr_matrix:
    """The symmetric adjacency matrix of ties: geographic on a territory from data."""
    net = scenario.network
    if not isinstance(layout, PolygonLayout) or net.kind != "small-world":
        return build_grid_network(scenario, layout, rng)
    n = layout.household_zone.size
    if net.mean_degree == 0 or n < 2:
        return sp.csr_matrix((n, n), dtype=np.float64)
    a, b = geographic_ties(layout.household_xy_m, net.mean_degree, rng)
    b = rewire_long_ties(a, b, net.long_tie_share, net.same_zone_share, layout.household_zone, rng)
    return adjacency(n, a, b)


def households_per_zone(territory: RealTerritory, households: int, minimum: int = 0) -> np.ndarray:
    """The sample's households in each zone: at least `sample_minimum` of them (never more than
    the zone's real households), the others in proportion to the real ones (largest remainders).

    A zone whose proportional share is below its minimum gets its minimum, and the rest of the
    sample is shared out again among the other zones in proportion, until no zone is below."""
    shares = np.array([z.household_share for z in territory.zones.values()])
    real = territory.households
    floor = np.minimum(sample_minimum(households, real.size, minimum), np.floor(real))
    floor = floor.astype(np.int64)
    fixed = np.zeros(real.size, dtype=bool)
    while True:
        free = ~fixed & (shares > 0)
        left = households - int(floor[fixed].sum())
        counts = np.where(fixed, floor, 0)
        if free.any() and left > 0:
            counts[free] = _split(left, list(shares[free]), minimum=0)
        below = free & (counts < floor)
        if not below.any():
            return counts
        fixed |= below


def sample_minimum(households: int, zones: int, minimum: int) -> int:
    """The minimum of sampled households per zone, shrunk to half a fair share (households / (2 x
    zones)) when the sample is too small to give every zone the minimum asked."""
    return min(minimum, households // (2 * max(zones, 1)))


def points_in_polygon(polygon, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` points drawn uniformly inside a polygon: (count, 2).

    Rejection in the bounding box with shapely's vectorized point-in-polygon test; geopandas'
    `sample_points` does the same, some 25 times slower for a million points."""
    import shapely

    if count == 0:
        return np.empty((0, 2))
    shapely.prepare(polygon)
    west, south, east, north = polygon.bounds
    fill = polygon.area / max((east - west) * (north - south), 1e-12)
    parts, wanted = [], count
    while wanted > 0:
        tries = int(wanted / fill * 1.1) + 16
        x = west + (east - west) * rng.random(tries)
        y = south + (north - south) * rng.random(tries)
        inside = shapely.contains_xy(polygon, x, y)
        kept = np.column_stack([x[inside], y[inside]])[:wanted]
        parts.append(kept)
        wanted -= len(kept)
    return np.concatenate(parts)


def place_households(
    territory: RealTerritory, households: int, rng: np.random.Generator, minimum: int = 0
) -> PolygonLayout:
    """Households drawn inside their zones' polygons, numbered zone by zone along a raster."""
    from pyproj import Transformer
    from scipy.spatial import cKDTree

    counts = households_per_zone(territory, households, minimum)
    polygons = list(territory.projected.geometry)
    xy = np.concatenate([points_in_polygon(polygons[z], int(c), rng) for z, c in enumerate(counts)])
    zone = np.repeat(np.arange(len(counts), dtype=np.int16), counts)

    west, south, east, north = territory.projected.total_bounds
    side = max(2, math.ceil(math.sqrt(households / RASTER_HOUSEHOLDS_PER_CELL)))
    cell_m = max(east - west, north - south) / side * (1 + 1e-9)
    col = np.minimum(((xy[:, 0] - west) / cell_m).astype(np.int64), side - 1)
    row = np.minimum(((north - xy[:, 1]) / cell_m).astype(np.int64), side - 1)
    serpentine_col = np.where(row % 2 == 0, col, side - 1 - col)
    order = np.argsort((zone.astype(np.int64) * side + row) * side + serpentine_col, kind="stable")
    xy, zone, row, col = xy[order], zone[order], row[order], col[order]
    cell = (row * side + col).astype(np.int32)

    centres_row, centres_col = np.divmod(np.arange(side * side), side)
    centres = np.column_stack(
        [west + (centres_col + 0.5) * cell_m, north - (centres_row + 0.5) * cell_m]
    )
    _, nearest = cKDTree(xy).query(centres, k=1)
    cell_zone = zone[nearest].astype(np.int16)

    to_lonlat = Transformer.from_crs(territory.metric_crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(xy[:, 0], xy[:, 1])
    zone_kind = np.array(
        [ZONE_KINDS.index(z.kind) for z in territory.zones.values()], dtype=np.int8
    )
    return PolygonLayout(
        side=side,
        cell_zone=cell_zone,
        household_cell=cell,
        household_zone=zone,
        zone_kind=zone_kind,
        household_xy_m=xy,
        household_lonlat=np.column_stack([lon, lat]),
        territory=territory,
        raster_origin_m=(float(west), float(north)),
        raster_cell_m=float(cell_m),
    )


def geographic_ties(xy: np.ndarray, mean_degree: float, rng: np.random.Generator):
    """Tie end points (a, b): nearest neighbours rank by rank until households x mean_degree / 2.

    Within a rank households come in random order; a tie two households would make to each other
    is kept once, at its better rank."""
    from scipy.spatial import cKDTree

    n = len(xy)
    wanted = int(round(n * mean_degree / 2))
    k = min(n - 1, math.ceil(mean_degree / 2) + EXTRA_NEIGHBOURS)
    _, nearest = cKDTree(xy, balanced_tree=False, compact_nodes=False).query(
        xy, k=k + 1, workers=-1
    )
    nearest = nearest[:, 1:]  # without the household itself
    back_ranks = _back_ranks(np.ascontiguousarray(nearest))
    households = np.arange(n)
    a_parts, b_parts = [], []
    for rank in range(k):
        order = rng.permutation(n)
        a, b = households[order], nearest[order, rank]
        back_rank = back_ranks[order, rank]
        first = (back_rank > rank) | ((back_rank == rank) & (a < b))
        a_parts.append(a[first])
        b_parts.append(b[first])
    a, b = np.concatenate(a_parts)[:wanted], np.concatenate(b_parts)[:wanted]
    return a.astype(np.int64), b.astype(np.int64)


@numba.njit(cache=True, nogil=True)
def _back_ranks(nearest: np.ndarray) -> np.ndarray:
    """(n, k): for each household and each of its k nearest neighbours, the rank at which the
    household is among that neighbour's own nearest (its first, should it appear twice), or k
    when it is not among them. Found once for every pair, in one compiled pass, rather than by
    comparing each rank's (n, k) rows of neighbours."""
    n, k = nearest.shape
    back = np.full((n, k), k, dtype=np.int64)
    for a in range(n):
        for rank in range(k):
            b = nearest[a, rank]
            for other in range(k):
                if nearest[b, other] == a:
                    back[a, rank] = other
                    break
    return back
