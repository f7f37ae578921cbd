"""The options every command shares, declared once: progress, quiet, workers, language, output.

Every command that shows a progress bar takes `--progress/--no-progress` and `-q/--quiet`;
every command that can run in several processes takes `--workers` (default 1: in this
process); every command that writes text for people takes `--lang` (default English);
every command that writes files takes `--out`. `tests/cli/test_help.py` walks the parser and
checks that the names, the defaults and the help texts stay the ones declared here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.executors import RunSummary

DEFAULT_WORKERS = 1
LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"


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


def add_progress_options(parser) -> None:
    """`--progress/--no-progress` and `-q/--quiet`; the command reads `args.progress`."""
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show a progress bar on standard error (default: yes)",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        dest="progress",
        action="store_false",
        help="no progress bar, the same as --no-progress (default: the bar is shown)",
    )


def add_workers_option(parser) -> None:
    """`--workers W`, the same default everywhere."""
    parser.add_argument(
        "--workers",
        type=worker_count,
        default=DEFAULT_WORKERS,
        metavar="W",
        help=f"local worker processes (default {DEFAULT_WORKERS}: run in this process)",
    )


def add_language_option(parser, what: str) -> None:
    """`--lang en|fr`, English unless asked."""
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help=f"language of {what} (default {DEFAULT_LANGUAGE})",
    )


def add_output_option(parser, *, what: str, default=None, metavar: str = "DIR", **kwargs) -> None:
    """`--out PATH`; `default` is a path or, when the command computes it, a sentence saying how."""
    if isinstance(default, Path):
        kwargs["default"] = default
        said = str(default)
    else:
        said = default or "print to standard output"
    parser.add_argument(
        "--out", type=Path, metavar=metavar, help=f"{what} (default {said})", **kwargs
    )


def add_execution_options(parser) -> None:
    """Workers, a Dask cluster and progress, for the commands that run experiments."""
    add_workers_option(parser)
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
    add_progress_options(parser)
