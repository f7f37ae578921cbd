"""`partage optimise DESIGN.toml`: search policy packages under a budget, resumably, and print the front.

The search, the store and the files written are `experiments.optimise`; this
module parses the options and prints the Pareto front and where it is written.
"""

from __future__ import annotations

import sys

from cli.options import add_execution_options, add_output_option
from experiments.optimise import front_summary, run_optimisation
from experiments.report import markdown_table


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "optimise",
        help="multi-objective search over policy levers under a budget (NSGA-II); resumable",
        description="Search the policy levers an optimisation design declares for the packages that do "
        "best on its objectives within its budget, each candidate paired with the baseline over "
        "replications. Running the same command again resumes an interrupted search.",
    )
    parser.add_argument("design", metavar="DESIGN.toml", help="optimisation design file")
    add_output_option(parser, what="results directory", default="results/NAME")
    add_execution_options(parser)
    parser.set_defaults(handler=handle, resumable=True)  # Ctrl-C: one line from cli.main


def handle(args) -> int:
    outcome = run_optimisation(
        args.design,
        workers=args.workers,
        scheduler=args.scheduler,
        out=args.out,
        progress=args.progress,
    )
    optimisation = outcome.optimisation
    print(
        f"{outcome.directory}: {len(outcome.evaluations)} candidates over {len(outcome.generations)} "
        f"generations ({outcome.runs_done} runs now, {outcome.runs_reused} reused from the store); "
        f"{len(outcome.front)} on the Pareto front"
    )
    growth = outcome.hypervolume
    if growth is not None and len(growth):
        print(
            "hypervolume by generation (front of every package evaluated, objectives scaled 0-1): "
            + ", ".join(f"{v:.3f}" for v in growth["hypervolume"])
        )
    if outcome.front:
        import pandas as pd

        front = pd.read_csv(outcome.directory / "front.csv")
        print(markdown_table(front_summary(optimisation, front)))
    else:
        print("no candidate met the budget: raise it, or widen the levers", file=sys.stderr)
    print("written: " + ", ".join(str(path) for path in outcome.written if path.suffix != ".toml"))
    print(f"scenario files of the front: {outcome.directory / 'front'}")
    return 0
