"""How workers start and run: the pool's fork server starts with the command that asks for
workers, before the command's own imports; the pool's workers start while the sweep's store is
being set up; a run on a Dask worker keeps the memory it frees while it runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from experiments.fork_server import asks_for_workers, workers_start_ignoring_ctrl_c
from tests.conftest import run_python


@pytest.mark.parametrize(
    ("arguments", "asked"),
    [
        (["sweep", "d.toml", "--workers", "2"], True),
        (["compare", "a.toml", "--workers=3", "-r", "4"], True),
        (["sweep", "d.toml", "--workers", "1"], False),
        (["sweep", "d.toml"], False),
        (["sweep", "d.toml", "--workers"], False),
        (["sweep", "d.toml", "--workers", "two"], False),
        (["run", "--", "--workers", "2"], False),
        (["sweep-bench", "--households", "6000"], True),  # times two local workers
        (["--lang", "en", "sweep-bench"], True),
        (["run", "--", "sweep-bench"], False),
    ],
)
def test_a_command_line_asking_for_several_workers_is_told_from_its_words(arguments, asked):
    assert asks_for_workers(arguments) is asked


PROBE = """
import sys
from multiprocessing import forkserver

import cli.main

model_imported_at_start = []
started = forkserver.ensure_running


def ensure_running():
    model_imported_at_start.append("model.model" in sys.modules)
    started()


forkserver.ensure_running = ensure_running
code = cli.main.main(["sweep", "no-such-design.toml", "--workers", "2"])
print(code, model_imported_at_start[:1])
"""


def test_a_sweep_with_workers_starts_the_fork_server_before_importing_the_model():
    """The fork server's imports (about 1.5 s) ran after the command's own (about 1 s): it was
    started when the pool was made. It now starts first, and a sweep with two workers is about a
    second shorter from the command line."""
    done = run_python(PROBE)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[0] == "2 [False]", done.stdout + done.stderr[-600:]


def test_the_pool_workers_start_while_the_store_is_set_up(diffusion_design, tmp_path, monkeypatch):
    """The pool was made, and its workers started, only once the store was bound and the manifest
    written; they now start first, and the store is set up while they start."""
    import multiprocessing

    from experiments.store import ResultsStore
    from experiments.sweep import run_sweep

    workers_at_bind = []
    bind = ResultsStore.bind

    def bind_and_count(self, **arguments):
        workers_at_bind.append(len(multiprocessing.active_children()))
        return bind(self, **arguments)

    monkeypatch.setattr(ResultsStore, "bind", bind_and_count)
    outcome = run_sweep(diffusion_design(), workers=2, out=tmp_path / "out", progress=False)
    assert outcome.summary.done == outcome.summary.planned
    assert workers_at_bind == [2]
    assert not multiprocessing.active_children()  # and they are stopped with the sweep


class RecordingLibc:
    def __init__(self):
        self.calls = []

    def mallopt(self, option, value):
        self.calls.append(("mallopt", option, value))
        return 1

    def malloc_trim(self, pad):
        self.calls.append(("malloc_trim", pad))
        return 1


def test_runs_on_a_dask_worker_keep_freed_memory_and_give_it_back_after(monkeypatch):
    """Dask's nanny sets glibc's trim threshold to 64 KB (`MALLOC_TRIM_THRESHOLD_`): while runs
    are under way, the worker keeps what they free (runs 4-7 % faster); once the last is done, the
    nanny's setting is back and the freed memory returned."""
    from experiments import worker

    libc = RecordingLibc()
    monkeypatch.setattr(worker, "_glibc", lambda: libc)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    with worker._freed_memory_kept_while_running():
        with worker._freed_memory_kept_while_running():  # two runs at once on one worker
            assert libc.calls == [
                ("mallopt", worker.M_TRIM_THRESHOLD, worker.RUN_TRIM_THRESHOLD),
                ("mallopt", worker.M_MMAP_THRESHOLD, worker.RUN_MMAP_THRESHOLD),
            ]
        assert len(libc.calls) == 2  # one run still under way
    assert libc.calls[2:] == [
        ("mallopt", worker.M_MMAP_THRESHOLD, worker.FIXED_MMAP_THRESHOLD),
        ("mallopt", worker.M_TRIM_THRESHOLD, 65536),
        ("malloc_trim", 0),
    ]

    libc.calls.clear()
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_")
    with worker._freed_memory_kept_while_running():  # not under a nanny: glibc's own ways
        pass
    assert libc.calls == []


def test_a_ctrl_c_pressed_while_workers_start_is_handled_once_they_are_started():
    """The parent keeps Ctrl-C from the workers it starts; one pressed in those milliseconds used
    to be dropped, and the command ran to its end."""
    pressed = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(time.monotonic()))
    try:
        with workers_start_ignoring_ctrl_c():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            assert pressed == []  # not during the start
            ended = time.monotonic()
        time.sleep(0.05)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert len(pressed) == 1 and pressed[0] >= ended


def test_a_process_started_while_workers_start_does_not_take_the_ctrl_c():
    with workers_start_ignoring_ctrl_c():
        child = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(1.5); print('alive')"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    time.sleep(0.5)  # the child is importing or sleeping, not yet done
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    assert (child.returncode, out.strip(), err) == (0, "alive", "")


FORK_SERVER_SIGNALS = """
from multiprocessing import forkserver

from experiments.fork_server import start_fork_server

start_fork_server()
status = open(f"/proc/{forkserver._forkserver._forkserver_pid}/status").read()
fields = dict(line.split(":", 1) for line in status.splitlines())
print(int(fields["SigBlk"], 16) | int(fields["SigIgn"], 16))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc")
def test_the_fork_server_does_not_take_a_ctrl_c_while_it_imports_the_model():
    """Started with the resource tracker, which unblocks SIGINT once its own process is started,
    the fork server used to start with Ctrl-C neither blocked nor ignored: one pressed while it
    imported the model printed its traceback."""
    done = run_python(FORK_SERVER_SIGNALS)
    assert done.returncode == 0, done.stderr[-600:]
    assert int(done.stdout) & (1 << (signal.SIGINT - 1))
