"""Figures for the territory: every count, tonne and euro a user reads, scaled from the simulated sample.

A run simulates a sample of households; users read figures for the territory the
scenario describes. This module is the one place where a sample's figures become
the territory's, for the terminal (`partage compare`, `interactions`,
`optimise`, `scenarios list --simulate`), the report and the app alike.

Rules:
- The territory's households: the real ones of a territory from data (the sum
  of its figures table), the scenario's declared `households` on an abstract
  grid (the number its file states, whatever sample a command simulates).
- Shares, means per household and amounts per household per month are read as
  they are: a sample of households has the territory's shares and means.
- Counts of households, goods, uses, transactions and ties, tonnes and euros
  that households' choices drive (lender income, subsidies per use, claims,
  revenue) are multiplied by territory households / sampled households.
- Public spending has two parts. What the scenario declares (investments,
  running costs, pool units, parking spots: `model.policies.declared_costs`) is
  a budget for the territory: the run paid it at the sample's size, the
  territory pays it at its own size, month by month. The rest (costs per use,
  claim or trainee) is scaled like any count. So a fixed investment stays a
  fixed investment, and both the cost and the extra sharers are the
  territory's: the cost per extra sharing household, or per tonne avoided, does
  not depend on how many households were simulated.
- A territory from data carries `real.<outcome>` columns in its series: the
  model's own figures for the real territory, each zone's figure times its
  real households over sampled ones (its sample is stratified by zone,
  `model.geography`, so one territory-wide factor would be wrong). They are
  what users read, under the outcome's plain name (no figure is shown twice);
  shares and means per household are already weighted by the model.

API:

    from experiments.territory_figures import territory_for, for_territory, run_figures

    territory = territory_for(scenarios, sample=2000, months=60)  # {name: Scenario as declared}
    territory.households, territory.label()     # e.g. 10 000, "for the territory (10 000 households)"
    for_territory(series, territory)            # runs' series (scenario, month, outcomes...) -> the territory's
    run_figures(scenario, latest, sample)       # one run's month (a dict of outcomes) -> the territory's
    month_figures(latest, name, territory)      # the same with a territory built once (a run stepped live)
    territory_of_design(store_design)           # an experiment store's territory (None: not known)

The comparison engine (`experiments.compare.Comparison`) computes its tables, its
cost-effectiveness, its impacts and its curves on `for_territory(...)`, with their
intervals over replications (`experiments.intervals`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.policies import declared_costs, territory_households
from model.reporters import COUNTED, COUNTED_SUFFIXES
from model.scenario import Scenario

PUBLIC_SPEND = "public.cumulative_spend_eur"
PUBLIC_SPEND_MONTH = "public.spend_eur"
# Zone outcomes that count (`model.zone_results`); shares and means by zone are read as they are.
ZONE_COUNTED = ("households", "sharing_households", "emissions.month_t", "public.subsidy_eur")


def is_counted(outcome: str) -> bool:
    """Whether an outcome is a count, a tonnage or an amount of euros for the whole sample (scaled
    to the territory), rather than a share or a mean per household (read as it is)."""
    return (
        outcome in COUNTED
        or outcome.startswith("money.")
        or outcome.endswith((*COUNTED_SUFFIXES, ".pool_units"))
        or outcome == "public.cumulative_revenue_eur"
    )


def declared_households(scenario: Scenario) -> int:
    """The territory's households as the scenario declares them: the real ones of a territory from
    data, else its `households` (call it on the scenario as written, before a sample size is set)."""
    return int(territory_households(scenario))


@dataclass(frozen=True)
class Territory:
    """What scaling a sample to its territory needs: the territory's households, the sample's, and
    for each scenario its declared public budget cumulated month by month (EUR, months 0..horizon)
    at the territory's size and at the sample's."""

    households: int
    sample: int
    declared_eur: Mapping[str, tuple[np.ndarray, np.ndarray]]
    known: bool = True  # False: a comparison that cannot name its territory (figures of the sample)

    @property
    def factor(self) -> float:
        """Territory households per simulated household."""
        return self.households / self.sample

    def label(self, number=None) -> str:
        """`for the territory (N households)`, with `number` formatting N (default: thin spaces)."""
        shown = number(self.households) if number else f"{self.households:,}".replace(",", "\u202f")
        if not self.known:
            return f"for the {shown} households simulated (the territory is not known)"
        return f"for the territory ({shown} households)"

    def public_spend_eur(self, scenario: str, month: np.ndarray, spend_eur: np.ndarray):
        """Cumulative public spending of runs of `scenario` at `month`, for the territory: the
        declared budget at the territory's size, plus what the run paid beyond its declared budget
        (per use, claim or trainee), scaled."""
        territory, sample = self.declared_eur.get(scenario, (None, None))
        if territory is None:
            return np.asarray(spend_eur, float) * self.factor
        month = np.clip(np.asarray(month, int), 0, len(territory) - 1)
        return territory[month] + (np.asarray(spend_eur, float) - sample[month]) * self.factor

    def to_json(self) -> dict:
        return {
            "households": self.households,
            "sample": self.sample,
            "declared_eur": {
                name: {"territory": list(map(float, t)), "sample": list(map(float, s))}
                for name, (t, s) in self.declared_eur.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict) -> Territory:
        return cls(
            households=int(data["households"]),
            sample=int(data["sample"]),
            declared_eur={
                name: (np.asarray(v["territory"], float), np.asarray(v["sample"], float))
                for name, v in data.get("declared_eur", {}).items()
            },
        )


def territory_for(
    scenarios: Mapping[str, Scenario],
    *,
    sample: int,
    months: int,
    households: int | None = None,
) -> Territory:
    """The territory of scenarios compared on one territory, simulated with `sample` households
    over `months`. `households` defaults to the first scenario's declared households
    (`declared_households`): give it when the scenarios already carry the sample's size."""
    if households is None:
        households = declared_households(next(iter(scenarios.values())))
    declared = {
        name: (
            np.cumsum(declared_costs(scenario, households, months)),
            np.cumsum(declared_costs(scenario, sample, months)),
        )
        for name, scenario in scenarios.items()
    }
    return Territory(households=int(households), sample=int(sample), declared_eur=declared)


def territory_of_design(design: Mapping) -> Territory | None:
    """The territory of an experiment store's design: the one a comparison recorded, else a sweep's
    scenario (its path relative to the design file) at the sample size it simulated; None when the
    design names neither (its figures can only be read as the sample's)."""
    if design.get("territory"):
        return Territory.from_json(design["territory"])
    source, scenario, sample = (
        design.get("source"),
        design.get("scenario"),
        design.get("households"),
    )
    if not (source and scenario and sample):
        return None
    from model.scenario import ScenarioError, load_scenario

    try:
        loaded = load_scenario(Path(source).parent / scenario)
    except (OSError, ScenarioError):
        return None
    months = int(design.get("months") or loaded.months)
    return territory_for({loaded.name: loaded}, sample=int(sample), months=months)


def for_territory(frame: pd.DataFrame, territory: Territory) -> pd.DataFrame:
    """Runs' figures (rows with `scenario` and `month` columns, one column per outcome) for the
    territory: counts, tonnes and euros scaled, the declared public budget at the territory's size,
    shares and means per household as they are; `real.*` columns dropped."""
    out = frame.drop(columns=[c for c in frame.columns if c.startswith("real.")])
    factor = territory.factor
    for column in out.columns:
        if f"real.{column}" in frame:  # the model's own figure for the real territory
            out[column] = frame[f"real.{column}"]
        elif is_counted(column):
            out[column] = out[column] * factor
    if f"real.{PUBLIC_SPEND}" in frame:
        return out
    if PUBLIC_SPEND in out:
        spend = frame[PUBLIC_SPEND].to_numpy(dtype=float)
        month = out["month"].to_numpy()
        for name in out["scenario"].unique():
            rows = (out["scenario"] == name).to_numpy()
            out.loc[rows, PUBLIC_SPEND] = territory.public_spend_eur(name, month[rows], spend[rows])
    if PUBLIC_SPEND_MONTH in out:
        monthly = frame[PUBLIC_SPEND_MONTH].to_numpy(dtype=float)
        month = out["month"].to_numpy()
        for name in out["scenario"].unique():
            rows = (out["scenario"] == name).to_numpy()
            out.loc[rows, PUBLIC_SPEND_MONTH] = _monthly_spend(
                territory, name, month[rows], monthly[rows]
            )
    return out


def _monthly_spend(territory: Territory, scenario: str, month, spend_eur) -> np.ndarray:
    """One month's public spending for the territory (same rule as the cumulative one)."""
    territory_cum, sample_cum = territory.declared_eur.get(scenario, (None, None))
    if territory_cum is None:
        return np.asarray(spend_eur, float) * territory.factor
    month = np.clip(np.asarray(month, int), 0, len(territory_cum) - 1)
    before = np.maximum(month - 1, 0)
    in_territory = np.where(month > 0, territory_cum[month] - territory_cum[before], 0.0)
    in_sample = np.where(month > 0, sample_cum[month] - sample_cum[before], 0.0)
    return in_territory + (np.asarray(spend_eur, float) - in_sample) * territory.factor


def zones_for_territory(values: pd.DataFrame, territory: Territory) -> pd.DataFrame:
    """Outcomes by zone (`StoreReader.zone_values` rows) for the territory: a zone's counts become
    the real zone's where the model gives them (`real.<outcome>` of a territory from data), else
    they are scaled like the territory's; shares and means as they are."""
    if values is None or values.empty:
        return values
    outcome = values["outcome"].astype(str)
    real = outcome.str.startswith("real.")
    names_with_real = set(outcome[real].str.removeprefix("real."))
    plain = values[~real & ~outcome.isin(names_with_real)].copy()
    counted = plain["outcome"].isin(ZONE_COUNTED) | plain["outcome"].str.endswith(".stock")
    plain.loc[counted, "value"] = plain.loc[counted, "value"] * territory.factor
    replaced = values[real].copy()
    replaced["outcome"] = replaced["outcome"].str.removeprefix("real.")
    return pd.concat([plain, replaced], ignore_index=True)


def run_figures(
    scenario: Scenario, latest: Mapping[str, float], sample: int, households: int | None = None
) -> dict[str, float]:
    """One run's outcomes for one month (`latest`, with its `month`) for the territory of
    `scenario` (as declared; `households` overrides its declared households)."""
    territory = territory_for(
        {scenario.name: scenario},
        sample=sample,
        months=max(int(latest["month"]), 1),
        households=households,
    )
    return month_figures(latest, scenario.name, territory)


def month_figures(latest: Mapping[str, float], scenario: str, territory: Territory) -> dict:
    """One run's outcomes for one month (`latest`, with its `month`) of the scenario named
    `scenario` in `territory`, for the territory (a run stepped month by month builds its
    `territory_for` once and calls this each month)."""
    frame = pd.DataFrame([{**latest, "scenario": scenario}])
    return {k: v for k, v in for_territory(frame, territory).iloc[0].items() if k != "scenario"}


def net_public_cost(
    scenario: Scenario, net_eur: float, sample: int, months: int, households: int | None = None
) -> float:
    """Net public cost (spending less revenue, cumulated to `months`) of a run of `sample`
    households, for the territory of `scenario` (as declared)."""
    territory = territory_for(
        {scenario.name: scenario}, sample=sample, months=months, households=households
    )
    # Revenue scales like spending beyond the declared budget, so the net cost follows one rule.
    return float(
        territory.public_spend_eur(scenario.name, np.array([months]), np.array([net_eur]))[0]
    )
