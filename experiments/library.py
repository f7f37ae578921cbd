"""The scenario library: its files in order, the levers and the declared budget of each scenario.

The budget is the declared public cost over the scenario's horizon for its
number of households: investments, running costs, pool units and parking spots,
computed month by month from the policies (`model.policies.declared_costs`),
without simulating. Costs paid per use, claim or trainee, and revenue, depend
on what households do: they are flagged, and `simulated_net_cost` gives the net
public cost of one simulation with fewer households, scaled to the scenario's
(lump sums as declared, the rest in proportion to households).
`partage scenarios` (in `cli/scenarios.py`) prints them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from model.model import DEFAULT_SCENARIO
from model.policies import COST_PER_EVENT, REVENUE, declared_costs, scaled_public_cost
from model.scenario import ScenarioError, load_scenario, policy_texts
from model.simulate import simulate

LIBRARY = DEFAULT_SCENARIO.parent


def library_files() -> list[Path]:
    """The scenario files of the library, baseline first, then levers, then packages."""
    files = sorted(LIBRARY.glob("*.toml"))
    return sorted(files, key=lambda f: (f.name != DEFAULT_SCENARIO.name, _is_package(f), f.name))


def _is_package(path: Path) -> bool:
    try:
        return len(load_scenario(path).policies) > 1
    except ScenarioError:
        return False


def levers_of(scenario) -> str:
    """The kinds of policy of a scenario by their plain names, e.g. `Community pool x2, Trust label`."""
    counts = Counter(policy.kind for policy in scenario.policies.values())
    names = {kind: policy_texts(kind)["label"] for kind in counts}
    return ", ".join(f"{names[kind]} x{n}" if n > 1 else names[kind] for kind, n in counts.items()) or "none"


def budget_text(scenario) -> str:
    """Declared budget over the horizon, and what it leaves out."""
    declared = float(declared_costs(scenario).sum())
    kinds = {policy.kind for policy in scenario.policies.values()}
    extra = sorted({COST_PER_EVENT[k] for k in kinds if k in COST_PER_EVENT})
    revenue = sorted({REVENUE[k] for k in kinds if k in REVENUE})
    text = f"{euros(declared)} declared over {scenario.months} months"
    if extra:
        text += " + " + ", ".join(extra)
    if revenue:
        text += " - revenue (" + ", ".join(revenue) + ")"
    return text


def simulated_net_cost(scenario, households: int) -> float:
    """Net public cost (spend - revenue) over the horizon of one run, scaled to the scenario's size."""
    series = simulate(scenario, households=households, agents=False)
    net = (
        series["public.cumulative_spend_eur"].iloc[-1]
        - series["public.cumulative_revenue_eur"].iloc[-1]
    )
    return scaled_public_cost(scenario, float(net), households)


def euros(value: float) -> str:
    """An amount in EUR, kEUR or MEUR, as budgets are read."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f} MEUR"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.0f} kEUR"
    return f"{value:.0f} EUR"
