"""`partage sensitivity RESULTS_DIR`: Sobol or Morris indices of a finished sweep (`experiments.sensitivity`)."""

from __future__ import annotations

import sys

from experiments.report import markdown_table
from experiments.sensitivity import caution, write_sensitivity


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sensitivity",
        help="Sobol or Morris indices of a finished sweep, as a table and a bar plot",
        description="Compute sensitivity indices with confidence intervals from a sweep's results.",
    )
    parser.add_argument("directory", metavar="RESULTS_DIR", help="the sweep's results directory")
    parser.add_argument(
        "--outcome",
        action="append",
        metavar="NAME",
        help="outcome to analyse (repeatable; default: the design's outcomes); "
        "chosen outcomes are written to sensitivity-<outcomes>.* beside the sweep's own files",
    )
    parser.add_argument(
        "--resamples", type=int, default=1000, help="bootstrap resamples (default 1000)"
    )
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    table, written = write_sensitivity(args.directory, args.outcome, resamples=args.resamples)
    print(markdown_table(table))
    if caution(table):
        print(caution(table), file=sys.stderr)
    print("written: " + ", ".join(str(path) for path in written))
    return 0
