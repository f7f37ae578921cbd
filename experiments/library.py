"""The scenario library: its files in order, the levers and the declared budget of each scenario.

The budget is the declared public cost over the scenario's horizon for its
number of households: investments, running costs, pool units and parking spots,
computed month by month from the policies (`model.policies.declared_costs`),
without simulating. Costs paid per use, claim or trainee, and revenue, depend
on what households do: they are flagged, and `simulated_net_cost` gives the net
public cost of one simulation with fewer households, scaled to the scenario's
(the declared budget of the territory as declared, costs per event and revenue in
proportion to households).
`scenario_changes` lists what a scenario changes against the scenario it
extends, each value with the schema's label and unit (`partage scenarios show`).
`partage scenarios` (in `cli/scenarios.py`) prints them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from experiments.territory_figures import run_figures
from model.model import DEFAULT_SCENARIO
from model.policies import COST_PER_EVENT, REVENUE, declared_costs
from model.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    parameter_info,
    policy_texts,
    read_toml_file,
)
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
    return (
        ", ".join(f"{names[kind]} x{n}" if n > 1 else names[kind] for kind, n in counts.items())
        or "none"
    )


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
    figures = run_figures(scenario, series.iloc[-1].to_dict(), households)
    return float(figures["public.cumulative_spend_eur"] - figures["public.cumulative_revenue_eur"])


def euros(value: float) -> str:
    """An amount in EUR, kEUR or MEUR, as budgets are read."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f} MEUR"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.0f} kEUR"
    return f"{value:.0f} EUR"


@dataclass(frozen=True)
class Change:
    """A value a scenario sets differently from the scenario it extends (`before` None: added)."""

    path: str
    label: str
    unit: str
    before: Any
    after: Any


def _leaves(table: dict, prefix: str = "") -> dict[str, Any]:
    """Dotted path -> value for every scalar or list of a nested table."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= _leaves(value, path + ".")
        else:
            out[path] = value
    return out


def parent_of(path: Path) -> Path | None:
    """The file a scenario extends, or None."""
    parent = read_toml_file(path).get("extends")
    return path.parent / parent if isinstance(parent, str) else None


def scenario_changes(path: str | Path) -> tuple[Scenario, Path | None, list[Change]]:
    """The scenario of a file, the file it extends, and every value it changes or adds, with the
    schema's label and unit; name and description are left out."""
    path = Path(path)
    scenario = load_scenario(path)
    parent_path = parent_of(path)
    parent = load_scenario(parent_path) if parent_path else None
    before = _leaves(parent.model_dump(exclude_none=True)) if parent else {}
    after = _leaves(scenario.model_dump(exclude_none=True))
    changes = []
    for dotted in [*after, *(p for p in before if p not in after)]:
        if dotted in ("name", "description") or before.get(dotted) == after.get(dotted):
            continue
        owner = scenario if dotted in after else parent
        try:
            info = parameter_info(owner, dotted)
        except ScenarioError:
            info = {"label": dotted.rsplit(".", 1)[-1].replace("_", " "), "unit": ""}
        label = info["label"] or dotted.rsplit(".", 1)[-1].replace("_", " ")
        changes.append(Change(dotted, label, info["unit"], before.get(dotted), after.get(dotted)))
    return scenario, parent_path, changes
