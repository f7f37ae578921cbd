"""Real `python -m cli sweep` processes interrupted (SIGINT), killed (SIGKILL) or piped into `head`."""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
PARTAGE = [sys.executable, "-m", "cli"]

pytestmark = pytest.mark.timeout(180)

# Runs of a second or two each on the built-in diffusion target: the sweep is mid-way when it is
# stopped (16 runs: a store copy showing a finished run, published every 3 s at most, is seen
# well before the end, even with the workers started as the command starts).
SLOW_DESIGN = """
name = "slow"
target = "diffusion"
seed = 5
replications = 4
households = 1000000
months = 60
[sampler]
method = "grid"
[[parameters]]
path = "awareness_p"
values = [0.01, 0.02, 0.03, 0.04]
[[parameters]]
path = "awareness_q"
values = [0.2, 0.38]
"""


def _start_sweep(tmp_path: Path, *extra: str, progress: bool = False) -> subprocess.Popen:
    design = tmp_path / "slow.toml"
    design.write_text(SLOW_DESIGN, encoding="utf-8")
    quiet = [] if progress else ["--no-progress"]
    return subprocess.Popen(
        [*PARTAGE, "sweep", str(design), "--out", str(tmp_path / "out"), *quiet, *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_finished_runs(
    process: subprocess.Popen, out: Path, count: int, timeout_s: float = 120
) -> int:
    """Poll the store (through the copy the sweep publishes) until `count` runs are finished."""
    from experiments.errors import UserError
    from experiments.store import StoreReader

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.3)
        try:
            with StoreReader(out) as reader:
                finished = sum(reader.status_counts().values())
        except UserError:
            continue
        if finished >= count:
            return finished
    raise AssertionError("the sweep ended, or finished no run in time, before it could be stopped")


def _wait_for_progress(process: subprocess.Popen, count: int, timeout_s: float = 120) -> None:
    """Read the progress bar on the sweep's stderr until it shows `count` finished runs."""
    seen: list[int] = []

    def read() -> None:
        tail = ""
        for chunk in iter(lambda: process.stderr.read(64), ""):
            text = tail + chunk
            seen.extend(int(match.group(1)) for match in re.finditer(r"(\d+)/(\d+) \[", text))
            tail = text[-32:]

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout_s
    while (
        not (seen and max(seen) >= count) and process.poll() is None and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    if not (seen and max(seen) >= count) or process.poll() is not None:
        raise AssertionError(
            "the sweep ended, or finished no run in time, before it could be stopped"
        )


def _descendants(process: subprocess.Popen) -> list[psutil.Process]:
    return psutil.Process(process.pid).children(recursive=True)


def _stop_all(processes) -> None:
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


@pytest.mark.parametrize("moment", ["while starting", "mid-sweep"])
def test_ctrl_c_ends_a_sweep_with_one_line_and_exit_code_130(moment, tmp_path):
    sweep = _start_sweep(tmp_path, "--workers", "2")
    children = []
    try:
        if moment == "while starting":
            time.sleep(0.8)  # inside the imports of the command line
        else:
            _wait_for_finished_runs(sweep, tmp_path / "out", 1)
            children = _descendants(sweep)
        sweep.send_signal(signal.SIGINT)
        stdout, stderr = sweep.communicate(timeout=60)
    finally:
        if sweep.poll() is None:
            sweep.kill()
            sweep.wait(timeout=30)
    assert sweep.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr[-2000:]
    assert stderr.count("interrupted") == 1
    if moment == "mid-sweep":
        assert "run the same command again to resume" in stderr
        gone, alive = psutil.wait_procs(children, timeout=30)
        _stop_all(alive)
        assert not alive, f"{len(alive)} processes of the sweep outlived it"


@pytest.mark.parametrize(
    "wrapped",
    [
        lambda: __import__("duckdb").InvalidInputException(
            "Invalid Input Error: KeyboardInterrupt"
        ),
        lambda: RuntimeError("Query interrupted"),
        lambda: ImportError("cannot import name 'x' (most likely due to a circular import)"),
    ],
    ids=["duckdb", "query-interrupted", "import"],
)
def test_ctrl_c_is_reported_once_however_a_library_wraps_it(wrapped, monkeypatch, tmp_path, capsys):
    import os

    import cli.sweep
    from cli.main import main

    def interrupted_inside_a_library(args):
        try:
            os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, delivered to this process
            time.sleep(5)
        except KeyboardInterrupt:
            raise wrapped() from None

    monkeypatch.setattr(cli.sweep, "handle", interrupted_inside_a_library)
    monkeypatch.setattr("cli.signals._interrupted", __import__("threading").Event())
    design = tmp_path / "slow.toml"
    design.write_text(SLOW_DESIGN, encoding="utf-8")
    try:
        code = main(["sweep", str(design)])
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    stderr = capsys.readouterr().err
    assert code == 130
    assert stderr == "interrupted: finished runs are stored; run the same command again to resume\n"


@pytest.mark.parametrize("command", [["scenarios", "list"]])
def test_output_piped_into_a_closed_reader_ends_quietly(command):
    listing = subprocess.Popen(
        [*PARTAGE, *command], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    listing.stdout.close()  # like `| head -0`: the reader is gone before anything is written
    stderr = listing.stderr.read().decode()
    listing.wait(timeout=60)
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    assert listing.returncode == 141


def test_killing_the_sweep_process_ends_its_workers_and_resource_tracker(tmp_path):
    sweep = _start_sweep(tmp_path, "--workers", "2", progress=True)
    children = []
    try:
        _wait_for_progress(sweep, 1)
        children = _descendants(sweep)
        assert len(children) >= 2, "expected two workers (and the resource tracker)"
        sweep.send_signal(signal.SIGKILL)
        sweep.wait(timeout=30)
        gone, alive = psutil.wait_procs(children, timeout=30)
    finally:
        if sweep.poll() is None:
            sweep.kill()
            sweep.wait(timeout=30)
        _stop_all(children)
    assert not alive, f"{len(alive)} of {len(children)} processes outlived the killed sweep"
