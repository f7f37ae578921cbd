"""`partage hindcast DESIGN.toml`: a scenario started in the past against the figures observed since.

The hindcast itself is `experiments.hindcast`; this module parses the options,
writes the page (table and figure) and prints the table.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cli.options import add_execution_options, add_output_option
from experiments.calibrate import load_calibration
from experiments.hindcast import real_table, run_hindcast, write_hindcast_page
from experiments.outputs import default_folder, writable_file
from experiments.report import markdown_table


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "hindcast",
        help="run a scenario started in the past and compare it with the dated figures observed since",
        description="Run the scenario of a calibration design at its own parameter values and compare "
        "each target given as a dated series (e.g. car-sharing members year by year) with the model, "
        "in households of the real territory; writes a page with the table and a figure. Running the "
        "same command again resumes an interrupted hindcast.",
    )
    parser.add_argument(
        "design", metavar="DESIGN.toml", help="calibration design with dated series"
    )
    add_output_option(parser, what="results folder", default="results/NAME-hindcast")
    parser.add_argument(
        "--page",
        metavar="FILE.md",
        help="the page to write (default: hindcast.md in the results folder)",
    )
    parser.add_argument(
        "--figure", metavar="FILE.png", help="the figure to write (default: beside the page)"
    )
    add_execution_options(parser)
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    name = load_calibration(args.design).name
    out = Path(args.out) if args.out else default_folder(f"{name}-hindcast")
    page = writable_file(args.page or out / "hindcast.md", "--page")
    figure = writable_file(args.figure or page.with_suffix(".png"), "--figure")
    hindcast = run_hindcast(
        args.design,
        out=out,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=args.progress,
    )
    command = " ".join(
        ["partage hindcast", _shown(args.design)]
        + ([f"--page {_shown(args.page)}"] if args.page else [])
        + ([f"--figure {_shown(args.figure)}"] if args.figure else [])
    )
    written = write_hindcast_page(hindcast, page, figure, command)
    print(markdown_table(real_table(hindcast)))
    print("written: " + ", ".join(str(path) for path in written), file=sys.stderr)
    return 0


def _shown(path: str) -> str:
    """A path as the page shows it: relative to the current folder when inside it."""
    relative = os.path.relpath(Path(path).resolve(), Path.cwd())
    return path if relative.startswith("..") else Path(relative).as_posix()
