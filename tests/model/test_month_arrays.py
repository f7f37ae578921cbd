"""The faster ways the month reads, sums and counts its (households x goods) arrays give exactly
what the plain numpy expressions they replace give: the same bits, so the same series."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
import scipy.sparse as sp

from model.choice import (
    _lenders_reconsidering,
    _maximum,
    _minimum,
    _others_reconsidering,
    _owners_below,
    at,
    mode_utilities,
    set_at,
)
from model.equilibrium import STATES, _by_group_then_key, _softmax_rows, _stationary_system
from model.households import Mode, put_rows, take_rows
from model.learning import row_products
from model.market import PoolOpenings, pool_open, sums_by_index, zone_sum
from model.model import TerritoryModel
from model.network import ShareOfTies, _add_to_rows, _ties_of, sums_over_ties, ties_among
from model.reporters import ShareBasis, row_sums, times_by_good
from tests.conftest import ROOT
from tests.model.numpy_month import tally_by_zone


def arrays(rng, rows: int, goods: int):
    """Floats over many magnitudes with zeros and negative zeros, flags, and integers."""
    values = rng.standard_normal((rows, goods)) * 10 ** rng.uniform(-5, 5, (rows, goods))
    values[rng.random(values.shape) < 0.3] = 0.0
    values[rng.random(values.shape) < 0.1] = -0.0
    return [values, values > 0, (values * 100).astype(np.int64), values.astype(np.float32)]


@pytest.mark.parametrize("goods", [1, 2, 3, 5, 7, 8, 12])
def test_row_sums_are_numpy_sums_over_goods_to_the_bit(goods):
    rng = np.random.default_rng(goods)
    for values in arrays(rng, 3001, goods):
        for view in (values, values[::3], np.asfortranarray(values), values[:, ::2]):
            expected = view.sum(axis=1)
            got = row_sums(view)
            assert got.dtype == expected.dtype
            assert got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("rows", [0, 1, 255, 256, 257, 1000, 4099])
def test_products_by_good_are_numpy_products_to_the_bit(rows):
    rng = np.random.default_rng(rows)
    for goods in (1, 3, 4):
        factors = rng.standard_normal(goods) * 1e3
        for values in arrays(rng, rows, goods) + [np.asfortranarray(rng.random((rows, goods)))]:
            expected = values * factors
            got = times_by_good(values, factors)
            assert got.dtype == expected.dtype
            assert got.tobytes() == expected.tobytes()


def test_pairs_read_and_written_through_the_flat_index_are_those_of_two_index_arrays():
    rng = np.random.default_rng(7)
    for values in (rng.random((500, 3)), rng.random((500, 3)) < 0.5, rng.random((3, 500)).T):
        rows = rng.integers(0, 500, 200).astype(np.int16)
        cols = rng.integers(0, 3, 200)
        assert at(values, rows, cols).tobytes() == values[rows, cols].tobytes()
        new = rng.random(200) < 0.5 if values.dtype == bool else rng.random(200)
        expected, written = values.copy(), values.copy()
        expected[rows, cols] = new
        set_at(written, rows, cols, new)
        assert written.tobytes() == expected.tobytes()


def test_rows_read_and_written_through_take_and_the_flat_index_are_those_of_one_index_array():
    rng = np.random.default_rng(11)
    for values in arrays(rng, 700, 3) + [rng.random((3, 700)).T, rng.random(700)]:
        for rows in (np.sort(rng.choice(700, 250, replace=False)), rng.integers(0, 700, 90)):
            assert take_rows(values, rows).tobytes() == values[rows].tobytes()
            new = arrays(rng, rows.size, 3)[0]
            new = new[:, 0] if values.ndim == 1 else new
            new = new > 0 if values.dtype == bool else new.astype(values.dtype)
            expected, written = values.copy(), values.copy()
            expected[rows] = new
            put_rows(written, rows, new)
            assert written.tobytes() == expected.tobytes()


def test_the_flags_of_sharing_or_lending_for_some_rows_are_those_of_all_households_read_there():
    model = TerritoryModel(ROOT / "scenarios" / "baseline.toml", households=600, months=3, seed=2)
    model.run()
    rows = np.random.default_rng(1).integers(0, 600, 150)
    every = model.households.sharing_or_lending()
    assert (model.households.sharing_or_lending(rows) == every[rows]).all()


def test_pools_open_are_recomputed_only_when_the_pools_change_and_are_always_those_of_pool_open():
    model = TerritoryModel(
        ROOT / "scenarios" / "bordeaux_metropole.toml", households=1500, months=1, seed=3
    )
    openings = PoolOpenings(model.households, model.pool_reach)
    effects = model.policy_book.effects(1)
    first = openings(effects)
    assert first.tobytes() == pool_open(model.households, effects, model.pool_reach).tobytes()
    assert openings(effects) is first  # the same pools: the flags of last time
    with pytest.raises(ValueError):
        first[0, 0] = not first[0, 0]  # read-only, so no month can change them for the next
    effects.pool_units = effects.pool_units * 3.0 + 1.0
    effects.pool_access = effects.pool_access | True
    grown = openings(effects)
    assert grown is not first
    assert grown.tobytes() == pool_open(model.households, effects, model.pool_reach).tobytes()
    assert grown.sum() > first.sum()


def test_counts_over_ties_moved_by_the_changes_are_those_moved_by_the_sums_over_all_ties():
    model = TerritoryModel(
        ROOT / "scenarios" / "third_places.toml", households=900, months=14, seed=4
    )
    model.run()  # ties made during the run included
    ties, rng = model.ties, np.random.default_rng(9)
    assert ties.new_ties is not None
    # the degrees, moved by each tie made, are those of all ties counted again
    degree = np.asarray((ties.network + ties.new_ties).sum(axis=1)).ravel()
    assert ties.degree.tobytes() == degree.tobytes()
    inverse = np.divide(1.0, degree, out=np.zeros(degree.shape), where=degree > 0)
    assert ties.inverse_degree.tobytes() == inverse.tobytes()
    for before in (model.households.lending, model.households.sharing_or_lending()):
        now = before ^ (rng.random(before.shape) < 0.05)
        for counts in (ties.active_ties.copy(), np.asfortranarray(ties.lending_ties)):
            changes = (now.astype(np.int8) - before).astype(np.float64)
            expected = counts + ties.neighbour_sum(changes)
            ties.add_changes_over_ties(counts, now, before)
            assert counts.tobytes() == expected.tobytes()


def test_the_month_0_softmax_is_the_numpy_softmax_over_the_last_axis_to_the_bit():
    rng = np.random.default_rng(12)
    for width in (2, 4, 5):
        x = rng.standard_normal((2000, 4, width)) * 10 ** rng.uniform(-3, 2.5, (2000, 4, width))
        available = rng.random((2000, 1, width)) < 0.7
        available[..., 0] = True
        masked = np.where(available, x, -np.inf)
        shifted = masked - masked.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        expected = e / e.sum(axis=-1, keepdims=True)
        assert _softmax_rows(x, available).tobytes() == expected.tobytes()


def test_the_month_0_system_written_transposed_is_the_transposed_transitions_less_one():
    rng = np.random.default_rng(13)
    n = 3000
    choice = rng.dirichlet(np.ones(4), size=(n, 4))
    several = rng.random((n, 2)) * (rng.random((n, 1)) < 0.5)
    r_owner, r_other = 1 / rng.uniform(60, 200, n) + 0.01, np.full(n, 1 / 24)
    t = np.zeros((n, STATES, STATES))
    for current in range(4):
        rate = r_owner if current == Mode.OWN else r_other
        t[:, current, :4] = rate[:, None] * choice[:, current, :]
        to_own = t[:, current, Mode.OWN].copy()
        t[:, current, 4] = to_own * several[:, 1]
        t[:, current, Mode.OWN] = to_own * (1 - several[:, 1])
        t[:, current, current] += 1 - rate
    t[:, 4, 4] = 1 - r_owner * (1 - several[:, 0])
    t[:, 4, Mode.OWN] = r_owner * (1 - several[:, 0])
    expected = np.swapaxes(t, 1, 2) - np.eye(STATES)[None]
    expected[:, -1, :] = 1.0
    assert _stationary_system(choice, several, r_owner, r_other).tobytes() == expected.tobytes()


@pytest.mark.parametrize("groups", [1, 7, 900, 70_000])
def test_the_order_by_group_then_key_is_that_of_lexsort(groups):
    rng = np.random.default_rng(groups)
    n = 20_000
    group = rng.integers(0, groups, n)
    key = np.round(rng.standard_normal(n), 2)  # many ties, kept in the order of their positions
    key[rng.random(n) < 0.3] = np.inf
    expected = np.lexsort((key, group))
    assert (_by_group_then_key(group, key, groups) == expected).all()


def test_adding_to_rows_through_the_flat_index_is_numpy_add_at_to_the_bit():
    rng = np.random.default_rng(14)
    rows = rng.integers(0, 300, 500)  # rows repeated: each adds
    for counts in (
        rng.random((300, 3)) * 1e3,  # compiled
        np.asfortranarray(rng.random((300, 3))),  # np.add.at itself
        (rng.random((300, 3)) * 1e3).astype(np.float32),  # through the flat index
    ):
        for values in (rng.random((500, 3)) < 0.5, rng.standard_normal((500, 3))):
            expected, added = counts.copy(), counts.copy()
            np.add.at(expected, rows, values)
            _add_to_rows(added, rows, values)
            assert added.tobytes() == expected.tobytes()


def test_the_ties_of_some_households_are_their_rows_of_the_matrix_in_order():
    import scipy.sparse as sp

    rng = np.random.default_rng(15)
    ties = sp.random(400, 400, density=0.02, format="csr", random_state=15)
    rows = np.sort(rng.choice(400, 120, replace=False))
    owners, neighbours = _ties_of(ties, rows)
    expected_owners = np.concatenate([np.full(ties[r].nnz, i) for i, r in enumerate(rows)])
    expected_neighbours = np.concatenate(
        [ties.indices[ties.indptr[r] : ties.indptr[r + 1]] for r in rows]
    )
    assert (owners == expected_owners).all() and (neighbours == expected_neighbours).all()


def test_sums_over_the_ties_among_some_households_are_the_sums_over_all_ties_read_there():
    model = TerritoryModel(
        ROOT / "scenarios" / "third_places.toml", households=900, months=14, seed=4
    )
    model.run()  # ties made during the run included
    ties, rng = model.ties, np.random.default_rng(17)
    assert ties.new_ties is not None
    rows = np.sort(rng.choice(900, 250, replace=False))
    values = arrays(rng, 250, 3)[0]
    everywhere = np.zeros((900, 3))
    everywhere[rows] = values
    expected = ties.neighbour_sum(everywhere)[rows]
    assert ties.neighbour_sum_of_rows(rows)(values).tobytes() == expected.tobytes()


def walked_sums_over_ties_among(ties, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The sums over the ties among `rows` as the month took them before: each good's values
    summed over the walked ties by `bincount`, those made during the run added where there are."""
    position = np.full(ties.size, -1, dtype=np.int32)
    position[rows] = np.arange(rows.size, dtype=np.int32)
    walks = []
    for matrix in (ties.network, ties.new_ties):
        if matrix is None:
            continue
        owners, neighbours = _ties_of(matrix, rows)
        among = position[neighbours]
        kept = among >= 0
        having = None if not walks else np.bincount(owners, minlength=rows.size) > 0
        walks.append((owners[kept], among[kept], having))
    total = np.empty(values.shape)
    for g in range(values.shape[1]):
        column = np.ascontiguousarray(values[:, g])
        owners, among, _ = walks[0]
        total[:, g] = np.bincount(owners, weights=column[among], minlength=rows.size)
        for owners, among, having in walks[1:]:
            made = np.bincount(owners, weights=column[among], minlength=rows.size)
            total[having, g] += made[having]
    return total


@pytest.mark.parametrize("seed", [4, 9])
def test_the_sparse_product_over_the_ties_among_some_households_is_the_walk_to_the_bit(seed):
    model = TerritoryModel(
        ROOT / "scenarios" / "third_places.toml", households=1200, months=12, seed=seed
    )
    model.run()  # ties made during the run included
    ties, rng = model.ties, np.random.default_rng(seed)
    assert ties.new_ties is not None
    for share in (0.05, 0.3, 1.0):
        rows = np.sort(rng.choice(1200, int(1200 * share), replace=False))
        for values in arrays(rng, rows.size, 3)[:1] + [rng.random((rows.size, 3)) * 1e-3]:
            expected = walked_sums_over_ties_among(ties, rows, values)
            for view in (values, np.asfortranarray(values)):
                got = ties.neighbour_sum_of_rows(rows)(view)
                assert got.tobytes() == expected.tobytes()


def test_the_ties_among_some_households_keep_each_row_s_order_sorted_or_not():
    import scipy.sparse as sp

    rng = np.random.default_rng(21)
    ties = sp.random(500, 500, density=0.03, format="csr", random_state=21)
    ties = ties + ties.T
    ties.data[:] = 1.0
    rows = np.sort(rng.choice(500, 160, replace=False))
    position = np.full(500, -1)
    position[rows] = np.arange(rows.size)
    shuffled = ties.copy()
    for r in range(500):  # each row's ties in another order: the sub-matrix keeps that order
        start, end = shuffled.indptr[r], shuffled.indptr[r + 1]
        shuffled.indices[start:end] = rng.permutation(shuffled.indices[start:end])
    shuffled.has_sorted_indices = False
    # not matrices of ones: scipy's way (sorted) or numpy's (not sorted), not the compiled one
    doubled, doubled_shuffled = ties * 2.0, shuffled * 2.0
    assert doubled.has_sorted_indices and not doubled_shuffled.has_sorted_indices
    for matrix in (ties, shuffled, doubled, doubled_shuffled):
        among = ties_among(matrix, rows)
        for i, r in enumerate(rows):
            walked = position[matrix.indices[matrix.indptr[r] : matrix.indptr[r + 1]]]
            kept = among.indices[among.indptr[i] : among.indptr[i + 1]]
            assert (kept == walked[walked >= 0]).all()
            weights = matrix.data[matrix.indptr[r] : matrix.indptr[r + 1]][walked >= 0]
            assert (among.data[among.indptr[i] : among.indptr[i + 1]] == weights).all()


def test_the_compiled_sums_over_all_ties_are_scipy_s_products_to_the_bit():
    model = TerritoryModel(
        ROOT / "scenarios" / "third_places.toml", households=1500, months=10, seed=8
    )
    model.run()
    ties, rng = model.ties, np.random.default_rng(8)
    assert ties.new_ties is not None and ties._of_ones
    for values in [model.households.trust, *arrays(rng, 1500, 2)[:1], rng.random(1500) * 1e-7]:
        for column in [values] if values.ndim == 1 else [values[:, 0], values[:, 1]]:
            expected = ties.network @ column
            expected[ties._new_rows] += ties._new_compact @ column
            assert (
                sums_over_ties(ties.network, column, ties._new_rows, ties._new_compact).tobytes()
                == expected.tobytes()
            )
            assert ties.neighbour_sum(column).tobytes() == expected.tobytes()
            assert sums_over_ties(ties.network, column).tobytes() == (
                (ties.network @ column).tobytes()
            )


def test_the_compiled_drift_toward_the_ties_mean_is_the_arrays_expression_to_the_bit():
    model = TerritoryModel(
        ROOT / "scenarios" / "third_places.toml", households=1500, months=10, seed=12
    )
    model.run()
    ties, rng = model.ties, np.random.default_rng(12)
    assert ties.new_ties is not None
    ties.degree[:7] = 0  # households without ties keep their own value
    ties.inverse_degree[:7] = 0.0
    for values in (model.households.trust, rng.random(1500), arrays(rng, 1500, 1)[0][:, 0]):
        for drift in (0.05, 0.3, 1e-9):
            expected = values + drift * (ties.mean_over_ties(values) - values)
            assert ties.drift_toward_ties(values, drift).tobytes() == expected.tobytes()


@pytest.mark.parametrize("goods", [1, 3])
def test_sums_by_index_in_one_pass_are_numpy_bincounts_to_the_bit(goods):
    rng = np.random.default_rng(goods)
    for dtype in (np.int8, np.int32, np.intp):
        index = rng.integers(0, 40, 5000).astype(dtype)
        values = arrays(rng, 5000, goods)[0]
        expected = np.stack(
            [np.bincount(index, weights=values[:, g], minlength=45) for g in range(goods)], axis=1
        )
        assert sums_by_index(index, values, 45).tobytes() == expected.tobytes()
        assert zone_sum(index, 45, values).tobytes() == expected.tobytes()
        column = np.bincount(index, weights=values[:, 0], minlength=45)
        assert sums_by_index(index, values[:, 0], 45).tobytes() == column.tobytes()
        # an index past the bins asked for: numpy's bincount, which makes room for it
        wide = np.bincount(index, weights=values[:, 0], minlength=10)
        assert sums_by_index(index, values[:, 0], 10).tobytes() == wide.tobytes()


def test_uniform_draws_into_the_kept_buffer_are_those_of_a_new_array():
    model = TerritoryModel(ROOT / "scenarios" / "baseline.toml", households=300, months=1, seed=1)
    hh = model.households
    kept, fresh = np.random.default_rng(11), np.random.default_rng(11)
    for _ in range(3):
        got = hh.uniform_draws(kept)
        assert got.tobytes() == fresh.random(hh.mode.shape).tobytes()
    assert got is hh.uniform_draws(kept)  # the same buffer each time
    assert got.tobytes() == fresh.random(hh.mode.shape).tobytes()
    assert kept.random() == fresh.random()  # and the streams stay in step


def test_the_share_of_ties_read_at_pairs_is_the_whole_array_read_there():
    rng = np.random.default_rng(23)
    active = rng.integers(0, 9, (700, 3)).astype(np.float64)
    degree = rng.integers(0, 12, 700).astype(np.float64)
    inverse = np.divide(1.0, degree, out=np.zeros(700), where=degree > 0)
    whole = active * inverse[:, None]
    for counts in (active, np.asfortranarray(active)):
        share = ShareOfTies(counts, inverse)
        rows = rng.integers(0, 700, 400)
        cols = rng.integers(0, 3, 400)
        assert share[rows, cols].tobytes() == whole[rows, cols].tobytes()
        assert share.of_flat(rows, rows * 3 + cols).tobytes() == whole[rows, cols].tobytes()
        assert at(share, rows, cols).tobytes() == whole[rows, cols].tobytes()
        assert np.asarray(share).tobytes() == whole.tobytes()


def test_the_month_s_share_of_ties_is_the_one_computed_for_every_household():
    model = TerritoryModel(
        ROOT / "scenarios" / "third_places.toml", households=800, months=6, seed=2
    )
    model.run()
    ties = model.ties
    share, lending = ties.influence(model.households, model.needing)
    whole = ties.active_ties * ties.inverse_degree[:, None]
    assert np.asarray(share).tobytes() == whole.tobytes()
    assert lending.tobytes() == ties.lending_ties.tobytes() and not lending.flags.writeable


def test_counts_by_zone_and_quintile_on_indices_converted_once_are_those_on_the_small_integers():
    model = TerritoryModel(
        ROOT / "scenarios" / "bordeaux_metropole.toml", households=700, months=1, seed=3
    )
    hh, rng = model.households, np.random.default_rng(5)
    weights = rng.random(hh.size) * 1e3
    for small, index in ((hh.zone, hh.zone_index), (hh.quintile, hh.quintile_index)):
        assert index.dtype == np.intp and (index == small).all()
        expected = np.bincount(small, weights=weights)
        assert np.bincount(index, weights=weights).tobytes() == expected.tobytes()


def test_ties_made_are_merged_into_the_sorted_keys_of_those_made_before():
    model = TerritoryModel(
        ROOT / "scenarios" / "third_places.toml", households=700, months=3, seed=6
    )
    ties, rng, n = model.ties, np.random.default_rng(16), 700
    expected = ties._new_keys.copy()
    for month in range(5):
        a, b = rng.integers(0, n, 300), rng.integers(0, n, 300)
        if month == 4:  # only ties made before
            a, b = np.divmod(ties._new_keys[:50], n)
        a[:40], b[:40] = b[-40:], a[-40:]  # some pairs made again, the other way round
        ties.add(a, b, model.households)
        keep = a != b
        made = np.concatenate([a[keep] * n + b[keep], b[keep] * n + a[keep]])
        expected = np.unique(np.concatenate([expected, made]))
        assert ties._new_keys.tobytes() == expected.astype(np.int64).tobytes()
        # the matrices merged month by month are those built from all the keys at once
        rows, cols = np.divmod(expected, n)
        per_row = np.bincount(rows, minlength=n)
        rebuilt = sp.csr_matrix(
            (np.ones(cols.size), cols, np.concatenate([[0], np.cumsum(per_row)])), shape=(n, n)
        )
        having = rows[np.concatenate([[True], rows[1:] != rows[:-1]])]
        compact = sp.csr_matrix(
            (np.ones(cols.size), cols, np.concatenate([[0], np.cumsum(per_row[having])])),
            shape=(having.size, n),
        )
        assert ties._new_rows.tobytes() == having.tobytes()
        for got, built in ((ties.new_ties, rebuilt), (ties._new_compact, compact)):
            assert got.shape == built.shape and got.data.tobytes() == built.data.tobytes()
            assert np.array_equal(got.indices, built.indices)
            assert np.array_equal(got.indptr, built.indptr)


@pytest.mark.parametrize("goods", [1, 2, 3, 5, 8, 12])
def test_row_products_are_numpy_products_over_goods_to_the_bit(goods):
    rng = np.random.default_rng(goods)
    values = arrays(rng, 3001, goods)[0]
    for view in (values, 1 + values * 1e-3, np.asfortranarray(values)):
        assert row_products(view).tobytes() == np.prod(view, axis=1).tobytes()


def test_one_count_by_zone_gives_each_zone_its_households_by_mode_lenders_and_owners_of_several():
    model = TerritoryModel(
        ROOT / "scenarios" / "bordeaux_metropole.toml", households=1200, months=2, seed=5
    )
    model.run()
    hh, tally = model.households, tally_by_zone(model)
    for z in range(model.zone_count):
        here = hh.zone == z
        for g in range(len(model.goods.names)):
            need = hh.need[here, g]
            modes = [np.count_nonzero(need & (hh.mode[here, g] == m)) for m in Mode]
            assert list(tally.modes[z, g]) == [*modes, np.count_nonzero(~need)]
            assert tally.lenders[z, g] == np.count_nonzero(hh.lending[here, g])
            several = hh.extra[here, g] & need & (hh.mode[here, g] == Mode.OWN)
            expected = np.count_nonzero(several) if model.goods.multi_unit[g] else 0
            assert tally.several[z, g] == expected
    assert tally.several.sum() > 0 and tally.lenders.sum() > 0


@pytest.mark.parametrize("households", [0, 1, 7, 1000, 4099])
def test_weighted_counts_are_the_sums_of_the_weights_picked_by_the_flags(households):
    rng = np.random.default_rng(households)
    weight = rng.uniform(0.5, 400.0, households)
    basis = ShareBasis(
        modes=np.zeros((1, 1)),
        lenders=np.zeros(1),
        several=np.zeros(1),
        needing=np.ones(1),
        households=float(households),
        weight=weight,
    )
    rows = np.flatnonzero(rng.random(households) < 0.4)
    for density in (0.0, 0.03, 0.5, 1.0):
        flags = rng.random(households) < density
        assert basis.count(flags) == float(weight[flags].sum())
        picked = flags[rows]
        assert basis.count(picked, rows) == float(weight[rows][picked].sum())
        zone = rng.integers(0, 40, households)
        assert np.compress(flags, zone).tobytes() == zone[flags].tobytes()
    for some in (rows, rows[::2], rows):  # the weights of the rows asked for last, not of others
        values = rng.standard_normal((some.size, 3))
        assert basis.total(values, some) == float(weight[some] @ row_sums(values))
        assert basis.total(values[:, 0], some) == float(weight[some] @ values[:, 0])


@pytest.mark.parametrize("goods", [1, 3, 5])
def test_the_market_rows_added_to_the_spending_are_numpy_s_addition_at_those_rows(goods):
    rng = np.random.default_rng(goods)
    total = arrays(rng, 3001, goods)[0]
    rows = np.flatnonzero(rng.random(3001) < 0.2)  # the market's: each household once, in order
    paid = arrays(rng, rows.size, goods)[0]
    expected = total.copy()
    expected[rows] += paid
    put_rows(total, rows, take_rows(total, rows) + paid)
    assert total.tobytes() == expected.tobytes()


@pytest.mark.parametrize("pairs", [0, 1, 999])
def test_the_habit_bonus_is_added_at_each_pair_s_current_mode_as_numpy_s_indexing_adds_it(pairs):
    rng = np.random.default_rng(pairs)
    behaviour = TerritoryModel(ROOT / "scenarios" / "baseline.toml", households=50).behaviour
    kwargs = {
        name: rng.uniform(0.1, 3000.0, pairs)
        for name in [
            "income",
            "concern",
            "trust",
            "uses",
            "own_cost",
            "rent_cost_per_use",
            "share_cost_per_use",
            "forgo_per_use",
            "availability",
            "share_bonus",
            "risk",
            "social",
            "own_emissions",
            "use_emissions",
        ]
    }
    current = rng.integers(0, len(Mode), pairs).astype(np.int8)
    with_habit = mode_utilities(behaviour=behaviour, current=current, **kwargs)
    expected = mode_utilities(behaviour=behaviour, current=None, **kwargs)
    expected[np.arange(pairs), current] += behaviour.habit_bonus
    assert with_habit.tobytes() == expected.tobytes()
    assert pairs == 0 or not np.array_equal(
        with_habit, mode_utilities(behaviour=behaviour, current=None, **kwargs)
    )


def month_flags(rng, households: int, goods: int):
    """Modes, flags and draws over every household and good, as the month has them."""
    mode = rng.integers(0, len(Mode), (households, goods)).astype(np.int8)
    need, aware, newly_aware = rng.random((3, households, goods)) < [[[0.8]], [[0.5]], [[0.05]]]
    draw = rng.random((households, goods))
    draw[rng.random(draw.shape) < 0.01] = 0.0
    return mode, need, aware, newly_aware, draw


@pytest.mark.parametrize("goods", [1, 3, 4])
def test_the_owners_below_a_bound_are_flagged_as_by_numpy(goods):
    rng = np.random.default_rng(goods)
    mode, _, _, _, draw = month_flags(rng, 2000, goods)
    for below in (0.05, draw[5, 0]):  # a draw equal to its bound is not below it
        expected = (mode == Mode.OWN) & (draw < below)
        got = np.empty(mode.size, dtype=bool)
        _owners_below(mode.reshape(-1), draw.reshape(-1), below, np.int8(Mode.OWN), got)
        assert got.tobytes() == expected.reshape(-1).tobytes()


@pytest.mark.parametrize("goods", [1, 3, 4])
def test_the_non_owners_reconsidering_their_mode_are_flagged_as_by_numpy(goods):
    rng = np.random.default_rng(10 + goods)
    mode, need, _, newly_aware, draw = month_flags(rng, 2000, goods)
    below = draw[7, 0]
    expected = need & ~(mode == Mode.OWN) & ((draw < below) | newly_aware)
    got = np.empty(mode.size, dtype=bool)
    _others_reconsidering(
        mode.reshape(-1),
        need.reshape(-1),
        draw.reshape(-1),
        newly_aware.reshape(-1),
        below,
        np.int8(Mode.OWN),
        got,
    )
    assert got.tobytes() == expected.reshape(-1).tobytes()


@pytest.mark.parametrize("goods", [1, 3, 4])
def test_the_owners_reconsidering_lending_and_the_ages_are_those_of_the_flags_expression(goods):
    rng = np.random.default_rng(20 + goods)
    mode, _, aware, newly_aware, draw = month_flags(rng, 2000, goods)
    age = rng.integers(0, 300, mode.shape).astype(np.int16)
    below = 1.0 / 24
    owner = mode == Mode.OWN
    expected = ((draw < below) | newly_aware) & owner & aware
    aged = age.copy()
    aged += owner
    got = np.empty(mode.size, dtype=bool)
    _lenders_reconsidering(
        mode.reshape(-1),
        aware.reshape(-1),
        draw.reshape(-1),
        newly_aware.reshape(-1),
        below,
        age.reshape(-1),
        np.int8(Mode.OWN),
        got,
    )
    assert got.tobytes() == expected.reshape(-1).tobytes()
    assert age.dtype == aged.dtype and age.tobytes() == aged.tobytes()


def test_the_compiled_maximum_and_minimum_are_numpy_s_with_nans_and_signed_zeros():
    special = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-300, -1e-300]
    for a in special:
        for b in special:
            for compiled, expected in ((_maximum, np.maximum), (_minimum, np.minimum)):
                assert np.float64(compiled(a, b)).tobytes() == expected(a, b).tobytes(), (a, b)


@pytest.mark.parametrize(
    "scenario, overrides",
    [
        ("territoire_partage.toml", {}),  # pools, several units, constants
        ("bordeaux_metropole.toml", {}),
        ("baseline.toml", {"network.kind": "well-mixed"}),
    ],
)
def test_the_compiled_utilities_of_pairs_are_numpy_s_to_the_bit(scenario, overrides):
    from model.choice import utilities_of_pairs

    model = TerritoryModel(
        ROOT / "scenarios" / scenario, households=900, months=6, seed=4, overrides=overrides
    )
    for _ in range(4):
        model.step()
    hh, rng = model.households, np.random.default_rng(5)
    # the month's arrays, with a few zeros, negative zeros, very small and very large values
    for name in ("uses", "utilization", "expected_price", "availability"):
        values = getattr(hh, name)
        for special in (0.0, -0.0, 1e-300, 1e300):
            values[rng.random(values.shape) < 0.02] = special
    hh.tried[rng.random(hh.tried.shape) < 0.3] = True
    hh.lending[rng.random(hh.lending.shape) < 0.2] = True
    fx = model.effects
    fx.subsidy_eur[...] = rng.random(fx.subsidy_eur.shape) * 3
    fx.rent_access_discount_eur[...] = rng.random(fx.rent_access_discount_eur.shape) * 2
    social, lending_ties = model.ties.influence(hh, model.needing)
    context = dict(
        social=social,
        lending_ties=lending_ties,
        pool_ok=model.pool_openings(fx) | (rng.random(hh.mode.shape) < 0.2),
        rental_access_eur=model.rental_access_eur,
        share_access_eur=model.share_access_eur,
        well_mixed=model.well_mixed,
    )
    rows, cols = np.divmod(np.flatnonzero(rng.random(hh.mode.shape) < 0.4), hh.mode.shape[1])
    for habit, uses_share in ((True, None), (False, None), (False, rng.random(rows.size))):
        utilities = partial(
            utilities_of_pairs,
            hh,
            model.goods,
            model.behaviour,
            fx,
            rows,
            cols,
            habit=habit,
            uses_share=uses_share,
            **context,
        )
        got = utilities(compiled=True)
        with np.errstate(over="ignore", invalid="ignore"):  # the very large values
            expected = utilities(compiled=False)
        assert got[0].shape == expected[0].shape and got[0].dtype == expected[0].dtype
        assert got[0].tobytes() == expected[0].tobytes()
        assert got[1].tobytes() == expected[1].tobytes()


def test_the_rows_starts_moved_by_inserted_entries_are_those_of_the_counts_cumulated():
    from model.network import _moved_starts

    rng = np.random.default_rng(21)
    for n, inserted in ((1, 3), (50, 0), (50, 1), (700, 300)):
        indptr = np.concatenate([[0], np.cumsum(rng.integers(0, 4, n))]).astype(np.int32)
        rows = np.sort(rng.integers(0, n, inserted))
        rows[:1] = 0 if inserted else rows[:1]
        rows[-1:] = n - 1 if inserted else rows[-1:]
        rows = np.sort(rows)
        expected = indptr.copy()
        expected[1:] += np.cumsum(np.bincount(rows, minlength=n), dtype=np.int32)
        got = np.empty_like(indptr)
        _moved_starts(indptr, rows, got)
        assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()
