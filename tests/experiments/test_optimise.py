"""Policy design: a tiny NSGA-II search (2 generations x 4 candidates x 2 replications, 300 households).

The searches are run once per module and shared: the front, the budget, the
resume after an interruption and determinism are read from them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.design import DesignError
from experiments.optimise import COST, load_optimisation, run_optimisation
from experiments.store import StoreReader

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BUDGET_EUR = 700_000
TINY_DESIGN = """
name = "tiny"
scenario = "{scenarios}/territoire_partage.toml"
baseline = "{scenarios}/baseline.toml"
seed = 7
replications = 2
households = 300
months = 12

[search]
population = 4
generations = 2

[[objectives]]
outcome = "extra_sharing_households"
direction = "maximise"

[[objectives]]
outcome = "net_public_cost_eur"
direction = "minimise"

[budget]
net_public_cost_eur = {budget}

[levers.tool_library]
optional = true
units_per_1000_households = {{ min = 1, max = 12 }}

[levers.carsharing_fleet]
optional = true
zones = ["centre", "suburb"]

[levers.coop_platform]
optional = true
"""


def tiny_design(directory, budget=BUDGET_EUR, name="design.toml", replace=None):
    """The tiny design, with texts replaced (each must occur in it)."""
    text = TINY_DESIGN.format(scenarios=SCENARIOS, budget=budget)
    for old, new in (replace or {}).items():
        assert old in text
        text = text.replace(old, new)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def searches(tmp_path_factory):
    """One uninterrupted search, and the same design interrupted after its first generation then resumed."""
    root = tmp_path_factory.mktemp("optimise")
    design = tiny_design(root)
    whole = run_optimisation(design, out=root / "whole", progress=False)

    def stop_after_first(generation):
        if generation == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_optimisation(
            design, out=root / "resumed", progress=False, on_generation=stop_after_first
        )
    with StoreReader(root / "resumed") as reader:
        runs_before = reader.con.execute("SELECT run_id FROM runs ORDER BY run_id").fetchall()
    resumed = run_optimisation(design, out=root / "resumed", progress=False)
    again = run_optimisation(design, out=root / "resumed", progress=False)
    return {
        "design": design,
        "whole": whole,
        "resumed": resumed,
        "again": again,
        "runs_before": [r[0] for r in runs_before],
    }


def means(outcome, point_id):
    evaluation = outcome.evaluations[point_id]
    return {o.outcome: evaluation.mean(o.outcome) for o in outcome.optimisation.spec.objectives}


def dominates(a, b, objectives):
    better = [
        (a[o.outcome] - b[o.outcome]) * (1 if o.direction == "maximise" else -1) for o in objectives
    ]
    return all(d >= 0 for d in better) and any(d > 0 for d in better)


def test_the_front_is_non_dominated_among_the_candidates_within_budget(searches):
    outcome = searches["whole"]
    objectives = outcome.optimisation.spec.objectives
    feasible = [i for i in outcome.evaluations if outcome.evaluations[i].mean(COST) <= BUDGET_EUR]
    assert len(outcome.evaluations) >= 6 and outcome.front
    for i in outcome.front:
        assert not any(
            dominates(means(outcome, j), means(outcome, i), objectives) for j in feasible
        )


def test_the_budget_binds_and_every_point_of_the_front_respects_it(searches):
    outcome = searches["whole"]
    costs = {i: e.mean(COST) for i, e in outcome.evaluations.items()}
    assert any(cost > BUDGET_EUR for cost in costs.values()), (
        "the budget must exclude some candidate"
    )
    assert all(costs[i] <= BUDGET_EUR for i in outcome.front)
    front = pd.read_csv(outcome.directory / "front.csv")
    assert (front[COST] <= BUDGET_EUR).all()
    assert front["within budget share"].between(0, 1).all()


def test_a_resumed_search_reuses_stored_runs_repeats_none_and_finds_the_same_front(searches):
    whole, resumed, again = searches["whole"], searches["resumed"], searches["again"]
    before = searches["runs_before"]
    assert before, "the first generation was stored before the interruption"
    with StoreReader(resumed.directory) as reader:
        run_ids = [r[0] for r in reader.con.execute("SELECT run_id FROM runs").fetchall()]
        points = reader.con.execute("SELECT count(*) FROM points").fetchone()[0]
    assert len(run_ids) == len(set(run_ids)) == points * 2
    assert set(before) <= set(run_ids)
    assert resumed.runs_done == len(run_ids) - len(before)
    assert again.runs_done == 0 and again.runs_reused == len(run_ids) - 2
    for outcome in (resumed, again):
        assert outcome.front == whole.front
        for name in ("front.csv", "candidates.csv"):
            assert (outcome.directory / name).read_bytes() == (whole.directory / name).read_bytes()


def test_a_search_interrupted_in_the_middle_of_a_generation_loses_and_repeats_no_run(
    searches, tmp_path, store_rows
):
    finished = []

    def stop_after_three(result):
        finished.append(result.run_id)
        if len(finished) == 3:
            raise KeyboardInterrupt

    design = searches["design"]
    with pytest.raises(KeyboardInterrupt):
        run_optimisation(design, out=tmp_path / "cut", progress=False, on_run=stop_after_three)
    with StoreReader(tmp_path / "cut") as reader:
        stored = [r[0] for r in reader.con.execute("SELECT run_id FROM runs").fetchall()]
    # runs are stored a batch at a time, before they are reported: every run reported is stored
    assert set(finished) <= set(stored) and len(set(stored)) == len(stored)
    resumed = run_optimisation(design, out=tmp_path / "cut", progress=False)
    runs, _ = store_rows(tmp_path / "cut")
    assert resumed.runs_done == len(runs) - len(stored)  # none of the stored runs repeated
    assert store_rows(tmp_path / "cut") == store_rows(searches["whole"].directory)
    assert resumed.front == searches["whole"].front


def test_two_searches_of_one_design_agree_bit_for_bit(searches, store_rows):
    whole, resumed = searches["whole"], searches["resumed"]
    assert store_rows(whole.directory) == store_rows(resumed.directory)
    scenario_files = sorted((whole.directory / "front").glob("*.toml"))
    assert [f.read_bytes() for f in scenario_files] == [
        (resumed.directory / "front" / f.name).read_bytes() for f in scenario_files
    ]


def test_each_front_point_is_a_scenario_file_that_compare_opens(searches, tmp_path):
    from experiments.compare import run_compare
    from model.scenario import load_scenario

    outcome = searches["whole"]
    files = sorted((outcome.directory / "front").glob("*.toml"))
    assert len(files) == len(outcome.front)
    first = load_scenario(files[0])
    params = outcome.evaluations[outcome.front[0]].params
    for path, value in params.items():
        keys = path.split(".")
        if len(keys) == 2:
            assert (keys[1] in first.policies) == value
        elif keys[1] in first.policies:
            assert first.get(path) == value
    directory, summary = run_compare(
        outcome.optimisation.source.parent / outcome.optimisation.spec.baseline,
        [files[0]],
        replications=1,
        households=200,
        months=6,
        out=tmp_path / "compare",
        progress=False,
    )
    assert summary.done == 2


def test_the_report_gives_intervals_and_shares_of_replications(searches):
    front = pd.read_csv(searches["whole"].directory / "front.csv")
    for column in (
        "extra_sharing_households low",
        "extra_sharing_households high",
        "t_co2e_avoided better share",
        "poorest_savings_eur_per_month better share",
    ):
        assert column in front
    assert (front["extra_sharing_households low"] <= front["extra_sharing_households"]).all()
    assert front["extra_sharing_households better share"].between(0, 1).all()
    assert (searches["whole"].directory / "front.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    "replace, expected",
    [
        (
            {'outcome = "net_public_cost_eur"': 'outcome = "happiness"'},
            "objectives[1].outcome = 'happiness'",
        ),
        (
            {'zones = ["centre", "suburb"]': 'zones = ["centre", "moon"]'},
            "levers.carsharing_fleet.zones: unknown zone 'moon'; allowed: centre, suburb, rural",
        ),
        ({"[levers.coop_platform]": "[levers.velib]"}, "levers.velib: no policy 'velib'"),
        (
            {"units_per_1000_households = {": "tools_per_household = {"},
            "levers.tool_library.tools_per_household: no such numeric field of a community_pool policy; allowed:",
        ),
        (
            {"max = 12": "max = 1"},
            "levers.tool_library.units_per_1000_households: empty or inverted range",
        ),
        (
            {"max = 12": "max = 0.5"},
            "levers.tool_library.units_per_1000_households: empty or inverted range",
        ),
        (
            {"max = 12": "max = 5000"},
            "levers.tool_library.units_per_1000_households: max = 5000 is out of range",
        ),
        (
            {"[levers.coop_platform]\noptional = true": "[levers.coop_platform]"},
            "levers.coop_platform: nothing to search",
        ),
    ],
)
def test_bad_designs_are_refused_in_one_line_naming_file_and_field(tmp_path, replace, expected):
    design = tiny_design(tmp_path, replace=replace)
    with pytest.raises(DesignError) as error:
        load_optimisation(design)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(str(design)[:60])
    assert expected in message
    assert "allowed" in message or "range" in message or "nothing to search" in message


def test_a_budget_below_the_cheapest_package_is_refused_before_any_run(tmp_path):
    design = tiny_design(tmp_path, budget=1000)
    with pytest.raises(
        DesignError,
        match=r"budget.net_public_cost_eur = 1,000: no package can meet it.*allowed: at least",
    ):
        run_optimisation(design, out=tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()
    # With every policy optional, the empty package costs nothing: a zero budget can be met.
    lean = tiny_design(tmp_path, budget=0, name="lean.toml")
    lean.write_text(
        lean.read_text()
        .replace("territoire_partage.toml", "tool_library.toml")
        .split("[levers.carsharing_fleet]")[0]
    )
    assert load_optimisation(lean).spec.budget.net_public_cost_eur == 0


def test_a_design_changed_after_a_partial_run_is_refused(searches, tmp_path):
    design = searches["design"]
    changed = tmp_path / "design.toml"
    changed.write_text(design.read_text().replace("replications = 2", "replications = 3"))
    with pytest.raises(DesignError) as error:
        run_optimisation(changed, out=searches["whole"].directory, progress=False)
    assert str(error.value).startswith(str(changed)[:60])
    assert ": replications changed since the partial run" in str(error.value)
    assert "was 2, now 3" in str(error.value) and "allowed" in str(error.value)


def test_the_command_prints_a_bad_design_in_one_line(tmp_path, capsys):
    from cli.main import main

    design = tiny_design(tmp_path, replace={'zones = ["centre", "suburb"]': 'zones = ["mars"]'})
    assert main(["optimise", str(design), "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        len(err.splitlines()) == 1 and "levers.carsharing_fleet.zones: unknown zone 'mars'" in err
    )


@pytest.mark.dask
def test_a_search_on_a_dask_cluster_finds_the_same_front(
    dask_cluster, searches, tmp_path, store_rows
):
    on_dask = run_optimisation(
        searches["design"], scheduler=dask_cluster.address, out=tmp_path / "dask", progress=False
    )
    whole = searches["whole"]
    assert on_dask.front == whole.front
    assert store_rows(on_dask.directory) == store_rows(whole.directory)
    assert (on_dask.directory / "front.csv").read_bytes() == (
        whole.directory / "front.csv"
    ).read_bytes()


def test_the_search_is_independent_of_numpy_global_state(tmp_path):
    """All randomness of the search is pymoo's seeded generator: the global state does not matter."""
    design = tiny_design(tmp_path)
    design.write_text(design.read_text().replace("generations = 2", "generations = 1"))
    np.random.seed(1)  # noqa: NPY002 - the legacy global state is what must not matter
    first = run_optimisation(design, out=tmp_path / "a", progress=False)
    np.random.seed(2)  # noqa: NPY002
    second = run_optimisation(design, out=tmp_path / "b", progress=False)
    assert [e.params for e in first.evaluations.values()] == [
        e.params for e in second.evaluations.values()
    ]


def test_the_front_is_told_as_it_grows_and_a_stop_keeps_the_runs(searches, tmp_path):
    from experiments.optimise import SearchStopped

    fronts = []
    run_optimisation(
        searches["design"], out=tmp_path / "told", progress=False, on_front=fronts.append
    )
    assert len(fronts) == 2, "one front after each generation"
    whole = searches["whole"]
    last = fronts[-1]
    assert sorted(last["point"]) == sorted(whole.front)
    for _, row in last.iterrows():
        assert row["extra_sharing_households"] == pytest.approx(
            whole.evaluations[row["point"]].mean("extra_sharing_households")
        )
    finished = []
    with pytest.raises(SearchStopped, match="stopped"):
        run_optimisation(
            searches["design"],
            out=tmp_path / "stopped",
            progress=False,
            on_run=lambda result: finished.append(result.run_id),
            cancelled=lambda: len(finished) >= 3,
        )
    with StoreReader(tmp_path / "stopped") as reader:
        stored = reader.con.execute("SELECT count(*) FROM runs").fetchone()[0]
    assert stored == len(finished) >= 3
    resumed = run_optimisation(searches["design"], out=tmp_path / "stopped", progress=False)
    assert resumed.front == whole.front
