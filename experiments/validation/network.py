"""Validation check: network effects (`check_network_effects`).

The same households as the Bass limit, word of mouth through the ties of the
small-world network. We report the time to 10 %, 50 % and 90 % adoption as
clustering (`network.long_tie_share`, the Watts-Strogatz rewiring share) and
`network.mean_degree` vary, with the measured clustering coefficient. Checked:
every curve is an S (slow start, fastest growth in the middle, saturation),
and more ties spread faster.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from experiments.validation.seeds import replication_seeds
from model.model import TerritoryModel

WORD_OF_MOUTH_SCENARIO = (
    Path(__file__).resolve().parents[2] / "scenarios" / "validation" / "word_of_mouth.toml"
)


def clustering_coefficient(adjacency) -> float:
    """Mean local clustering coefficient of an undirected 0/1 adjacency (CSR)."""
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    triangles = np.asarray((adjacency @ adjacency).multiply(adjacency).sum(axis=1)).ravel() / 2
    pairs = degree * (degree - 1) / 2
    local = np.where(pairs > 0, triangles / np.where(pairs > 0, pairs, 1), 0.0)
    return float(local.mean())


def crossing_month(curve: np.ndarray, level: float) -> float:
    """First month at which a rising curve reaches `level` (linear interpolation); nan if never."""
    above = np.flatnonzero(curve >= level)
    if above.size == 0:
        return float("nan")
    t = int(above[0])
    if t == 0:
        return 0.0
    return t - 1 + (level - curve[t - 1]) / (curve[t] - curve[t - 1])


def _mean_of_reached(months: list[float]) -> float:
    """Mean month over the runs that reached the level; nan if none did."""
    reached = [m for m in months if not math.isnan(m)]
    return float(np.mean(reached)) if reached else float("nan")


def _sd_of_reached(months: list[float]) -> float:
    reached = [m for m in months if not math.isnan(m)]
    return float(np.std(reached, ddof=1)) if len(reached) > 1 else 0.0


def word_of_mouth_curve(
    overrides: dict, households: int, months: int, seed: int
) -> tuple[np.ndarray, float]:
    """Adoption of sharing (all goods pooled) month by month, and the network's clustering."""
    model = TerritoryModel(
        WORD_OF_MOUTH_SCENARIO,
        households=households,
        months=months,
        seed=seed,
        overrides=overrides,
        agents=False,
    )
    clustering = clustering_coefficient(model.network)
    needing = model.households.need.sum(axis=0)
    model.run()
    curve = np.array(
        [
            sum(row[f"{g}.share"] * needing[i] for i, g in enumerate(model.goods.names))
            / needing.sum()
            for row in model.series
        ]
    )
    return curve, clustering


def check_network_effects(
    *,
    households: int,
    months: int,
    replications: int,
    seed: int = 2,
    long_tie_shares=(0.0, 0.01, 0.1, 0.5, 1.0),
    mean_degrees=(4, 8, 16),
) -> dict:
    """S-curves of word of mouth as clustering and mean degree vary; timing of 10/50/90 % adoption."""
    settings = [("long_tie_share", v, {"network.long_tie_share": v}) for v in long_tie_shares]
    settings += [("mean_degree", v, {"network.mean_degree": v}) for v in mean_degrees]
    settings.append(("well-mixed", 0, {"network.kind": "well-mixed"}))
    rows = []
    for lever, value, overrides in settings:
        curves, clusterings = [], []
        for s in replication_seeds(seed, replications):
            curve, clustering = word_of_mouth_curve(overrides, households, months, s)
            curves.append(curve)
            clusterings.append(clustering)
        curves = np.array(curves)
        mean = curves.mean(axis=0)
        timing = {
            f"t{int(level * 100)}": [crossing_month(c, level) for c in curves]
            for level in (0.1, 0.5, 0.9)
        }
        growth = np.diff(mean)
        peak = int(np.argmax(growth))
        rows.append(
            {
                "lever": lever,
                "value": value,
                "clustering": float(np.mean(clusterings)),
                "curve": mean,
                **{k: _mean_of_reached(v) for k, v in timing.items()},
                **{f"{k}_sd": _sd_of_reached(v) for k, v in timing.items()},
                "final": float(mean[-1]),
                # An S-curve: growth peaks strictly inside the run and is slow at both ends.
                "s_shaped": bool(
                    0 < peak < len(growth) - 1
                    and growth[0] < growth[peak] / 2
                    and growth[-1] < growth[peak] / 2
                ),
            }
        )
    by_degree = [r for r in rows if r["lever"] == "mean_degree"]
    t50_by_degree = [r["t50"] for r in by_degree]
    return {
        "households": households,
        "months": months,
        "replications": replications,
        "rows": rows,
        "all_s_shaped": all(r["s_shaped"] for r in rows if r["lever"] != "well-mixed"),
        "more_ties_faster": bool(np.all(np.diff(t50_by_degree) < 0)),
    }
