"""Options and reports shared by the commands that run experiments (`sweep`, `compare`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.executors import RunSummary


def report_summary(summary: RunSummary, directory: Path) -> int:
    """Print where the experiment stands; the exit code is 0 only if every run finished without error."""
    finished = summary.skipped + summary.done + summary.failed
    print(
        f"{directory}: {finished} of {summary.planned} runs finished ({summary.done} done and "
        f"{summary.failed} failed now, {summary.skipped} already finished, {summary.lost} lost) "
        f"in {summary.elapsed_s:.1f} s"
    )
    if summary.lost:
        print(
            f"{summary.lost} runs were lost with their workers: run the same command again to finish them",
            file=sys.stderr,
        )
    if summary.failed:
        print(
            f"{summary.failed} runs failed; see `partage results show {directory}`", file=sys.stderr
        )
    return 0 if summary.lost == 0 and summary.failed == 0 else 1


def worker_count(text: str) -> int:
    """`--workers`: a whole number of local processes, at least 1."""
    try:
        workers = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if workers < 1:
        raise argparse.ArgumentTypeError(f"{workers}: needs at least 1")
    return workers


def seconds(text: str) -> float:
    """`--cluster-timeout`: a number of seconds, more than 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text}: allowed: more than 0 seconds")
    return value


def add_execution_options(parser) -> None:
    parser.add_argument(
        "--workers",
        type=worker_count,
        default=1,
        metavar="W",
        help="local worker processes (default 1: run in this process)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://HOST:8786",
    )
    parser.add_argument(
        "--cluster-timeout",
        type=seconds,
        default=60,
        metavar="SECONDS",
        help="with --scheduler: stop, keeping finished runs, when the scheduler is unreachable "
        "(from the first connection on) or the cluster has no worker for this long (default 60)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
