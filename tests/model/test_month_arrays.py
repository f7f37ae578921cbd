"""The faster ways the month reads, sums and counts its (households x goods) arrays give exactly
what the plain numpy expressions they replace give: the same bits, so the same series."""

from __future__ import annotations

import numpy as np
import pytest

from model.choice import at, set_at
from model.households import Mode
from model.model import TerritoryModel
from model.reporters import row_sums, times_by_good
from model.zone_results import tally_by_zone
from tests.conftest import ROOT


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
