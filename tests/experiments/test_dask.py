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
