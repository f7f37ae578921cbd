"""The faster ways the model's set-up finds its ties give exactly what the plain numpy
expressions they replace give: the same ties, so the same series."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from model.geography import _back_ranks


@pytest.mark.parametrize("households, k", [(2, 1), (50, 3), (3000, 7), (3000, 12)])
def test_back_ranks_are_where_each_household_is_among_its_neighbours_own(households, k):
    rng = np.random.default_rng(households + k)
    xy = rng.normal(size=(households, 2)) * 100
    xy[: households // 10] = xy[0]  # households at the same place: ties in distance
    xy = np.round(xy, 1)
    k = min(k, households - 1)
    _, nearest = cKDTree(xy).query(xy, k=k + 1)
    nearest = np.ascontiguousarray(nearest[:, 1:])
    got = _back_ranks(nearest)
    for rank in range(k):
        a, b = np.arange(households), nearest[:, rank]
        back = nearest[b] == a[:, None]
        expected = np.where(back.any(axis=1), back.argmax(axis=1), k)
        assert np.array_equal(got[:, rank], expected)


def test_the_month_0_choice_probabilities_with_zeros_and_ties_are_numpys_to_the_bit():
    """As month 0 calls the softmax: utilities with zeros of both signs and equal entries, a
    habit bonus on the diagonal, sharing unavailable to some pairs."""
    from model.equilibrium import _softmax_rows

    rng = np.random.default_rng(14)
    n = 5000
    scaled = np.round(rng.standard_normal((n, 4)), 1)
    scaled[rng.random(scaled.shape) < 0.2] = 0.0
    scaled[rng.random(scaled.shape) < 0.1] = -0.0
    available = np.ones((n, 4), dtype=bool)
    available[:, 2] = rng.random(n) < 0.6
    for habit in (0.0, 0.7, -0.3):
        x = scaled[:, None, :] + habit * np.eye(4)[None]
        masked = np.where(available[:, None, :], x, -np.inf)
        e = np.exp(masked - masked.max(axis=-1, keepdims=True))
        expected = e / e.sum(axis=-1, keepdims=True)
        assert _softmax_rows(x, available[:, None, :]).tobytes() == expected.tobytes()
