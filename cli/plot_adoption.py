"""`partage plot-adoption DIR...`: adoption over time of finished runs, as one PNG."""

from __future__ import annotations

from pathlib import Path

from experiments.outputs import image_file
from experiments.run import RESULTS, plot_adoption, read_runs
from model.messages import escaped


def register(subparsers) -> None:
    plot = subparsers.add_parser("plot-adoption", help="plot adoption over time of finished runs")
    plot.add_argument("runs", nargs="+", type=Path, help="output folders of `partage run`")
    plot.add_argument(
        "--out",
        type=Path,
        default=RESULTS / "adoption.png",
        help=f"PNG file to write (default {RESULTS / 'adoption.png'})",
    )
    plot.set_defaults(handler=plot_command)


def plot_command(args) -> int:
    out = image_file(args.out)
    plot_adoption(read_runs(args.runs), out)
    print(f"adoption plot written to {escaped(out)}")
    return 0
