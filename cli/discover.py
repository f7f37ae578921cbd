"""`partage discover STORE --outcome NAME --below VALUE`: PRIM scenario discovery on a finished sweep.

The analysis and the files written are `experiments.discover`; this module
parses the options and prints the chosen box with its coverage and density.
"""

from __future__ import annotations

from cli.options import add_output_option
from experiments.discover import discover
from experiments.report import markdown_table


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "discover",
        help="scenario discovery (PRIM) on a finished sweep: where an outcome fails",
        description="Find, with PRIM, the ranges of the swept parameters under which an outcome at the "
        "horizon falls below (or rises above) a value, with the coverage and density of each box.",
    )
    parser.add_argument("store", metavar="STORE", help="results directory of a finished sweep")
    parser.add_argument(
        "--outcome", required=True, help="outcome at the horizon, e.g. sharing_households"
    )
    rule = parser.add_mutually_exclusive_group(required=True)
    rule.add_argument(
        "--below", type=float, metavar="VALUE", help="a run fails when the outcome is below"
    )
    rule.add_argument(
        "--above", type=float, metavar="VALUE", help="a run fails when the outcome is above"
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.8,
        help="density a box must reach to be chosen (default 0.8)",
    )
    parser.add_argument(
        "--peel-alpha", type=float, default=0.05, help="share peeled at each step (default 0.05)"
    )
    parser.add_argument(
        "--mass-min",
        type=float,
        default=0.05,
        help="smallest share of runs in a box (default 0.05)",
    )
    parser.add_argument("--box", type=int, help="report this box of the trajectory instead")
    parser.add_argument(
        "--resamples",
        type=int,
        default=20,
        help="PRIM runs on random halves of the runs for the box's stability (default 20)",
    )
    add_output_option(parser, what="output folder", default="STORE/discover-RULE")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    result = discover(
        args.store,
        args.outcome,
        below=args.below,
        above=args.above,
        threshold=args.threshold,
        peel_alpha=args.peel_alpha,
        mass_min=args.mass_min,
        box=args.box,
        resamples=args.resamples,
        out=args.out,
    )
    chosen = result.chosen
    print(
        f"{result.failing} of {result.cases} runs have {result.rule}. Box {result.box} of "
        f"{len(result.trajectory)}: coverage {chosen['coverage']:.2f}, density {chosen['density']:.2f}, "
        f"mass {chosen['mass']:.2f}"
    )
    print(markdown_table(result.limits) if len(result.limits) else "the box restricts no parameter")
    print("feature scores (extra trees):")
    print(markdown_table(result.scores))
    print("written: " + ", ".join(str(path) for path in result.written))
    return 0
