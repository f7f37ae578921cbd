"""The model-speed benchmark (`partage bench`): its arithmetic and its instrumentation (no assertion on time itself)."""

from __future__ import annotations

import pytest

from benchmarks import model_speed
from model import model as model_module
from model import reporters
from model.model import TerritoryModel


def test_scaling_exponent_of_linear_and_quadratic_times():
    sizes = [1_000, 10_000, 100_000]
    assert model_speed.scaling_exponent(sizes, [2e-3 * n for n in sizes]) == pytest.approx(1.0)
    assert model_speed.scaling_exponent(sizes, [1e-9 * n * n for n in sizes]) == pytest.approx(2.0)


def test_timed_phases_change_nothing_and_put_everything_back(tiny):
    scenario = tiny(households=300, months=6)
    plain = TerritoryModel(scenario, agents=False)
    plain.run()
    timed = TerritoryModel(scenario, agents=False)
    original_market, original_measure = model_module.clear_market, reporters.measure
    original_decide, original_learning = model_module.decide, model_module.learn_from_the_month
    phases = model_speed.TimedPhases(timed)
    timed.run()
    seconds = phases.close(total_step_seconds=1e9)
    assert timed.series == plain.series
    assert set(seconds) == set(model_speed.PHASES)
    assert seconds["market"] > 0 and seconds["reporters"] > 0
    assert model_module.clear_market is original_market and reporters.measure is original_measure
    assert "_decide" not in vars(timed) and "collect" not in vars(timed.datacollector)
    assert (
        model_module.decide is original_decide
        and model_module.learn_from_the_month is original_learning
    )
    assert "make_new_ties" not in vars(timed.ties) and "update_counts" not in vars(timed.ties)
    assert all(seconds[phase] > 0 for phase in ("policies", "decisions", "learning_trust", "ties"))


def test_one_timed_run_reports_throughput_phases_and_memory(baseline_path):
    run = model_speed.time_vectorized(str(baseline_path), 500, 3)
    assert run["hgm_per_s"] == pytest.approx(500 * run["goods"] * 3 / run["run_s"])
    assert run["peak_memory_mb"] > 10
    assert sum(run["phase_s"].values()) == pytest.approx(run["run_s"], rel=0.05)
    report = {"runs": [run], "months": 3, "exponent": float("nan")}
    report["targets"] = model_speed.check_targets(report)
    assert (
        report["targets"]["month at 100k at least as fast as the numpy roofline"] is None
    )  # not measured
    assert model_speed.markdown_table(report).count("\n") == 3


def test_a_territory_from_data_is_timed_beside_the_grid_at_the_same_size(baseline_path):
    territory = str(baseline_path.parent / "bordeaux_metropole.toml")
    assert model_speed.real_households(territory) == 420_263
    row = model_speed.benchmark_territory(
        territory,
        str(baseline_path),
        months=2,
        households=600,
        echo=lambda _: None,
        # 3 000: with at least 3 000 / 56 = 53 households per commune (the sample's minimum per
        # zone), few long ties rewired within a commune land on a tie already made (at 2 000,
        # 35 per commune, 0.7 % of the ties were such duplicates, dropped)
        placement_households=3000,
    )
    assert row["placement"]["mean_degree"] == pytest.approx(8, abs=0.05)
    assert row["territory_run"]["households"] == row["grid_run"]["households"] == 600
    assert row["throughput_ratio"] == pytest.approx(
        row["territory_run"]["hgm_per_s"] / row["grid_run"]["hgm_per_s"]
    )
    report = {"runs": [], "months": 2, "exponent": float("nan"), "territory": row}
    assert (
        model_speed.check_targets(report)[
            "territory from data within 20 % of the grid's throughput"
        ]
        is not None
    )
    assert "ratio" in model_speed.summary(report | {"targets": model_speed.check_targets(report)})


def test_the_roofline_is_timed_alternately_with_the_model_and_leaves_it_as_a_plain_run(tiny):
    from benchmarks.roofline import time_alternately

    scenario = tiny(households=300, months=13)
    plain = TerritoryModel(scenario)
    plain.run()
    timed = TerritoryModel(scenario)
    figures = time_alternately(timed, 13)
    assert timed.series == plain.series  # the roofline draws from its own generator
    assert figures["ratio"] == pytest.approx(figures["roofline_s"] / figures["model_s"])
    assert figures["model_hgm_per_s"] == pytest.approx(300 * 3 * 13 / figures["model_s"])
    report = {"runs": [], "months": 13, "exponent": float("nan"), "roofline": figures}
    line = model_speed.summary(report | {"targets": model_speed.check_targets(report)})
    assert "roofline" in line and f"{figures['ratio']:.2f}" in line
