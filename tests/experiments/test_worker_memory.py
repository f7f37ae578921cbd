"""A worker gives back each finished run's memory: a finished model sits in reference cycles,
which Python's rare full collections would free only after thousands of runs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import run_python

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
    done = run_python(AS_A_POOL_WORKER)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "0", "finished models still held by the worker"


LOADED_IN_A_NEW_WORKER = textwrap.dedent(
    """
    import sys

    from experiments.executors import pool_context


    def not_loaded() -> set[str]:
        from numba.core.dispatcher import Dispatcher

        return {
            f"{name}.{attribute}"
            for name, module in list(sys.modules.items())
            if name.startswith("model.")
            for attribute, value in vars(module).items()
            if isinstance(value, Dispatcher) and not value.signatures
        }


    def loaded_by_a_first_run() -> list[str]:
        from model.model import DEFAULT_SCENARIO
        from model.scenario import load_scenario
        from model.simulate import simulate

        before = not_loaded()
        for scenario in (DEFAULT_SCENARIO, DEFAULT_SCENARIO.with_name("bordeaux_metropole.toml")):
            simulate(load_scenario(scenario, {"households": 500, "months": 12}))
        return sorted(before - not_loaded())


    if __name__ == "__main__":
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(1, mp_context=pool_context()) as pool:
            loaded = pool.submit(loaded_by_a_first_run).result(timeout=120)
        print(loaded)
    """
)


def test_a_new_pool_worker_starts_with_the_compiled_loops_loaded(tmp_path):
    """Each pool worker loaded the model's compiled loops during its first run (about 0.2 s of CPU,
    once per worker per sweep): the fork server loads them once, and workers inherit them, so a
    worker's first runs, of the grid and of a territory from data, load none."""
    script = tmp_path / "probe.py"
    script.write_text(LOADED_IN_A_NEW_WORKER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]", f"loaded by a worker's first run: {done.stdout.strip()}"
