"""`partage results show|export RESULTS_DIR`: an experiment's progress and failures, or its Parquet files.

The reading and writing is `experiments.results`.
"""

from __future__ import annotations

from pathlib import Path

from cli.options import add_output_option
from experiments.outputs import writable_folder
from experiments.results import export, show


def register(subparsers) -> None:
    parser = subparsers.add_parser("results", help="show or export an experiment's results store")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    show_parser = actions.add_parser(
        "show", help="progress, failures and outcomes of an experiment"
    )
    show_parser.add_argument(
        "directory", metavar="RESULTS_DIR", help="experiment directory or .duckdb file"
    )
    show_parser.set_defaults(handler=handle_show)
    export_parser = actions.add_parser("export", help="write runs, points and series as Parquet")
    export_parser.add_argument(
        "directory", metavar="RESULTS_DIR", help="experiment directory or .duckdb file"
    )
    add_output_option(export_parser, what="output directory", default="RESULTS_DIR/parquet")
    export_parser.set_defaults(handler=handle_export)


def handle_show(args) -> int:
    print(show(args.directory))
    return 0


def handle_export(args) -> int:
    base = Path(args.directory)
    out = (
        writable_folder(args.out)
        if args.out
        else (base.parent if base.suffix == ".duckdb" else base) / "parquet"
    )
    for path in export(args.directory, out):
        print(path)
    return 0
