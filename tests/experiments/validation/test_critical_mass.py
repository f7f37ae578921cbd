"""The critical-mass and hysteresis checks of `partage validate`, at small size."""

from __future__ import annotations

import pytest

from experiments.validation.critical_mass import check_critical_mass, check_hysteresis


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
    # The gap at 0 is a few points: at 600 households its noise (about 3 points over two
    # replications) hides it, at 2 000 households and three replications it shows.
    result = check_hysteresis(
        households=2000, months=72, replications=3, subsidies=(0, 30), prime_months=24
    )
    low, top = result["rows"]
    assert result["social_weight"] >= 4, "the case needs a social weight where two levels can exist"
    # At the top subsidy both branches are the same runs: no gap.
    assert top["gap"] == pytest.approx(0.0) and top["up"] == pytest.approx(top["down"])
    # Primed at the top subsidy, the downward branch keeps more sharing than the upward one at 0.
    assert low["down"] > low["up"]
    assert all(r["gap_ci95"] >= 0 for r in result["rows"])
    assert result["max_gap"] == pytest.approx(max(r["gap"] for r in result["rows"]))
