"""The network-effects check of `partage validate`, at small size."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.validation.network import (
    check_network_effects,
    clustering_coefficient,
    crossing_month,
)
from model.territory import adjacency


def test_clustering_of_a_ring_and_a_triangle():
    triangle = adjacency(3, np.array([0, 1, 2]), np.array([1, 2, 0]))
    assert clustering_coefficient(triangle) == pytest.approx(1.0)
    ring = adjacency(6, np.arange(6), (np.arange(6) + 1) % 6)
    assert clustering_coefficient(ring) == 0.0


def test_crossing_month_interpolates():
    assert crossing_month(np.array([0.0, 0.2, 0.6, 1.0]), 0.4) == pytest.approx(1.5)
    assert math.isnan(crossing_month(np.array([0.0, 0.1]), 0.5))


def test_word_of_mouth_on_small_worlds_gives_s_curves_and_more_ties_spread_faster():
    result = check_network_effects(
        households=2_000,
        months=120,
        replications=1,
        long_tie_shares=(0.0, 1.0),
        mean_degrees=(4, 16),
    )
    assert result["all_s_shaped"], [
        (r["lever"], r["value"]) for r in result["rows"] if not r["s_shaped"]
    ]
    assert result["more_ties_faster"]
    by = {(r["lever"], r["value"]): r for r in result["rows"]}
    # A clustered lattice (no long ties) is far more clustered than a rewired network, and slower.
    assert by[("long_tie_share", 0.0)]["clustering"] > 5 * by[("long_tie_share", 1.0)]["clustering"]
    assert by[("long_tie_share", 0.0)]["t50"] > by[("long_tie_share", 1.0)]["t50"]
    # The well-mixed territory is the fastest of all.
    assert by[("well-mixed", 0)]["t50"] < min(
        r["t50"] for r in result["rows"] if r["lever"] != "well-mixed"
    )
