"""Robust policy search: packages judged over scenarios of the uncertainties (ranges of scenario
parameters, or rows of a calibration's posterior), through the store, resumable, on Dask.

The model runs for real at a tiny size (100 households, 6 months, one replication)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.design import DesignError
from experiments.optimise import (
    load_optimisation,
    objective_values,
    read_archive,
    run_optimisation,
)
from experiments.store import StoreReader

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DESIGN = """
name = "robust"
scenario = "{scenarios}/territoire_partage.toml"
baseline = "{scenarios}/baseline.toml"
seed = 5
replications = 1
households = 100
months = 6

[search]
population = 4
generations = 2

[uncertainties]
scenarios = 2
{posterior}
[[uncertainties.ranges]]
path = "behaviour.risk_weight"
min = 0.8
max = 2.5

[[objectives]]
outcome = "extra_sharing_households"
direction = "maximise"
statistic = "p10"

[[objectives]]
outcome = "extra_sharing_households"
direction = "maximise"
statistic = "regret"

[[objectives]]
outcome = "net_public_cost_eur"
direction = "minimise"

[levers.tool_library]
optional = true
units_per_1000_households = {{ levels = [2, 10] }}

[levers.carsharing_fleet]
optional = true
zones = ["centre", "suburb"]

[levers.guarantee_fund]
optional = true
"""


def write_design(directory: Path, posterior: str = 'posterior = "posterior.parquet"') -> Path:
    pd.DataFrame(
        {
            "behaviour.awareness_q": [0.1, 0.2, 0.3, 0.25, 0.12],
            "behaviour.social_weight": [1.0, 1.5, 2.0, 0.5, 1.2],
        }
    ).to_parquet(directory / "posterior.parquet", index=False)
    path = directory / "robust.toml"
    path.write_text(DESIGN.format(scenarios=SCENARIOS, posterior=posterior), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def robust(tmp_path_factory):
    root = tmp_path_factory.mktemp("robust")
    design = write_design(root)
    return design, run_optimisation(design, out=root / "search", progress=False)


def test_every_package_runs_in_every_scenario_paired_with_the_baseline_of_that_scenario(robust):
    design, outcome = robust
    optimisation = outcome.optimisation
    assert len(optimisation.uncertainty) == 2
    for row in optimisation.uncertainty:
        assert set(row) == {
            "behaviour.awareness_q",
            "behaviour.social_weight",
            "behaviour.risk_weight",
        }
        assert 0.8 <= row["behaviour.risk_weight"] <= 2.5
    with StoreReader(outcome.directory) as reader:
        points = reader.points()
        runs = reader.runs()
    baselines = points[points["scenario"] == "baseline"]
    assert list(baselines["point_id"]) == [0, 1]
    assert len(runs) == 2 * (len(outcome.evaluations) + 1)
    evaluation = next(iter(outcome.evaluations.values()))
    assert sorted(evaluation.impacts["scenario"]) == [0, 1]
    # The package's runs carry each scenario's values, as the baseline of that scenario does.
    params = points.set_index("point_id")["params"]
    import json

    for s, row in enumerate(optimisation.uncertainty):
        assert {k: json.loads(params[s])[k] for k in row} == row


def test_regret_is_the_shortfall_from_the_best_package_of_each_scenario(robust):
    _, outcome = robust
    optimisation = outcome.optimisation
    with StoreReader(outcome.directory) as reader:
        archive = read_archive(reader.con)
    means = list(archive["scenario_means"])
    objectives, _ = objective_values(optimisation, means, means)
    sharing = np.array([m["extra_sharing_households"] for m in means])
    best = sharing.max(axis=0)
    assert np.allclose(objectives[:, 1], (best - sharing).max(axis=1))
    assert np.allclose(objectives[:, 0], -np.percentile(sharing, 10, axis=1))
    assert (objectives[:, 1] >= 0).all()
    candidates = pd.read_csv(outcome.directory / "candidates.csv")
    assert {"p10 extra_sharing_households", "regret extra_sharing_households"} <= set(candidates)
    report = (outcome.directory / "report.md").read_text(encoding="utf-8")
    assert "## Uncertainties" in report and "## Hypervolume by generation" in report


def test_a_robust_search_run_again_reads_every_run_from_the_store(robust):
    design, outcome = robust
    again = run_optimisation(design, out=outcome.directory, progress=False)
    assert again.runs_done == 0
    assert again.front == outcome.front
    pd.testing.assert_frame_equal(again.hypervolume, outcome.hypervolume)


@pytest.mark.dask
def test_a_robust_search_on_dask_gives_the_local_front(robust, dask_cluster, tmp_path):
    design, outcome = robust
    on_dask = run_optimisation(
        design, scheduler=dask_cluster.address, out=tmp_path / "dask", progress=False
    )
    assert on_dask.front == outcome.front
    with StoreReader(tmp_path / "dask") as a, StoreReader(outcome.directory) as b:
        assert a.con.execute("SELECT * FROM archive ORDER BY package_id").fetchall() == (
            b.con.execute("SELECT * FROM archive ORDER BY package_id").fetchall()
        )


@pytest.mark.parametrize(
    ("posterior", "message"),
    [
        ('posterior = "missing.parquet"', "cannot be read as a posterior sample"),
        ("", "statistic"),
    ],
)
def test_bad_uncertainties_are_one_line(tmp_path, posterior, message):
    path = write_design(tmp_path, posterior)
    if not posterior:
        text = path.read_text(encoding="utf-8")
        start = text.index("[uncertainties]")
        end = text.index("[[objectives]]")
        path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(DesignError, match=message) as error:
        load_optimisation(path)
    assert "\n" not in str(error.value)


def test_a_lever_is_no_uncertainty(tmp_path):
    path = write_design(tmp_path, "")
    text = path.read_text(encoding="utf-8").replace(
        'path = "behaviour.risk_weight"', 'path = "policies.tool_library.units_per_1000_households"'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DesignError, match="lever or a size, not an uncertainty"):
        load_optimisation(path)


def test_the_policy_design_page_plots_two_distinct_impacts_of_a_robust_search(robust):
    from viz.front import Front

    _, outcome = robust
    front = Front(outcome.directory)
    assert (front.x, front.y) == ("extra_sharing_households", "net_public_cost_eur")


def test_an_interrupted_robust_search_resumes_to_the_same_front(robust, tmp_path):
    design, outcome = robust

    def stop_after_first(generation):
        if generation == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_optimisation(
            design, out=tmp_path / "resumed", progress=False, on_generation=stop_after_first
        )
    resumed = run_optimisation(design, out=tmp_path / "resumed", progress=False)
    assert resumed.runs_reused > 0
    assert resumed.front == outcome.front
    with StoreReader(tmp_path / "resumed") as a, StoreReader(outcome.directory) as b:
        query = "SELECT * FROM archive ORDER BY package_id"
        assert a.con.execute(query).fetchall() == b.con.execute(query).fetchall()
