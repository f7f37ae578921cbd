"""`partage calibrate DESIGN.toml`: fit behaviour parameters to observed figures, resumably.

The calibration itself is `experiments.calibrate.calibrate`; this module
parses the options and prints the fitted ranges and where the files are.
"""

from __future__ import annotations

import sys

from cli.options import add_execution_options, add_output_option
from experiments.calibrate import calibrate
from experiments.report import markdown_table

NOT_CREDIBLE_EXIT = 3  # the calibration ran, but its posterior is not to be trusted


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="fit behaviour parameters to observed figures, with their uncertainty; resumable",
        description="Run the calibration a design file declares (history matching with Gaussian-process "
        "emulators, then a posterior sampled by MCMC), locally or on a Dask cluster. Running the same "
        "command again resumes an interrupted calibration. Exit status 3: the calibration finished but "
        "its posterior is not credible (empty plausible region, collapse or too few effective "
        "samples), said in the last line, the parameters table and the report.",
    )
    parser.add_argument("design", metavar="DESIGN.toml", help="calibration design file")
    add_output_option(parser, what="output folder", default="results/NAME")
    parser.add_argument(
        "--fitted",
        metavar="FILE.toml",
        help="where to write the fitted scenario, with equilibrium constants solved for the fitted "
        "behaviour (default: in the output folder)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="design seed instead of the design's own (a second calibration to compare with the first)",
    )
    parser.add_argument(
        "--compare-with",
        metavar="DIR",
        help="output folder of another calibration of the same parameters (e.g. another seed): "
        "its 95 %% intervals must overlap these; the report puts them side by side",
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
        progress=args.progress,
        echo=echo,
        seed=args.seed,
        compare_with=args.compare_with,
    )
    intervals = result.intervals()
    print(
        markdown_table(
            intervals[
                [
                    "parameter",
                    "prior_min",
                    "prior_max",
                    "original",
                    "low_95",
                    "fitted",
                    "high_95",
                    "credible",
                ]
            ]
        )
    )
    unreached = result.reach[~result.reach["reached"]]
    if len(unreached):
        print("not reached by any point of the prior: " + ", ".join(unreached["target"]))
    if result.comparison is not None:
        print(markdown_table(result.comparison))
    print("written: " + ", ".join(str(path) for path in result.written))
    print(f"posterior {result.verdict()}")
    if not result.credible:
        echo(f"posterior {result.verdict()}")
        return NOT_CREDIBLE_EXIT
    return 0
