"""Design files: one-line errors naming the file, the field and what is allowed; samplers; seeds."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.design import DesignError, load_design, plan_runs, replication_seed

ISHIGAMI = """
target = "ishigami"
seed = 5
[sampler]
method = "{method}"
samples = {samples}
[[parameters]]
path = "x1"
min = -3.0
max = 3.0
[[parameters]]
path = "x2"
values = [-1.0, 0.0, 1.0]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            ISHIGAMI.format(method="sobl", samples=8),
            "sampler.method = 'sobl': Input should be 'grid', 'lhs', 'sobol' or 'morris'",
        ),
        (
            ISHIGAMI.format(method="sobol", samples=100),
            "sampler: Sobol needs samples to be a power of two, got 100",
        ),
        (
            "replicatons = 2\n" + ISHIGAMI.format(method="lhs", samples=8),
            "replicatons: unknown key; allowed keys here: name, description",
        ),
        (
            ISHIGAMI.format(method="lhs", samples=8).replace('path = "x1"', 'path = "x9"'),
            "parameters[0] (x9): no such parameter; allowed: x1, x2, x3",
        ),
        (
            ISHIGAMI.format(method="lhs", samples=8).replace("max = 3.0", "max = 4.0"),
            "parameters[0] (x1): max = 4 is out of range; allowed: from -3.14159",
        ),
        (
            ISHIGAMI.format(method="lhs", samples=8).replace("min = -3.0", "min = 3.5"),
            "parameters[0]: min (3.5) must be below max (3)",
        ),
        (
            ISHIGAMI.format(method="lhs", samples=8).replace('target = "ishigami"', ""),
            "give exactly one of scenario",
        ),
        ("seed = [", "not valid TOML"),
    ],
)
def test_a_bad_design_gets_one_line_naming_the_file_and_the_field(write_design, text, expected):
    path = write_design(text)
    with pytest.raises(DesignError) as caught:
        load_design(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_scenario_parameters_are_checked_against_the_scenario_schema(write_design, scenario_file):
    base = f'scenario = "{scenario_file("baseline").as_posix()}"\n[sampler]\nmethod = "grid"\n[[parameters]]\n'
    with pytest.raises(
        DesignError, match=r"behaviour.trust_gain\): max = 2 is out of range; allowed: from 0 to 1"
    ):
        load_design(write_design(base + 'path = "behaviour.trust_gain"\nmin = 0\nmax = 2\n'))
    with pytest.raises(
        DesignError, match="value 'ring' not allowed; allowed: small-world, random, well-mixed"
    ):
        load_design(write_design(base + 'path = "network.kind"\nvalues = ["ring"]\n'))
    with pytest.raises(DesignError, match="a choice parameter needs a list of values"):
        load_design(write_design(base + 'path = "network.kind"\nmin = 0\nmax = 1\n'))
    with pytest.raises(DesignError, match="goods.boat.purchase_eur.*no such parameter"):
        load_design(write_design(base + 'path = "goods.boat.purchase_eur"\nmin = 0\nmax = 1\n'))


@pytest.mark.parametrize(
    ("method", "samples", "points"),
    [("grid", 1, 9), ("lhs", 7, 7), ("sobol", 8, 32), ("morris", 5, 15)],
)
def test_samplers_give_the_expected_number_of_points_within_bounds(
    write_design, method, samples, points
):
    text = (
        ISHIGAMI.format(method=method, samples=samples).replace(
            '[[parameters]]\npath = "x1"', '[[parameters]]\npath = "x1"\nlevels = 3', 1
        )
        if method == "grid"
        else ISHIGAMI.format(method=method, samples=samples)
    )
    design = load_design(write_design(text))
    sampled = design.points()
    assert len(sampled) == points
    assert all(
        -3.0 <= p.params["x1"] <= 3.0 and p.params["x2"] in (-1.0, 0.0, 1.0) for p in sampled
    )
    assert [p.params for p in sampled] == [p.params for p in load_design(design.source).points()]


def test_replication_seeds_are_those_of_seed_sequence_spawn_and_shared_by_points():
    spawned = np.random.SeedSequence(42).spawn(3)
    expected = [int(s.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for s in spawned]
    assert [replication_seed(42, r) for r in range(3)] == expected

    from experiments.design import Point

    points = [Point(0, "s", {"a": 1}), Point(1, "s", {"a": 2})]
    shared = plan_runs(points, 3, 42, None, None)
    assert [t.run_id for t in shared[:4]] == [
        "p000000r0000",
        "p000000r0001",
        "p000000r0002",
        "p000001r0000",
    ]
    assert [t.seed for t in shared[:3]] == [t.seed for t in shared[3:]] == expected
    independent = plan_runs(points, 3, 42, None, None, common_random_numbers=False)
    assert len({t.seed for t in independent}) == 6


def test_policy_fields_are_checked_against_their_kind(write_design, scenario_file):
    base = f'scenario = "{scenario_file("tool_library").as_posix()}"\n[sampler]\nmethod = "grid"\n[[parameters]]\n'
    path = "policies.tool_library.units_per_1000_households"
    with pytest.raises(
        DesignError,
        match=r"units_per_1000_households\): max = 5000 is out of range; allowed: from 0 to 1000",
    ):
        load_design(write_design(base + f'path = "{path}"\nmin = 1\nmax = 5000\n'))
    design = load_design(write_design(base + f'path = "{path}"\nvalues = [2.0, 8.0]\n'))
    assert [p.path for p in design.spec.parameters] == [path]
    assert design.infos[0]["max"] == 1000
