"""Runs release what they hold: a long-lived process (a sweep worker, the app's server) stays flat."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

from model.model import TerritoryModel
from model.reference import ReferenceModel
from model.simulate import simulate


def test_a_finished_model_is_freed_even_after_its_agents_were_read(tiny):
    scenario = tiny(households=200, months=2)
    model = TerritoryModel(scenario)
    assert len(model.agents) == 200
    model.run()
    reference = ReferenceModel(scenario)
    reference.run()
    gone = [weakref.ref(model), weakref.ref(reference)]
    del model, reference
    gc.collect()
    assert [ref() for ref in gone] == [None, None], (
        "Mesa's agent registry keeps finished models alive"
    )


def test_memory_stays_flat_over_many_runs_in_one_process(tiny):
    scenario = tiny(households=300, months=3)

    def one_run():
        simulate(scenario)  # as a sweep worker runs
        model = TerritoryModel(scenario)  # as the app does, reading the agents
        model.agents.select(lambda agent: agent.trust > 0.5)
        model.run()

    one_run()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(30):
            one_run()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 2 * 2**20, f"memory grew by {grown / 2**20:.1f} MiB over 30 runs"
