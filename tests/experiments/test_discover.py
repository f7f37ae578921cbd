"""Scenario discovery: PRIM finds a box planted in a synthetic sweep store, and bad requests are one line."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from experiments.discover import discover
from experiments.errors import UserError
from experiments.store import ResultsStore, RunResult


def write_planted_store(directory, points=400, seed=3):
    """A sweep over a, b, c in [0, 1] whose `y` falls below 0.5 exactly when a > 0.6 and b < 0.3."""
    rng = np.random.default_rng(seed)
    draws = rng.random((points, 3))
    plan = [
        SimpleNamespace(
            point_id=i,
            scenario="synthetic",
            params=dict(zip("abc", map(float, row), strict=True)),
            x=list(map(float, row)),
        )
        for i, row in enumerate(draws)
    ]
    with ResultsStore(directory) as store:
        store.bind(
            name="planted",
            kind="sweep",
            fingerprint="planted",
            design={},
            points=plan,
            planned_runs=points,
        )
        for point in plan:
            inside = point.params["a"] > 0.6 and point.params["b"] < 0.3
            y = (0.2 if inside else 0.8) + 0.1 * rng.random()
            now = datetime.now()
            store.record(
                RunResult(
                    f"p{point.point_id:06d}r0000",
                    point.point_id,
                    0,
                    "synthetic",
                    point.params,
                    1,
                    "done",
                    None,
                    None,
                    0.0,
                    "test",
                    now,
                    now,
                    pd.DataFrame({"month": [0, 1], "y": [0.0, y]}),
                )
            )
    return directory


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    return write_planted_store(tmp_path_factory.mktemp("planted") / "store")


def test_prim_finds_the_planted_box_with_its_coverage_and_density(planted):
    result = discover(planted, "y", below=0.5, threshold=0.95)
    limits = result.limits.set_index("parameter")
    assert set(limits.index) == {"a", "b"}, "c plays no part and must not be restricted"
    assert limits.loc["a", "box min"] == pytest.approx(0.6, abs=0.05)
    assert limits.loc["b", "box max"] == pytest.approx(0.3, abs=0.05)
    assert result.chosen["density"] >= 0.95 and result.chosen["coverage"] >= 0.8
    assert result.failing == pytest.approx(400 * 0.4 * 0.3, rel=0.25)
    for name in ("trajectory.csv", "box.csv", "box.md", "peeling.png", "report.md"):
        assert (result.directory / name).is_file()
    trajectory = pd.read_csv(result.directory / "trajectory.csv")
    assert trajectory["coverage"].iloc[0] == 1.0 and trajectory["density"].is_monotonic_increasing


def test_above_finds_the_complement_outside_the_box(planted, tmp_path):
    result = discover(planted, "y", above=0.5, out=tmp_path / "above")
    assert result.failing == 400 - discover(planted, "y", below=0.5, out=tmp_path / "below").failing


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"outcome": "happiness", "below": 1}, "no outcome 'happiness'; available: y"),
        ({"outcome": "y", "below": 0.0}, "no run has y below 0"),
        ({"outcome": "y", "below": 5.0}, "every run has y below 5"),
        ({"outcome": "y"}, "give exactly one of --below VALUE or --above VALUE"),
        ({"outcome": "y", "below": 0.5, "threshold": 1.5}, "--threshold 1.5: allowed"),
        ({"outcome": "y", "below": 0.5, "box": 999}, "--box 999: allowed: 0 to"),
    ],
)
def test_bad_requests_are_one_line(planted, tmp_path, kwargs, expected):
    outcome = kwargs.pop("outcome")
    with pytest.raises(UserError) as error:
        discover(planted, outcome, out=tmp_path / "x", **kwargs)
    assert expected in str(error.value) and "\n" not in str(error.value)


def test_the_command_prints_the_box(planted, tmp_path, capsys):
    from cli.main import main

    assert (
        main(["discover", str(planted), "--outcome", "y", "--below", "0.5", "--out", str(tmp_path)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "coverage" in printed and "| a " in printed


def test_the_planted_box_is_stable_over_resamples_and_the_scores_name_its_parameters(
    planted, tmp_path
):
    result = discover(planted, "y", below=0.5, threshold=0.95, resamples=10, out=tmp_path / "a")
    stability = result.stability.set_index("parameter")
    # The chosen box keeps every failing run (coverage 1), as do the first boxes of any peeling:
    # matched by coverage, a resample's box is its first; matched by density, the planted one.
    by_density = "restricted in resamples, by density (%)"
    assert stability.loc["a", by_density] >= 80 and stability.loc["b", by_density] >= 80
    assert stability.loc["c", by_density] <= 30
    scores = result.scores.set_index("parameter")
    for column in ("score on the outcome", "score on the rule"):
        assert scores[column].sum() == pytest.approx(1.0)
        assert min(scores.loc["a", column], scores.loc["b", column]) > 2 * scores.loc["c", column]
    assert by_density in result.limits
    for name in ("stability.csv", "feature_scores.csv", "feature_scores.md"):
        assert (result.directory / name).is_file()
    again = discover(planted, "y", below=0.5, threshold=0.95, resamples=10, out=tmp_path / "b")
    pd.testing.assert_frame_equal(again.stability, result.stability)
    pd.testing.assert_frame_equal(again.scores, result.scores)


def test_another_box_of_the_trajectory_can_be_chosen(planted, tmp_path):
    first = discover(planted, "y", below=0.5, box=3, resamples=4, out=tmp_path / "x")
    assert first.box == 3
    assert first.chosen["coverage"] == first.trajectory["coverage"].iloc[3]
