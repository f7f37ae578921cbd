"""Sweeps: run a sampling design on a local pool or a Dask cluster, resumably (`partage sweep` is `cli/sweep.py`).

The design file (see `experiments.design`) is sampled into points, each point
is replicated, and every run goes through the same path: a task sent to an
executor, a series sent back, one transaction in the experiment's DuckDB
store under `results/NAME/`. Running the same command again skips finished
runs, so an interrupted sweep (Ctrl-C, a killed process, a lost worker)
resumes where it stopped. For Sobol and Morris designs, the sensitivity
indices of the design's outcomes are computed when every run is finished.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from experiments.design import Design, Point, RunTask, load_design, replication_seed
from experiments.executors import RunSummary, make_executor, run_tasks
from experiments.intervals import bounded_mean_interval
from experiments.manifest import build_manifest, write_manifest
from experiments.outputs import default_folder, writable_folder
from experiments.store import ResultsStore, RunResult, StoreReader
from experiments.targets import Target
from model.outcomes import outcome_bounds


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
    points: Iterable[Point],
    tasks: Iterable[RunTask],
    planned_runs: int,
    seeds: dict,
    workers: int = 1,
    scheduler: str | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    on_result: Callable[[RunResult], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    cluster_timeout_s: float = 60,
    legacy_fingerprint: Callable[[dict], str] | None = None,
) -> RunSummary:
    """Bind the store to the experiment, write the manifest, and run what is not finished yet."""
    directory.mkdir(parents=True, exist_ok=True)
    executor = make_executor(workers, scheduler, cluster_timeout_s=cluster_timeout_s)
    with executor.prepared(target), ResultsStore(directory) as store:
        store.bind(
            name=name,
            kind=kind,
            fingerprint=fingerprint,
            design=design,
            points=points,
            planned_runs=planned_runs,
            legacy_fingerprint=legacy_fingerprint,
        )
        manifest = build_manifest(
            name=name,
            kind=kind,
            fingerprint=fingerprint,
            design=design,
            seeds=seeds,
            executor=executor.description,
        )
        write_manifest(directory, manifest)
        store.record_invocation(manifest["command"], manifest)
        store.publish_snapshot(force=True)
        return run_tasks(
            store,
            target,
            tasks,
            executor,
            planned=planned_runs,
            retry_failed=retry_failed,
            progress=progress,
            on_result=on_result,
            cancelled=cancelled,
        )


def run_sweep(
    design_path: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    on_result: Callable[[RunResult], None] | None = None,
    cluster_timeout_s: float = 60,
    allow_large: bool = False,
) -> SweepOutcome:
    """Run (or resume) the sweep a design file declares; returns where its results are.

    Points and runs are made as they are needed (see `experiments.design`): a
    design above the size limit is refused unless `allow_large`.
    """
    design = load_design(design_path)
    design.check_size(allow_large=allow_large)
    directory = (
        writable_folder(out)
        if out
        else writable_folder(default_folder(design.name), "output folder")
    )
    spec = design.spec
    seeds = {
        "design_seed": spec.seed,
        "common_random_numbers": spec.common_random_numbers,
        "replication_seeds": [
            replication_seed(spec.seed, r) for r in range(min(spec.replications, 1000))
        ],
    }
    described = spec.model_dump(mode="json") | {"source": str(Path(design_path).resolve())}
    summary = run_experiment(
        directory,
        name=design.name,
        kind="sweep",
        fingerprint=design.fingerprint(),
        design=described,
        target=design.target,
        points=design.iter_points(),
        tasks=design.tasks(design.iter_points()),
        planned_runs=design.run_count(),
        seeds=seeds,
        workers=workers,
        scheduler=scheduler,
        retry_failed=retry_failed,
        progress=progress,
        on_result=on_result,
        cluster_timeout_s=cluster_timeout_s,
        legacy_fingerprint=design.legacy_fingerprint,
    )
    return SweepOutcome(directory, design, summary)


def point_summary(directory: Path, outcomes: list[str]) -> pd.DataFrame:
    """One row per point: its parameter values and each outcome's mean at the horizon with a 95 % interval."""
    import json

    with StoreReader(directory) as reader:
        points = reader.points()
        values = reader.horizon_values(outcomes)
    rows = []
    for point_id, params in zip(points["point_id"], points["params"], strict=True):
        row = {"point": int(point_id), **json.loads(params)}
        runs = values[values["point_id"] == point_id]
        row["runs"] = len(runs)
        for outcome in outcomes:
            mean, low, high, _ = bounded_mean_interval(
                runs[outcome].dropna().to_numpy(), outcome_bounds(outcome)
            )
            row |= {outcome: mean, f"{outcome} low": low, f"{outcome} high": high}
        rows.append(row)
    return pd.DataFrame(rows)
