"""Each mechanism on a small territory, the model's invariants, determinism and one-way imports."""

from __future__ import annotations

import subprocess
import sys

import mesa
import numpy as np
import pandas as pd
import pytest

from model.choice import mode_utilities
from model.households import Mode
from model.learning import trust_after_experiences
from model.model import TerritoryModel
from model.scenario import load_scenario
from model.simulate import simulate


def mean_over_seeds(scenario, column, seeds=range(4)):
    return float(
        np.mean([simulate(scenario, seed=s, agents=False)[column].iloc[-1] for s in seeds])
    )


# ---------------------------------------------------------------- decisions


def test_a_dearer_good_has_lower_own_utility(tiny):
    behaviour = tiny().behaviour
    common = dict(
        behaviour=behaviour,
        income=np.array([2000.0, 2000.0]),
        concern=np.array([0.5, 0.5]),
        trust=np.array([0.5, 0.5]),
        uses=np.array([5.0, 5.0]),
        current=np.array([Mode.RENT, Mode.RENT]),
        rent_cost_per_use=np.array([48.0, 48.0]),
        share_cost_per_use=np.array([31.0, 31.0]),
        forgo_per_use=np.array([60.0, 60.0]),
        availability=np.array([0.7, 0.7]),
        share_bonus=np.zeros(2),
        risk=np.ones(2),
        social=np.zeros(2),
        own_emissions=np.full(2, 40.0),
        use_emissions=np.full(2, 10.0),
    )
    utility = mode_utilities(own_cost=np.array([250.0, 400.0]), **common)
    assert utility[1, Mode.OWN] < utility[0, Mode.OWN]
    np.testing.assert_array_equal(utility[0, 1:], utility[1, 1:])


def test_a_price_rise_moves_households_away_from_owning(tiny):
    cheap = tiny(households=1500, months=48)
    dear = tiny(households=1500, months=48, **{"goods.car.purchase_eur": 45000.0})
    assert mean_over_seeds(dear, "car.own") < mean_over_seeds(cheap, "car.own") - 0.05
    shift = mean_over_seeds(dear, "car.share") + mean_over_seeds(dear, "car.rent")
    assert shift > mean_over_seeds(cheap, "car.share") + mean_over_seeds(cheap, "car.rent")


def test_a_cheaper_share_price_raises_sharing(tiny):
    usual = tiny(households=1500, months=60, **{"goods.car.initial_aware_share": 0.6})
    cheap = usual.with_overrides({"goods.car.share_eur_per_use": 5.0})
    assert mean_over_seeds(cheap, "car.share") > mean_over_seeds(usual, "car.share")


# ---------------------------------------------------------------- market


def test_no_supply_means_no_sharing_and_unmet_uses(tiny):
    overrides = {"behaviour.always_share_when_aware": True}
    for good in ("car", "drill", "lawnmower"):
        overrides[f"goods.{good}.spare_uses_per_month"] = 0.0
        overrides[f"goods.{good}.initial_aware_share"] = 1.0
    series = simulate(tiny(households=400, months=6, **overrides), agents=False)
    later = series.iloc[1:]
    assert (later["transactions"] == 0).all()
    assert (later["uses.unmet"] > 0).all()
    assert (later["money.borrowers_eur"] == 0).all()


def test_a_community_pool_serves_where_peers_cannot(tiny):
    overrides = {
        "behaviour.always_share_when_aware": True,
        "goods.drill.initial_aware_share": 1.0,
        "goods.drill.spare_uses_per_month": 0.0,
        "policies.library": {
            "kind": "community_pool",
            "goods": ["drill"],
            "units_per_1000_households": 50.0,
        },
    }
    series = simulate(tiny(households=400, months=6, **overrides), agents=False)
    assert (series["transactions"].iloc[1:] > 0).all()
    assert series["public.cumulative_spend_eur"].iloc[-1] == 0  # the pool declared no cost


# ---------------------------------------------------------------- trust and awareness


def test_a_bad_experience_lowers_trust_more_than_a_good_one_raises_it():
    trust = np.array([0.5, 0.5])
    no_cover = np.zeros((2, 1))
    after_good = trust_after_experiences(
        trust, np.array([1, 0]), np.zeros((2, 1), int), 0.03, 0.15, no_cover
    )
    after_bad = trust_after_experiences(
        trust, np.array([0, 0]), np.array([[0], [1]]), 0.03, 0.15, no_cover
    )
    assert after_good[0] > 0.5 > after_bad[1]
    assert 0.5 - after_bad[1] > after_good[0] - 0.5
    insured = trust_after_experiences(
        trust, np.array([0, 0]), np.array([[0], [1]]), 0.03, 0.15, np.ones((2, 1)) * 0.5
    )
    assert after_bad[1] < insured[1] < 0.5


def test_awareness_spreads_only_through_ties_plus_media(tiny):
    silent = tiny(
        households=600, months=1, **{"behaviour.awareness_p": 0.0, "behaviour.awareness_q": 0.5}
    )
    model = TerritoryModel(silent, agents=False)
    hh = model.households
    before = hh.aware.copy()
    active = ((hh.mode == Mode.SHARE) & hh.need) | hh.lending
    ties_active = model.ties.neighbour_sum(active.astype(float))
    model.step()
    newly = hh.aware & ~before
    assert newly.any()
    assert (ties_active[newly] > 0).all(), "with p = 0, only households with sharing ties learn"

    nobody = tiny(
        households=600,
        months=12,
        **{
            "behaviour.awareness_p": 0.0,
            "behaviour.awareness_q": 0.5,
            "goods.car.initial_aware_share": 0.0,
            "goods.drill.initial_aware_share": 0.0,
            "goods.lawnmower.initial_aware_share": 0.0,
        },
    )
    series = simulate(nobody, agents=False)
    assert (series[["car.aware", "drill.aware", "lawnmower.aware"]] == 0).all().all()

    media = nobody.with_overrides({"behaviour.awareness_p": 0.05})
    assert simulate(media, agents=False)["car.aware"].iloc[-1] > 0.3


# ---------------------------------------------------------------- invariants


@pytest.fixture(scope="module")
def busy_series():
    scenario = load_scenario(
        "scenarios/baseline.toml",
        {
            "households": 1200,
            "months": 36,
            "goods.car.initial_aware_share": 0.5,
            "goods.drill.initial_aware_share": 0.5,
            "policies.s": {"kind": "sharing_subsidy", "eur_per_use": 3.0},
            "policies.pool": {
                "kind": "community_pool",
                "goods": ["drill"],
                "units_per_1000_households": 5.0,
                "price_eur_per_use": 1.0,
            },
            "policies.platform": {"kind": "public_platform", "zones": ["centre"], "fee_share": 0.0},
        },
    )
    return simulate(scenario, agents=False)


def test_mode_shares_sum_to_one(busy_series):
    for good in ("car", "drill", "lawnmower"):
        total = busy_series[[f"{good}.{m}" for m in ("own", "rent", "share", "forgo")]].sum(axis=1)
        np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-12)


def test_money_is_conserved(busy_series):
    s = busy_series
    assert s["transactions"].iloc[1:].sum() > 0 and s["money.subsidies_eur"].sum() > 0
    assert s["money.pools_eur"].sum() > 0 and s["money.platform_eur"].sum() > 0
    paid_in = s["money.borrowers_eur"] + s["money.subsidies_eur"]
    paid_out = s["money.lenders_eur"] + s["money.platform_eur"] + s["money.pools_eur"]
    np.testing.assert_allclose(paid_in, paid_out, rtol=1e-9, atol=1e-6)


def test_no_negative_stock_or_unmet(busy_series):
    for good in ("car", "drill", "lawnmower"):
        assert (busy_series[f"{good}.stock"] >= 0).all()
    assert (busy_series["uses.unmet"] >= -1e-9).all()
    assert (busy_series["public.spend_eur"] >= 0).all()


def test_counts_over_ties_kept_up_to_date_equal_a_recount(tiny):
    scenario = tiny(
        households=1500,
        months=36,
        **{
            "goods.drill.initial_aware_share": 0.5,
            "network.tie_from_sharing_prob": 0.5,
            "policies.cafes": {"kind": "third_places", "ties_per_1000_households_month": 20.0},
        },
    )
    model = TerritoryModel(scenario, agents=False)
    model.run()
    ties = model.ties
    assert ties.new_ties is not None and ties.new_ties.nnz > 0
    kept_active, kept_lending = ties.active_ties.copy(), ties.lending_ties.copy()
    ties.count(model.households)
    np.testing.assert_array_equal(kept_active, ties.active_ties)
    np.testing.assert_array_equal(kept_lending, ties.lending_ties)
    assert kept_active.sum() > 0 and kept_lending.sum() > 0


def test_agents_are_handles_on_rows(tiny):
    model = TerritoryModel(tiny(households=200, months=3))
    assert len(model.agents) == 200
    agent = model.agents[0]
    agent.trust = 0.123
    assert model.households.trust[agent.row] == 0.123
    assert agent.cell is not None and agent in agent.cell.agents
    assert set(agent.modes) == {"car", "drill", "lawnmower"}
    model.step()
    assert model.datacollector.get_model_vars_dataframe().shape[0] == 2


# ---------------------------------------------------------------- determinism


def test_same_seed_same_series_bit_for_bit(tiny):
    scenario = tiny(households=500, months=24)
    first, second = simulate(scenario, seed=7, agents=False), simulate(scenario, seed=7)
    pd.testing.assert_frame_equal(first, second, check_exact=True)


def test_different_seeds_differ(tiny):
    scenario = tiny(households=500, months=24)
    assert not simulate(scenario, seed=1, agents=False).equals(
        simulate(scenario, seed=2, agents=False)
    )


@pytest.mark.parametrize("kind", ["small-world", "random", "well-mixed"])
def test_every_network_kind_runs_and_is_reproducible(tiny, kind):
    scenario = tiny(households=400, months=6, **{"network.kind": kind})
    a, b = TerritoryModel(scenario, agents=False), TerritoryModel(scenario, agents=False)
    assert (a.network != b.network).nnz == 0
    if kind != "well-mixed":
        assert abs(a.degree.mean() - scenario.network.mean_degree) < 1.5
    graph = a.network_graph()
    assert graph.number_of_nodes() == 400
    assert 2 * graph.number_of_edges() == int(a.degree.sum())
    a.run()
    assert len(a.series) == 7


def test_small_world_is_clustered_and_rewiring_lowers_clustering(tiny):
    import networkx as nx

    lattice = TerritoryModel(tiny(households=2000, **{"network.long_tie_share": 0.0}), agents=False)
    rewired = TerritoryModel(tiny(households=2000, **{"network.long_tie_share": 0.5}), agents=False)
    random = TerritoryModel(tiny(households=2000, **{"network.kind": "random"}), agents=False)
    clustering = [nx.average_clustering(m.network_graph()) for m in (lattice, rewired, random)]
    assert clustering[0] > 0.4 > clustering[1] > clustering[2]


def test_mesa_batch_run_drives_the_model():
    results = mesa.batch_run(
        TerritoryModel,
        parameters={"households": 150, "months": 3, "goods.car.purchase_eur": [10000.0, 40000.0]},
        iterations=1,
        max_steps=3,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(results) == 2
    assert {"car.own", "trust.mean", "goods.car.purchase_eur"} <= set(results[0])


# ---------------------------------------------------------------- imports


def test_importing_model_loads_no_app_and_no_experiments():
    code = (
        "import sys, model, model.simulate, model.scenario; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('solara', 'experiments', 'viz', 'duckdb', 'dask')"
        " or m.startswith('mesa.visualization')]; print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_emissions_of_goods_in_use_are_their_embodied_emissions_over_their_lifetimes(tiny):
    scenario = tiny(households=800, months=24)
    series = simulate(scenario, agents=False)
    per_month_kg = {
        name: g.embodied_kg_co2e / g.lifetime_months for name, g in scenario.goods.items()
    }
    expected = sum(series[f"{name}.stock"] * kg for name, kg in per_month_kg.items()) / 1000
    np.testing.assert_allclose(series["emissions.month_t"].iloc[1:], expected.iloc[1:], rtol=1e-12)
    np.testing.assert_allclose(
        series["emissions.cumulative_t"], series["emissions.month_t"].cumsum(), rtol=1e-12
    )
    bought = (
        sum(series[f"{name}.purchases"] * g.embodied_kg_co2e for name, g in scenario.goods.items())
        / 1000
    )
    np.testing.assert_allclose(
        series["emissions.purchases_cumulative_t"], bought.cumsum(), rtol=1e-12
    )
    pooled = simulate(
        scenario.with_overrides(
            {
                "policies.library": {
                    "kind": "community_pool",
                    "goods": ["drill"],
                    "units_per_1000_households": 50.0,
                }
            }
        ),
        agents=False,
    )
    with_pool = sum(pooled[f"{name}.stock"] * kg for name, kg in per_month_kg.items()) / 1000
    assert (
        pooled["emissions.month_t"].iloc[1:] > with_pool.iloc[1:]
    ).all()  # the pool's drills count too
