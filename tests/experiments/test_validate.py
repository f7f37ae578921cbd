"""The validation checks of `partage validate`, at small size.

Tolerances come from the population size: in the Bass limit the share of
adopters of one run scatters around the Bass curve with a standard deviation
sigma(t) of the order of the binomial error sqrt(F (1 - F) / N) (propagated by
the linear noise approximation, `bass_sigma`); the mean of R runs must stay
within 4 sigma(t) / sqrt(R) at every month (sigma(t) never below one
household, 1/N, where counts are too small to be Gaussian), and each month's
new adopters within 4.5 binomial standard errors of their expectation given F(t).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments import validate
from experiments.validate import (
    BASS_Z_LIMIT,
    bass_curve,
    bass_sigma,
    bass_tolerance,
    check_bass,
    check_critical_mass,
    check_hysteresis,
    check_network_effects,
    clustering_coefficient,
    crossing_month,
)
from model.territory import adjacency


def test_bass_curve_is_the_discrete_recursion():
    p, q = 0.03, 0.38
    curve = bass_curve(p, q, 3)
    assert curve[0] == 0
    assert curve[1] == pytest.approx(p)
    assert curve[2] == pytest.approx(p + (p + q * p) * (1 - p))
    assert np.all(np.diff(bass_curve(p, q, 60)) > 0) and bass_curve(p, q, 200)[-1] == pytest.approx(1.0)


def test_bass_sigma_starts_as_a_binomial_error():
    p, q, n = 0.03, 0.38, 10_000
    sigma = bass_sigma(p, q, 40, n)
    assert sigma[0] == 0
    assert sigma[1] == pytest.approx(math.sqrt(p * (1 - p) / n))
    # Word of mouth amplifies early noise: later errors exceed the plain binomial error at F.
    curve = bass_curve(p, q, 40)
    t = int(np.argmin(np.abs(curve - 0.5)))
    assert sigma[t] > math.sqrt(0.25 / n)
    assert sigma[t] < 5 * math.sqrt(0.25 / n)


def test_bass_tolerance_never_falls_below_one_household():
    n = 5_000
    tolerance = bass_tolerance(0.01, 0.5, 60, n)
    assert tolerance.min() >= 1 / n
    assert tolerance[-1] == pytest.approx(1 / n, rel=1e-3)  # saturated: only discreteness is left


@pytest.mark.parametrize("p, q", [(0.03, 0.38), (0.01, 0.5), (0.05, 0.2)])
def test_bass_limit_follows_the_discrete_bass_curve(p, q):
    result = check_bass(p, q, households=3_000, months=25, replications=2)
    assert result["passed"], result["goods"]
    assert result["max_abs_z"] <= BASS_Z_LIMIT


def test_bass_check_fails_against_the_wrong_curve():
    # Simulated with q = 0.38, compared with q = 0.30: the check must notice.
    result = check_bass(0.03, 0.38, households=3_000, months=25, replications=2, compare_q=0.30)
    assert not result["passed"]


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
        households=2_000, months=120, replications=1, long_tie_shares=(0.0, 1.0), mean_degrees=(4, 16)
    )
    assert result["all_s_shaped"], [(r["lever"], r["value"]) for r in result["rows"] if not r["s_shaped"]]
    assert result["more_ties_faster"]
    by = {(r["lever"], r["value"]): r for r in result["rows"]}
    # A clustered lattice (no long ties) is far more clustered than a rewired network, and slower.
    assert by[("long_tie_share", 0.0)]["clustering"] > 5 * by[("long_tie_share", 1.0)]["clustering"]
    assert by[("long_tie_share", 0.0)]["t50"] > by[("long_tie_share", 1.0)]["t50"]
    # The well-mixed territory is the fastest of all.
    assert by[("well-mixed", 0)]["t50"] < min(r["t50"] for r in result["rows"] if r["lever"] != "well-mixed")


def test_critical_mass_sweep_reports_intervals_and_a_tipping_region():
    result = check_critical_mass(households=800, months=48, replications=2, subsidies=(0, 10, 30))
    means = [r["mean"] for r in result["rows"]]
    assert all(r["ci95"] >= 0 for r in result["rows"])
    assert means[-1] > means[0]  # a subsidy paid on every shared use raises sharing
    low, high = result["tipping_region"]
    assert low < high
    assert 0 < result["tipping_support"] <= 1
    assert sum(result["tipping_support_by_stretch"].values()) == pytest.approx(1.0)


def test_hysteresis_runs_both_branches_with_paired_intervals():
    result = check_hysteresis(households=600, months=72, replications=2, subsidies=(0, 30), prime_months=24)
    low, top = result["rows"]
    assert result["social_weight"] >= 4, "the case needs a social weight where two levels can exist"
    # At the top subsidy both branches are the same runs: no gap.
    assert top["gap"] == pytest.approx(0.0) and top["up"] == pytest.approx(top["down"])
    # Primed at the top subsidy, the downward branch keeps more sharing than the upward one at 0.
    assert low["down"] > low["up"]
    assert all(r["gap_ci95"] >= 0 for r in result["rows"])
    assert result["max_gap"] == pytest.approx(max(r["gap"] for r in result["rows"]))


def test_validate_command_writes_a_report_with_plots(tmp_path, monkeypatch):
    tiny = validate.Sizes(600, 12, 2, 600, 60, 1, 400, 24, 2, 400, 24, 2, 200, 6, 3)
    monkeypatch.setattr(validate, "QUICK", tiny)
    monkeypatch.setattr(validate, "BASS_PARAMETERS", ((0.03, 0.38),))

    class Args:
        quick = True
        out = tmp_path / "validation"

    validate.validate_command(Args())
    report = (Args.out / "report.md").read_text()
    for heading in ("Bass limit", "Network effects", "Critical mass", "Scalar reference"):
        assert heading in report
    for plot in ("bass.png", "network.png", "critical_mass.png"):
        assert (Args.out / plot).stat().st_size > 1000
