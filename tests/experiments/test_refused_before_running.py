"""Input that used to be accepted without a word, or refused only by every run: refused when the
file is read, in one line naming the file and the field; and files with a byte-order mark read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from experiments.design import DesignError, load_design
from experiments.errors import UserError
from model.geodata import TerritoryDataError
from model.scenario import ScenarioError, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def one_line(error: BaseException) -> str:
    message = str(error)
    assert "\n" not in message and message.isprintable(), message
    return message


# ----------------------------------------------------------------- calibration targets


@pytest.mark.parametrize(
    "field, value", [("observed", "nan"), ("observed", "inf"), ("observed", "-inf"), ("sd", "inf")]
)
def test_a_calibration_target_that_is_not_a_finite_figure_is_refused(write_design, field, value):
    from experiments.calibrate import load_calibration
    from tests.experiments.test_calibrate import tiny_design

    design = tiny_design(write_design)
    text = design.read_text(encoding="utf-8")
    old = "observed = 0.2" if field == "observed" else "sd = 0.05"
    design.write_text(text.replace(old, f"{field} = {value}", 1), encoding="utf-8")
    with pytest.raises(UserError) as error:
        load_calibration(design)
    message = one_line(error.value)
    assert "targets" in message and field in message and "finite" in message


# ----------------------------------------------------------------- sweep designs


SWEEP = """
name = "hostile"
scenario = "{scenario}"
replications = 1
households = 100
months = {months}
{outcomes}
[sampler]
method = "{method}"
samples = 4
[[parameters]]
path = "{path}"
{values}
"""


def sweep_design(write_design, *, path, values, method="grid", months=12, outcomes=""):
    return write_design(
        SWEEP.format(
            scenario=(SCENARIOS / "tool_library.toml").as_posix(),
            path=path,
            values=values,
            method=method,
            months=months,
            outcomes=outcomes,
        )
    )


@pytest.mark.parametrize(
    "path, values, method, expected",
    [
        ("name", 'values = ["../../evil", "fine"]', "grid", "not a plain name"),
        ("name", 'values = ["a/b"]', "grid", "not a plain name"),
        ("policies.tool_library.start_month", "values = [1, 50]", "grid", "after the horizon"),
        ("policies.tool_library.start_month", "min = 0\nmax = 500", "lhs", "after the horizon"),
    ],
)
def test_sweep_values_every_run_would_refuse_are_refused_when_the_design_is_read(
    write_design, path, values, method, expected
):
    design = sweep_design(write_design, path=path, values=values, method=method)
    with pytest.raises(DesignError) as error:
        load_design(design)
    message = one_line(error.value)
    assert str(design)[:40] in message and path in message and expected in message


def test_an_unknown_sweep_outcome_is_refused_when_the_design_is_read(write_design):
    design = sweep_design(
        write_design,
        path="behaviour.awareness_q",
        values="values = [0.1, 0.2]",
        outcomes='outcomes = ["sharing_households", "no.such.outcome"]',
    )
    with pytest.raises(DesignError) as error:
        load_design(design)
    message = one_line(error.value)
    assert "outcomes[1] = 'no.such.outcome'" in message and "allowed" in message


def test_a_lever_range_past_the_horizon_is_refused_when_the_search_is_read(tmp_path):
    from experiments.optimise import load_optimisation
    from tests.experiments.test_optimise import tiny_design

    design = tiny_design(tmp_path)
    text = design.read_text(encoding="utf-8").replace(
        "units_per_1000_households = { min = 1, max = 12 }",
        "units_per_1000_households = { min = 1, max = 12 }\nstart_month = { min = 0, max = 100 }",
    )
    design.write_text(text, encoding="utf-8")
    with pytest.raises(DesignError) as error:
        load_optimisation(design)
    message = one_line(error.value)
    assert "levers.tool_library.start_month" in message and "after the horizon" in message


# ----------------------------------------------------------------- territories from data


@pytest.mark.parametrize("households", ["1e308", "0.3", "2.5", "1e9"])
def test_a_household_count_that_is_not_a_whole_count_is_refused(tiny_territory, households):
    tiny_territory.rows[0] = tiny_territory.rows[0].replace(",6000,", f",{households},")
    tiny_territory.write()
    with pytest.raises((ScenarioError, TerritoryDataError)) as error:
        load_scenario(tiny_territory.scenario)
    message = one_line(error.value)
    assert "row 2 (A): households" in message and "whole" in message


def test_lon_lat_coordinates_declared_as_lambert_93_are_refused(tiny_territory):
    for feature in tiny_territory.features:
        ring = feature["geometry"]["coordinates"][0]
        feature["geometry"]["coordinates"][0] = [
            [-0.57 + (x - 700_000) / 100_000, 44.84 + (y - 6_400_000) / 100_000] for x, y in ring
        ]
    tiny_territory.write()
    with pytest.raises((ScenarioError, TerritoryDataError)) as error:
        load_scenario(tiny_territory.scenario)
    message = one_line(error.value)
    assert "zones.geojson" in message and "area of use" in message


def test_files_with_a_byte_order_mark_are_read(tiny_territory):
    tiny_territory.write()
    for path in (tiny_territory.figures, tiny_territory.scenario, tiny_territory.polygons):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    scenario = load_scenario(tiny_territory.scenario)
    assert scenario.territory.resolved().keys == ["A", "B", "C", "D"]
    assert json.loads(tiny_territory.polygons.read_text(encoding="utf-8-sig"))["features"]


# ----------------------------------------------------------------- calibration, quiet


def test_a_statistic_undefined_in_every_replication_is_missing_without_a_warning():
    import warnings

    import numpy as np

    from experiments.calibrate import Batch

    values = np.random.default_rng(1).random((4, 3, 5))
    values[:, :, 2] = np.nan  # e.g. no shared car in a zone, in every replication
    values[0, 1:, 3] = np.nan  # defined in one replication only
    batch = Batch(np.zeros((4, 1)), values)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        means, noise = batch.means, batch.noise_variance
    assert np.isnan(means[:, 2]).all() and np.isnan(noise[:, 2]).all()
    assert means[0, 3] == values[0, 0, 3] and np.isnan(noise[0, 3])
    assert np.allclose(means[:, 0], values[:, :, 0].mean(axis=1))
    assert np.allclose(noise[:, 0], values[:, :, 0].var(axis=1, ddof=1) / 3)
