"""`partage compare` on the real model: common random numbers, intervals, cost-effectiveness, files."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from experiments.compare import (
    comparison_table,
    cost_effectiveness,
    ratio_interval,
    run_compare,
    write_report,
)
from experiments.store import StoreReader


@pytest.fixture
def baseline_twin(tmp_path, scenario_file):
    """A scenario file identical to the baseline under another name."""
    path = tmp_path / "twin.toml"
    path.write_text(
        f'extends = "{scenario_file("baseline").as_posix()}"\nname = "twin"\n', encoding="utf-8"
    )
    return path


def test_a_scenario_identical_to_the_baseline_differs_by_exactly_zero(
    baseline_twin, scenario_file, tmp_path
):
    directory, summary = run_compare(
        scenario_file("baseline"),
        [baseline_twin],
        replications=3,
        households=150,
        months=6,
        out=tmp_path / "cmp",
        progress=False,
    )
    assert summary.done == 6
    table, _, _ = write_report(directory)
    twin = table[table["scenario"] == "twin"]
    assert (
        (twin["diff"] == 0).all()
        and (twin["diff_low"] == 0).all()
        and (twin["diff_high"] == 0).all()
    )
    base = table[table["scenario"] == "baseline"].set_index("outcome")
    assert (base["ci_high"] - base["ci_low"] > 0).any()  # replications do differ from one another


def test_compare_writes_tables_plots_and_series_and_resumes(
    partage_command, scenario_file, tmp_path
):
    import subprocess

    partage, root = partage_command
    out = tmp_path / "cmp"
    command = [
        *partage,
        "compare",
        str(scenario_file("baseline")),
        str(scenario_file("tool_library")),
        "--replications",
        "3",
        "--households",
        "150",
        "--months",
        "8",
        "--out",
        str(out),
        "--no-progress",
    ]
    first = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "difference (95% CI)" in first.stdout
    for name in (
        "comparison.csv",
        "comparison.md",
        "cost_effectiveness.csv",
        "curves.png",
        "differences.png",
        "series.parquet",
        "manifest.json",
        "experiment.duckdb",
    ):
        assert (out / name).is_file(), name

    manifest = json.loads((out / "manifest.json").read_text())
    assert (
        manifest["seeds"]["common_random_numbers"] is True
        and len(manifest["seeds"]["replication_seeds"]) == 3
    )
    assert {"python", "mesa", "duckdb", "SALib", "distributed"} <= set(manifest["versions"])
    assert "commit" in manifest["git"] and manifest["design"]["baseline"] == "baseline"

    series = pd.read_parquet(out / "series.parquet")
    assert len(series) == 2 * 3 * 9  # scenarios x replications x months 0..8
    seeds = series.groupby(["replication"])["seed"].nunique()
    assert (seeds == 1).all()  # common random numbers: one seed per replication across scenarios

    again = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "6 already finished" in again.stdout
    with StoreReader(out) as reader:
        assert reader.con.execute(
            "SELECT count(*), count(DISTINCT run_id) FROM runs"
        ).fetchone() == (6, 6)


def test_differences_are_paired_by_replication():
    values = pd.DataFrame(
        {
            "scenario": ["base"] * 4 + ["policy"] * 4,
            "replication": [0, 1, 2, 3] * 2,
            "y": [10.0, 20.0, 30.0, 40.0, 11.0, 21.0, 31.0, 41.0],
        }
    )
    table = comparison_table(values, "base", ["policy"], ["y"]).set_index("scenario")
    assert table.loc["policy", "diff"] == pytest.approx(1.0)
    assert table.loc["policy", "diff_low"] == pytest.approx(
        1.0
    )  # no spread in the paired differences
    assert table.loc["base", "ci_high"] - table.loc["base", "ci_low"] > 20


def test_cost_effectiveness_divides_extra_spending_by_extra_sharers_and_tonnes_avoided():
    values = pd.DataFrame(
        {
            "scenario": ["base"] * 3 + ["policy"] * 3,
            "replication": [0, 1, 2] * 2,
            "sharing_households": [10.0, 12.0, 11.0, 20.0, 22.0, 21.0],
            "emissions.cumulative_t": [100.0, 100.0, 100.0, 98.0, 98.0, 98.0],
            "public.cumulative_spend_eur": [0.0, 0.0, 0.0, 1000.0, 1000.0, 1000.0],
        }
    )
    row = cost_effectiveness(values, "base", ["policy"]).iloc[0]
    assert row["eur_per_extra_sharing_household"] == pytest.approx(100.0)
    assert row["eur_per_t_co2e_avoided"] == pytest.approx(500.0)


def test_a_ratio_whose_denominator_may_be_zero_has_no_upper_bound():
    numerator = np.full(10, 100.0)
    unsettled = np.array([3.0, -2.0, 1.0, -1.0, 2.0, -2.0, 0.5, -1.0, 1.0, 0.0])  # mean 0.15
    ratio, _, high = ratio_interval(numerator, unsettled)
    assert ratio == pytest.approx(100 / 0.15) and high == math.inf
    assert math.isnan(ratio_interval(numerator, np.full(10, -1.0))[0])


# --------------------------------------------------------------------------- the engine's Python API


def test_the_engine_in_memory_gives_the_tables_of_the_results_directory(scenario_file, tmp_path):
    from experiments.compare import compare_scenarios, load_comparison

    options = dict(replications=2, households=150, months=5, seed=11)
    in_memory = compare_scenarios(
        scenario_file("baseline"), [scenario_file("tool_library")], **options
    )
    assert in_memory.directory is None
    directory, _ = run_compare(
        scenario_file("baseline"),
        [scenario_file("tool_library")],
        out=tmp_path / "cmp",
        progress=False,
        **options,
    )
    table, costs, _ = write_report(directory)
    pd.testing.assert_frame_equal(in_memory.table(), table)
    pd.testing.assert_frame_equal(in_memory.cost_effectiveness(), costs)
    pd.testing.assert_frame_equal(load_comparison(directory).series, in_memory.series)


def test_the_engine_reports_progress_and_stops_when_cancelled(scenario_file):
    from experiments.compare import compare_scenarios

    seen = []
    comparison = compare_scenarios(
        scenario_file("baseline"),
        [scenario_file("tool_library")],
        replications=3,
        households=100,
        months=3,
        on_progress=lambda done, total: seen.append((done, total)),
        cancelled=lambda: len(seen) >= 2,
    )
    assert seen == [(1, 6), (2, 6)]
    assert comparison.series["run_id"].nunique() == 2


def test_impacts_zones_and_curves_of_scenario_objects(scenario_file):
    from experiments.compare import compare_scenarios
    from model.scenario import load_scenario

    baseline = load_scenario(scenario_file("baseline"))
    comparison = compare_scenarios(
        baseline,
        {"library": load_scenario(scenario_file("tool_library"))},
        replications=3,
        households=200,
        months=4,
        seed=5,
    )
    assert comparison.names == ["baseline", "library"]
    impacts = comparison.impacts().set_index("indicator")
    assert impacts.loc["change in net public cost", "mean"] > 0
    assert {"public cost per extra sharing household", "public cost per tonne CO2e avoided"} <= set(
        impacts.index
    )
    zones = comparison.by_zone()
    assert set(zones["zone"]) == set(baseline.zone_names) and set(zones["good"]) == set(
        baseline.good_names
    )
    assert (zones["diff_low"] <= zones["diff"]).all() and (
        zones["diff"] <= zones["diff_high"]
    ).all()
    curves = comparison.curves(["trust.mean"])
    spread = comparison.curves(["trust.mean"], band="runs")
    assert len(curves) == len(spread) == 2 * 5  # scenarios x months 0..4
    differences = comparison.differences(["public.cumulative_spend_eur"])
    assert set(differences["scenario"]) == {"library"} and (differences["mean"].iloc[1:] > 0).all()


def test_a_manifest_records_the_command_as_a_user_types_it(monkeypatch):
    """It recorded the program's path (`.venv/bin/partage calibrate ...`, or
    `/.../cli/__main__.py calibrate ...` under `python -m cli`), which names the machine."""
    from experiments.manifest import build_manifest

    def command(argv):
        monkeypatch.setattr("sys.argv", argv)
        return build_manifest(
            name="x", kind="sweep", fingerprint="f", design={}, seeds={}, executor="1 worker"
        )["command"]

    for program in ("/srv/partage/.venv/bin/partage", "/srv/partage/cli/__main__.py", "partage"):
        assert command([program, "calibrate", "design.toml", "--seed", "2025"]) == (
            "partage calibrate design.toml --seed 2025"
        )
    assert command(["-c", "print()"]) == "-c print()"
