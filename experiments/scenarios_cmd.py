"""`partage scenarios`: validate, list and describe scenario files.

`partage scenarios list` shows, for each scenario of the library (or the files
given), its name, its levers (policy kinds), its budget and its description.
The budget is the declared public cost over the scenario's horizon for its
number of households: investments, running costs, pool units and parking spots,
computed month by month from the policies (`model.policies.declared_costs`),
without simulating. Costs paid per use, claim or trainee, and revenue, depend
on what households do: they are flagged, and `--simulate` adds the net public
cost of one simulation with fewer households, scaled to the scenario's (lump
sums as declared, the rest in proportion to households).
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from pathlib import Path

from model.model import DEFAULT_SCENARIO
from model.policies import COST_PER_EVENT, REVENUE, declared_costs, scaled_public_cost
from model.scenario import ScenarioError, json_schema, load_scenario, text_in
from model.simulate import simulate

LIBRARY = DEFAULT_SCENARIO.parent


def register(subparsers) -> None:
    scenarios = subparsers.add_parser("scenarios", help="validate, list and describe scenario files")
    actions = scenarios.add_subparsers(dest="action", metavar="ACTION", required=True)
    validate = actions.add_parser("validate", help="check scenario files; one line per file")
    validate.add_argument("files", nargs="+")
    validate.set_defaults(handler=validate_command)
    schema = actions.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.set_defaults(handler=schema_command)
    parameters = actions.add_parser(
        "parameters",
        help="every scenario parameter with its label, description, unit, default and range (Markdown)",
    )
    parameters.add_argument("--lang", choices=("en", "fr"), default="en", help="language (default en)")
    parameters.add_argument("--out", type=Path, metavar="FILE", help="write to FILE instead of printing")
    parameters.set_defaults(handler=parameters_command)
    listing = actions.add_parser("list", help="name, levers, budget and description of scenarios")
    listing.add_argument(
        "files", nargs="*", type=Path, help=f"scenario files (default: every file of {LIBRARY.name}/)"
    )
    listing.add_argument(
        "--simulate", action="store_true",
        help="also run one simulation per scenario for its net public cost (per-use costs, revenue)",
    )
    listing.add_argument(
        "--households", type=int, default=2000,
        help="households of the --simulate run; its cost is scaled to the scenario's (default 2000)",
    )
    listing.set_defaults(handler=list_command)


def validate_command(args) -> int:
    failed = 0
    for path in args.files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            print(f"error: {error}")
            failed += 1
        else:
            print(f"ok: {path} ({scenario.name}: {len(scenario.goods)} goods, {len(scenario.policies)} policies)")
    return 2 if failed else 0


def schema_command(args) -> int:
    print(json.dumps(json_schema(), indent=2))
    return 0


def parameters_command(args) -> int:
    from viz.parameters import parameters_markdown

    text = parameters_markdown(args.lang)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"written: {args.out}")
    else:
        print(text, end="")
    return 0


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
    """The policy kinds of a scenario, e.g. `community_pool x2, trust_label`."""
    counts = Counter(policy.kind for policy in scenario.policies.values())
    return ", ".join(f"{kind} x{n}" if n > 1 else kind for kind, n in counts.items()) or "none"


def budget_text(scenario) -> str:
    """Declared budget over the horizon, and what it leaves out."""
    declared = float(declared_costs(scenario).sum())
    kinds = {policy.kind for policy in scenario.policies.values()}
    extra = sorted({COST_PER_EVENT[k] for k in kinds if k in COST_PER_EVENT})
    revenue = sorted({REVENUE[k] for k in kinds if k in REVENUE})
    text = f"{_euros(declared)} declared over {scenario.months} months"
    if extra:
        text += " + " + ", ".join(extra)
    if revenue:
        text += " - revenue (" + ", ".join(revenue) + ")"
    return text


def simulated_net_cost(scenario, households: int) -> float:
    """Net public cost (spend - revenue) over the horizon of one run, scaled to the scenario's size."""
    series = simulate(scenario, households=households, agents=False)
    net = series["public.cumulative_spend_eur"].iloc[-1] - series["public.cumulative_revenue_eur"].iloc[-1]
    return scaled_public_cost(scenario, float(net), households)


def _euros(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f} MEUR"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.0f} kEUR"
    return f"{value:.0f} EUR"


def list_command(args) -> int:
    files = args.files or library_files()
    failed = 0
    for path in files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            print(f"error: {error}")
            failed += 1
            continue
        print(f"{scenario.name}  ({path.name})")
        print(f"  levers: {levers_of(scenario)}")
        budget = budget_text(scenario) if scenario.policies else "none"
        print(f"  budget: {budget}")
        if args.simulate and scenario.policies:
            net = simulated_net_cost(scenario, args.households)
            print(f"  simulated net public cost: {_euros(net)} ({args.households} households, scaled)")
        description = " ".join(text_in(scenario.description, "en").split())
        print(textwrap.fill(description, width=98, initial_indent="  ", subsequent_indent="  "))
        print()
    return 2 if failed else 0
