"""A run in a worker, whatever the executor: running one task and capturing its series or its
error (`execute_run`), then giving back the memory the run leaves, so that a worker's memory
stays flat however many runs it makes (`run_and_release`, `run_in_worker`). On a Dask worker,
freed memory is also kept while runs are under way (`run_on_dask_worker`).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import datetime

from experiments.design import RunTask
from experiments.store import RunResult, to_long_tables
from experiments.targets import Target

TRIM_EVERY_RUNS = 20  # a worker gives freed memory back to the system this often
GC_SHARE = 0.02  # full garbage collections after runs take at most this share of a worker's time


def execute_run(target: Target, task: RunTask) -> RunResult:
    """Run one task and capture its series, or its error."""
    started_at = datetime.now()
    clock = time.perf_counter()
    series, error, trace, status = None, None, None, "done"
    try:
        prepared = target.prepared(task.scenario, task.params, task.households, task.months)
        series = target.simulate(prepared, seed=task.seed)
        if "month" not in series.columns:
            raise ValueError("the target returned a series without a 'month' column")
    except Exception as exc:  # a failing run is data, not a crash of the sweep
        status, series = "failed", None
        first_line = (str(exc).strip().splitlines() or [""])[0]
        error = f"{type(exc).__name__}: {first_line}"
        trace = traceback.format_exc()
    return to_long_tables(  # made where the run ran, so that the writer only inserts them
        RunResult(
            task.run_id,
            task.point_id,
            task.replication,
            task.scenario,
            task.params,
            task.seed,
            status,
            error,
            trace,
            time.perf_counter() - clock,
            f"{socket.gethostname()}:{os.getpid()}",
            started_at,
            datetime.now(),
            series,
            zones=series.attrs.pop("zones", None) if series is not None else None,
        )
    )


def freeze_imports() -> None:
    """Leave what a worker holds for its whole life (its modules, its target) out of garbage
    collections, which then walk only what runs make (see `release_run_memory`)."""
    gc.freeze()


def run_in_worker(target: Target, task: RunTask) -> RunResult:
    """A run in a worker that makes many (a pool's, or a Dask worker): what the worker holds after
    its first run (its modules, what that run imported or loaded, such as the model's compiled
    loops; on Dask, the worker's own state) is frozen out of garbage collections
    (`freeze_imports`), and the cost of a collection is measured again after it. The first run's
    collection walked all that, and the collections that follow would otherwise be spaced out as if
    each cost as much; on a Dask worker, the automatic full collections during runs walked its
    230 000 objects, 0.1 to 0.2 s of CPU a sweep of 24 runs."""
    result = run_and_release(target, task)
    if _RUN_MEMORY.runs == 1:
        freeze_imports()
        _RUN_MEMORY.collect_cost_s = 0.0
    return result


def run_and_release(target: Target, task: RunTask) -> RunResult:
    """`execute_run`, then the run's memory given back (`release_run_memory`): what every executor
    runs, so that a worker's memory stays flat however many runs it makes."""
    result = execute_run(target, task)
    release_run_memory()
    return result


@dataclass
class _RunMemory:
    runs: int = 0
    collect_cost_s: float = 0.0
    collected_at: float = float("-inf")


_RUN_MEMORY = _RunMemory()


def release_run_memory() -> None:
    """Free what the finished run left, as soon as that is cheap.

    A finished model is held in reference cycles (the model and its parts refer to each other),
    which only a full garbage collection frees; Python runs one only once the long-lived objects
    have grown by a quarter, so a worker grew by its finished models for thousands of runs
    (`python -m benchmarks.memory_growth`). A full collection walks every object of the process
    (about 50 ms with the model imported): it runs after a run whenever that keeps collections
    under `GC_SHARE` of the time. In a pool worker, whose imported objects are frozen out of the
    collector when it starts (`gc.freeze`), it costs well under a millisecond, so it runs after
    every run. Every `TRIM_EVERY_RUNS` runs, the memory freed goes back to the system."""
    state = _RUN_MEMORY
    state.runs += 1
    now = time.perf_counter()
    if now - state.collected_at >= state.collect_cost_s / GC_SHARE:
        gc.collect()
        state.collected_at = time.perf_counter()
        state.collect_cost_s = state.collected_at - now
    if state.runs % TRIM_EVERY_RUNS == 0:
        release_freed_memory()


def release_freed_memory() -> None:
    """Ask glibc to give the memory runs freed back to the system: without it a worker keeps about
    20 KB a run in reserve (`python -m benchmarks.memory_growth`); elsewhere, nothing to do."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


# glibc's settings (`mallopt`) a run on a Dask worker changes while it runs (see `run_on_dask_worker`)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
RUN_TRIM_THRESHOLD = 128 << 20  # free memory at the top of the heap kept while a run runs
RUN_MMAP_THRESHOLD = 32 << 20  # blocks up to this size taken from the heap (glibc's largest)
FIXED_MMAP_THRESHOLD = 128 << 10  # glibc's, once a threshold is set (as the nanny's variable does)


def run_on_dask_worker(target: Target, task: RunTask) -> RunResult:
    """`run_in_worker` on a Dask worker. Dask's nanny starts its workers with glibc asked to give
    memory back to the system as soon as 64 KB are free at the top of the heap
    (`MALLOC_TRIM_THRESHOLD_`): a run's arrays, freed and made again month after month, then
    cost their pages again each time, and runs took 4 to 7 % longer. While runs are under way, freed
    memory is kept for the next month; when none is, the nanny's setting is back and what the
    runs freed goes back to the system at once."""
    with _freed_memory_kept_while_running():
        return run_in_worker(target, task)


_RUNNING = {"runs": 0}
_RUNNING_LOCK = threading.Lock()


@contextlib.contextmanager
def _freed_memory_kept_while_running():
    nanny_threshold = os.environ.get("MALLOC_TRIM_THRESHOLD_", "")
    libc = _glibc()
    if libc is None or not nanny_threshold.isdigit():
        yield
        return
    with _RUNNING_LOCK:
        _RUNNING["runs"] += 1
        if _RUNNING["runs"] == 1:
            libc.mallopt(M_TRIM_THRESHOLD, RUN_TRIM_THRESHOLD)
            libc.mallopt(M_MMAP_THRESHOLD, RUN_MMAP_THRESHOLD)
    try:
        yield
    finally:
        with _RUNNING_LOCK:
            _RUNNING["runs"] -= 1
            if _RUNNING["runs"] == 0:
                libc.mallopt(M_MMAP_THRESHOLD, FIXED_MMAP_THRESHOLD)
                libc.mallopt(M_TRIM_THRESHOLD, int(nanny_threshold))
                libc.malloc_trim(0)


@functools.cache
def _glibc():
    """The C library, if it is glibc (which has `mallopt` and `malloc_trim`); None elsewhere
    (loaded once: it is asked for after every run on Dask)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc's, or AttributeError
    except (OSError, AttributeError):
        return None
    return libc
