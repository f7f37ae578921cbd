"""A worker gives back each finished run's memory: a finished model sits in reference cycles,
which Python's rare full collections would free only after thousands of runs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

AS_A_POOL_WORKER = textwrap.dedent(
    """
    import gc, os
    from experiments import executors
    from experiments.design import RunTask
    from experiments.targets import ScenarioTarget
    from model.model import TerritoryModel
    from model.scenario import load_scenario

    target = ScenarioTarget({"baseline": load_scenario("scenarios/baseline.toml")})
    executors._init_pool_worker(target, os.getppid())  # as the pool starts a worker
    for i in range(6):
        executors._execute_in_pool(RunTask(f"run-{i}", i, 0, "baseline", {}, i, 120, 3))
    print(sum(isinstance(o, TerritoryModel) for o in gc.get_objects()))
    """
)


def test_a_pool_worker_keeps_no_finished_model():
    done = subprocess.run(
        [sys.executable, "-c", AS_A_POOL_WORKER],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "0", "finished models still held by the worker"
