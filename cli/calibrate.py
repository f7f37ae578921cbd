"""`partage calibrate DESIGN.toml`: fit behaviour parameters to observed figures, resumably.

The calibration itself is `experiments.calibrate.calibrate`; this module
parses the options and prints the fitted ranges and where the files are.
"""

from __future__ import annotations

import sys

from cli.options import add_execution_options
from experiments.calibrate import calibrate
from experiments.report import markdown_table


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="fit behaviour parameters to observed figures, with their uncertainty; resumable",
        description="Run the calibration a design file declares (history matching with Gaussian-process "
        "emulators, then a posterior), locally or on a Dask cluster. Running the same command again "
        "resumes an interrupted calibration.",
    )
    parser.add_argument("design", metavar="DESIGN.toml", help="calibration design file")
    parser.add_argument("--out", metavar="DIR", help="output folder (default results/NAME)")
    parser.add_argument(
        "--fitted",
        metavar="FILE.toml",
        help="where to write the fitted scenario (default: in the output folder)",
    )
    add_execution_options(parser)
    parser.set_defaults(handler=handle, resumable=True)  # Ctrl-C: one line from cli.main


def handle(args) -> int:
    def echo(line: str) -> None:
        print(line, file=sys.stderr)

    result = calibrate(
        args.design,
        out=args.out,
        fitted_path=args.fitted,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.no_progress,
        echo=echo,
    )
    intervals = result.intervals()
    print(
        markdown_table(
            intervals[
                ["parameter", "prior_min", "prior_max", "original", "low_95", "fitted", "high_95"]
            ]
        )
    )
    unreached = result.reach[~result.reach["reached"]]
    if len(unreached):
        print("not reached by any point of the prior: " + ", ".join(unreached["target"]))
    print("written: " + ", ".join(str(path) for path in result.written))
    return 0
