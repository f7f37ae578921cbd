"""`partage outcomes [SCENARIO]`: every outcome column of a scenario, with its unit and meaning.

The list is `model.outcomes` (the one declaration next to the reporters),
expanded for the scenario's goods, zones and income quintiles; `docs/outcomes.md`
is this command's output for the baseline.
"""

from __future__ import annotations

import pandas as pd

from cli.options import add_output_option
from experiments.outputs import writable_file
from experiments.report import markdown_table
from model.model import DEFAULT_SCENARIO
from model.outcomes import outcome_rows
from model.scenario import Territory, load_scenario


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "outcomes",
        help="every outcome column (by good, zone and quintile) with its unit and meaning",
        description="List the monthly outcome columns that runs, comparisons and sweeps write.",
    )
    parser.add_argument(
        "scenario",
        nargs="?",
        default=str(DEFAULT_SCENARIO),
        help="scenario whose goods and zones name the columns (default: the baseline)",
    )
    add_output_option(parser, what="Markdown file to write", metavar="FILE")
    parser.set_defaults(handler=handle)


def outcomes_markdown(scenario_path: str) -> str:
    """The Markdown table of the outcome columns of a scenario, with a one-line heading."""
    scenario = load_scenario(scenario_path)
    from_data = not isinstance(scenario.territory, Territory)
    rows = outcome_rows(scenario.good_names, [] if from_data else scenario.zone_names, from_data)
    heading = (
        f"Outcome columns of `{scenario.name}` ({len(rows)}): one row per month, month 0 being "
        "the initial state; by-zone and by-quintile columns follow the scenario's zones and quintiles."
    )
    return heading + "\n\n" + markdown_table(pd.DataFrame(rows))


def handle(args) -> int:
    text = outcomes_markdown(args.scenario) + "\n"
    if args.out:
        writable_file(args.out).write_text(text, encoding="utf-8")
        print(f"written: {args.out}")
    else:
        print(text, end="")
    return 0
