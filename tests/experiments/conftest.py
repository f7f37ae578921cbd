"""Fixtures of the experiments tests: design files, store readers, the CLI, and a real Dask cluster."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SCENARIOS = ROOT / "scenarios"

DIFFUSION_DESIGN = """
name = "{name}"
target = "diffusion"
seed = {seed}
replications = {replications}
households = {households}
months = {months}
outcomes = ["adoption_share"]

[sampler]
method = "grid"

[[parameters]]
path = "awareness_p"
values = {p_values}

[[parameters]]
path = "awareness_q"
values = [0.2, 0.38]
"""


@pytest.fixture
def write_design(tmp_path):
    """Write a design file from TOML text; returns its path."""

    def write(text: str, name: str = "design.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def diffusion_design(write_design):
    """A grid design on the built-in diffusion target; `p_values` above 0.8 make every run of their points fail."""

    def make(
        *,
        name="diffusion",
        seed=11,
        replications=2,
        households=2000,
        months=12,
        p_values=(0.01, 0.03, 0.05),
        file="diffusion.toml",
    ) -> Path:
        text = DIFFUSION_DESIGN.format(
            name=name,
            seed=seed,
            replications=replications,
            households=households,
            months=months,
            p_values=list(p_values),
        )
        return write_design(text, file)

    return make


def read_store_rows(directory: Path):
    """Runs (without timings or worker names) and series of a store, sorted, for exact comparison."""
    from experiments.store import StoreReader

    with StoreReader(directory) as reader:
        runs = reader.con.execute(
            "SELECT run_id, point_id, replication, scenario, params, seed, status, error FROM runs ORDER BY run_id"
        ).fetchall()
        series = reader.con.execute(
            "SELECT run_id, month, outcome, value FROM series ORDER BY run_id, month, outcome"
        ).fetchall()
    return runs, series


@pytest.fixture
def store_rows():
    """`store_rows(directory) -> (runs, series)`, sorted lists of tuples without timings."""
    return read_store_rows


# `python -m cli` from the source tree: the installed `partage` script may point at another checkout.
PARTAGE = [sys.executable, "-m", "cli"]


@pytest.fixture
def partage_command():
    """The `partage` command of this source tree, and the directory to run it from."""
    return list(PARTAGE), ROOT


@pytest.fixture
def scenario_file():
    """The path of a scenario of the library, by name."""
    return lambda name: SCENARIOS / f"{name}.toml"


@pytest.fixture
def example_design():
    """The text of an example design of `experiments/designs/`, by name."""
    return lambda name: (ROOT / "experiments" / "designs" / f"{name}.toml").read_text(
        encoding="utf-8"
    )


@pytest.fixture
def partage_cli():
    """Run the `partage` command in a subprocess; returns the CompletedProcess."""

    def run(*args: str, cwd: Path = ROOT, timeout: float = 120):
        return subprocess.run(
            [*PARTAGE, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
        )

    return run


class DaskCluster:
    """A scheduler and workers started as separate processes on 127.0.0.1."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.scheduler_file = directory / "scheduler.json"
        self.processes: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.scheduler = self._start(
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(self.scheduler_file),
        )
        deadline = time.monotonic() + 60
        while not self.scheduler_file.exists():
            if time.monotonic() > deadline or self.scheduler.poll() is not None:
                raise RuntimeError("the Dask scheduler did not start")
            time.sleep(0.1)
        self.address = json.loads(self.scheduler_file.read_text())["address"]

    def _start(self, *args: str) -> subprocess.Popen:
        log = open(self.directory / f"{args[0]}-{len(self.processes)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [str(BIN / "dask"), *args],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=os.environ | {"PYTHONPATH": str(ROOT)},
        )
        self.processes.append(process)
        return process

    def add_worker(self) -> subprocess.Popen:
        worker = self._start(
            "worker",
            "--scheduler-file",
            str(self.scheduler_file),
            "--host",
            "127.0.0.1",
            "--nthreads",
            "1",
            "--no-nanny",
            "--no-dashboard",
            "--name",
            f"worker-{len(self.workers)}",
        )
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, count: int, timeout: float = 90) -> None:
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(count, timeout=timeout)

    def kill(self, process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def close(self) -> None:
        for process in reversed(self.processes):  # nothing to save: stop at once, workers first
            if process.poll() is None:
                process.kill()
        for process in self.processes:
            process.wait(timeout=30)


@pytest.fixture
def dask_cluster(tmp_path):
    """A real Dask scheduler and two single-threaded workers, each its own process."""
    cluster = DaskCluster(tmp_path)
    try:
        cluster.add_worker()
        cluster.add_worker()
        cluster.wait_for_workers(2)
        yield cluster
    finally:
        cluster.close()
