"""`partage sensitivity RESULTS_DIR`: Sobol or Morris indices of a finished sweep, with the noise share
of each outcome, at the horizon, at chosen months or over a window (`experiments.sensitivity`)."""

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
    when = parser.add_mutually_exclusive_group()
    when.add_argument(
        "--month",
        type=int,
        action="append",
        metavar="M",
        help="indices of the outcome at month M (repeatable; default: the horizon)",
    )
    when.add_argument(
        "--every-month", action="store_true", help="indices at every month of the runs"
    )
    when.add_argument(
        "--window",
        type=int,
        nargs=2,
        metavar=("FIRST", "LAST"),
        help="indices of the outcome averaged over months FIRST to LAST",
    )
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    table, written = write_sensitivity(
        args.directory,
        args.outcome,
        resamples=args.resamples,
        months=args.month,
        window=tuple(args.window) if args.window else None,
        every_month=args.every_month,
    )
    print(markdown_table(table))
    if caution(table):
        print(caution(table), file=sys.stderr)
    print("written: " + ", ".join(str(path) for path in written))
    return 0
