"""`partage sweep DESIGN.toml`: run a sampling design, resumably, and print its summary or indices.

The sweep itself (design, executors, store) is `experiments.sweep.run_sweep`;
this module parses the options, prints where the sweep stands, and writes the
per-point summary (grid, lhs) or the sensitivity indices (sobol, morris).
"""

from __future__ import annotations

import sys

from cli.options import add_execution_options, add_output_option, report_summary
from experiments.errors import UserError
from experiments.report import markdown_table, write_table
from experiments.sensitivity import caution, write_sensitivity
from experiments.sweep import point_summary, run_sweep


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="run a sweep design (grid, lhs, sobol, morris); resumable",
        description="Run the sweep a design file declares, locally or on a Dask cluster. "
        "Running the same command again resumes an interrupted sweep.",
    )
    parser.add_argument("design", metavar="DESIGN.toml", help="design file")
    add_output_option(parser, what="results directory", default="results/NAME")
    parser.add_argument("--retry-failed", action="store_true", help="run failed runs again")
    parser.add_argument(
        "--allow-large-design",
        action="store_true",
        help="run a design of more than a million runs (refused otherwise, as a likely mistake)",
    )
    add_execution_options(parser)
    parser.set_defaults(handler=handle, resumable=True)


def handle(args) -> int:
    outcome = run_sweep(
        args.design,
        workers=args.workers,
        scheduler=args.scheduler,
        out=args.out,
        retry_failed=args.retry_failed,
        progress=args.progress,
        cluster_timeout_s=args.cluster_timeout,
        allow_large=args.allow_large_design,
    )
    code = report_summary(outcome.summary, outcome.directory)
    if (
        outcome.design.spec.sampler.method in ("grid", "lhs")
        and outcome.summary.done + outcome.summary.skipped
    ):
        table = point_summary(outcome.directory, outcome.design.outcomes)
        written = write_table(
            table,
            outcome.directory,
            "summary",
            title=f"{outcome.design.name}: outcomes "
            "at the horizon by point (mean and 95 % interval over replications)",
        )
        if len(table) <= 40:
            print(markdown_table(table))
        print("written: " + ", ".join(str(path) for path in written))
    if outcome.design.spec.sampler.method in ("sobol", "morris") and outcome.summary.complete:
        try:
            table, written = write_sensitivity(outcome.directory, outcome.design.outcomes)
        except UserError as error:
            print(f"sensitivity not computed: {error}", file=sys.stderr)
        else:
            print(markdown_table(table))
            if caution(table):
                print(caution(table), file=sys.stderr)
            print("written: " + ", ".join(str(path) for path in written))
    return code
