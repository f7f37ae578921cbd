"""Partage's agent-based model: households own, rent, share or forgo goods on a territory."""

from .households import Household, Mode
from .model import TerritoryModel
from .scenario import Scenario, ScenarioError, load_scenario
from .simulate import simulate

__all__ = [
    "Household",
    "Mode",
    "Scenario",
    "ScenarioError",
    "TerritoryModel",
    "load_scenario",
    "simulate",
]
