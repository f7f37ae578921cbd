"""`partage sweep-bench`: runs per minute of a small sweep with 1 and 2 local workers and Dask.

The timing is `benchmarks.sweep_throughput`.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.sweep_throughput import benchmark, summary
from cli.options import add_progress_options
from experiments.report import markdown_table


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep-bench",
        help="benchmark: runs per minute of a small sweep with 1 and 2 workers and Dask",
    )
    parser.add_argument("--runs", type=int, default=48, help="runs in the sweep (default 48)")
    parser.add_argument(
        "--households", type=int, default=1000, help="households per run (default 1000)"
    )
    parser.add_argument("--months", type=int, default=60, help="months per run (default 60)")
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler (default: start a local one)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds, each executor once per round, alternately (default 3)",
    )
    add_progress_options(parser)
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    rows = benchmark(
        runs=args.runs,
        households=args.households,
        months=args.months,
        scheduler=args.scheduler,
        progress=args.progress,
        rounds=args.rounds,
    )
    print(
        f"sweep of {args.runs} runs of the baseline, {args.households} households, {args.months} months"
    )
    print(markdown_table(pd.DataFrame(rows)))
    print(f"\nmedians over {args.rounds} rounds:")
    print(markdown_table(pd.DataFrame(summary(rows))))
    return 0
