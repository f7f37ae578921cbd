"""`partage sweep DESIGN.toml`: run a sampling design on a local pool or a Dask cluster, resumably.

The design file (see `experiments.design`) is sampled into points, each point
is replicated, and every run goes through the same path: a task sent to an
executor, a series sent back, one transaction in the experiment's DuckDB
store under `results/NAME/`. Running the same command again skips finished
runs, so an interrupted sweep (Ctrl-C, a killed process, a lost worker)
resumes where it stopped. For Sobol and Morris designs, the sensitivity
indices of the design's outcomes are computed when every run is finished.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from experiments.design import Design, Point, RunTask, load_design, replication_seed
from experiments.executors import RunSummary, make_executor, run_tasks
from experiments.manifest import build_manifest, write_manifest
from experiments.store import ResultsStore, RunResult
from experiments.targets import Target

RESULTS_DIR = Path("results")


@dataclass
class SweepOutcome:
    directory: Path
    design: Design
    summary: RunSummary


def run_experiment(
    directory: Path,
    *,
    name: str,
    kind: str,
    fingerprint: str,
    design: dict,
    target: Target,
    points: list[Point],
    tasks: list[RunTask],
    seeds: dict,
    workers: int = 1,
    scheduler: str | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    on_result: Callable[[RunResult], None] | None = None,
) -> RunSummary:
    """Bind the store to the experiment, write the manifest, and run what is not finished yet."""
    directory.mkdir(parents=True, exist_ok=True)
    executor = make_executor(workers, scheduler)
    with ResultsStore(directory) as store:
        store.bind(name=name, kind=kind, fingerprint=fingerprint, design=design, points=points,
                   planned_runs=len(tasks))
        manifest = build_manifest(name=name, kind=kind, fingerprint=fingerprint, design=design,
                                  seeds=seeds, executor=executor.description)
        write_manifest(directory, manifest)
        store.record_invocation(manifest["command"], manifest)
        return run_tasks(store, target, tasks, executor, retry_failed=retry_failed, progress=progress,
                         on_result=on_result)


def run_sweep(
    design_path: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    on_result: Callable[[RunResult], None] | None = None,
) -> SweepOutcome:
    """Run (or resume) the sweep a design file declares; returns where its results are."""
    design = load_design(design_path)
    directory = Path(out) if out else RESULTS_DIR / design.name
    points = design.points()
    tasks = design.tasks(points)
    spec = design.spec
    seeds = {
        "design_seed": spec.seed,
        "common_random_numbers": spec.common_random_numbers,
        "replication_seeds": [replication_seed(spec.seed, r) for r in range(min(spec.replications, 1000))],
    }
    described = spec.model_dump(mode="json") | {"source": str(Path(design_path).resolve())}
    summary = run_experiment(
        directory, name=design.name, kind="sweep", fingerprint=design.fingerprint(), design=described,
        target=design.target, points=points, tasks=tasks, seeds=seeds, workers=workers,
        scheduler=scheduler, retry_failed=retry_failed, progress=progress, on_result=on_result,
    )
    return SweepOutcome(directory, design, summary)


def point_summary(directory: Path, outcomes: list[str]) -> pd.DataFrame:
    """One row per point: its parameter values and each outcome's mean at the horizon with a 95 % interval."""
    import json

    from experiments.compare import mean_interval
    from experiments.store import StoreReader

    with StoreReader(directory) as reader:
        points = reader.points()
        values = reader.horizon_values(outcomes)
    rows = []
    for point_id, params in zip(points["point_id"], points["params"], strict=True):
        row = {"point": int(point_id), **json.loads(params)}
        runs = values[values["point_id"] == point_id]
        row["runs"] = len(runs)
        for outcome in outcomes:
            mean, low, high = mean_interval(runs[outcome].dropna().to_numpy())
            row |= {outcome: mean, f"{outcome} low": low, f"{outcome} high": high}
        rows.append(row)
    return pd.DataFrame(rows)


def report_summary(summary: RunSummary, directory: Path) -> int:
    """Print where the experiment stands; the exit code is 0 only if every run finished without error."""
    finished = summary.skipped + summary.done + summary.failed
    print(
        f"{directory}: {finished} of {summary.planned} runs finished ({summary.done} done and "
        f"{summary.failed} failed now, {summary.skipped} already finished, {summary.lost} lost) "
        f"in {summary.elapsed_s:.1f} s"
    )
    if summary.lost:
        print(f"{summary.lost} runs were lost with their workers: run the same command again to finish them",
              file=sys.stderr)
    if summary.failed:
        print(f"{summary.failed} runs failed; see `partage results show {directory}`", file=sys.stderr)
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


def add_execution_options(parser) -> None:
    parser.add_argument("--workers", type=worker_count, default=1, metavar="W",
                        help="local worker processes (default 1: run in this process)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on an existing Dask cluster, e.g. tcp://HOST:8786")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep", help="run a sweep design (grid, lhs, sobol, morris); resumable",
        description="Run the sweep a design file declares, locally or on a Dask cluster. "
        "Running the same command again resumes an interrupted sweep.",
    )
    parser.add_argument("design", metavar="DESIGN.toml", help="design file")
    parser.add_argument("--out", metavar="DIR", help="results directory (default results/NAME)")
    parser.add_argument("--retry-failed", action="store_true", help="run failed runs again")
    add_execution_options(parser)
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    from experiments.cli import UserError

    try:
        outcome = run_sweep(args.design, workers=args.workers, scheduler=args.scheduler, out=args.out,
                            retry_failed=args.retry_failed, progress=not args.no_progress)
    except KeyboardInterrupt:
        print("interrupted: finished runs are stored; run the same command again to resume", file=sys.stderr)
        raise
    code = report_summary(outcome.summary, outcome.directory)
    if outcome.design.spec.sampler.method in ("grid", "lhs") and outcome.summary.done + outcome.summary.skipped:
        from experiments.report import markdown_table, write_table

        table = point_summary(outcome.directory, outcome.design.outcomes)
        written = write_table(table, outcome.directory, "summary", title=f"{outcome.design.name}: outcomes "
                              "at the horizon by point (mean and 95 % interval over replications)")
        if len(table) <= 40:
            print(markdown_table(table))
        print("written: " + ", ".join(str(path) for path in written))
    if outcome.design.spec.sampler.method in ("sobol", "morris") and outcome.summary.complete:
        from experiments.report import markdown_table
        from experiments.sensitivity import write_sensitivity

        try:
            table, written = write_sensitivity(outcome.directory, outcome.design.outcomes)
        except UserError as error:
            print(f"sensitivity not computed: {error}", file=sys.stderr)
        else:
            print(markdown_table(table))
            print("written: " + ", ".join(str(path) for path in written))
    return code
