"""The optimiser on a problem small enough to enumerate: its front, read from the store's archive,
reaches at least 90 % of the hypervolume of the true front.

Three policies, each optional and placed in any non-empty set of two zones, the tool library
sized at two levels, under a budget: 7 x 4 x 4 = 112 packages. The search runs at the size of the
shipped design (`optimise_packages.toml`: population 12, 6 generations, 72 evaluations), through
the store and the executors, with a cheap deterministic stand-in for the model's runs: what is
under test is the search machinery (decoding, duplicates, archive, front, hypervolume).
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.optimise import (
    PackageTarget,
    archive_front,
    hypervolume,
    load_optimisation,
    non_dominated,
    objective_values,
    package_scenario,
    read_archive,
    run_optimisation,
)
from experiments.store import StoreReader

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
SHIPPED = ROOT / "experiments" / "designs" / "optimise_packages.toml"
DESIGN = """
name = "enumerable"
scenario = "{scenarios}/territoire_partage.toml"
baseline = "{scenarios}/baseline.toml"
seed = 11
replications = 1
households = 200
months = 12

[search]
population = {population}
generations = {generations}

[[objectives]]
outcome = "extra_sharing_households"
direction = "maximise"

[[objectives]]
outcome = "net_public_cost_eur"
direction = "minimise"

[budget]
net_public_cost_eur = 900_000

[levers.tool_library]
optional = true
zones = ["centre", "suburb"]
units_per_1000_households = {{ levels = [2, 8] }}

[levers.carsharing_fleet]
optional = true
zones = ["centre", "suburb"]

[levers.third_places]
optional = true
zones = ["suburb", "rural"]
"""
# Extra sharing households per policy and zone, with diminishing returns when policies add up.
GAIN = {
    "tool_library": {"centre": 30.0, "suburb": 22.0, "rural": 9.0},
    "carsharing_fleet": {"centre": 41.0, "suburb": 17.0, "rural": 5.0},
    "third_places": {"centre": 12.0, "suburb": 19.0, "rural": 14.0},
}


def stand_in_series(scenario) -> pd.DataFrame:
    """A run of the stand-in: sharing from the policies kept and their zones, public spending as
    declared (so the cost scaled to the territory is the declared budget)."""
    from model.policies import declared_costs

    sharing = 100.0
    for name, policy in scenario.policies.items():
        zones = policy.zones or list(scenario.territory.zones)
        dose = (
            getattr(policy, "units_per_1000_households", 4.0) / 4.0
            if name == "tool_library"
            else 1.0
        )
        sharing += sum(GAIN.get(name, {}).get(zone, 0.0) for zone in zones) * dose**0.5
    sharing = 100.0 + (sharing - 100.0) ** 0.9
    spend = float(declared_costs(scenario, scenario.households, scenario.months).sum())
    months = [0, scenario.months]
    return pd.DataFrame(
        {
            "month": months,
            "sharing_households": [100.0, sharing],
            "emissions.cumulative_t": [0.0, 500.0 - sharing],
            "public.cumulative_spend_eur": [0.0, spend],
            "public.cumulative_revenue_eur": [0.0, 0.0],
            "spending.q1_eur": [50.0, 50.0],
            "spending.q2_eur": [60.0, 60.0],
        }
    )


def design_file(directory: Path) -> Path:
    search = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))["search"]
    path = directory / "enumerable.toml"
    path.write_text(
        DESIGN.format(
            scenarios=SCENARIOS, population=search["population"], generations=search["generations"]
        ),
        encoding="utf-8",
    )
    return path


def every_package(optimisation) -> list[dict]:
    """Every package of the design, once: each gene's values at the middle of each of its cells."""
    cells = []
    for gene in optimisation.genes:
        count = {"switch": 2, "zones": len(gene.subsets())}.get(gene.kind, len(gene.levels))
        cells.append([(k + 0.5) / count for k in range(count)])
    packages = {}
    for x in itertools.product(*cells):
        params = optimisation.decode(x)
        packages[repr(sorted(params.items()))] = params
    return list(packages.values())


def true_objectives(optimisation, packages) -> list[dict[str, list[float]]]:
    """Each package's impacts (one scenario) from the stand-in, scaled as the optimiser scales them."""
    from model.policies import scaled_public_cost

    base = stand_in_series(optimisation.scenario_of(None, months=optimisation.months)).iloc[-1]
    means = []
    for params in packages:
        scenario = package_scenario(
            optimisation.scenario,
            params,
            {"households": optimisation.households, "months": optimisation.months},
        )
        run = stand_in_series(scenario).iloc[-1]
        cost = scaled_public_cost(
            optimisation.scenario_of(params),
            float(run["public.cumulative_spend_eur"]),
            optimisation.households,
        )
        means.append(
            {
                "extra_sharing_households": [
                    (run["sharing_households"] - base["sharing_households"])
                    * optimisation.territory_households
                    / optimisation.households
                ],
                "net_public_cost_eur": [cost],
                "t_co2e_avoided": [0.0],
                "poorest_savings_eur_per_month": [0.0],
            }
        )
    return means


@pytest.fixture
def stand_in(monkeypatch):
    monkeypatch.setattr(
        PackageTarget, "simulate", lambda self, prepared, *, seed: stand_in_series(prepared)
    )


def test_the_front_read_from_the_archive_reaches_90_percent_of_the_enumerated_hypervolume(
    tmp_path, stand_in
):
    design = design_file(tmp_path)
    optimisation = load_optimisation(design)
    packages = every_package(optimisation)
    assert len(packages) == 7 * 4 * 4
    truth = true_objectives(optimisation, packages)
    objectives, constraint = objective_values(optimisation, truth, truth)
    feasible = constraint[:, 0] <= 0
    assert 0 < feasible.sum() < len(packages), "the budget should bind"
    ideal, nadir = objectives[feasible].min(axis=0), objectives[feasible].max(axis=0)
    true_front = non_dominated(objectives, feasible)
    best = hypervolume(objectives[true_front], ideal, nadir)

    outcome = run_optimisation(design, out=tmp_path / "search", progress=False)

    with StoreReader(tmp_path / "search") as reader:
        archive = read_archive(reader.con)
    assert len(archive) == len(set(archive["package_id"]))
    # Every evaluation is a distinct package: none is spent on a package met before.
    assert len(archive) == sum(len(ids) for ids in outcome.generations)
    front = archive_front(optimisation, archive)
    assert sorted(front) == sorted(outcome.front)
    found = archive.set_index("package_id").loc[front, "scenario_means"].tolist()
    found_objectives, found_constraint = objective_values(optimisation, found, found)
    assert (found_constraint[:, 0] <= 0).all()
    reached = hypervolume(found_objectives, ideal, nadir)
    assert reached >= 0.9 * best, f"{reached / best:.1%} of the enumerated front's hypervolume"
    growth = outcome.hypervolume
    assert list(growth["generation"]) == list(range(1, len(outcome.generations) + 1))
    assert np.all(np.diff(growth["hypervolume"]) >= -1e-12)
    assert (tmp_path / "search" / "hypervolume.csv").is_file()


def test_levels_decode_to_the_declared_values_only(tmp_path):
    optimisation = load_optimisation(design_file(tmp_path))
    gene = next(g for g in optimisation.genes if g.kind == "number")
    assert {gene.decode(x) for x in np.linspace(0, 1, 101)} == {2, 8}
