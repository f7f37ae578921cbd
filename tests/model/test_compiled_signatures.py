"""A compiled loop is compiled (or loaded from its cache) once, for one version of its arrays:
runs of any size, seed or policy on the same kind of territory need no other version of it. A
version needed only by some runs (an empty market's arrays, pairs of indices cut differently)
cost a pool worker a compilation or a load in the middle of a sweep, after its first run had
frozen what it loaded out of the garbage collector."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import sys
from numba.core.dispatcher import Dispatcher
from model.model import TerritoryModel


def signatures():
    return {
        f"{name}.{attribute}": len(value.signatures)
        for name, module in list(sys.modules.items())
        if name.startswith("model.")
        for attribute, value in vars(module).items()
        if isinstance(value, Dispatcher)
    }


def run(scenario, households, months, seed=1):
    TerritoryModel(f"scenarios/{scenario}", households=households, months=months, seed=seed).run()


run(sys.argv[1], 300, 24)
for seed in range(6):
    run(sys.argv[1], 120, 6, seed)  # markets empty in some months
run(sys.argv[1], 2000, 24)
for scenario in sys.argv[2:]:
    run(scenario, 400, 12)
later = signatures()
print(sorted(name for name in later if later[name] > 1))
"""


def test_later_runs_need_no_other_version_of_a_compiled_loop():
    for territory, policies in [
        ("baseline.toml", ["tool_library.toml", "awareness_campaign.toml", "sharing_subsidy.toml"]),
        ("bordeaux_metropole.toml", ["bordeaux_carsharing_fleet.toml"]),
    ]:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, territory, *policies],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == "[]", f"{territory}: {done.stdout.strip()}"
