"""The social network during a run: ties, the counts over ties kept up to date, and new ties.

Rules:
- Ties are symmetric and unweighted. The territory's ties are built once with the
  territory (`territory.build_network`) and never change; the ties made during
  the run, by sharing and in third places, form a second matrix that only
  grows (a tie made twice is one tie).
- Influence: each household counts, per good, its ties who share or lend it
  (`active_ties`) and its ties who lend it (`lending_ties`). The share of ties
  sharing or lending a good is active_ties / degree (0 without ties). In a
  well-mixed territory there are no ties: every household sees the share of
  the territory's households needing the good who share or lend it, and has
  no lending ties.
- The counts are kept up to date rather than recounted every month: when
  households change what they do, only the ties of those who changed are
  walked; when a tie is made, each end's activity is added to the other's
  counts. A recount (`count`) gives the same numbers.
- New ties, each month (none in a well-mixed territory):
  * each household that borrowed through the platform or a community pool, or
    lent through the platform, makes a tie with probability
    `network.tie_from_sharing_prob` to a household drawn uniformly among that
    month's such participants of its zone;
  * third places create, in each zone they serve, a Poisson number of ties
    (mean `new_ties_by_zone`, from `third_places.ties_per_1000_households_month`)
    between two residents of the zone drawn uniformly.
  A pair drawn twice, or already tied, adds no tie; a household drawn with
  itself makes none. `ties.created` counts the pairs of two different
  households drawn.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

from .households import HouseholdState, any_good, per_good, take_rows
from .market import MarketResult

# Compiled loops over the ties (numba). Each adds in the order of the scipy expression it replaces,
# one float after the other, so its sums are the same to the bit: numba keeps the order of
# floating-point additions (no `fastmath`), and the ties' matrices hold only ones, so a tie adds its
# value itself (1.0 x value is exact). Compiled on first use and cached on disk (`cache=True`).


@numba.njit(cache=True, nogil=True)
def _sums_over_ties(rows, indptr, indices, values, out, add):  # pragma: no cover - compiled
    """The sum of values over row i's ties, from zero in the matrix's order, for each row i of the
    matrix: written to out[rows[i]] (out[i] when `rows` is empty), or added to it with `add`
    (out[rows[i]] + sum: a compact matrix of one row each, as `total[rows] += ties @ values`
    adds). scipy's product with a vector of a matrix of ones adds the same floats in the same
    order."""
    for i in range(indptr.size - 1):
        total = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            total += values[indices[k]]
        row = rows[i] if rows.size else i
        out[row] = out[row] + total if add else total


_ALL_ROWS = np.zeros(0, dtype=np.int64)  # `rows` of `_sums_over_ties`: each row of the matrix


def sums_over_ties(ties, values: np.ndarray, new_rows=None, new_ties=None) -> np.ndarray:
    """(N,) `ties @ values` of a CSR matrix of ones, to which the sums over the compact matrix
    `new_ties` (one row per household of `new_rows`) are added at `new_rows`, as
    `total[new_rows] += new_ties @ values` adds them."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    out = np.empty(ties.shape[0])
    _sums_over_ties(_ALL_ROWS, ties.indptr, ties.indices, values, out, False)
    if new_ties is not None:
        rows = np.ascontiguousarray(new_rows, dtype=np.int64)
        _sums_over_ties(rows, new_ties.indptr, new_ties.indices, values, out, True)
    return out


@numba.njit(cache=True, nogil=True)
def _ties_among(indptr, indices, rows, position):  # pragma: no cover - compiled
    """The ties among `rows` (position[j] is j's place in `rows`, -1 outside): the sub-matrix's
    indptr and indices, each row's ties in the matrix's order."""
    kept_indptr = np.zeros(rows.size + 1, dtype=indptr.dtype)
    bound = 0
    for i in range(rows.size):
        bound += indptr[rows[i] + 1] - indptr[rows[i]]
    kept = np.empty(bound, dtype=indices.dtype)
    n = 0
    for i in range(rows.size):
        for k in range(indptr[rows[i]], indptr[rows[i] + 1]):
            place = position[indices[k]]
            if place >= 0:
                kept[n] = place
                n += 1
        kept_indptr[i + 1] = n
    return kept_indptr, kept[:n].copy()


@numba.njit(cache=True, nogil=True)
def _drift_toward(values, sums, degree, inverse_degree, drift, out):  # pragma: no cover - compiled
    """out[i] = values[i] + drift x (mean - values[i]), the mean sums[i] x inverse_degree[i] with
    ties, values[i] without (`Ties.mean_over_ties`); `out` may be `sums`."""
    for i in range(values.size):
        mean = sums[i] * inverse_degree[i] if degree[i] > 0 else values[i]
        out[i] = values[i] + drift * (mean - values[i])


@numba.njit(cache=True, nogil=True)
def _sums_among(indptr, indices, values, out):  # pragma: no cover - compiled
    """out[i] += the (G,) values of row i's ties, tie after tie, each good from out's zero: as
    scipy's product of a matrix of ones with an (R, G) array adds them (row by row, each entry's
    row of values added in turn)."""
    for i in range(indptr.size - 1):
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            for g in range(values.shape[1]):
                out[i, g] += values[j, g]


@numba.njit(cache=True, nogil=True)
def _add_sums_among(indptr, indices, values, out):  # pragma: no cover - compiled
    """out[i] += the sums over row i's ties, taken from zero apart, for the rows with ties (the
    ties made during the run: `total[having] += made[having]`)."""
    made = np.empty(values.shape[1])
    for i in range(indptr.size - 1):
        if indptr[i + 1] == indptr[i]:
            continue
        made[:] = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            for g in range(values.shape[1]):
                made[g] += values[j, g]
        for g in range(values.shape[1]):
            out[i, g] += made[g]


@numba.njit(cache=True, nogil=True)
def _add_over_ties(indptr, indices, rows, cols, change, counts):  # pragma: no cover - compiled
    """counts[j, cols[i]] += change[i] for each tie j of household rows[i]: whole numbers, exact in
    any order (`Ties.add_changes_over_ties`)."""
    for i in range(rows.size):
        r, c, d = rows[i], cols[i], change[i]
        for k in range(indptr[r], indptr[r + 1]):
            counts[indices[k], c] += d


def ties_among_rows(ties, rows: np.ndarray, position: np.ndarray):
    """(indptr, indices) of the ties among the distinct `rows` of a CSR matrix, in its order;
    `position` (N,) gives each household's place in `rows`, -1 for the others."""
    return _ties_among(ties.indptr, ties.indices, rows, position)


def _inverse(degree: np.ndarray) -> np.ndarray:
    """1 / degree, and 0 for households without ties."""
    return np.divide(1.0, degree, out=np.zeros(degree.shape), where=degree > 0)


def _ties_of(ties: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ties of the households `rows`, in the matrix's order: for each, the position in `rows`
    of the household it starts from and the household it reaches."""
    first = ties.indptr[rows]
    lengths = ties.indptr[rows + 1] - first
    index = first.dtype  # the matrix's own integers (32 bits below 2^31 ties): less to move
    owners = np.repeat(np.arange(rows.size, dtype=index), lengths)
    starts = np.repeat(first - np.cumsum(lengths, dtype=index) + lengths, lengths)
    return owners, ties.indices[starts + np.arange(starts.size, dtype=index)]


@numba.njit(cache=True, nogil=True)
def _moved_starts(indptr, rows, out):  # pragma: no cover - compiled
    """out[j] = indptr[j] + the number of the sorted `rows` below j: each row's start in a CSR
    matrix moved by the entries inserted in the rows before it (one per item of `rows`), as
    `indptr[1:] += np.cumsum(np.bincount(rows, minlength=N))` moves them (whole numbers)."""
    k = 0
    for j in range(indptr.size):
        while k < rows.size and rows[k] < j:
            k += 1
        out[j] = indptr[j] + k


@numba.njit(cache=True, nogil=True)
def _add_rows(counts, rows, values):  # pragma: no cover - compiled
    """counts[rows[i], g] += values[i, g], row after row: the additions of `np.add.at`, in its
    order."""
    for i in range(rows.size):
        for g in range(values.shape[1]):
            counts[rows[i], g] += values[i, g]


def _add_to_rows(counts: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """counts[rows] += values (an (R, G) array), a row repeated adding each time, as `np.add.at`
    does: by a compiled loop in the same order on an array of floats, otherwise through the flat
    index when `counts` is C-contiguous, faster than by rows."""
    if counts.flags.c_contiguous and counts.dtype == np.float64:  # compiled: the same order
        _add_rows(counts, rows, np.ascontiguousarray(values, dtype=np.float64))
        return
    if not counts.flags.c_contiguous:
        np.add.at(counts, rows, values)
        return
    goods = counts.shape[1]
    flat = (rows.astype(np.intp)[:, None] * goods + np.arange(goods)).reshape(-1)
    np.add.at(counts.reshape(-1), flat, values.reshape(-1))


def _of_ones(ties: sp.csr_matrix) -> bool:
    """Whether every stored entry of the matrix is 1.0 (a tie adds its value itself)."""
    return bool((ties.data == 1.0).all())


def ties_among(
    ties: sp.csr_matrix,
    rows: np.ndarray,
    position: np.ndarray | None = None,
    of_ones: bool | None = None,
) -> sp.csr_matrix:
    """The ties among the sorted, distinct `rows`: the (R, R) sub-matrix of their rows and columns,
    each row's ties in the matrix's order (only the ties to households outside `rows` left out).
    `position` (N,), each household's place in `rows` and -1 for the others, and `of_ones`, whether
    the matrix holds only ones, when known."""
    if position is None:
        position = np.full(ties.shape[1], -1, dtype=ties.indices.dtype)
        position[rows] = np.arange(rows.size, dtype=ties.indices.dtype)
    if _of_ones(ties) if of_ones is None else of_ones:  # one compiled pass over the rows' ties
        indptr, indices = ties_among_rows(ties, rows, position.astype(ties.indices.dtype))
        return sp.csr_matrix((np.ones(indices.size), indices, indptr), shape=(rows.size, rows.size))
    if ties.has_sorted_indices:  # the columns kept stay sorted, whatever way scipy picks them
        return ties[rows][:, rows]
    of_rows = ties[rows]  # their rows, each in the matrix's order, then the columns among them
    among = position[of_rows.indices]
    kept = among >= 0
    indptr = np.concatenate([[0], np.cumsum(kept, dtype=np.int64)])[of_rows.indptr]
    return sp.csr_matrix((of_rows.data[kept], among[kept], indptr), shape=(rows.size, rows.size))


class ShareOfTies:
    """The (N, G) share of each household's ties sharing or lending each good,
    active_ties x inverse_degree, computed only at the household-good pairs read (the month reads a
    few of them): each the same product of two floats as in the whole array, so the same bits.
    Read as `share[rows, cols]`; it reads the counts as they are when read."""

    def __init__(self, active_ties: np.ndarray, inverse_degree: np.ndarray):
        self.active_ties = active_ties
        self.inverse_degree = inverse_degree
        self.shape = active_ties.shape

    def __getitem__(self, pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        rows, cols = pairs
        rows = np.asarray(rows)
        flat = rows.astype(np.intp, copy=False) * self.shape[1] + cols
        return self.of_flat(rows, flat)

    def of_flat(self, rows: np.ndarray, flat: np.ndarray) -> np.ndarray:
        """The shares at the pairs whose flat index (row x G + good) is `flat`, of rows `rows`."""
        active = self.active_ties
        if not active.flags.c_contiguous:
            active = np.ascontiguousarray(active)
        return active.reshape(-1).take(flat) * self.inverse_degree.take(rows)

    def __array__(self, dtype=None, copy=None):
        """The whole (N, G) array, as computed before (for reading outside the month)."""
        whole = self.active_ties * self.inverse_degree[:, None]
        return whole if dtype is None else whole.astype(dtype)


class Ties:
    """The ties of a territory's households and, per good, the counts of active ties over them."""

    def __init__(self, network: sp.csr_matrix, zone: np.ndarray, zone_count: int, well_mixed: bool):
        self.network = network  # the territory's ties, fixed
        self.new_ties: sp.csr_matrix | None = None  # ties made during the run
        self._new_keys = np.zeros(0, dtype=np.int64)  # the same, as sorted keys row x N + column
        self._ones = np.ones(0)  # the values of their matrices (views of it)
        self.well_mixed = well_mixed
        self.size = network.shape[0]
        self._base_degree = np.asarray(network.sum(axis=1)).ravel()
        self._of_ones = _of_ones(network)  # the ties made during the run are ones too
        self.degree = self._base_degree
        self.inverse_degree = _inverse(self.degree)
        self.zone = zone
        self.zone_count = zone_count
        self.households_by_zone = np.bincount(zone, minlength=zone_count)
        self._zone_order = np.argsort(zone, kind="stable")
        self._zone_starts = np.concatenate([[0], np.cumsum(self.households_by_zone)[:-1]])
        self.active_ties = np.zeros(0)
        self.lending_ties = np.zeros(0)
        self.pair_ends = np.empty(0, dtype=np.int64)

    # ------------------------------------------------------------------ sums over ties

    def neighbour_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of `values` over each household's ties (rows of an (N,) or (N, G) array).

        Column by column; the ties made during the run, few, are a matrix of their own."""
        if values.ndim == 2:
            total = np.empty(values.shape)
            for g in range(values.shape[1]):
                total[:, g] = self.neighbour_sum(values[:, g])
            return total
        if self._of_ones:  # compiled: the same additions in the same order
            new = None if self.new_ties is None else self._new_compact
            return sums_over_ties(self.network, values, getattr(self, "_new_rows", None), new)
        total = self.network @ values
        if self.new_ties is not None:
            total[self._new_rows] += self._new_compact @ values
        return total

    def add_changes_over_ties(
        self, counts: np.ndarray, now: np.ndarray, before: np.ndarray
    ) -> None:
        """Add to the (N, G) `counts` over ties, in place, what changed from the flags `before` to
        the flags `now`: +1 (set since) or -1 (unset since) to each tie of a household whose flag
        changed. Only the ties of those, nearly none of the households, are walked; counts and
        changes are whole numbers, so their sums are exact in any order (the same as a recount)."""
        changed = np.flatnonzero(now != before)
        if changed.size == 0:
            return
        goods = now.shape[1]
        rows, cols = np.divmod(changed, goods)
        change = np.where(now.reshape(-1).take(changed), 1.0, -1.0)
        for ties in (self.network, self.new_ties):
            if ties is None:
                continue
            if counts.flags.c_contiguous and counts.dtype == np.float64:  # one compiled walk
                _add_over_ties(ties.indptr, ties.indices, rows, cols, change, counts)
                continue
            owners, neighbours = _ties_of(ties, rows)
            if counts.flags.c_contiguous:
                flat = neighbours.astype(np.intp) * goods + cols[owners]
                np.add.at(counts.reshape(-1), flat, change[owners])
            else:
                np.add.at(counts, (neighbours, cols[owners]), change[owners])

    def neighbour_sum_of_rows(self, rows: np.ndarray):
        """`neighbour_sum` for values given only at the sorted `rows` (zero elsewhere), read at
        `rows`: a function of the (R, G) values.

        Only the ties among `rows` are kept (the market's tenth to fifth of households), as the
        sub-matrix of their rows and columns (`ties_among`), each household's in the order
        `neighbour_sum` walks them. Its product with the values adds a row's entries one after
        the other from zero, each 1.0 x value (exact), for all goods at once, as the product over
        all ties does for each good: the same sums to the bit, since the ties left out would add
        zeros."""
        position = np.full(self.size, -1, dtype=self.network.indices.dtype)
        position[rows] = np.arange(rows.size, dtype=position.dtype)
        among = [
            ties_among(ties, rows, position, of_ones)
            for ties, of_ones in ((self.network, self._of_ones), (self.new_ties, True))
            if ties is not None
        ]
        having = None
        if len(among) > 1:  # the households having ties made during the run among `rows`
            having = np.flatnonzero(np.diff(among[1].indptr))

        def summed(values: np.ndarray) -> np.ndarray:
            values = np.ascontiguousarray(values, dtype=np.float64)
            if self._of_ones and values.ndim == 2:  # compiled: the same additions, in order
                total = np.zeros(values.shape)
                _sums_among(among[0].indptr, among[0].indices, values, total)
                if having is not None and having.size:
                    _add_sums_among(among[1].indptr, among[1].indices, values, total)
                return total
            total = among[0] @ values
            if having is not None and having.size:  # the ties made during the run
                made = among[1] @ values
                total[having] += made[having]
            return total

        return summed

    def mean_over_ties(self, values: np.ndarray) -> np.ndarray:
        """Each household's mean of (N,) `values` over its ties (its own value without ties);
        the territory's mean in a well-mixed territory."""
        if self.well_mixed:
            return np.full(self.size, values.mean())
        return np.where(self.degree > 0, self.neighbour_sum(values) * self.inverse_degree, values)

    def drift_toward_ties(self, values: np.ndarray, drift: float) -> np.ndarray:
        """values + drift x (mean_over_ties(values) - values): each household's value moved a share
        `drift` of the way toward its ties' mean. On ties of ones, the mean and the move in one
        compiled pass after the sums (the same operations on the same floats, in the same order)."""
        if self.well_mixed or not self._of_ones or np.ndim(drift) != 0:
            return values + drift * (self.mean_over_ties(values) - values)
        values = np.ascontiguousarray(values, dtype=np.float64)
        sums = self.neighbour_sum(values)
        _drift_toward(values, sums, self.degree, self.inverse_degree, float(drift), sums)
        return sums

    # ------------------------------------------------------------------ counts over ties

    def count(self, households: HouseholdState) -> None:
        """Count, for each household and good, its ties who share or lend it and who lend it."""
        self.active_ties = self.neighbour_sum(households.sharing_or_lending().astype(np.float64))
        self.lending_ties = self.neighbour_sum(households.lending.astype(np.float64))

    def influence(
        self, households: HouseholdState, needing: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(N, G) share of each household's ties sharing or lending each good (a `ShareOfTies`, read
        at the pairs asked for), and its lending ties (read-only). Both read the counts as they
        are, so they hold until the counts are brought up to date after the decisions
        (`update_counts`)."""
        if self.well_mixed:
            social = per_good(households.sharing_or_lending()) / np.maximum(needing, 1)
            return np.broadcast_to(social, households.mode.shape), np.zeros(households.mode.shape)
        lending_ties = self.lending_ties.view()  # read-only: the month reads it before the update
        lending_ties.flags.writeable = False
        return ShareOfTies(self.active_ties, self.inverse_degree), lending_ties

    def update_counts(
        self, households: HouseholdState, active_before: np.ndarray, lending_before: np.ndarray
    ) -> None:
        """Bring the counts up to date with what households share and lend now, given what they did
        before (walking only the ties of those who changed)."""
        if self.well_mixed:
            return
        self.add_changes_over_ties(self.active_ties, households.sharing_or_lending(), active_before)
        self.add_changes_over_ties(self.lending_ties, households.lending, lending_before)

    # ------------------------------------------------------------------ new ties

    def random_member(self, zones: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A household drawn uniformly from each zone listed."""
        counts = self.households_by_zone[zones]
        return self._zone_order[
            self._zone_starts[zones] + (rng.random(zones.size) * counts).astype(np.int64)
        ]

    def add(self, a: np.ndarray, b: np.ndarray, households: HouseholdState) -> int:
        """Tie a[i] to b[i] and add each new tie's ends to the counts; returns the pairs of two
        different households."""
        keep = a != b
        a, b = a[keep], b[keep]
        self.pair_ends = a
        if a.size == 0:
            return 0
        # Each tie is kept as two keys (row x N + column), sorted: this month's keys not made before
        # are the new ties, and the sorted keys give the matrix of the ties made during the run
        # (a tie made twice is one tie) without sparse-matrix arithmetic.
        n = self.size
        keys = np.unique(np.concatenate([a.astype(np.int64) * n + b, b.astype(np.int64) * n + a]))
        # Both sorted: where this month's keys would go in the keys made before tells which are
        # there already, and inserting the others there keeps the keys sorted (a merge, not a sort).
        place = np.searchsorted(self._new_keys, keys)
        if self._new_keys.size:
            made = self._new_keys[np.minimum(place, self._new_keys.size - 1)] == keys
            keys, place = keys[~made], place[~made]
        self._new_keys = np.insert(self._new_keys, place, keys)
        # Each new tie adds its ends' activity to the counts over ties.
        new_rows, new_cols = np.divmod(keys, n)
        _add_to_rows(self.active_ties, new_rows, households.sharing_or_lending(new_cols))
        _add_to_rows(self.lending_ties, new_rows, take_rows(households.lending, new_cols))
        # and one to the degree of each end (whole numbers: exact in any order).
        degree = self.degree.copy()
        np.add.at(degree, new_rows, 1.0)
        inverse_degree = self.inverse_degree.copy()
        inverse_degree[new_rows] = 1.0 / degree[new_rows]
        self.degree, self.inverse_degree = degree, inverse_degree
        self._merge_new_ties(new_rows, new_cols, place)
        return int(a.size)

    def _merge_new_ties(self, rows: np.ndarray, cols: np.ndarray, place: np.ndarray) -> None:
        """The matrices of the ties made during the run (`new_ties`, and `_new_compact` of only
        the rows `_new_rows` that have some), the new ties (rows, cols) inserted at `place` in the
        sorted keys: the columns inserted at the same places, each row's start moved by the new
        ties of the rows before it, and the rows that had none added to `_new_rows`. The same
        matrices as built again from all the keys, without a pass over all of them each month."""
        if rows.size == 0:  # every tie drawn was made before: the matrices stay as they are
            return
        n, index = self.size, self.network.indices.dtype
        if self.new_ties is None:
            old_cols, old_indptr = np.zeros(0, dtype=index), np.zeros(n + 1, dtype=index)
            old_rows = np.zeros(0, dtype=np.int64)
        else:
            old_cols, old_indptr, old_rows = (
                self.new_ties.indices,
                self.new_ties.indptr,
                self._new_rows,
            )
        cols = np.insert(old_cols, place, cols.astype(index))
        indptr = np.empty_like(old_indptr)
        _moved_starts(old_indptr, rows, indptr)
        # the rows sorted: each row's first new tie, and of those the rows without ties before
        first = rows[np.concatenate([[True], rows[1:] != rows[:-1]])]
        fresh = first[old_indptr[first + 1] == old_indptr[first]]
        self._new_rows = np.insert(old_rows, np.searchsorted(old_rows, fresh), fresh)
        if self._ones.size < cols.size:  # ones kept from month to month, more when needed
            self._ones = np.ones(2 * cols.size)
        ones = self._ones[: cols.size]
        self.new_ties = sp.csr_matrix((ones, cols, indptr), shape=(n, n))
        self._new_compact = sp.csr_matrix(  # only the rows that have such ties
            (ones, cols, np.append(indptr[self._new_rows], indptr[-1])),
            shape=(self._new_rows.size, n),
        )

    def make_new_ties(
        self,
        households: HouseholdState,
        market: MarketResult,
        tie_from_sharing_prob: float,
        new_ties_by_zone: np.ndarray,
        rng: np.random.Generator,
    ) -> int:
        """This month's ties from platform and pool exchanges and from third places; returns the
        pairs drawn (see the module's rules)."""
        self.pair_ends = np.empty(0, dtype=np.int64)  # a first end per pair drawn this month
        if self.well_mixed:
            return 0
        zone = households.zone
        met = (market.served_platform > 0) | (market.served_pool > 0) | (market.used_platform > 0)
        participants = market.rows[any_good(met)]
        creators = participants[rng.random(participants.size) < tie_from_sharing_prob]
        a_parts, b_parts = [], []
        if creators.size and participants.size > 1:
            by_zone = participants[np.argsort(zone[participants], kind="stable")]
            counts = np.bincount(zone[participants], minlength=self.zone_count)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            zones = zone[creators]
            partners = by_zone[
                starts[zones] + (rng.random(creators.size) * counts[zones]).astype(np.int64)
            ]
            a_parts.append(creators)
            b_parts.append(partners)
        if new_ties_by_zone.any():
            n_new = rng.poisson(new_ties_by_zone)
            zones = np.repeat(np.arange(self.zone_count), n_new)
            a_parts.append(self.random_member(zones, rng))
            b_parts.append(self.random_member(zones, rng))
        if not a_parts:
            return 0
        return self.add(np.concatenate(a_parts), np.concatenate(b_parts), households)

    # ------------------------------------------------------------------ analysis

    def graph(self):
        """All ties as a networkx Graph (nodes are household rows)."""
        import networkx as nx

        ties = self.network if self.new_ties is None else self.network + self.new_ties
        return nx.from_scipy_sparse_array(ties)
