"""Sweeps on a real Dask cluster: a scheduler and two workers started by the test on 127.0.0.1."""

from __future__ import annotations

import pytest

from experiments.store import StoreReader
from experiments.sweep import run_sweep

pytestmark = pytest.mark.dask


def test_a_sweep_through_a_dask_scheduler_matches_a_local_sweep(
    dask_cluster, diffusion_design, tmp_path, store_rows
):
    design = diffusion_design(replications=3, households=20_000)
    on_dask = run_sweep(
        design, scheduler=dask_cluster.address, out=tmp_path / "dask", progress=False
    )
    run_sweep(design, out=tmp_path / "local", progress=False)

    assert on_dask.summary.done == on_dask.summary.planned == 18
    assert store_rows(tmp_path / "dask") == store_rows(tmp_path / "local")
    with StoreReader(tmp_path / "dask") as reader:
        workers = reader.con.execute("SELECT count(DISTINCT worker) FROM runs").fetchone()[0]
    assert workers == 2


def test_a_dask_worker_leaves_what_it_holds_out_of_garbage_collections_after_its_first_run(
    dask_cluster, diffusion_design, tmp_path
):
    """As a pool worker does: a full collection then walks only what runs make, not the worker's
    modules and Dask's own state."""
    import gc
    import os

    from distributed import Client

    design = diffusion_design(replications=4, households=2_000, months=6)
    with Client(dask_cluster.address, timeout=30) as client:
        assert set(client.run(gc.get_freeze_count).values()) == {0}
        run_sweep(design, scheduler=dask_cluster.address, out=tmp_path / "dask", progress=False)
        frozen = client.run(lambda: (os.getpid(), gc.get_freeze_count()))
    with StoreReader(tmp_path / "dask") as reader:
        ran = {
            int(w.rsplit(":", 1)[1])
            for (w,) in reader.con.execute("SELECT worker FROM runs").fetchall()
        }
    assert ran and all(count > 10_000 for pid, count in frozen.values() if pid in ran)


def test_the_scheduler_runs_a_sweep_without_importing_the_model(
    dask_cluster, diffusion_design, tmp_path
):
    """Dask's scheduler unpickles every task: one naming the executors' module made it import the
    model, numba, DuckDB and pandas at a sweep's first task (about 1 s before any run started)."""
    from distributed import Client

    def heavy_modules():
        import sys

        roots = ("model", "numba", "duckdb", "pandas", "experiments")
        return sorted(name for name in sys.modules if name.split(".")[0] in roots)

    design = diffusion_design(replications=2, households=2_000, months=6)
    with Client(dask_cluster.address, timeout=30) as client:
        run_sweep(design, scheduler=dask_cluster.address, out=tmp_path / "dask", progress=False)
        imported = client.run_on_scheduler(heavy_modules)
    assert imported == ["experiments", "experiments.dask_task"]


def test_a_worker_killed_mid_sweep_loses_and_duplicates_no_run(
    dask_cluster, diffusion_design, tmp_path, store_rows
):
    design = diffusion_design(
        replications=4, households=300_000, months=20, p_values=(0.01, 0.02, 0.03, 0.04)
    )
    victim = dask_cluster.workers[0]
    finished = []

    def kill_after_a_few(result):
        finished.append(result.run_id)
        if len(finished) == 4:
            dask_cluster.kill(victim)

    outcome = run_sweep(
        design,
        scheduler=dask_cluster.address,
        out=tmp_path / "dask",
        progress=False,
        on_result=kill_after_a_few,
    )

    assert victim.poll() is not None
    assert (outcome.summary.done, outcome.summary.lost, outcome.summary.failed) == (32, 0, 0)
    runs, series = store_rows(tmp_path / "dask")
    assert len(runs) == len({row[0] for row in runs}) == 32
    assert len(series) == 32 * 20 * 3
    run_sweep(design, out=tmp_path / "local", progress=False)
    assert (runs, series) == store_rows(tmp_path / "local")
