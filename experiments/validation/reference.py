"""Validation check: the scalar reference (`check_reference`).

`model.reference`, written the idiomatic Mesa way, against the vectorized
model, replication by replication with paired seeds (same territory and
initial households, independent draws afterwards); the final outcomes must not
differ beyond 4 standard errors of the paired differences.
"""

from __future__ import annotations

import math

import numpy as np

from experiments.validation.seeds import replication_seeds
from model.model import TerritoryModel
from model.reference import ReferenceModel

REFERENCE_Z_LIMIT = 4.0  # paired differences, reference vs vectorized

REFERENCE_OUTCOMES = (
    "car.own",
    "car.share",
    "car.lenders",
    "car.aware",
    "drill.own",
    "drill.share",
    "drill.lenders",
    "lawnmower.own",
    "lawnmower.share",
    "trust.mean",
    "sharing_households.share",
)


def check_reference(
    *,
    households: int,
    months: int,
    replications: int,
    seed: int = 4,
    scenario=None,
    overrides: dict | None = None,
    reference_overrides: dict | None = None,
) -> dict:
    """Paired comparison of final outcomes, scalar reference against vectorized model.

    `reference_overrides` changes the reference's parameters only (to show the check can fail).
    """
    overrides = dict(overrides or {})
    differences = {name: [] for name in REFERENCE_OUTCOMES}
    finals = {
        "vectorized": {n: [] for n in REFERENCE_OUTCOMES},
        "reference": {n: [] for n in REFERENCE_OUTCOMES},
    }
    for s in replication_seeds(seed, replications):
        fast = TerritoryModel(
            scenario,
            households=households,
            months=months,
            seed=s,
            overrides=overrides,
            agents=False,
        )
        fast.run()
        slow = ReferenceModel(
            scenario,
            households=households,
            months=months,
            seed=s,
            overrides={**overrides, **(reference_overrides or {})},
        )
        slow.run()
        for name in REFERENCE_OUTCOMES:
            finals["vectorized"][name].append(fast.latest[name])
            finals["reference"][name].append(slow.series[-1][name])
            differences[name].append(slow.series[-1][name] - fast.latest[name])
    rows = []
    for name, diffs in differences.items():
        diffs = np.array(diffs)
        se = diffs.std(ddof=1) / math.sqrt(len(diffs))
        # A floor on the standard error: one household's worth of the outcome, so that two
        # identical deterministic outcomes do not give an infinite z.
        se = max(se, 1.0 / households)
        rows.append(
            {
                "outcome": name,
                "vectorized": float(np.mean(finals["vectorized"][name])),
                "reference": float(np.mean(finals["reference"][name])),
                "difference": float(diffs.mean()),
                "se": float(se),
                "z": float(diffs.mean() / se),
            }
        )
    worst = max(abs(r["z"]) for r in rows)
    return {
        "households": households,
        "months": months,
        "replications": replications,
        "rows": rows,
        "max_abs_z": worst,
        "passed": worst <= REFERENCE_Z_LIMIT,
    }
