"""The policy library: every lever moves its own mechanism in the expected direction.

Effects are measured over replications with common random numbers: each scenario
runs with the same seeds as the baseline, and an effect counts when the mean
paired difference exceeds twice its standard error. Small territories and a
four-year horizon keep the whole file near a minute.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli import scenarios as scenarios_cmd
from model.households import Mode
from model.model import TerritoryModel
from model.policies import declared_costs
from model.scenario import POLICY_BY_KIND, ScenarioError, load_scenario
from tests.model.numpy_month import household_spending

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"
HOUSEHOLDS = 2500
MONTHS = 48
SEEDS = (1, 2, 3, 4, 5)
LEVERS = (
    "sharing_subsidy",
    "parking_fee",
    "tool_library",
    "carsharing_fleet",
    "carsharing_parking",
    "insurance_fund",
    "trust_label",
    "awareness_campaign",
    "third_places",
    "digital_inclusion",
    "public_platform",
    "rental_support",
)
PACKAGES = ("territoire_partage", "low_budget")


@dataclass
class Run:
    """A finished run: its monthly series and zone-level facts averaged over its last twelve months."""

    series: pd.DataFrame
    zones: list[str]
    car_owners_by_zone: np.ndarray  # cars held per car-needing household (a second car counts)
    renters_by_zone: np.ndarray  # share of needs (all goods) met by commercial rental
    digital_by_zone: np.ndarray  # share of households with digital access
    spending_by_zone: np.ndarray  # mean household spending (EUR/month)

    def recent(self, column: str) -> float:
        """Mean over the last twelve months, to smooth month-to-month noise."""
        return float(self.series[column].iloc[-12:].mean())

    def final(self, column: str) -> float:
        return float(self.series[column].iloc[-1])


def zone_facts(model: TerritoryModel) -> np.ndarray:
    """Cars held, rental, digital access and spending by zone this month: shape (4, zones)."""
    hh = model.households
    car = model.goods.names.index("car")
    zones = [hh.zone == z for z in range(model.zone_count)]
    spending = household_spending(model, model.last_market)
    return np.array(
        [
            [model.units_held()[hh.need[:, car] & z, car].mean() for z in zones],
            [(hh.mode[hh.need & z[:, None]] == Mode.RENT).mean() for z in zones],
            [hh.digital[z].mean() for z in zones],
            [spending[z].mean() for z in zones],
        ]
    )


@functools.cache
def run(name: str, seed: int, overrides: tuple = (), households: int = HOUSEHOLDS) -> Run:
    model = TerritoryModel(
        LIBRARY / f"{name}.toml",
        seed=seed,
        households=households,
        months=MONTHS,
        overrides={k: list(v) if isinstance(v, tuple) else v for k, v in overrides},
        agents=False,
    )
    facts = []
    while model.running:
        model.step()
        if model.steps > MONTHS - 12:
            facts.append(zone_facts(model))
    owners, renters, digital, spending = np.mean(facts, axis=0)
    return Run(model.series_frame(), model.scenario.zone_names, owners, renters, digital, spending)


def paired(
    name: str, measure, overrides: tuple = (), households: int = HOUSEHOLDS, seeds=SEEDS
) -> np.ndarray:
    """Scenario minus baseline of `measure(run)` for each seed (an array per seed if vector)."""
    return np.array(
        [
            measure(run(name, s, overrides, households))
            - measure(run("baseline", s, (), households))
            for s in seeds
        ]
    )


def significant(differences: np.ndarray) -> np.ndarray:
    """Mean paired difference in units of its standard error."""
    mean = differences.mean(axis=0)
    error = differences.std(axis=0, ddof=1) / np.sqrt(len(differences))
    return mean / np.where(error > 0, error, np.inf)


def assert_raises(name: str, measure, overrides: tuple = (), households: int = HOUSEHOLDS) -> None:
    differences = paired(name, measure, overrides, households)
    assert significant(differences) > 2, (
        f"{name}: mean change {differences.mean():+.4g} is not > 2 SE"
    )


def assert_lowers(name: str, measure, overrides: tuple = ()) -> None:
    differences = paired(name, measure, overrides)
    assert significant(differences) < -2, (
        f"{name}: mean change {differences.mean():+.4g} is not < -2 SE"
    )


def recent(column: str):
    return lambda r: r.recent(column)


def public_net(r: Run) -> float:
    return r.final("public.cumulative_spend_eur") - r.final("public.cumulative_revenue_eur")


def bad_experience_rate(r: Run) -> float:
    return r.series["bad_experiences"].sum() / max(r.series["transactions"].sum(), 1)


def lenders_all_goods(r: Run) -> float:
    return sum(r.recent(f"{good}.lenders") for good in ("car", "drill", "lawnmower"))


# --------------------------------------------------------------------------- the library


def test_every_library_file_validates_and_explains_itself():
    kinds = set()
    for path in sorted(LIBRARY.glob("*.toml")):
        scenario = load_scenario(path)
        assert len(scenario.description) > 150, f"{path.name}: description too short"
        if scenario.policies:
            assert "Mechanism" in scenario.description, f"{path.name}: no mechanism stated"
            assert "resembles" in scenario.description, f"{path.name}: no real programme named"
        kinds |= {p.kind for p in scenario.policies.values()}
    assert kinds == set(POLICY_BY_KIND)
    for name in (*LEVERS, *PACKAGES):
        assert (LIBRARY / f"{name}.toml").is_file()
    assert (
        len({p.kind for p in load_scenario(LIBRARY / "territoire_partage.toml").policies.values()})
        >= 6
    )


def test_list_shows_name_levers_budget_and_description(capsys):
    args = type("Args", (), {"files": [], "simulate": False, "households": 500})()
    assert scenarios_cmd.list_command(args) == 0
    out = capsys.readouterr().out
    for name in (*LEVERS, *PACKAGES):
        assert f"\n{name}  ({name}.toml)" in out or out.startswith(f"{name}  ")
    assert out.count("levers:") == len(list(LIBRARY.glob("*.toml")))
    assert "budget: 4.06 MEUR declared over 120 months" in out  # the flagship


def test_validate_rejects_a_bad_file_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        f'extends = "{(LIBRARY / "baseline.toml").as_posix()}"\n'
        '[policies.x]\nkind = "trust_label"\nbad_experience_reduction = 2\n'
    )
    args = type("Args", (), {"files": [str(bad), str(LIBRARY / "trust_label.toml")]})()
    assert scenarios_cmd.check_command(args) == 2
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert "policies.x.bad_experience_reduction" in lines[0] and lines[1].startswith("ok")


# --------------------------------------------------------------------------- windows and costs


def test_a_policy_has_no_effect_and_no_cost_before_its_window():
    late = {
        "policies.sharing_forum_and_map.start_month": 20,
        "policies.sharing_forum_and_map.end_month": 300,
    }
    shifted = TerritoryModel(
        LIBRARY / "awareness_campaign.toml",
        seed=7,
        households=600,
        months=24,
        overrides=late,
        agents=False,
    )
    shifted.run()
    base = TerritoryModel(
        LIBRARY / "baseline.toml", seed=7, households=600, months=24, agents=False
    )
    base.run()
    before = slice(0, 20)  # months 0..19
    pd.testing.assert_frame_equal(
        shifted.series_frame().iloc[before], base.series_frame().iloc[before]
    )
    assert shifted.series_frame()["public.cumulative_spend_eur"].iloc[19] == 0
    assert shifted.series_frame()["public.cumulative_spend_eur"].iloc[20] > 0


def test_a_policy_starting_after_the_horizon_is_refused_rather_than_ignored():
    late = {
        "policies.sharing_forum_and_map.start_month": 200,
        "policies.sharing_forum_and_map.end_month": 300,
    }
    with pytest.raises(ScenarioError, match="start_month = 200: after the horizon"):
        TerritoryModel(
            LIBRARY / "awareness_campaign.toml",
            seed=7,
            households=600,
            months=24,
            overrides=late,
            agents=False,
        )


def test_costs_are_accounted_month_by_month():
    window = {
        "policies.sharing_forum_and_map.start_month": 10,
        "policies.sharing_forum_and_map.end_month": 20,
    }
    model = TerritoryModel(
        LIBRARY / "awareness_campaign.toml",
        seed=3,
        households=500,
        months=30,
        overrides=window,
        agents=False,
    )
    model.run()
    series = model.series_frame().set_index("month")["public.spend_eur"]
    expected = pd.Series(0.0, index=series.index)
    expected[10] = 30000 + 4000  # investment in the first active month, plus its running cost
    expected.loc[11:20] = 4000  # running cost while active, nothing after the end month
    pd.testing.assert_series_equal(series, expected, check_names=False)


@pytest.mark.parametrize(
    "name", ["tool_library", "carsharing_parking", "third_places", "territoire_partage"]
)
def test_declared_budget_matches_simulated_fixed_costs(name):
    """Pools, spots, investments and running costs are known in advance: simulation pays exactly those."""
    scenario = load_scenario(LIBRARY / f"{name}.toml", {"households": 800, "months": 40})
    if name == "territoire_partage":  # leave out the costs paid per event, and the fees
        scenario = scenario.with_overrides(
            {
                "policies.guarantee_fund.claim_eur": 0,
                "policies.digital_advisers.eur_per_trainee": 0,
            }
        )
    model = TerritoryModel(scenario, seed=5, agents=False)
    model.run()
    np.testing.assert_allclose(model.series_frame()["public.spend_eur"], declared_costs(scenario))


# --------------------------------------------------------------------------- direction of effects


@pytest.mark.slow
def test_sharing_subsidy_lowers_what_borrowers_pay_and_the_public_pays_the_rest():
    for seed in SEEDS:
        base, r = run("baseline", seed).series, run("sharing_subsidy", seed).series
        gross = r["money.borrowers_eur"] + r["money.subsidies_eur"]
        # Borrowers pay 80 % of the peer price (83 % for cars, where the 5 EUR cap binds).
        share_paid = r["money.borrowers_eur"].sum() / gross.sum()
        assert 0.79 < share_paid < 0.84
        assert base["money.subsidies_eur"].sum() == 0
        scenario = load_scenario(LIBRARY / "sharing_subsidy.toml", {"months": MONTHS})
        paid = (
            run("sharing_subsidy", seed).final("public.cumulative_spend_eur")
            - declared_costs(scenario).sum()
        )
        assert paid == pytest.approx(r["money.subsidies_eur"].sum())
        assert paid > 0
        assert all(r[f"subsidy.q{q}_eur"].iloc[-1] > 0 for q in range(1, 6))


@pytest.mark.slow
def test_targeting_the_poorest_quintile_pays_that_quintile_only():
    target = (("policies.sharing_voucher.quintiles", (1,)),)
    for seed in SEEDS:
        series = run("sharing_subsidy", seed, target).series
        assert (series["subsidy.q1_eur"].iloc[-12:] > 0).all()
        for q in range(2, 6):
            assert (series[f"subsidy.q{q}_eur"] == 0).all()
    # What the poorest receive lowers their spending on the goods; at 20 % of the peer price
    # the effect on a quintile's mean spending is small (under 1 EUR a month at this size) and
    # is not asserted: what is asserted is where the money goes.
    received = paired("sharing_subsidy", lambda r: r.recent("subsidy.q1_eur"), target)
    assert significant(received) > 2


@pytest.mark.slow
def test_parking_fee_cuts_car_ownership_in_the_centre_only_and_raises_revenue():
    changes = paired("parking_fee", lambda r: r.car_owners_by_zone)
    centre = run("baseline", SEEDS[0]).zones.index("centre")
    assert significant(changes)[centre] < -2
    others = np.delete(changes.mean(axis=0), centre)
    assert changes.mean(axis=0)[centre] < 2 * others.min()
    assert all(run("parking_fee", s).final("public.cumulative_revenue_eur") > 0 for s in SEEDS)


@pytest.mark.slow
def test_tool_library_raises_tool_sharing():
    assert_raises("tool_library", recent("drill.share"))
    assert_raises("tool_library", recent("lawnmower.share"))
    assert_raises("tool_library", recent("sharing_households"))


@pytest.mark.slow
def test_carsharing_fleet_raises_car_sharing_and_earns_user_fees():
    assert_raises("carsharing_fleet", recent("car.share"))
    centre = paired("carsharing_fleet", recent("car.share.centre"))
    rural = paired("carsharing_fleet", recent("car.share.rural"))  # no fleet there
    assert significant(centre) > 2 and rural.mean() < centre.mean() / 3
    assert all(run("carsharing_fleet", s).final("public.cumulative_revenue_eur") > 0 for s in SEEDS)


@pytest.mark.slow
def test_carsharing_parking_raises_car_sharing_in_its_zone_and_not_elsewhere():
    centre = paired("carsharing_parking", recent("car.share.centre"))
    assert significant(centre) > 2
    for zone in ("suburb", "rural"):
        other = paired("carsharing_parking", recent(f"car.share.{zone}"))
        assert abs(other.mean()) < centre.mean() / 3, zone


@pytest.mark.slow
def test_insurance_fund_softens_bad_experiences_raises_trust_and_car_sharing():
    assert_raises("insurance_fund", recent("trust.mean"))
    assert_raises("insurance_fund", recent("car.share"))
    for seed in SEEDS:  # claims: 80 % of 150 EUR for every bad experience, on top of fixed costs
        r = run("insurance_fund", seed)
        scenario = load_scenario(LIBRARY / "insurance_fund.toml", {"months": MONTHS})
        claims = r.final("public.cumulative_spend_eur") - declared_costs(scenario).sum()
        assert claims == pytest.approx(0.8 * 150 * r.series["bad_experiences"].sum())
        assert claims > 0


@pytest.mark.slow
def test_trust_label_cuts_the_bad_experience_rate_and_raises_lending():
    assert_lowers("trust_label", bad_experience_rate)
    assert_raises("trust_label", lenders_all_goods)


@pytest.mark.slow
def test_awareness_campaign_raises_awareness_and_sharing():
    assert_raises("awareness_campaign", recent("car.aware"))
    assert_raises("awareness_campaign", recent("sharing_households"))


@pytest.mark.slow
def test_third_places_create_ties_and_trust():
    assert_raises("third_places", lambda r: r.final("ties.created"))
    assert_raises("third_places", recent("trust.mean"))


@pytest.mark.slow
def test_digital_inclusion_brings_its_zones_online_and_no_other():
    changes = paired("digital_inclusion", lambda r: r.digital_by_zone)
    zones = run("baseline", SEEDS[0]).zones
    for zone in ("suburb", "rural"):
        assert significant(changes)[zones.index(zone)] > 2
    assert np.all(changes[:, zones.index("centre")] == 0)


@pytest.mark.slow
def test_public_platform_without_fee_brings_more_lenders():
    # Since owners that gave up their second car share for its days of use, the lenders' market
    # is busier on both sides and the paired runs at 2 500 households drift apart (+0.0006,
    # 0.2 SE); at 5 000 the change is +0.009, 8.7 SE.
    assert_raises("public_platform", lenders_all_goods, households=5000)


@pytest.mark.slow
def test_rental_support_raises_renting_in_the_rural_fringe_and_pays_per_rental():
    # A small effect (a few tenths of a point of renting: owning a drill or a car still costs
    # far less than renting it), so a larger territory and more seeds than the other levers.
    changes = paired(
        "rental_support", lambda r: r.renters_by_zone, households=10_000, seeds=range(8)
    )
    rural = run("baseline", SEEDS[0]).zones.index("rural")
    assert significant(changes)[rural] > 2
    assert changes.mean(axis=0)[rural] > np.delete(changes.mean(axis=0), rural).max()
    scenario = load_scenario(LIBRARY / "rental_support.toml", {"months": MONTHS})
    for seed in SEEDS:
        r = run("rental_support", seed)
        assert r.final("public.cumulative_spend_eur") > declared_costs(scenario).sum()


@pytest.mark.slow
def test_packages_the_flagship_beats_every_lever_and_the_low_budget_plan_costs_less():
    def sharing(name):
        return np.mean([run(name, s).recent("sharing_households") for s in SEEDS])

    flagship = sharing("territoire_partage")
    assert flagship > max(sharing(name) for name in LEVERS)
    assert_raises("low_budget", recent("sharing_households"))
    low = np.mean([public_net(run("low_budget", s)) for s in SEEDS])
    high = np.mean([public_net(run("territoire_partage", s)) for s in SEEDS])
    assert low < high / 5


def test_a_run_finds_each_policys_targets_and_its_fleets_zones_once(monkeypatch):
    """Reading a territory's zones is not free (its files are looked at each time): the zones a
    policy or a fleet of today designates are found once a run, not every month, and a month's
    effects are the same as those of a book that finds them anew."""
    from model.policies import PolicyBook
    from model.scenario import Scenario

    scenario = load_scenario(Path("scenarios/bordeaux_rive_droite.toml"))
    assert scenario.policies and scenario.today.fleets
    model = TerritoryModel(scenario, households=1_500, months=6, seed=3)
    calls = []
    original = Scenario.targeted_zones
    monkeypatch.setattr(
        Scenario, "targeted_zones", lambda self, refs: calls.append(refs) or original(self, refs)
    )
    for _ in range(6):
        model.step()
    assert calls == []  # found when the run was built

    fresh = PolicyBook(model.scenario, model.households_by_zone)
    for month in (1, 6):
        kept, anew = model.policy_book.effects(month), fresh.effects(month)
        for field in ("subsidy_eur", "pool_units", "pool_access", "trust_boost"):
            assert np.array_equal(getattr(kept, field), getattr(anew, field))
