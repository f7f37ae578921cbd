"""Intervals that respect an outcome's range, and Sobol indices flagged when the sample is too small."""

from __future__ import annotations

import pandas as pd
import pytest

from experiments.compare import comparison_table
from experiments.errors import UserError
from experiments.intervals import bounded_mean_interval, mean_interval
from experiments.sensitivity import caution, write_sensitivity
from experiments.sweep import run_sweep


def test_a_count_never_gets_an_interval_below_zero():
    values = pd.DataFrame(
        {
            "scenario": ["base"] * 4 + ["policy"] * 4,
            "replication": [0, 1, 2, 3] * 2,
            "uses.unmet": [0.0, 0.0, 0.0, 6.0, 0.0, 1.0, 0.0, 9.0],
            "car.share": [0.97, 0.99, 1.0, 0.98, 0.2, 0.3, 0.25, 0.22],
        }
    )
    table = comparison_table(values, "base", ["policy"], ["uses.unmet", "car.share"])
    unmet = table[table["outcome"] == "uses.unmet"].set_index("scenario")
    assert (unmet["ci_low"] >= 0).all()
    assert unmet.loc["base", "ci_low"] == 0 and unmet.loc["base", "ci_cut_to_range"]
    share = table[table["outcome"] == "car.share"].set_index("scenario")
    assert share.loc["base", "ci_high"] == 1.0 and share.loc["base", "ci_cut_to_range"]
    assert not share.loc["policy", "ci_cut_to_range"]
    # The paired difference of a count may be negative: it is not cut.
    assert unmet.loc["policy", "diff_low"] < 0


def test_an_outcome_without_a_declared_range_is_not_cut():
    mean, low, high, cut = bounded_mean_interval([-1.0, 0.0, 1.0])
    assert low < -1 and high > 1 and not cut
    mean, low, high, cut = bounded_mean_interval([0.0, 0.0, 3.0], (0.0, None))
    assert (low, cut) == (0.0, True)
    assert high == pytest.approx(mean_interval([0.0, 0.0, 3.0])[2])


SOBOL_DIFFUSION = """
name = "tiny-sobol"
target = "diffusion"
seed = 3
replications = 1
households = 150
months = 6
outcomes = ["adoption_share", "adopters"]

[sampler]
method = "sobol"
samples = 8

[[parameters]]
path = "awareness_p"
min = 0.0
max = 0.1

[[parameters]]
path = "awareness_q"
min = 0.0
max = 0.5
"""


@pytest.fixture(scope="module")
def tiny_sobol(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sobol")
    design = directory / "tiny.toml"
    design.write_text(SOBOL_DIFFUSION, encoding="utf-8")
    run_sweep(design, out=directory / "sweep", progress=False)
    return directory / "sweep"


def test_sobol_indices_of_a_tiny_sample_are_flagged_too_small_to_read(tiny_sobol):
    table, _ = write_sensitivity(tiny_sobol, resamples=200)
    assert "readable" in table
    assert (~table["readable"]).any()
    assert caution(table).startswith("caution: ")
    assert "too small a sample to read" in caution(table)


def test_sensitivity_of_chosen_outcomes_does_not_replace_the_sweeps_files(tiny_sobol):
    table, written = write_sensitivity(tiny_sobol, resamples=200)
    full = (tiny_sobol / "sensitivity.csv").read_text()
    assert set(table["outcome"]) == {"adoption_share", "adopters"}
    _, chosen = write_sensitivity(tiny_sobol, ["adopters"], resamples=200)
    assert (tiny_sobol / "sensitivity.csv").read_text() == full
    assert {path.name for path in chosen} == {
        "sensitivity-adopters.csv",
        "sensitivity-adopters.md",
        "sensitivity-adopters.png",
    }


def test_an_unknown_outcome_is_one_line_naming_the_allowed_ones(tiny_sobol):
    from experiments.errors import UserError

    with pytest.raises(UserError, match="unknown outcome '../x'; allowed: "):
        write_sensitivity(tiny_sobol, ["../x"], resamples=200)


def test_indices_at_every_month_and_over_a_window(tiny_sobol):
    table, written = write_sensitivity(
        tiny_sobol, ["adoption_share"], every_month=True, resamples=100
    )
    months = sorted(table["month"].unique())
    assert len(months) > 2 and table.groupby("month").size().nunique() == 1
    assert {"noise_share", "reason", "readable"} <= set(table.columns)
    assert [p.name for p in written] == [
        "sensitivity-adoption_share-months-every.csv",
        "sensitivity-adoption_share-months-every.md",
        "sensitivity-adoption_share-months-every.png",
    ]
    window, _ = write_sensitivity(tiny_sobol, ["adoption_share"], window=(2, 4), resamples=100)
    assert set(window["month"]) == {"2-4"}
    with pytest.raises(UserError, match="--month 999: allowed"):
        write_sensitivity(tiny_sobol, months=[999])
