"""The sweep bench (`partage sweep-bench`) and the Dask worker settings for sweeps it measures."""

from __future__ import annotations

import copy
import math
import re
import shlex
from pathlib import Path

import dask
import pytest

from benchmarks.sweep_throughput import PausedCluster, benchmark
from experiments.executors import SWEEP_WORKER_SETTINGS, dask_environment

DOCS = Path(__file__).resolve().parents[2] / "docs" / "experiments.md"


def test_the_worker_settings_for_sweeps_read_back_through_dask_as_given():
    """Dask ignores an unknown key without a word: each must be one of its own, change its
    default, and come back from the environment variables as given."""
    import distributed  # noqa: F401 - loads its defaults into Dask's configuration

    from_environment = dask.config.update(
        copy.deepcopy(dask.config.config),
        dask.config.collect_env(dask_environment(SWEEP_WORKER_SETTINGS)),
    )
    for key, value in SWEEP_WORKER_SETTINGS.items():
        assert dask.config.get(key) != value
        assert dask.config.get(key, config=from_environment) == value


def test_the_docs_give_the_worker_settings_for_sweeps():
    lines = re.findall(r"^export DASK_.*$", DOCS.read_text(), re.MULTILINE)
    exported = dict(shlex.split(line)[1].split("=", 1) for line in lines)  # as the shell reads it
    assert exported == dask_environment(SWEEP_WORKER_SETTINGS)


@pytest.mark.dask
def test_a_paused_cluster_runs_its_workers_with_the_settings_it_is_given():
    from distributed import Client

    def worker_settings(dask_worker):
        import sys

        return (
            "profile" in dask_worker.periodic_callbacks,
            dask.config.get("distributed.admin.tick.interval"),
            "experiments.pool_preload" in sys.modules,  # warmed up as it started
        )

    cluster = PausedCluster(SWEEP_WORKER_SETTINGS)
    try:
        with cluster.running(), Client(cluster.address, timeout=30) as client:
            seen = client.run(worker_settings)
    finally:
        cluster.close()
    assert list(seen.values()) == [(False, "500ms", True)] * 2


@pytest.mark.dask
def test_the_bench_compares_dask_with_two_local_workers_in_each_round():
    rows = benchmark(runs=4, households=200, months=6, scheduler=None, rounds=1)
    ratios = {row["executor"]: row["vs_2_local_workers"] for row in rows}
    assert list(ratios) == [
        "1 local worker",
        "2 local workers",
        "Dask, local cluster of 2 workers",
        "Dask, the same with the settings for sweeps",
    ]
    assert math.isnan(ratios["1 local worker"]) and ratios["2 local workers"] == 1
    assert all(ratio > 0 for ratio in list(ratios.values())[2:])
    assert all(row["runs"] == 4 for row in rows)
