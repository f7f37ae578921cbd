"""Public costs of the scenario library: what a simulation reports against what the scenario declares."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments.interactions import figures_of
from experiments.library import simulated_net_cost
from model.policies import declared_costs
from model.scenario import load_scenario
from model.simulate import simulate

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"
# Levers whose whole public cost is declared in advance: no cost per event, no revenue.
DECLARED_ONLY = ("tool_library", "awareness_campaign", "third_places")


@pytest.mark.parametrize("name", DECLARED_ONLY)
@pytest.mark.parametrize("households", [1000, 2000, 3000])
def test_simulated_cost_of_a_declared_only_lever_is_its_declared_budget_at_any_size(
    name, households
):
    scenario = load_scenario(LIBRARY / f"{name}.toml", {"months": 24})
    declared = declared_costs(scenario).sum()
    assert declared > 0
    assert simulated_net_cost(scenario, households) == pytest.approx(declared, rel=1e-9)


@pytest.mark.parametrize("name", DECLARED_ONLY)
@pytest.mark.parametrize("months", [12, 24, 60])
def test_interactions_cost_over_a_shorter_horizon_is_the_budget_declared_for_that_horizon(
    name, months
):
    scenario = load_scenario(LIBRARY / f"{name}.toml")
    series = simulate(scenario, seed=3, households=500, months=months, agents=False)
    figures = figures_of(scenario, series, 500)
    declared = declared_costs(scenario, months=months).sum()
    assert declared > 0
    assert figures["public"] * scenario.households == pytest.approx(declared, rel=1e-9)


def test_declared_budget_over_a_horizon_counts_the_months_of_that_horizon():
    scenario = load_scenario(LIBRARY / "awareness_campaign.toml")
    assert declared_costs(scenario, months=24).shape == (25,)
    assert declared_costs(scenario, months=24).sum() < declared_costs(scenario).sum()


@pytest.mark.parametrize("households", [137, 300, 700])
def test_real_public_cost_of_a_territory_from_data_is_its_declared_budget(tmp_path, households):
    path = tmp_path / "bordeaux_tools.toml"
    path.write_text(
        f'extends = "{(LIBRARY / "bordeaux_metropole.toml").as_posix()}"\nname = "bordeaux_tools"\n'
        "months = 6\n"
        '[policies.tools]\nkind = "community_pool"\ngoods = ["drill"]\nstart_month = 1\n'
        "units_per_1000_households = 6\ninvestment_eur_per_unit = 200\n"
        "running_eur_per_unit_month = 15\ninvestment_eur = 20000\n",
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    series = simulate(scenario, households=households, agents=False)
    declared = declared_costs(scenario).sum()  # at the real territory's size
    assert declared > 20000
    assert series["real.public.cumulative_spend_eur"].iloc[-1] == pytest.approx(declared, rel=1e-9)
