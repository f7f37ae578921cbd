"""Where runs execute: in this process, on a local process pool, or on a Dask cluster.

Every executor takes a target and a list of run tasks and yields one
`RunResult` per task as runs finish, in any order; the caller stores each
result as it arrives, so nothing accumulates in memory. At most a few tasks
per worker are in flight at a time.

Rules:
- The target (with its validated scenarios) is sent to each worker once: as
  the pool's initializer argument, or scattered to every Dask worker.
- A run that raises is a result with status `failed` and its error; the sweep
  goes on. A run lost with its worker is run again: Dask resubmits it to
  another worker (and the executor submits it once more if Dask gives up on
  it), and a local pool broken by a dying worker is replaced. A run
  whose worker dies twice (or that the cluster gives up on) is reported as
  lost, not recorded, and the next invocation runs it again.
- Importing mesa makes "spawn" the start method of the process, so the pool
  uses spawn explicitly; workers ignore Ctrl-C, which the parent handles.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import multiprocessing
import os
import signal
import socket
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime

from experiments.design import RunTask
from experiments.store import ResultsStore, RunResult
from experiments.targets import Target

IN_FLIGHT_PER_WORKER = 4
MAX_ATTEMPTS = 2  # a run whose worker dies twice is reported as lost, not retried forever


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
    return RunResult(
        task.run_id, task.point_id, task.replication, task.scenario, task.params, task.seed,
        status, error, trace, time.perf_counter() - clock, f"{socket.gethostname()}:{os.getpid()}",
        started_at, datetime.now(), series,
    )


@dataclass
class LostRun:
    """A task whose worker or pool failed; it is not recorded and will run again next time."""

    task: RunTask
    reason: str


class SerialExecutor:
    """Runs tasks one after the other in this process."""

    description = "this process"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def results(self, target: Target, tasks: list[RunTask]) -> Iterator[RunResult | LostRun]:
        for task in tasks:
            yield execute_run(target, task)


_WORKER_TARGET: Target | None = None


def _init_pool_worker(target: Target) -> None:
    global _WORKER_TARGET
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_TARGET = target


def _execute_in_pool(task: RunTask) -> RunResult:
    assert _WORKER_TARGET is not None, "pool worker started without its target"
    return execute_run(_WORKER_TARGET, task)


class LocalPoolExecutor:
    """A pool of `workers` local processes (spawned)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.description = f"{workers} local worker processes"
        self.pool: cf.ProcessPoolExecutor | None = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.pool is None:
            return None
        if exc_type is None:
            self.pool.shutdown(wait=True)
        else:  # interrupted: stop the workers now, finished runs are already stored
            processes = list((getattr(self.pool, "_processes", None) or {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
        return None

    def _start_pool(self, target: Target) -> None:
        self.pool = cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_pool_worker,
            initargs=(target,),
        )

    def results(self, target: Target, tasks: list[RunTask]) -> Iterator[RunResult | LostRun]:
        """Results as they come; a pool broken by a dying worker is replaced and its runs retried once."""
        self._start_pool(target)
        queue = collections.deque(tasks)
        attempts: collections.Counter = collections.Counter()
        pending: dict[cf.Future, RunTask] = {}

        def submit_more() -> bool:
            """Fill the window; False if the pool turned out to be broken."""
            while queue and len(pending) < self.workers * IN_FLIGHT_PER_WORKER:
                task = queue.popleft()
                try:
                    pending[self.pool.submit(_execute_in_pool, task)] = task
                except BrokenProcessPool:
                    queue.appendleft(task)
                    return False
                attempts[task.run_id] += 1
            return True

        while pending or queue:
            broken = not submit_more()
            if pending:
                done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    task = pending.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool as exc:  # a worker died (killed, out of memory)
                        broken = True
                        if attempts[task.run_id] < MAX_ATTEMPTS:
                            queue.appendleft(task)
                        else:
                            yield LostRun(task, f"{type(exc).__name__}: {exc}")
            if broken:
                for future, task in list(pending.items()):  # runs in flight died with the pool
                    pending.pop(future)
                    queue.appendleft(task)
                    attempts[task.run_id] -= 1  # not their fault: this attempt does not count
                self.pool.shutdown(wait=False, cancel_futures=True)
                self._start_pool(target)


class DaskExecutor:
    """Runs tasks on an existing Dask cluster, given its scheduler address."""

    def __init__(self, address: str, *, connect_timeout_s: float = 20):
        self.address = address
        self.description = f"Dask scheduler {address}"
        self.connect_timeout_s = connect_timeout_s
        self.client = None
        self.token = uuid.uuid4().hex[:8]

    def __enter__(self):
        from distributed import Client

        from experiments.errors import UserError

        try:
            self.client = Client(self.address, timeout=self.connect_timeout_s)
        except OSError as error:
            raise UserError(f"--scheduler {self.address}: cannot reach a Dask scheduler ({error})") from None
        return self

    def __exit__(self, *exc):
        if self.client is not None:
            self.client.close()
        return None

    def results(self, target: Target, tasks: list[RunTask]) -> Iterator[RunResult | LostRun]:
        from distributed import as_completed

        client = self.client

        def window() -> int:  # follows the cluster as workers come and go
            threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
            return max(1, threads) * IN_FLIGHT_PER_WORKER

        shared = [client.scatter(target, broadcast=True, hash=False)]
        queue = iter(tasks)
        pending = {}
        attempts = collections.Counter()

        def submit(task):
            attempts[task.run_id] += 1
            key = f"partage-run-{self.token}-{task.run_id}-{attempts[task.run_id]}"
            future = client.submit(execute_run, shared[0], task, key=key, pure=False)
            pending[future.key] = task
            return future

        stream = as_completed([submit(task) for task in _take(queue, window())])
        for future in stream:
            task = pending.pop(future.key)
            try:
                yield future.result()
            except Exception as exc:  # KilledWorker, lost data and other losses of the cluster
                if attempts[task.run_id] < MAX_ATTEMPTS:
                    # Run it again, with the target sent again in case its copies went with a worker.
                    shared[0] = client.scatter(target, broadcast=True, hash=False)
                    stream.add(submit(task))
                else:
                    yield LostRun(task, f"{type(exc).__name__}: {exc}")
            finally:
                future.release()
            for new_task in _take(queue, max(1, window() - len(pending))):
                stream.add(submit(new_task))


def _take(iterator, count: int) -> list:
    items = []
    for _ in range(count):
        item = next(iterator, None)
        if item is None:
            break
        items.append(item)
    return items


def make_executor(workers: int = 1, scheduler: str | None = None):
    if scheduler:
        return DaskExecutor(scheduler)
    if workers <= 1:
        return SerialExecutor()
    return LocalPoolExecutor(workers)


# --------------------------------------------------------------------------- the loop


@dataclass
class RunSummary:
    planned: int
    skipped: int
    done: int = 0
    failed: int = 0
    lost: int = 0
    elapsed_s: float = 0.0

    @property
    def complete(self) -> bool:
        return self.skipped + self.done + self.failed == self.planned


def run_tasks(
    store: ResultsStore,
    target: Target,
    tasks: list[RunTask],
    executor,
    *,
    retry_failed: bool = False,
    progress: bool = True,
    on_result: Callable[[RunResult], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> RunSummary:
    """Run the tasks not yet finished in the store, storing each result as it arrives.

    `cancelled` is asked after every result: when it answers True the remaining runs are
    dropped (finished ones stay stored) and the summary counts only what ran."""
    finished = store.finished_run_ids(retry_failed=retry_failed)
    todo = [task for task in tasks if task.run_id not in finished]
    summary = RunSummary(planned=len(tasks), skipped=len(tasks) - len(todo))
    clock = time.perf_counter()
    bar = _progress_bar(len(tasks), summary.skipped, executor.description, enabled=progress)
    try:
        if todo and not (cancelled is not None and cancelled()):
            with executor:
                results = executor.results(target, todo)
                for result in results:
                    if isinstance(result, LostRun):
                        summary.lost += 1
                    else:
                        store.record(result)
                        summary.done += result.status == "done"
                        summary.failed += result.status == "failed"
                        if on_result is not None:
                            on_result(result)
                    bar.update(1)
                    bar.set_postfix(failed=summary.failed, lost=summary.lost, refresh=False)
                    if cancelled is not None and cancelled():
                        results.close()
                        break
    finally:
        bar.close()
        summary.elapsed_s = time.perf_counter() - clock
    return summary


def _progress_bar(total: int, initial: int, where: str, *, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total, initial=initial, desc=f"runs ({where})", unit="run", disable=not enabled,
        dynamic_ncols=True, smoothing=0.1, mininterval=0.5,
    )
