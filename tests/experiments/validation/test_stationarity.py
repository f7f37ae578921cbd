"""The validation runs the calibrated behaviour (its fitted weights, the others unchanged) on the
constants solved for it, not on the shipped weights' constants it would inherit."""

from __future__ import annotations

from experiments.validation.stationarity import BORDEAUX, CALIBRATED, fitted_behaviour
from model.model import TerritoryModel
from model.scenario import load_scenario


def test_the_calibrated_behaviour_runs_on_its_own_constants_and_keeps_the_other_weights():
    calibrated, shipped = load_scenario(CALIBRATED), load_scenario(BORDEAUX)
    run = TerritoryModel(BORDEAUX, households=300, months=1, overrides=fitted_behaviour())
    assert run.scenario.constants == calibrated.constants != shipped.constants
    # the fitted weights changed, every other weight the scenario's (not the schema's defaults)
    assert run.scenario.behaviour == calibrated.behaviour != shipped.behaviour
