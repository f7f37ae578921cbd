"""A real Dask cluster on 127.0.0.1 losing its scheduler or all its workers during `python -m cli sweep`."""

from __future__ import annotations

import subprocess
import time

import pytest

from experiments.errors import UserError
from experiments.store import StoreReader

pytestmark = [pytest.mark.dask, pytest.mark.timeout(240)]


def _finished_runs(out) -> int:
    try:
        with StoreReader(out) as reader:
            return sum(reader.status_counts().values())
    except UserError:
        return 0


@pytest.mark.parametrize("loss", ["scheduler", "every worker"])
def test_a_lost_cluster_ends_the_sweep_in_one_line_with_the_command_to_resume(
    loss, dask_cluster, diffusion_design, partage_command, tmp_path
):
    design = diffusion_design(
        households=1_000_000, months=60, replications=2, p_values=(0.01, 0.02, 0.03, 0.04)
    )
    partage, root = partage_command
    out = tmp_path / "out"
    command = [
        "sweep",
        str(design),
        "--out",
        str(out),
        "--scheduler",
        dask_cluster.address,
        "--cluster-timeout",
        "5",
        "--no-progress",
    ]
    sweep = subprocess.Popen(
        [*partage, *command], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while _finished_runs(out) < 1 and sweep.poll() is None and time.monotonic() < deadline:
            time.sleep(0.3)
        assert sweep.poll() is None, "the sweep ended before the cluster could be lost"
        victims = [dask_cluster.scheduler] if loss == "scheduler" else dask_cluster.workers
        for victim in victims:
            dask_cluster.kill(victim)
        stdout, stderr = sweep.communicate(timeout=120)
    finally:
        if sweep.poll() is None:
            sweep.kill()
            sweep.wait(timeout=30)
    assert sweep.returncode == 2, stderr[-3000:]
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr[-3000:]
    assert "finished runs are stored" in stderr
    assert stderr.strip().endswith("partage " + " ".join(command))
    with StoreReader(out) as reader:  # intact, and holding the runs finished before the loss
        finished = sum(reader.status_counts().values())
    assert 1 <= finished < 16
