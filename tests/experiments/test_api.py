"""The plain Python API, and `mesa.batch_run` on the model."""

from __future__ import annotations

import mesa

from experiments.api import outcome_function, run_outcomes


def test_run_outcomes_returns_the_horizon_as_a_dict_and_is_deterministic(scenario_file):
    path = scenario_file("baseline")
    first = run_outcomes(path, seed=3, households=150, months=6)
    again = run_outcomes(path, seed=3, households=150, months=6)
    assert first == again
    assert isinstance(first["sharing_households"], float)
    other_seed = run_outcomes(path, seed=4, households=150, months=6)
    assert other_seed != first


def test_outcome_function_takes_dotted_paths_as_keywords(scenario_file):
    model = outcome_function(
        scenario_file("baseline"),
        seed=3,
        households=150,
        months=6,
        outcomes=["sharing_households", "trust.mean"],
    )
    result = model(**{"behaviour.trust_gain": 0.0, "behaviour.trust_loss": 0.5})
    assert set(result) == {"sharing_households", "trust.mean"}
    assert result == run_outcomes(
        scenario_file("baseline"),
        {"behaviour.trust_gain": 0.0, "behaviour.trust_loss": 0.5},
        seed=3,
        households=150,
        months=6,
        outcomes=["sharing_households", "trust.mean"],
    )


def test_mesa_batch_run_still_works_on_the_territory_model(scenario_file):
    from model.model import TerritoryModel

    results = mesa.batch_run(
        TerritoryModel,
        parameters={
            "scenario": str(scenario_file("baseline")),
            "households": 100,
            "months": 3,
            "seed": [1, 2],
        },
        iterations=1,
        max_steps=3,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(results) == 2
    assert {"sharing_households", "Step"} <= set(results[0])
