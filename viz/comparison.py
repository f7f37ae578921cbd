"""Compare: the baseline and other scenarios, replicated with the same seeds, summarised with intervals.

Rules:
- Replication r of every scenario uses the same seed, drawn from
  `numpy.random.SeedSequence(seed).spawn(R)`, so differences to the baseline
  are paired and their intervals narrow.
- Curves: mean and 5–95 % band over replications, month by month.
- Impacts at the horizon, per scenario, as the paired difference to the
  baseline, mean with a 95 % interval (Student t over replications):
  sharing households, spending by income quintile (EUR per household per
  month), embodied t CO2e of the goods in use, net public cost (spend less revenue),
  and public cost per tonne avoided (ratio of the means; no interval when the
  tonnes avoided are not clearly positive).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from model.scenario import Scenario
from model.simulate import simulate

BAND_OUTCOMES = (
    ("sharing_households.share", "Households sharing at least one good (share)"),
    ("goods.stock_total", "Goods owned"),
    ("emissions.cumulative_t", "Embodied t CO2e of goods in use so far"),
    ("public.cumulative_spend_eur", "Public spend so far (EUR)"),
    ("trust.mean", "Mean trust in sharing"),
    ("spending.mean_eur", "Mean household spending on these goods (EUR/month)"),
)


def replication_seeds(seed: int, replications: int) -> list[int]:
    """One seed per replication, the same for every scenario."""
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(child.generate_state(1, dtype=np.uint64)[0] % (2**63 - 1)) for child in children]


def run_replications(
    scenarios: dict[str, Scenario],
    *,
    replications: int,
    seed: int,
    households: int,
    months: int,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> pd.DataFrame:
    """Every scenario times every replication; the monthly series stacked with scenario and replication."""
    seeds = replication_seeds(seed, replications)
    total, done, frames = len(scenarios) * replications, 0, []
    for name, scenario in scenarios.items():
        for r, run_seed in enumerate(seeds):
            if cancelled():
                return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
            frame = simulate(
                scenario, seed=run_seed, households=households, months=months, agents=False
            )
            frame.insert(0, "replication", r)
            frame.insert(0, "scenario", name)
            frames.append(frame)
            done += 1
            if progress is not None:
                progress(done, total)
    return pd.concat(frames, ignore_index=True)


def bands(series: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Mean and 5–95 % band by scenario, month and outcome."""
    long = series.melt(
        id_vars=["scenario", "replication", "month"],
        value_vars=list(outcomes),
        var_name="outcome",
        value_name="value",
    )
    grouped = long.groupby(["scenario", "outcome", "month"], sort=False)["value"]
    out = grouped.agg(mean="mean", low=lambda v: v.quantile(0.05), high=lambda v: v.quantile(0.95))
    return out.reset_index()


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    if values.size < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))
    return mean, mean - half, mean + half


def impacts(series: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Impacts at the horizon versus the baseline, one row per scenario and indicator."""
    horizon = series[series["month"] == series["month"].max()].set_index(
        ["scenario", "replication"]
    )
    base = horizon.loc[baseline]
    rows = []
    indicators = [("sharing households", "households", lambda f: f["sharing_households"])]
    indicators += [
        (
            f"spending, income quintile {q}",
            "EUR/household/month",
            lambda f, q=q: f[f"spending.q{q}_eur"],
        )
        for q in range(1, 6)
    ]
    indicators += [
        ("embodied emissions of goods in use", "t CO2e", lambda f: f["emissions.cumulative_t"]),
        ("goods owned", "goods", lambda f: f["goods.stock_total"]),
        (
            "net public cost",
            "EUR",
            lambda f: f["public.cumulative_spend_eur"] - f["public.cumulative_revenue_eur"],
        ),
    ]
    for scenario in horizon.index.get_level_values(0).unique():
        if scenario == baseline:
            continue
        this = horizon.loc[scenario]
        paired = this.index.intersection(base.index)
        for label, unit, value_of in indicators:
            difference = (value_of(this.loc[paired]) - value_of(base.loc[paired])).to_numpy(
                dtype=float
            )
            mean, low, high = _interval(difference)
            rows.append(
                {
                    "scenario": scenario,
                    "indicator": f"change in {label}",
                    "unit": unit,
                    "mean": mean,
                    "low_95": low,
                    "high_95": high,
                    "replications": len(paired),
                }
            )
        avoided = (
            base.loc[paired, "emissions.cumulative_t"] - this.loc[paired, "emissions.cumulative_t"]
        )
        cost = (
            this.loc[paired, "public.cumulative_spend_eur"]
            - this.loc[paired, "public.cumulative_revenue_eur"]
            - base.loc[paired, "public.cumulative_spend_eur"]
            + base.loc[paired, "public.cumulative_revenue_eur"]
        )
        avoided_mean, avoided_low, _ = _interval(avoided.to_numpy(dtype=float))
        per_tonne = float(cost.mean() / avoided_mean) if avoided_low > 0 else float("nan")
        rows.append(
            {
                "scenario": scenario,
                "indicator": "public cost per tonne CO2e avoided",
                "unit": "EUR/t",
                "mean": per_tonne,
                "low_95": float("nan"),
                "high_95": float("nan"),
                "replications": len(paired),
            }
        )
    return pd.DataFrame(
        rows, columns=["scenario", "indicator", "unit", "mean", "low_95", "high_95", "replications"]
    )
