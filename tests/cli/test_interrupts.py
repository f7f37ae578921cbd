"""Commands with pool workers stopped at random moments, many times: killed (SIGKILL, which no
handler sees) or interrupted by Ctrl-C sent to the whole process group, as a terminal does.
No worker or resource tracker outlives its parent, and Ctrl-C prints one line, never a traceback,
also while the workers are still importing."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest

from tests.conftest import run_python

ROOT = Path(__file__).resolve().parents[2]
PARTAGE = [sys.executable, "-m", "cli"]
MARK = "PARTAGE_INTERRUPT_TEST"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

DESIGN = """
name = "stopped"
target = "diffusion"
seed = 5
replications = 2
households = 300000
months = 60
[sampler]
method = "grid"
[[parameters]]
path = "awareness_p"
values = [0.01, 0.02, 0.03, 0.04]
"""
SCENARIOS = [str(ROOT / "scenarios" / f) for f in ("baseline.toml", "tool_library.toml")]

# Moments after the workers appear: 0 is while they import, later ones while they run.
DELAYS_S = [0.0, 0.0, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0]


def commands(tmp_path: Path) -> dict[str, list[str]]:
    design = tmp_path / "stopped.toml"
    design.write_text(DESIGN, encoding="utf-8")
    out = str(tmp_path / "out")
    return {
        "sweep": ["sweep", str(design), "--out", out, "--workers", "2", "--no-progress"],
        "compare": [
            "compare",
            *SCENARIOS,
            "-r",
            "4",
            "--households",
            "3000",
            "--months",
            "24",
            "--out",
            out,
            "--workers",
            "2",
            "--no-progress",
        ],
    }


def fresh_commands(tmp_path: Path, attempt: int) -> dict[str, list[str]]:
    """The commands writing to a folder of their own: a store left by an earlier attempt would
    let a command resume with nothing left to run, and start no worker to stop."""
    folder = tmp_path / f"attempt-{attempt}"
    folder.mkdir()
    return commands(folder)


def start(arguments: list[str], mark: str, output: int = subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen(
        [*PARTAGE, *arguments],
        cwd=ROOT,
        stdout=output,
        stderr=output,
        text=True,
        env={**os.environ, MARK: mark},
        start_new_session=True,  # its own process group, which Ctrl-C is sent to
    )


def marked(mark: str) -> list[psutil.Process]:
    """Every live process started by the test's command (they inherit its environment)."""
    found = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if process.environ().get(MARK) == mark and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
    return found


def wait_for_workers(process: subprocess.Popen, count: int = 2, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(psutil.Error):
            children = psutil.Process(process.pid).children(recursive=True)
            workers = [c for c in children if "resource_tracker" not in " ".join(c.cmdline())]
            if len(workers) >= count:
                return
        time.sleep(0.05)
    raise AssertionError("the command ended, or started no worker in time")


def survivors(mark: str, timeout_s: float = 30) -> list[psutil.Process]:
    """Processes of the command still alive after `timeout_s` (the watchdogs poll every second)."""
    deadline = time.monotonic() + timeout_s
    alive = marked(mark)
    while alive and time.monotonic() < deadline:
        time.sleep(0.5)
        alive = marked(mark)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    return alive


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_killing_the_parent_at_any_moment_leaves_no_process_behind(command, tmp_path):
    draw = random.Random(command)
    orphans = []
    for attempt in range(10):
        arguments = fresh_commands(tmp_path, attempt)[command]
        mark = uuid.uuid4().hex
        process = start(arguments, mark, subprocess.DEVNULL)  # orphans would hold a pipe open
        try:
            wait_for_workers(process)
            time.sleep(DELAYS_S[attempt % len(DELAYS_S)] + draw.uniform(0, 0.2))
            process.kill()
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        alive = survivors(mark)
        if alive:
            orphans.append((attempt, [" ".join(p.cmdline())[-80:] for p in alive]))
    assert not orphans, f"processes outlived their killed parent: {orphans}"


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_ctrl_c_at_any_moment_prints_one_line_and_leaves_no_process_behind(command, tmp_path):
    draw = random.Random(command)
    problems = []
    for attempt in range(10):
        arguments = fresh_commands(tmp_path, attempt)[command]
        mark = uuid.uuid4().hex
        process = start(arguments, mark)
        try:
            wait_for_workers(process, count=1 + attempt % 2)
            time.sleep(DELAYS_S[attempt % len(DELAYS_S)] + draw.uniform(0, 0.2))
            os.killpg(process.pid, signal.SIGINT)
            _, stderr = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=30)
        lines = stderr.strip().splitlines()
        if process.returncode not in (0, 130) or "Traceback" in stderr or len(lines) > 1:
            problems.append((attempt, process.returncode, stderr[-600:]))
        if survivors(mark):
            problems.append((attempt, "processes outlived the command"))
    assert not problems, problems


def test_ctrl_c_while_the_finished_command_exits_keeps_its_exit_code():
    """A Ctrl-C pressed just as a command ends (its result decided, the interpreter shutting
    down) neither prints a traceback nor kills the process: the exit code stays the command's."""
    late_ctrl_c = (
        "import atexit, os, signal, sys\n"
        "from cli.main import main\n"
        "atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT))\n"
        "sys.argv = ['partage', 'outcomes']\n"
        "sys.exit(main())\n"
    )
    done = run_python(late_ctrl_c)
    assert done.returncode == 0, (done.returncode, done.stderr[-600:])
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr


def test_ctrl_c_while_the_entry_point_is_imported_ends_with_one_line_and_exit_code_130():
    """A Ctrl-C that came while `cli.main` itself was being imported (a loaded machine, a user
    quick on the keys) raised outside any `try`: a traceback and death by SIGINT. It is the
    same as the console script `partage`, which imports `cli.main` and then calls `main()`."""
    script = (
        "import os, signal, sys\n"
        "import cli\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "from cli.main import main\n"
        "sys.exit(main(['scenarios', 'list']))\n"
    )
    done = run_python(script)
    assert done.returncode == 130, done.stderr[-2000:]
    assert done.stderr.strip() == "interrupted" and done.stdout == ""


LATE_IMPORT = """
import argparse
import runpy

import cli.main


def build_parser():
    parser = argparse.ArgumentParser()
    # The Ctrl-C lands in code run from a string by exec, as in an import building a dataclass.
    parser.set_defaults(handler=lambda args: exec("raise KeyboardInterrupt", {}))
    return parser


cli.main.build_parser = build_parser
runpy.run_module("cli", run_name="__main__")
"""


def test_ctrl_c_inside_code_run_by_exec_gives_the_one_line_and_130(tmp_path):
    """`python -m cli` interrupted while an import builds methods with exec (dataclasses,
    namedtuple): the one line and 130, not a death by SIGINT (-2) after the line."""
    (tmp_path / "late_import.py").write_text(LATE_IMPORT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "late_import"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 130, (done.returncode, done.stderr[-600:])
    assert done.stderr.strip() == "interrupted"


SWALLOWED = """
import os, signal, sys, time, weakref

from cli.main import main


class Released:
    pass


def on_release(reference):
    # Python ignores an exception raised here (it prints "Exception ignored in"), as in a weak
    # dictionary's callback run by the garbage collector while a command waits on its workers.
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(100_000):
        pass


def handler(args):
    released = Released()
    reference = weakref.ref(released, on_release)
    del released
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.01)
    print("never interrupted")
    return 0


import cli.main as entry
import argparse


def build_parser():
    parser = argparse.ArgumentParser()
    parser.set_defaults(handler=handler)
    return parser


entry.build_parser = build_parser
sys.exit(main([]))
"""


def test_ctrl_c_landing_where_python_ignores_exceptions_still_stops_the_command():
    """A Ctrl-C whose KeyboardInterrupt is raised inside a callback of the garbage collector
    (a weak reference's) was printed as "Exception ignored ... KeyboardInterrupt" with its
    traceback, and lost: the command went on, and a second Ctrl-C was ignored as one already
    being handled. It stops the command with the one line and 130."""
    done = run_python(SWALLOWED)
    assert done.returncode == 130, (done.returncode, done.stderr[-600:])
    assert done.stderr.strip() == "interrupted", done.stderr[-600:]
    assert "never interrupted" not in done.stdout


LEFT_BLOCKED = """
import argparse
import multiprocessing
import sys
import threading

import cli.main as entry


def handler(args):
    # A thread the interpreter joins as it exits, blocked for good: as a process pool's manager
    # thread can be, reading the result a worker was stopped half-way through sending; and a lock
    # shared with workers, which multiprocessing's resource tracker follows.
    lock = multiprocessing.get_context("spawn").Lock()
    threading.Thread(target=lambda: lock and threading.Event().wait(), name="blocked").start()
    if args.interrupted:
        raise KeyboardInterrupt
    return 0


def build_parser():
    parser = argparse.ArgumentParser()
    parser.add_argument("--interrupted", action="store_true")
    parser.set_defaults(handler=handler)
    return parser


entry.build_parser = build_parser
sys.exit(entry.main())
"""


@pytest.mark.parametrize(("arguments", "code"), [([], 0), (["--interrupted"], 130)])
def test_a_thread_left_blocked_does_not_keep_the_finished_command_from_exiting(arguments, code):
    """The interpreter's shutdown joins the threads left running, without a time limit: a command
    interrupted while its pool was starting a worker printed its one line and then never exited.
    It exits, with the command's own code, once `EXIT_WITHIN_S` has passed, and its locks are
    released first: the resource tracker printed a warning about them after the one line."""
    done = subprocess.run(
        [sys.executable, "-c", LEFT_BLOCKED, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == code, (done.returncode, done.stderr[-600:])
    assert done.stderr.strip() == ("interrupted" if code else "")
