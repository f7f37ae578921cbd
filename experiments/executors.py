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
- Pool workers are forked from a fork server started when the pool is made,
  which imports the model once (`fork_server.pool_context`): a worker is ready at once,
  and a pool replaced after a worker died starts again at once. Workers (and
  the fork server) ignore Ctrl-C, which the parent handles.
- A pool worker exits when the sweep's process dies, even by SIGKILL (which no
  handler sees): a watchdog thread in each worker checks every second that
  the sweep's process is there and that its own parent (the fork server,
  which ends with the sweep's process) has not changed. The sweep's PID is
  given by the parent itself, not read in the worker. With the workers gone,
  multiprocessing's resource tracker, which lives until the last process
  holding its pipe exits, ends too.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import astuple, dataclass

from experiments import dask_task
from experiments.design import RunTask
from experiments.errors import UserError
from experiments.fork_server import pool_context, start_fork_server, workers_start_ignoring_ctrl_c
from experiments.store import ResultsStore, RunResult
from experiments.targets import Target
from experiments.worker import freeze_imports, run_and_release, run_in_worker
from model.messages import escaped

IN_FLIGHT_PER_WORKER = 4
PARENT_CHECK_S = 1.0
WAIT_POLL_S = 1.0  # waits on workers wake up this often to check that the workers are still there
BROKEN_AFTER_S = 10.0
STOP_WAIT_S = 10.0
MAX_ATTEMPTS = 2  # a run whose worker dies twice is reported as lost, not retried forever
RECORD_BATCH_RUNS = 32  # finished runs stored in one transaction, at most
RECORD_BATCH_S = 1.0  # a finished run waits this long to be stored, at most (see `RecordBatch`)


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

    def prepared(self, target: Target) -> contextlib.AbstractContextManager:
        """Nothing to start ahead: runs start in this process."""
        return contextlib.nullcontext()

    def results(self, target: Target, tasks: Iterable[RunTask]) -> Iterator[RunResult | LostRun]:
        for task in tasks:
            yield run_and_release(target, task)


_WORKER_TARGET: Target | None = None


def _init_pool_worker(target: Target, parent_pid: int) -> None:
    global _WORKER_TARGET
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_TARGET = target
    freeze_imports()
    threading.Thread(
        target=_exit_when_orphaned,
        args=(parent_pid, os.getppid()),
        name="parent-watchdog",
        daemon=True,
    ).start()


def _exit_when_orphaned(parent_pid: int, first_parent: int) -> None:
    """Exit this worker as soon as the sweep's process is gone, or the process that started this
    worker (the sweep's process, or its fork server, which ends with it) is: the worker is then
    re-parented."""
    while os.getppid() == first_parent and _alive(parent_pid):
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user: not ours, but not gone
        return True
    return True


def _execute_in_pool(task: RunTask) -> RunResult:
    assert _WORKER_TARGET is not None, "pool worker started without its target"
    return run_in_worker(_WORKER_TARGET, task)


class LocalPoolExecutor:
    """A pool of `workers` local processes (spawned).

    Every wait is bounded. Results are awaited a second at a time, and a pool
    that has lost a worker without saying so within `BROKEN_AFTER_S` is
    treated as broken. A pool is stopped (at the end, on Ctrl-C, or when a dead
    worker broke it) by stopping its workers outright, bounded joins, and not
    by `shutdown(wait=True)`: with a worker killed, the pool's own threads can
    stay blocked on its queues, and the end of the sweep would wait for them.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self.description = f"{workers} local worker processes"
        self.pool: cf.ProcessPoolExecutor | None = None
        self.target: Target | None = None  # the target of the pool's workers
        start_fork_server()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self._stop()  # every result is in (or the sweep was stopped): nothing to wait for
        return None

    def _stop(self) -> None:
        """Stop the pool, if one is running (`_stop_pool`)."""
        if self.pool is not None:
            _stop_pool(self.pool)
            self.pool = None

    def _start_pool(self, target: Target) -> None:
        self.pool = cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=pool_context(),
            initializer=_init_pool_worker,
            initargs=(target, os.getpid()),
        )
        self.target = target

    @contextlib.contextmanager
    def prepared(self, target: Target) -> Iterator[None]:
        """Start the workers for `target` now, while the caller prepares the sweep (its store, its
        manifest): its runs then go to workers already started. The pool is stopped on leaving
        the block, if it is still running."""
        self._start_pool(target)
        with workers_start_ignoring_ctrl_c():
            for _ in range(self.workers):  # a submit starts a worker while none is idle
                self.pool.submit(os.getpid)
        try:
            yield
        finally:
            self._stop()

    def results(self, target: Target, tasks: Iterable[RunTask]) -> Iterator[RunResult | LostRun]:
        """Results as they come; a pool broken by a dying worker is replaced and its runs retried once."""
        if self.pool is None or self.target is not target:
            self._stop()
            self._start_pool(target)
        tasks = iter(tasks)
        retries: collections.deque = collections.deque()
        attempts: collections.Counter = collections.Counter()
        pending: dict[cf.Future, RunTask] = {}
        silent_since: float | None = None

        def next_task() -> RunTask | None:
            return retries.popleft() if retries else next(tasks, None)

        def submit_more() -> bool:
            """Fill the window; False if the pool turned out to be broken."""
            while len(pending) < self.workers * IN_FLIGHT_PER_WORKER:
                task = next_task()
                if task is None:
                    break
                try:
                    with workers_start_ignoring_ctrl_c():  # a submit may start a worker
                        pending[self.pool.submit(_execute_in_pool, task)] = task
                except BrokenProcessPool:
                    retries.appendleft(task)
                    return False
                attempts[task.run_id] += 1
            return True

        while True:
            broken = not submit_more()
            if not pending and not broken:
                break
            done, _ = cf.wait(pending, timeout=WAIT_POLL_S, return_when=cf.FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool as exc:  # a worker died (killed, out of memory)
                    broken = True
                    if attempts[task.run_id] < MAX_ATTEMPTS:
                        retries.appendleft(task)
                    else:
                        yield LostRun(task, f"{type(exc).__name__}: {exc}")
            if done or not _a_worker_died(self.pool):
                silent_since = None
            elif silent_since is None:
                silent_since = time.monotonic()
            elif time.monotonic() - silent_since > BROKEN_AFTER_S:
                broken = True  # a worker is dead and the pool has not noticed: do not wait for it
            if broken:
                for future, task in list(pending.items()):  # runs in flight died with the pool
                    pending.pop(future)
                    retries.appendleft(task)
                    attempts[task.run_id] -= 1  # not their fault: this attempt does not count
                self._stop()
                self._start_pool(target)
                silent_since = None


def _a_worker_died(pool: cf.ProcessPoolExecutor) -> bool:
    processes = getattr(pool, "_processes", None) or {}
    return any(process.exitcode is not None for process in list(processes.values()))


def _stop_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool's workers and threads with bounded waits (see `LocalPoolExecutor`)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    deadline = time.monotonic() + STOP_WAIT_S
    for process in processes:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
        if process.exitcode is None:
            with contextlib.suppress(Exception):
                process.kill()
                process.join(timeout=1)
    if manager is not None:
        manager.join(timeout=max(0.1, deadline - time.monotonic()))


class ClusterLost(UserError):
    """The Dask scheduler, or every worker, is gone: finished runs are stored and a rerun resumes."""

    resume = True  # the command line adds the command to run again


# Dask's settings for workers that run nothing but sweeps (docs/experiments.md gives them as the
# environment of `dask scheduler` and `dask worker`): its statistical profiler (a sample of the
# running thread every 10 ms), its host-wide disk monitor, its 20 ms event-loop tick, and its
# memory and system monitors (every 100 and 500 ms) take CPU from the runs: idle, a local cluster
# of two workers took 7.5 % of a core with Dask's defaults and 1.5 % with these. Each worker also
# makes the pool's small warm-up runs when it starts (`experiments.pool_preload`), not in the
# first sweep it is sent.
SWEEP_WORKER_SETTINGS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.disk": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.preload": ["experiments.pool_preload"],
}


def dask_environment(settings: dict) -> dict[str, str]:
    """Dask settings as the environment variables Dask reads them from when a process starts."""
    return {
        "DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value)
        for key, value in settings.items()
    }


class DaskExecutor:
    """Runs tasks on an existing Dask cluster, given its scheduler address.

    Every wait on the cluster is bounded: a scheduler unreachable, or a cluster
    without a worker, for `lost_after_s` ends the sweep with `ClusterLost`
    (one line) instead of hanging or printing the client's tracebacks.
    """

    def __init__(self, address: str, *, connect_timeout_s: float = 20, lost_after_s: float = 60):
        self.address = address
        self.description = f"Dask scheduler {address}"
        self.connect_timeout_s = connect_timeout_s
        self.lost_after_s = lost_after_s
        self.client = None
        self.token = uuid.uuid4().hex[:8]
        self._quiet = contextlib.ExitStack()

    def prepared(self, target: Target) -> contextlib.AbstractContextManager:
        """Nothing to start ahead: the cluster's workers receive the target with the first runs."""
        return contextlib.nullcontext()

    def __enter__(self):
        from distributed import Client

        self._quiet.enter_context(_quiet_distributed_logs())
        try:
            self.client = Client(self.address, timeout=self.connect_timeout_s)
        except OSError as error:
            self._quiet.close()
            raise UserError(
                f"--scheduler {escaped(self.address)}: cannot reach a Dask scheduler "
                f"in {self.connect_timeout_s:g} s ({escaped(error)})"
            ) from None
        except (ValueError, TypeError):  # distributed's parser: no port, an unknown protocol
            self._quiet.close()
            raise UserError(
                f"--scheduler {escaped(self.address)}: not a scheduler address; "
                "allowed: tcp://HOST:PORT (or tls://, inproc://)"
            ) from None
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.client is not None:
            with contextlib.suppress(Exception):  # a lost scheduler cannot be told goodbye
                self.client.close(timeout=min(10, self.connect_timeout_s))
        if not isinstance(
            exc, ClusterLost
        ):  # else the client may still log its attempts to reconnect
            self._quiet.close()
        return None

    def results(self, target: Target, tasks: Iterable[RunTask]) -> Iterator[RunResult | LostRun]:
        from distributed import wait
        from distributed.client import FuturesCancelledError

        client = self.client
        watch = _ClusterWatch(self)
        pending: dict[str, tuple] = {}  # future key -> (future, task)
        attempts = collections.Counter()
        queue = iter(tasks)
        shared = [
            self._call(
                client.scatter, target, broadcast=True, hash=False, timeout=self.connect_timeout_s
            )
        ]

        def submit(task):
            attempts[task.run_id] += 1
            key = f"partage-run-{self.token}-{task.run_id}-{attempts[task.run_id]}"
            future = self._call(
                client.submit,
                dask_task.run_task,
                shared[0],
                astuple(task),
                key=key,
                pure=False,
            )
            pending[future.key] = (future, task)

        threads = {"at": float("-inf"), "count": 1}

        def window() -> int:
            """Runs in flight: follows the cluster as workers come and go, asking the scheduler at
            most once every `WAIT_POLL_S` (not after every finished run)."""
            if time.monotonic() - threads["at"] >= WAIT_POLL_S:
                workers = watch.workers().values()
                threads["count"] = max(1, sum(w.get("nthreads", 1) for w in workers))
                threads["at"] = time.monotonic()
            return threads["count"] * IN_FLIGHT_PER_WORKER

        for task in _take(queue, window()):
            submit(task)
        while pending:
            futures = [future for future, _ in pending.values()]
            with contextlib.suppress(TimeoutError, FuturesCancelledError):
                wait(futures, timeout=WAIT_POLL_S, return_when="FIRST_COMPLETED")
            done = [future for future in futures if future.status != "pending"]
            if not done:
                watch.check()
                continue
            for future in done:
                _, task = pending.pop(future.key)
                try:
                    result = future.result(timeout=self.connect_timeout_s)
                except (
                    Exception
                ) as exc:  # KilledWorker, lost data, cancelled: the cluster lost the run
                    watch.check(now=True)
                    if attempts[task.run_id] < MAX_ATTEMPTS:
                        # Run it again, with the target sent again in case its copies went with a worker.
                        shared[0] = self._call(
                            client.scatter,
                            target,
                            broadcast=True,
                            hash=False,
                            timeout=self.connect_timeout_s,
                        )
                        submit(task)
                    else:
                        yield LostRun(task, f"{type(exc).__name__}: {exc}")
                else:
                    yield result
                finally:
                    future.release()
            for new_task in _take(queue, max(1, window() - len(pending))):
                submit(new_task)

    def _call(self, function, *args, **kwargs):
        """A call to the cluster; failing because the scheduler is gone, it is `ClusterLost`."""
        try:
            return function(*args, **kwargs)
        except Exception as error:
            if self.client.status != "running":
                raise self.lost(f"the Dask scheduler at {self.address} stopped answering") from None
            if isinstance(error, OSError | TimeoutError):
                if not _ClusterWatch(self).workers():
                    raise self.lost(
                        f"the Dask cluster at {self.address} has no worker left"
                    ) from None
                raise self.lost(f"the Dask scheduler at {self.address} stopped answering") from None
            raise

    def lost(self, what: str) -> ClusterLost:
        return ClusterLost(
            f"{what}; finished runs are stored: when the cluster is back, "
            "run the same command again to resume"
        )


class _ClusterWatch:
    """Tells a cluster that is slow from one that is gone: no scheduler, or no worker, for a while."""

    def __init__(self, executor: DaskExecutor):
        self.executor = executor
        self.trouble_since: float | None = None

    def workers(self) -> dict:
        client = self.executor.client
        if client.status != "running":
            return {}
        try:
            return client.scheduler_info(n_workers=-1)["workers"]
        except Exception:  # noqa: BLE001 - an unreachable scheduler shows as a cluster without workers
            return {}

    def check(self, *, now: bool = False) -> None:
        client, executor = self.executor.client, self.executor
        scheduler_gone = client.status != "running"
        if not scheduler_gone and self.workers():
            self.trouble_since = None
            return
        if self.trouble_since is None:
            self.trouble_since = time.monotonic()
        if time.monotonic() - self.trouble_since < executor.lost_after_s:
            return
        if scheduler_gone:
            raise executor.lost(f"lost the Dask scheduler at {executor.address}")
        raise executor.lost(
            f"the Dask cluster at {executor.address} has had no worker for {executor.lost_after_s:g} s"
        )


@contextlib.contextmanager
def _quiet_distributed_logs():
    """The Dask client logs every lost connection with its traceback; the sweep reports them in one line."""
    names = [
        name
        for name in logging.root.manager.loggerDict
        if name.split(".")[0] in ("distributed", "tornado")
    ]
    loggers = [logging.getLogger(name) for name in ("distributed", "tornado", *names)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _take(iterator, count: int) -> list:
    items = []
    for _ in range(count):
        item = next(iterator, None)
        if item is None:
            break
        items.append(item)
    return items


def make_executor(workers: int = 1, scheduler: str | None = None, *, cluster_timeout_s: float = 60):
    if scheduler:
        if not cluster_timeout_s > 0:
            raise UserError(
                f"--cluster-timeout {cluster_timeout_s:g}: allowed: more than 0 seconds"
            )
        return DaskExecutor(
            scheduler, connect_timeout_s=cluster_timeout_s, lost_after_s=cluster_timeout_s
        )
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
    tasks: Iterable[RunTask],
    executor,
    *,
    planned: int,
    retry_failed: bool = False,
    progress: bool = True,
    on_result: Callable[[RunResult], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> RunSummary:
    """Run the tasks not yet finished in the store, storing results as they arrive.

    `tasks` may be a generator: it is read as runs are sent, never held whole. Results are stored
    a few at a time (`RecordBatch`), and `on_result`, the progress bar and `cancelled` see a result
    once it is stored. `cancelled` is asked after every stored result: when it answers True the
    remaining runs are dropped (finished ones stay stored) and the summary counts only what ran.
    """
    skipped = store.finished_count(retry_failed=retry_failed)
    summary = RunSummary(planned=planned, skipped=skipped)
    clock = time.perf_counter()
    bar = _progress_bar(planned, summary.skipped, executor.description, enabled=progress)
    # A sweep that can be cancelled stores every run as it arrives, so that it stops right after
    # the run at which it is cancelled, with that run stored.
    batch = RecordBatch(1 if cancelled is not None else RECORD_BATCH_RUNS)

    def store_batch() -> bool:
        """Store the waiting results; False once the sweep is cancelled."""
        going = True
        for result in batch.take():
            if isinstance(result, LostRun):
                summary.lost += 1
            else:
                summary.done += result.status == "done"
                summary.failed += result.status == "failed"
                if on_result is not None:
                    on_result(result)
            bar.update(1)
            bar.set_postfix(failed=summary.failed, lost=summary.lost, refresh=False)
            going = going and not (cancelled is not None and cancelled())
        return going

    batch.store = store.record_many
    try:
        if skipped < planned and not (cancelled is not None and cancelled()):
            with executor:
                results = executor.results(
                    target, store.unfinished(tasks, retry_failed=retry_failed)
                )
                try:
                    for result in results:
                        if batch.add(result) and not store_batch():
                            results.close()
                            break
                    else:
                        store_batch()
                finally:
                    batch.store_waiting()  # finished runs are kept, even on Ctrl-C or an error
    finally:
        bar.close()
        summary.elapsed_s = time.perf_counter() - clock
    return summary


class RecordBatch:
    """Finished runs waiting to be stored together: one transaction for several runs costs the
    writer about half of one transaction a run (`docs/performance.md`).

    A batch is stored when it holds `runs` runs, or when waiting for the next result
    would keep its oldest run unstored for more than `RECORD_BATCH_S` (guessed from the time
    between the last two results), so that long runs are stored one by one as they finish and a
    killed sweep loses at most a few seconds of runs, which the next invocation runs again."""

    def __init__(self, runs: int = RECORD_BATCH_RUNS):
        self.runs = runs
        self.waiting: list[RunResult | LostRun] = []
        self.stored: list[RunResult | LostRun] = []
        self.oldest = self.last = None
        self.gap = 0.0
        self.store: Callable[[list[RunResult]], None] | None = None

    def add(self, result: RunResult | LostRun) -> bool:
        """Keep a result; True when the batch was stored (its results are then in `take()`)."""
        now = time.monotonic()
        if self.last is not None:
            self.gap = now - self.last
        self.last = now
        self.oldest = self.oldest if self.waiting else now
        self.waiting.append(result)
        if len(self.waiting) >= self.runs or now - self.oldest + self.gap > RECORD_BATCH_S:
            self.store_waiting()
            return True
        return False

    def store_waiting(self) -> None:
        finished = [r for r in self.waiting if not isinstance(r, LostRun)]
        if finished:
            self.store(finished)
        self.stored.extend(self.waiting)
        self.waiting = []

    def take(self) -> list[RunResult | LostRun]:
        """The results stored since the last call."""
        self.store_waiting()
        taken, self.stored = self.stored, []
        return taken


def _progress_bar(total: int, initial: int, where: str, *, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=f"runs ({where})",
        unit="run",
        disable=not enabled,
        dynamic_ncols=True,
        smoothing=0.1,
        mininterval=0.5,
    )
