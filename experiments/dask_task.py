"""What a sweep sends a Dask worker for each run (`executors.DaskExecutor`).

Dask's scheduler unpickles every task it is sent, its function and its arguments: a task naming
a function of `experiments.executors` and carrying a `RunTask` made the scheduler import the
model, numba, DuckDB and pandas at a sweep's first task (about 1 s, during which no run started).
This module imports nothing but the standard library, and a task's fields travel as a tuple; the
worker imports the rest (the worker settings for sweeps preload it, `executors.SWEEP_WORKER_SETTINGS`).
"""

from __future__ import annotations


def run_task(target, fields: tuple):
    """`worker.run_on_dask_worker` for the `RunTask` of these fields."""
    from experiments.design import RunTask
    from experiments.worker import run_on_dask_worker

    return run_on_dask_worker(target, RunTask(*fields))
