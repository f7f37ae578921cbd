"""`partage scenarios`: validate, list and describe scenario files.

`partage scenarios list` shows, for each scenario of the library (or the files
given), its name, its levers (policy kinds), its budget and its description
(`experiments.library`); `--simulate` adds the net public cost of one
simulation with fewer households, scaled to the scenario's.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from cli.options import add_language_option, add_output_option, add_progress_options
from experiments.library import (
    LIBRARY,
    budget_text,
    euros,
    levers_of,
    library_files,
    scenario_changes,
    simulated_net_cost,
)
from experiments.outputs import guarded
from experiments.report import format_number, markdown_table
from experiments.territory_figures import declared_households
from model.messages import escaped, one_line
from model.scenario import ScenarioError, json_schema, load_scenario, text_in


def register(subparsers) -> None:
    scenarios = subparsers.add_parser(
        "scenarios", help="validate, list and describe scenario files"
    )
    actions = scenarios.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        aliases=["validate"],
        help="check scenario files, one line per file (old name: validate; the model's own "
        "checks are `partage validate`)",
    )
    check.add_argument("files", nargs="+", help="scenario files (TOML); every one is checked")
    check.set_defaults(handler=check_command)
    schema = actions.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.set_defaults(handler=schema_command)
    parameters = actions.add_parser(
        "parameters",
        help="every scenario parameter with its label, description, unit, default and range (Markdown)",
    )
    add_language_option(parameters, "the labels and descriptions")
    add_output_option(parameters, what="Markdown file to write", metavar="FILE")
    parameters.set_defaults(handler=parameters_command)
    listing = actions.add_parser("list", help="name, levers, budget and description of scenarios")
    listing.add_argument(
        "files",
        nargs="*",
        type=Path,
        help=f"scenario files (default: every file of {LIBRARY.name}/)",
    )
    listing.add_argument(
        "--simulate",
        action="store_true",
        help="also run one simulation per scenario for its net public cost (per-use costs, revenue)",
    )
    listing.add_argument(
        "--households",
        type=int,
        default=2000,
        help="households of the --simulate run; its cost is scaled to the scenario's (default 2000)",
    )
    add_progress_options(listing)
    listing.set_defaults(handler=list_command)
    show = actions.add_parser(
        "show", help="what a scenario changes against the scenario it extends, with units"
    )
    show.add_argument("file", type=Path, help="scenario file (TOML)")
    show.set_defaults(handler=show_command)


def check_command(args) -> int:
    failed = 0
    for path in args.files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            print(f"error: {one_line(error)}")  # the report of a check: standard output
            failed += 1
        else:
            print(
                f"ok: {escaped(path)} ({scenario.name}: {len(scenario.goods)} goods, "
                f"{len(scenario.policies)} policies)"
            )
    return 2 if failed else 0


def show_command(args) -> int:
    scenario, parent, changes = scenario_changes(args.file)
    against = f"extends {escaped(parent.name)}" if parent else "extends no other file"
    print(f"{scenario.name} ({escaped(args.file)}) {against}: {len(changes)} values set here")
    if changes:
        rows = pd.DataFrame(
            {
                "path": [c.path for c in changes],
                "label": [c.label for c in changes],
                "unit": [c.unit for c in changes],
                "extended": [
                    "(not set)" if c.before is None else _value(c.before) for c in changes
                ],
                "this scenario": [
                    "(removed)" if c.after is None else _value(c.after) for c in changes
                ],
            }
        )
        print(markdown_table(rows))
    return 0


def _value(value) -> str:
    return escaped(
        value
        if isinstance(value, str)
        else format_number(value)
        if isinstance(value, int | float)
        else value
    )


def schema_command(args) -> int:
    print(json.dumps(json_schema(), indent=2))
    return 0


def parameters_command(args) -> int:
    from viz.parameters import parameters_markdown

    text = parameters_markdown(args.lang)
    if args.out:
        guarded(args.out).write_text(text, encoding="utf-8")
        print(f"written: {args.out}")
    else:
        print(text, end="")
    return 0


def list_command(args) -> int:
    files = args.files or library_files()
    errors = []
    bar = tqdm(
        files,
        desc="simulating",
        unit="scenario",
        disable=not (args.simulate and args.progress),
        file=sys.stderr,
    )
    for path in bar:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            errors.append(f"error: {one_line(error)}")
            continue
        print(f"{scenario.name}  ({escaped(path.name)})")
        print(f"  levers: {levers_of(scenario)}")
        budget = budget_text(scenario) if scenario.policies else "none"
        print(f"  budget: {budget}")
        if args.simulate and scenario.policies:
            net = simulated_net_cost(scenario, args.households)
            territory = declared_households(scenario)
            print(
                f"  simulated net public cost: {euros(net)} for the territory "
                f"({territory:,} households; simulated with {args.households:,})"
            )
        description = escaped(" ".join(text_in(scenario.description, "en").split()), 4000)
        with tqdm.external_write_mode(file=sys.stderr):
            print(textwrap.fill(description, width=98, initial_indent="  ", subsequent_indent="  "))
            print()
    sys.stdout.flush()
    for error in errors:
        print(error, file=sys.stderr)
    return 2 if errors else 0
