"""Sweep throughput: runs per minute of a small sweep, by executor (`partage sweep-bench`).

The same Latin-hypercube sweep of the baseline scenario runs into fresh stores
in one local worker (this process), on a pool of two local processes, and
through Dask (the scheduler given with `--scheduler`, or a local cluster of two
single-threaded worker processes started for the occasion, once with Dask's
defaults and once with the worker settings for sweeps that docs/experiments.md
gives, `executors.SWEEP_WORKER_SETTINGS`), one after the other, for `rounds`
rounds: on a machine shared with other work, executors
measured alternately meet the same load, so their ratios in a round mean more
than their times. Each local cluster runs in processes of its own, paused
(SIGSTOP) while anything else is timed: idle, its scheduler and workers
still take about a tenth of a core (heartbeats, system monitors), a load that
a sweep on a local pool would not meet, and that slows two workers on two
cores, not one worker that leaves a core free. `partage sweep-bench` starts the
pool's fork server first thing, as every command with several local workers
does, so that the first round finds it started; the first round includes the
Dask workers' first imports. Later rounds find both started, as a process
running several sweeps does.

`runs_per_minute` counts the whole sweep as a user sees it: starting the
workers, shipping the scenario, running and storing every run;
`steady_runs_per_minute` counts from the first finished run to the last.
`speedup` is the whole sweep's rate against one worker's in the same round, and
`vs_2_local_workers` against two local workers' (Dask's goal: at least 0.9).
`cpu_s_per_run` is the CPU time of every process (this one, its workers, the
fork server, Dask's workers) per run, and `writer_cpu_ms_per_run` that of this
process alone (storing runs, and, with a pool or Dask, collecting their
results): CPU time is what a busy machine distorts least. `cpu_bound_speedup`
is 2 × one worker's CPU a run / this executor's (1 for one worker): the
speedup two cores would give if nothing but CPU time limited it. With `progress`, one bar on stderr
counts the runs of every sweep and estimates the time left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from tqdm import tqdm

from experiments.executors import SWEEP_WORKER_SETTINGS, dask_environment
from experiments.store import StoreReader
from experiments.sweep import run_sweep

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"

DESIGN = """
name = "sweep-bench"
scenario = "{scenario}"
seed = 7
replications = 2
households = {households}
months = {months}
outcomes = ["sharing_households"]

[sampler]
method = "lhs"
samples = {points}

[[parameters]]
path = "behaviour.awareness_q"
min = 0.05
max = 0.4

[[parameters]]
path = "behaviour.risk_weight"
min = 0.5
max = 4.0
"""


def cpu_seconds() -> float:
    """CPU time of this process and of every process under it, living or finished: a finished
    process's time is counted in its parent's children times (a pool worker's in the fork server's)."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:4])  # user, system, and those of finished children
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += sum(child.cpu_times()[:4])
    return total


def steady_rate(directory: Path) -> float:
    """Runs per second from the first finished run to the last, by the times the workers gave."""
    with StoreReader(directory) as reader:
        count, first, last = reader.con.execute(
            "SELECT count(*), min(finished_at), max(finished_at) FROM runs"
        ).fetchone()
    seconds = (last - first).total_seconds() if count > 2 else 0.0
    return (count - 1) / seconds if seconds > 0 else float("nan")


def own_cpu_seconds() -> float:
    return time.process_time()


def benchmark(
    *,
    runs: int,
    households: int,
    months: int,
    scheduler: str | None,
    scenario: Path = SCENARIO,
    progress: bool = False,
    rounds: int = 1,
) -> list[dict]:
    """Time the sweep with each executor, `rounds` times alternately; one row per sweep."""
    rows = []
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="partage-bench-"))
        design = Path(tmp) / "bench.toml"
        design.write_text(
            DESIGN.format(
                scenario=scenario.as_posix(),
                households=households,
                months=months,
                points=max(1, runs // 2),
            ),
            encoding="utf-8",
        )
        # (label, run_sweep's options, what runs while it is timed)
        setups = [
            ("1 local worker", {"workers": 1}, contextlib.nullcontext),
            ("2 local workers", {"workers": 2}, contextlib.nullcontext),
        ]
        if scheduler is None:
            for label, settings in (
                ("Dask, local cluster of 2 workers", {}),
                ("Dask, the same with the settings for sweeps", SWEEP_WORKER_SETTINGS),
            ):
                cluster = PausedCluster(settings)
                stack.callback(cluster.close)
                setups.append((label, {"scheduler": cluster.address}, cluster.running))
        else:
            setups.append((f"Dask, {scheduler}", {"scheduler": scheduler}, contextlib.nullcontext))
        planned = max(1, runs // 2) * 2  # points x the design's two replications
        bar = stack.enter_context(
            tqdm(
                total=planned * len(setups) * rounds,
                desc="sweep-bench",
                unit="run",
                disable=not progress,
                file=sys.stderr,
                mininterval=0.5,
            )
        )
        for round_ in range(1, rounds + 1):
            one_worker = two_workers = None
            for label, options, running in setups:
                with running():
                    cpu, own = cpu_seconds(), own_cpu_seconds()
                    clock = time.perf_counter()
                    outcome = run_sweep(
                        design,
                        out=Path(tmp) / f"{label.replace(' ', '_')}-{round_}",
                        progress=False,
                        on_result=lambda _: bar.update(1),
                        **options,
                    )
                    elapsed = time.perf_counter() - clock
                    cpu, own = cpu_seconds() - cpu, own_cpu_seconds() - own
                finished = outcome.summary.done + outcome.summary.failed
                steady = steady_rate(outcome.directory)
                row = {
                    "executor": label,
                    "round": round_,
                    "runs": finished,
                    "seconds": elapsed,
                    "runs_per_minute": 60 * finished / elapsed,
                    "steady_runs_per_minute": 60 * steady,
                    "cpu_s_per_run": cpu / max(1, finished),
                    "writer_cpu_ms_per_run": 1000 * own / max(1, finished),
                }
                one_worker = one_worker or row
                if row is not one_worker:
                    two_workers = two_workers or row
                row["speedup"] = row["runs_per_minute"] / one_worker["runs_per_minute"]
                row["vs_2_local_workers"] = (
                    row["runs_per_minute"] / two_workers["runs_per_minute"]
                    if two_workers
                    else float("nan")
                )
                cores = 1 if row is one_worker else 2
                row["cpu_bound_speedup"] = (
                    cores * one_worker["cpu_s_per_run"] / row["cpu_s_per_run"]
                )
                rows.append(row)
    return rows


# The local Dask cluster, in a process of its own, which prints its scheduler's address and
# closes the cluster when its standard input closes.
CLUSTER = """
import sys

from distributed import LocalCluster

if __name__ == "__main__":
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        print(cluster.scheduler_address, flush=True)
        sys.stdin.read()
"""


class PausedCluster:
    """A local Dask cluster of two single-threaded workers, with Dask's `settings` (dotted keys),
    its processes paused except while `running()`."""

    def __init__(self, settings: dict | None = None):
        self.process = subprocess.Popen(
            [sys.executable, "-c", CLUSTER],
            env=os.environ | dask_environment(settings or {}),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.address = self.process.stdout.readline().strip()
        if not self.address:
            self.close()
            raise RuntimeError("the local Dask cluster did not start")
        self._pause()

    def _processes(self) -> list[psutil.Process]:
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    def _pause(self) -> None:
        if hasattr(signal, "SIGSTOP"):  # elsewhere (Windows) it keeps running
            for process in self._processes():
                with contextlib.suppress(psutil.Error):
                    process.suspend()

    def _resume(self) -> None:
        for process in self._processes():
            with contextlib.suppress(psutil.Error):
                process.resume()

    @contextlib.contextmanager
    def running(self):
        self._resume()
        try:
            yield
        finally:
            self._pause()

    def close(self) -> None:
        self._resume()
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            for process in reversed(self._processes()):
                with contextlib.suppress(psutil.Error):
                    process.kill()
            self.process.wait(timeout=10)


def summary(rows: list[dict]) -> list[dict]:
    """One row per executor: the median over rounds of its rates and ratios."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    columns = [
        "runs_per_minute",
        "steady_runs_per_minute",
        "speedup",
        "vs_2_local_workers",
        "cpu_s_per_run",
        "writer_cpu_ms_per_run",
        "cpu_bound_speedup",
    ]
    medians = frame.groupby("executor", sort=False)[columns].median().reset_index()
    return medians.to_dict("records")
