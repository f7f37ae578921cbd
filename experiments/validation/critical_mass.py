"""Validation check: critical mass (`check_critical_mass`, `check_hysteresis`).

The full behavioural model with a sharing subsidy per use swept from 0 to the
peer price; the final share of households sharing, with 95 % intervals over
replications. The tipping region is where the response is steepest (with how
often it stays the steepest when the replications are resampled);
non-linearity is measured as the steepest slope over the mean slope (1 for a
straight line).
Second case (`check_hysteresis`), with a strong social feedback (social_weight
5, `critical_mass_tipping.toml`): the same sweep along two branches, upward
(runs start from today's low sharing) and downward (runs primed at the top
subsidy, which is then lowered to the level), with paired seeds. Where the
downward branch stays above the upward one beyond its 95 % interval, two
levels of sharing persist at the same subsidy (hysteresis).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from experiments.validation.seeds import replication_seeds
from model.model import TerritoryModel

VALIDATION = Path(__file__).resolve().parents[2] / "scenarios" / "validation"
CRITICAL_MASS_SCENARIO = VALIDATION / "critical_mass.toml"
TIPPING_SCENARIO = VALIDATION / "critical_mass_tipping.toml"
BOOTSTRAP_SAMPLES = 1000  # resamples of the replications, to locate the tipping region


def check_critical_mass(
    *,
    households: int,
    months: int,
    replications: int,
    seed: int = 3,
    subsidies=(0, 2, 4, 6, 8, 10, 12, 15, 20, 25, 30),
) -> dict:
    """Final share of households sharing against the subsidy per shared use, with 95 % intervals."""
    rows = []
    seeds = replication_seeds(seed, replications)
    for subsidy in subsidies:
        finals = []
        for s in seeds:  # common random numbers across levels: the same seeds at every level
            model = TerritoryModel(
                CRITICAL_MASS_SCENARIO,
                households=households,
                months=months,
                seed=s,
                overrides={"policies.subsidy.eur_per_use": float(subsidy)},
                agents=False,
            )
            model.run()
            finals.append(model.latest["sharing_households.share"])
        finals = np.array(finals)
        half_width = 1.96 * finals.std(ddof=1) / math.sqrt(len(finals)) if len(finals) > 1 else 0.0
        rows.append(
            {
                "subsidy": float(subsidy),
                "mean": float(finals.mean()),
                "ci95": float(half_width),
                "runs": finals.tolist(),
            }
        )
    social_weight = model.scenario.behaviour.social_weight
    x = np.array([r["subsidy"] for r in rows])
    y = np.array([r["mean"] for r in rows])
    slopes = np.diff(y) / np.diff(x)
    steepest = int(np.argmax(slopes))
    mean_slope = (y[-1] - y[0]) / (x[-1] - x[0])
    # How sure is the location? Resample the replications of every level (bootstrap) and see
    # which stretch is the steepest each time.
    runs = np.array([r["runs"] for r in rows])  # (levels, replications)
    resampler = np.random.default_rng(seed)
    picks = resampler.integers(0, runs.shape[1], (BOOTSTRAP_SAMPLES, runs.shape[1]))
    boot_means = runs[:, picks].mean(axis=2)  # (levels, samples)
    boot_steepest = np.argmax(np.diff(boot_means, axis=0) / np.diff(x)[:, None], axis=0)
    support = np.bincount(boot_steepest, minlength=len(slopes)) / BOOTSTRAP_SAMPLES
    return {
        "households": households,
        "months": months,
        "replications": replications,
        "rows": rows,
        "social_weight": social_weight,
        "tipping_region": (float(x[steepest]), float(x[steepest + 1])),
        "tipping_support": float(support[steepest]),
        "tipping_support_by_stretch": {
            f"{x[i]:g}-{x[i + 1]:g}": float(share) for i, share in enumerate(support) if share > 0
        },
        "steepest_slope": float(slopes[steepest]),
        "mean_slope": float(mean_slope),
        "nonlinearity": float(slopes[steepest] / mean_slope) if mean_slope > 0 else float("inf"),
    }


def check_hysteresis(
    *,
    households: int,
    months: int,
    replications: int,
    seed: int = 5,
    subsidies=(0, 5, 10, 15, 20, 30),
    prime_months: int = 48,
) -> dict:
    """Final sharing along an upward and a downward branch of the subsidy, with 95 % intervals.

    Upward: the subsidy at its level from month 0, from today's low sharing. Downward: the
    top subsidy for `prime_months` (the scenario's `prime` policy), then the level. Replication
    r uses the same seed on both branches and at every level; the gap is paired.
    """
    top = float(max(subsidies))
    seeds = replication_seeds(seed, replications)

    def half(values: np.ndarray) -> float:
        return 1.96 * values.std(ddof=1) / math.sqrt(len(values)) if len(values) > 1 else 0.0

    rows = []
    for subsidy in subsidies:
        finals = {"up": [], "down": []}
        for s in seeds:
            for branch in ("up", "down"):
                overrides = {"policies.subsidy.eur_per_use": float(subsidy)}
                if branch == "down":
                    overrides.update(
                        {
                            "policies.prime.eur_per_use": top,
                            "policies.prime.end_month": prime_months,
                            "policies.subsidy.start_month": prime_months + 1,
                        }
                    )
                model = TerritoryModel(
                    TIPPING_SCENARIO,
                    households=households,
                    months=months,
                    seed=s,
                    overrides=overrides,
                    agents=False,
                )
                model.run()
                finals[branch].append(model.latest["sharing_households.share"])
        up, down = np.array(finals["up"]), np.array(finals["down"])
        gap = down - up
        rows.append(
            {
                "subsidy": float(subsidy),
                "up": float(up.mean()),
                "up_ci95": float(half(up)),
                "down": float(down.mean()),
                "down_ci95": float(half(down)),
                "gap": float(gap.mean()),
                "gap_ci95": float(half(gap)),
                "up_runs": up.tolist(),
                "down_runs": down.tolist(),
            }
        )
    for r in rows:
        r["two_levels"] = bool(r["gap"] - r["gap_ci95"] > 0)
    region = [r["subsidy"] for r in rows if r["two_levels"]]
    return {
        "households": households,
        "months": months,
        "replications": replications,
        "prime_months": prime_months,
        "top": top,
        "social_weight": model.scenario.behaviour.social_weight,
        "rows": rows,
        "hysteresis_region": (min(region), max(region)) if region else None,
        "max_gap": max(r["gap"] for r in rows),
    }
