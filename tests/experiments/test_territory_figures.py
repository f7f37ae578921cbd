"""Figures for the territory: the same comparison at two sample sizes tells the same story."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.compare import compare_scenarios

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


@pytest.fixture(scope="module")
def at_two_sizes():
    """baseline vs awareness_campaign, the same seeds, with 500 and 2 000 simulated households."""
    return {
        households: compare_scenarios(
            SCENARIOS / "baseline.toml",
            [SCENARIOS / "awareness_campaign.toml"],
            replications=4,
            households=households,
            months=36,
            seed=7,
        )
        for households in (500, 2000)
    }


def test_cost_per_extra_sharer_does_not_depend_on_the_sample_size(at_two_sizes):
    costs = {n: c.cost_effectiveness().iloc[0] for n, c in at_two_sizes.items()}
    small, large = costs[500], costs[2000]
    # A campaign's budget is declared for the territory: the same euros whatever the sample.
    assert small["extra_public_eur"] == pytest.approx(large["extra_public_eur"])
    assert small["extra_public_eur"] > 0
    per_sharer = {
        n: (c["eur_per_household_low"], c["eur_per_household_high"]) for n, c in costs.items()
    }
    assert all(np.isfinite(interval).all() for interval in per_sharer.values())
    # The two sizes' 95 % intervals agree (they overlap), and both lie well within an order of
    # magnitude of each other (read from the sample, the 500 households' ratio was four times the
    # 2 000 households', outside its interval).
    assert _overlap(per_sharer[500], per_sharer[2000])
    ratio = small["eur_per_extra_sharing_household"] / large["eur_per_extra_sharing_household"]
    assert 1 / 3 < ratio < 3


def test_extra_sharers_and_public_spending_are_the_territorys_at_both_sizes(at_two_sizes):
    rows = {}
    for n, comparison in at_two_sizes.items():
        table = comparison.table(["sharing_households", "public.cumulative_spend_eur"])
        rows[n] = table[table["scenario"] == "awareness_campaign"].set_index("outcome")
    sharers = {
        n: (r.loc["sharing_households", "diff_low"], r.loc["sharing_households", "diff_high"])
        for n, r in rows.items()
    }
    assert _overlap(sharers[500], sharers[2000])
    assert sharers[2000][0] > 0
    spend = {n: r.loc["public.cumulative_spend_eur", "mean"] for n, r in rows.items()}
    assert spend[500] == pytest.approx(spend[2000])
    # The baseline's households sharing, counted for the territory, agree too.
    levels = {
        n: c.table(["sharing_households"]).set_index("scenario").loc["baseline"]
        for n, c in at_two_sizes.items()
    }
    assert _overlap(
        (levels[500]["ci_low"], levels[500]["ci_high"]),
        (levels[2000]["ci_low"], levels[2000]["ci_high"]),
    )


def test_the_declared_budget_is_counted_at_the_territorys_size_and_the_rest_scaled():
    from experiments.territory_figures import for_territory, territory_for
    from model.policies import declared_costs
    from model.scenario import load_scenario

    sample, months = 2000, 24
    scenario = load_scenario(SCENARIOS / "tool_library.toml", {"households": sample})
    territory = territory_for(
        {"tool_library": scenario}, sample=sample, months=months, households=10_000
    )
    declared_sample = float(declared_costs(scenario, sample, months).sum())
    declared_territory = float(declared_costs(scenario, 10_000, months).sum())
    frame = pd.DataFrame(
        {
            "scenario": ["tool_library"],
            "month": [months],
            "public.cumulative_spend_eur": [declared_sample + 100.0],  # 100 EUR paid per use
            "public.cumulative_revenue_eur": [40.0],
            "sharing_households": [30.0],
            "sharing_households.share": [0.015],
        }
    )
    figures = for_territory(frame, territory).iloc[0]
    assert territory.factor == 5
    assert figures["public.cumulative_spend_eur"] == pytest.approx(declared_territory + 500.0)
    assert figures["public.cumulative_revenue_eur"] == 200.0
    assert figures["sharing_households"] == 150.0
    assert figures["sharing_households.share"] == 0.015  # a share is read as it is
    assert territory.label() == "for the territory (10\u202f000 households)"
    # A territory from data's sample is stratified by zone: its own `real.*` figure is read, under
    # the outcome's name, never a sample's count times one factor, and never shown twice.
    frame["real.sharing_households"] = 123.0
    figures = for_territory(frame, territory).iloc[0]
    assert figures["sharing_households"] == 123.0
    assert "real.sharing_households" not in figures


def test_a_territory_from_data_gets_the_figures_its_real_columns_give(tiny_territory):
    comparison = compare_scenarios(
        tiny_territory.scenario,
        {"same": tiny_territory.scenario},
        replications=2,
        households=600,
        months=4,
        seed=3,
    )
    assert comparison.territory.households == 11_200  # the figures' 6000 + 3200 + 1500 + 500
    figures = comparison.figures()
    horizon = comparison.horizon()
    for outcome in ("sharing_households", "goods.stock_total", "emissions.cumulative_t"):
        assert np.allclose(figures[outcome], horizon[f"real.{outcome}"], rtol=1e-9)
    assert not any(column.startswith("real.") for column in figures.columns)


def test_a_store_written_before_the_territory_was_recorded_gets_it_from_its_files():
    from experiments.compare import _territory_of
    from model.policies import declared_costs
    from model.scenario import load_scenario

    design = {
        "baseline": "baseline",
        "scenarios": ["tool_library"],
        "files": [str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "tool_library.toml")],
        "households": 500,
        "months": 12,
    }
    territory = _territory_of(design)
    assert (territory.households, territory.sample) == (10_000, 500)
    declared = declared_costs(load_scenario(SCENARIOS / "tool_library.toml"), 10_000, 12).sum()
    assert territory.declared_eur["tool_library"][0][-1] == pytest.approx(declared)
    # Scenarios the store cannot name (saved by the app before): the sample's own figures.
    assert _territory_of(design | {"files": [None, None]}) is None


def test_a_territory_from_datas_public_spending_is_its_declared_budget(tiny_territory):
    policy = tiny_territory.folder / "pool.toml"
    policy.write_text(
        'extends = "tiny.toml"\nname = "pool"\n\n[policies.pool]\nkind = "community_pool"\n'
        'goods = ["car"]\nzones = ["west"]\nunits_per_1000_households = 3\n'
        "investment_eur = 10000\ninvestment_eur_per_unit = 15000\nrunning_eur_per_unit_month = 400\n",
        encoding="utf-8",
    )
    comparison = compare_scenarios(
        tiny_territory.scenario, [policy], replications=2, households=600, months=4, seed=3
    )
    from model.policies import declared_costs
    from model.scenario import load_scenario

    figures = comparison.figures().set_index(["scenario", "replication"])
    horizon = comparison.horizon().set_index(["scenario", "replication"])
    # The pool's budget is declared for the real zones' households, exactly, and the model's
    # `real.*` column counts it so (its units at the real zones' sizes, whatever the sample).
    declared = declared_costs(load_scenario(policy), 11_200, 4).sum()
    spend = figures.loc["pool", "public.cumulative_spend_eur"]
    assert np.allclose(spend, declared, rtol=1e-9) and declared > 10_000
    assert np.allclose(spend, horizon.loc["pool", "real.public.cumulative_spend_eur"], rtol=1e-9)
    assert np.allclose(
        figures["public.cumulative_revenue_eur"],
        horizon["real.public.cumulative_revenue_eur"],
        rtol=1e-9,
    )
