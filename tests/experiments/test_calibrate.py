"""Calibration: known parameters recovered, bad designs refused before any run, resume after Ctrl-C."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from experiments.calibrate import calibrate, load_calibration
from experiments.errors import UserError
from experiments.store import ResultsStore, StoreReader
from experiments.territory_import import CONSTANTS_MARK, equilibrium_tables
from experiments.validation.calibration_recovery import check_recovery
from model.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
EQUILIBRIUM = (
    1000  # households the fitted scenario's constants are solved on here (30 000 by default)
)
SMALL = {"equilibrium_households": EQUILIBRIUM}

TINY = """
name = "tiny"
scenario = "{scenario}"
seed = 5
households = 120
replications = 2
months = 12
{arms}
[method]
waves = 2
points_per_wave = 5
candidates = 512
steps = 400
check_replications = 2

[[parameters]]
path = "{path}"
min = {low}
max = {high}

[[targets]]
name = "car_aware"
outcome = "{outcome}"
window = [6, 12]
observed = 0.2
sd = 0.05
source = "a test figure"

[[targets]]
name = "car_free_drift"
outcome = "car.without.share"
zones = {zones}
statistic = "drift"
window = [6, 12]
observed = 0.0
sd = 0.02
source = "a test figure"
"""


def tiny_design(
    write_design,
    *,
    path="behaviour.awareness_q",
    low=0.02,
    high=0.4,
    outcome="car.aware",
    zones='"each"',
    arms="",
    name="tiny.toml",
):
    text = TINY.format(
        scenario=(SCENARIOS / "baseline.toml").as_posix(),
        path=path,
        low=low,
        high=high,
        outcome=outcome,
        zones=zones,
        arms=arms,
    )
    return write_design(text, name)


def test_known_parameters_are_recovered_within_the_reported_intervals(tmp_path):
    result = check_recovery(directory=tmp_path)

    for row in result["rows"]:
        assert row["low_95"] <= row["truth"] <= row["high_95"], row
        assert row["high_95"] - row["low_95"] < 0.8 * row["prior_width"], row  # the targets inform
    assert result["passed"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"outcome": "car.awareness"},
            r"targets\[0\] \(car_aware\): outcome = 'car.awareness': unknown outcome; allowed: .*car.aware",
        ),
        (
            {"zones": '["centre", "harbour"]'},
            r"targets\[1\] \(car_free_drift\): zones: unknown zone 'harbour'; allowed: centre, suburb, rural",
        ),
        (
            {"low": 0.3, "high": 0.3},
            r"parameters\[0\]: min \(0\.3\) must be below max \(0\.3\); allowed: a range with min < max",
        ),
        (
            {"path": "behaviour.awareness_z"},
            r"parameters\[0\] \(behaviour.awareness_z\): unknown parameter path; allowed keys under behaviour: .*awareness_q",
        ),
        (
            {"high": 2.0},
            r"parameters\[0\] \(behaviour.awareness_q\): max = 2 is out of range; allowed: from 0 to 1",
        ),
    ],
)
def test_a_bad_design_is_refused_in_one_line_naming_file_and_field(write_design, change, expected):
    design = tiny_design(write_design, **change)
    with pytest.raises(UserError, match=expected) as error:
        load_calibration(design)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(str(design))


def test_an_outcome_without_zones_is_refused_for_a_target_by_zone(write_design):
    design = tiny_design(write_design, outcome="car.aware", zones='"each"')
    text = design.read_text().replace('outcome = "car.without.share"', 'outcome = "uses.unmet"')
    design.write_text(text)
    with pytest.raises(
        UserError,
        match=r"outcome = 'uses.unmet': no values by zone; allowed outcomes by zone: .*car.without.share",
    ):
        load_calibration(design)


def test_a_changed_design_is_refused_before_any_run_and_resume_loses_and_repeats_nothing(
    write_design, tmp_path, monkeypatch
):
    design = tiny_design(write_design)
    out = tmp_path / "out"
    record_many = ResultsStore.record_many  # runs are stored in batches, one transaction each
    stored = {"runs": 0}

    def record_then_interrupt(self, results):  # Ctrl-C after the seventh stored run
        for result in results:
            if stored["runs"] == 7:
                raise KeyboardInterrupt
            record_many(self, [result])
            stored["runs"] += 1

    monkeypatch.setattr(ResultsStore, "record_many", record_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        calibrate(design, out=out, progress=False, echo=lambda _: None, **SMALL)
    monkeypatch.setattr(ResultsStore, "record_many", record_many)

    changed = tiny_design(write_design, high=0.35)
    with pytest.raises(
        UserError, match=r"parameters\[0\]\.max changed since the partial run .*was 0\.4, now 0\.35"
    ):
        calibrate(changed, out=out, progress=False, echo=lambda _: None, **SMALL)

    design = tiny_design(write_design)
    resumed = calibrate(design, out=out, progress=False, echo=lambda _: None, **SMALL)
    fresh = calibrate(design, out=tmp_path / "fresh", progress=False, echo=lambda _: None, **SMALL)
    for wave in ("wave-1", "wave-2", "check"):
        with StoreReader(out / wave) as reader:
            runs = reader.runs()
            assert len(runs) == reader.planned_runs  # nothing lost
            assert runs["run_id"].is_unique  # nothing repeated
            (series_rows,) = reader.con.execute("SELECT count(*) FROM series").fetchone()
        with StoreReader(tmp_path / "fresh" / wave) as reader:
            assert reader.con.execute("SELECT count(*) FROM series").fetchone() == (series_rows,)
    assert resumed.posterior.equals(fresh.posterior)  # the same waves, the same emulators


def test_the_fitted_scenario_extends_the_original_with_the_fitted_values_and_its_own_equilibrium(
    write_design, tmp_path
):
    design = tiny_design(write_design)
    result = calibrate(
        design,
        out=tmp_path / "out",
        fitted_path=tmp_path / "fitted" / "tiny_fit.toml",
        progress=False,
        echo=lambda _: None,
        **SMALL,
    )

    fitted_file = tmp_path / "fitted" / "tiny_fit.toml"
    text = fitted_file.read_text()
    assert 'extends = "' in text and "baseline.toml" in text
    assert "Gaussian-process history matching" in text and "Source: a test figure" in text
    fitted = load_scenario(fitted_file)
    original = load_scenario(SCENARIOS / "baseline.toml")
    assert fitted.behaviour.awareness_q == pytest.approx(
        result.fitted["behaviour.awareness_q"], rel=1e-5
    )
    assert fitted.goods == original.goods  # nothing else changes
    low, high = result.intervals().loc[0, ["low_95", "high_95"]]
    assert 0.02 <= low <= fitted.behaviour.awareness_q <= high <= 0.4
    # the constants are the fitted behaviour's own, solved as the territory import solves them,
    # not the original's (solved for the original behaviour): month 0 is its own equilibrium
    assert fitted.constants != original.constants
    afresh, _ = equilibrium_tables(load_scenario(fitted_file, {"constants": {}}), EQUILIBRIUM)
    assert fitted.constants == load_scenario(fitted_file, {"constants": afresh}).constants
    assert f"; {EQUILIBRIUM} households, largest gap" in text.split(CONSTANTS_MARK)[1]
    assert f"# of seed {fitted.seed}, as `partage territory import` solves them" in text
    assert "partage territory equilibrium tiny_fit.toml" in text
    for name in (
        "report.md",
        "posterior.png",
        "fit.png",
        "correlation.png",
        "manifest.json",
        "fit.csv",
    ):
        assert (tmp_path / "out" / name).is_file(), name
    report = (tmp_path / "out" / "report.md").read_text()
    assert "car_free_drift[suburb]" in report
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["executor"] == "1 worker"  # not "1 workers"
    assert np.isfinite(result.fit["fitted"]).all()


def test_a_reduction_per_unit_pairs_the_arm_with_the_main_scenario(write_design, tmp_path):
    arms = f'\n[arms]\nfleet = "{(SCENARIOS / "carsharing_fleet.toml").as_posix()}"\n'
    design = tiny_design(write_design, arms=arms)
    text = (
        design.read_text()
        + """
[[targets]]
name = "cars_per_shared_car"
outcome = "car.stock"
statistic = "reduction_per_unit"
scenario = "fleet"
per = "car.pool_units"
window = [12, 12]
observed = 10
sd = 2
source = "6t / ADEME 2016"
"""
    )
    text = text.replace("households = 120", "households = 1500")
    design.write_text(text)
    calibration = load_calibration(design)
    assert [item.label for item in calibration.items][-1] == "cars_per_shared_car"

    bad = text.replace('scenario = "fleet"', 'scenario = "fleets"')
    design.write_text(bad)
    with pytest.raises(UserError, match=r"scenario = 'fleets': no such arm; allowed: main, fleet"):
        load_calibration(design)


@pytest.mark.dask
def test_a_calibration_on_a_dask_cluster_matches_a_local_one(dask_cluster, write_design, tmp_path):
    design = tiny_design(write_design)
    on_dask = calibrate(
        design,
        out=tmp_path / "dask",
        scheduler=dask_cluster.address,
        progress=False,
        echo=lambda _: None,
        **SMALL,
    )
    local = calibrate(
        design, out=tmp_path / "local", workers=2, progress=False, echo=lambda _: None, **SMALL
    )

    assert on_dask.posterior.equals(local.posterior)
    with StoreReader(tmp_path / "dask" / "wave-1") as reader:
        assert reader.con.execute("SELECT count(DISTINCT worker) FROM runs").fetchone()[0] == 2
