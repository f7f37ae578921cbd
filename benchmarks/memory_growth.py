"""Memory over many runs in one process: how much a worker and the sweep's writer
(`ResultsStore.record`) grow per run, for sizing long sweeps (`docs/long-sweeps.md`).

The worker runs as a pool worker does (`experiments.worker.run_in_worker`, its
imports frozen out of garbage collections), printing its memory every `every` runs; then, for contrast,
as runs went before their memory was released after each (`execute_run` alone).

Each measure runs a warm-up, then `runs` more, sampling the resident memory (RSS) every
`every` runs; the growth per run is the slope of a least-squares line through the samples, so
a one-off step (a cache filled once) weighs less than a steady climb. The writer stores a real
run's series again and again under new run ids, into a fresh store, as a sweep does (DuckDB's
cache bounded, the connection reopened every `REOPEN_EVERY_RUNS` runs), then without reopening
it. `malloc_trim` gives freed memory back to the system
before each sample: what remains is memory still held, not the allocator's reserve.

    python -m benchmarks.memory_growth --runs 10000 --every 1000
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from datetime import datetime
from pathlib import Path

import numpy as np
import psutil

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def slope_kb_per_run(samples: list[tuple[int, float]]) -> float:
    runs, mb = np.array(samples, dtype=float).T
    return float(np.polyfit(runs, mb, 1)[0] * 1024)


def measure(step, runs: int, warm_up: int, every: int, trim: bool = False, on_sample=None) -> dict:
    from experiments.worker import release_freed_memory

    for i in range(warm_up):
        step(i)
    start = rss_mb()
    samples = [(0, start)]
    if on_sample is not None:
        on_sample(0, start)
    for i in range(1, runs + 1):
        step(warm_up + i)
        if i % every == 0:
            if trim:
                release_freed_memory()
            samples.append((i, rss_mb()))
            if on_sample is not None:
                on_sample(i, samples[-1][1])
    return {
        "runs": runs,
        "rss_start_mb": round(start, 1),
        "rss_end_mb": round(samples[-1][1], 1),
        "growth_kb_per_run": round(slope_kb_per_run(samples), 2),
    }


def worker_growth(
    runs: int,
    households: int,
    months: int,
    warm_up: int,
    every: int,
    released: bool = True,
    report=print,
) -> dict:
    """A worker's memory over `runs` runs of the baseline, as a pool worker runs them (or, with
    `released=False`, without giving back each run's memory); `report` gets a line every `every`
    runs."""
    from experiments.design import RunTask
    from experiments.targets import ScenarioTarget
    from experiments.worker import execute_run, freeze_imports, run_in_worker
    from model.scenario import load_scenario

    target = ScenarioTarget({"baseline": load_scenario(BASELINE)})
    run = run_in_worker if released else execute_run
    if released:
        freeze_imports()

    def step(i: int) -> None:
        run(target, RunTask(f"run-{i}", i, 0, "baseline", {}, i, households, months))

    def sampled(i: int, mb: float) -> None:
        report(f"  run {i:>6,}: {mb:7.1f} MB")

    return measure(step, runs, warm_up, every, on_sample=sampled)


def writer_growth(
    runs: int,
    households: int,
    months: int,
    warm_up: int,
    every: int,
    reopen: bool = True,
    trim: bool = False,
) -> dict:
    from experiments.store import ResultsStore, RunResult
    from model.scenario import load_scenario
    from model.simulate import simulate

    series = simulate(load_scenario(BASELINE, {"households": households, "months": months}))
    now = datetime.now()
    result = RunResult(
        run_id="",
        point_id=0,
        replication=0,
        scenario="baseline",
        params={},
        seed=1,
        status="done",
        error=None,
        traceback=None,
        duration_s=0.0,
        worker="bench",
        started_at=now,
        finished_at=now,
        series=series,
    )
    with tempfile.TemporaryDirectory(prefix="partage-memory-") as folder:
        store = ResultsStore(folder, publish=False)
        if not reopen:
            store._reopen = lambda: None
        try:

            def step(i: int) -> None:
                store.record(dataclasses.replace(result, run_id=f"run-{i:07d}", point_id=i))

            report = measure(step, runs, warm_up, every, trim)
            report["store_mb"] = round(Path(store.path).stat().st_size / 2**20, 1)
            report["duckdb_memory_limit"] = store.con.execute(
                "SELECT current_setting('memory_limit')"
            ).fetchone()[0]
        finally:
            store.close()
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--warm-up", type=int, default=20)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument(
        "--contrast-runs",
        type=int,
        default=1000,
        help="runs without releasing each run's memory, and of the writer (default 1000)",
    )
    args = parser.parse_args(argv)
    sizes = dict(households=args.households, months=args.months, warm_up=args.warm_up)
    contrast = min(args.runs, args.contrast_runs)
    every = max(1, min(args.every, contrast // 10))
    print(f"runs of the baseline, {args.households} households, {args.months} months")
    print(f"worker, each run's memory not released ({contrast} runs):")
    report = worker_growth(contrast, every=every, released=False, **sizes)
    print(f"  {report}")
    print(f"worker, as a pool worker ({args.runs} runs):")
    report = worker_growth(args.runs, every=args.every, **sizes)
    print(f"  {report}")
    report = writer_growth(contrast, every=every, **sizes)
    print(f"writer, as a sweep ({contrast} runs): {report}")


if __name__ == "__main__":
    main()
