"""Imported once by the pool's fork server (`fork_server.PRELOADED`), before it forks any worker,
and by a Dask worker when it starts, with the worker settings for sweeps
(`executors.SWEEP_WORKER_SETTINGS`: Dask's `preload`).

Two small runs, of the baseline and of a territory from data, load what every first run would
otherwise load in each worker: the model's compiled loops (numba, cached on disk, loaded on first
use) and the data a run reads once per process. Each worker forked afterwards inherits them, and
its first run takes as long as the next ones instead of about 0.2 s of CPU more (`partage
sweep-bench`): that was paid once per worker per sweep, and a policy search starts a pool for
every generation.
"""

from __future__ import annotations

import contextlib
import gc

import experiments.worker  # noqa: F401 - what runs a task (its target, its tables: Arrow, DuckDB)
from model.model import DEFAULT_SCENARIO
from model.scenario import load_scenario
from model.simulate import simulate

WARM_UP = {"households": 300, "months": 24}  # long enough for ties to be made during the run
# The baseline's grid, and a territory from data (its geographic ties, its zones' files).
SCENARIOS = (DEFAULT_SCENARIO, DEFAULT_SCENARIO.with_name("bordeaux_metropole.toml"))


def warm_up() -> None:
    """The small runs, their models then collected so that no worker inherits it. Only a head start:
    should it fail, the fork server must still start (an exception here would stop it), and each
    worker's first run loads what it needs and reports any real error."""
    for scenario in SCENARIOS:
        with contextlib.suppress(Exception):  # see the docstring: the workers load it themselves
            simulate(load_scenario(scenario, WARM_UP))
    gc.collect()


warm_up()
