"""A territory from data is sampled by zone with a minimum per zone, and weighted back to its real
households: the territory's shares are the census's, `real.*` the zones' figures times their
scales."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.validation.stationarity import stated_cars
from model.households import Mode
from model.model import TerritoryModel
from model.policies import declared_costs
from model.scenario import ScenarioError, load_scenario
from model.zone_results import outcome_names
from tests.conftest import ROOT

BORDEAUX = ROOT / "scenarios" / "bordeaux_metropole.toml"
SMALLEST = "Saint-Vincent-de-Paul"  # 410 real households of 420 000: 29 of 30 000 in proportion


@pytest.fixture(scope="module")
def bordeaux():
    """A small sample of Bordeaux Métropole: 1 200 households over 28 communes, two months."""
    model = TerritoryModel(BORDEAUX, households=1200, months=2, seed=3)
    model.run()
    return model


def sampled_by_zone(model) -> np.ndarray:
    return np.bincount(model.households.zone, minlength=model.zone_count)


def test_every_commune_gets_its_minimum_and_the_sample_keeps_its_size(bordeaux):
    counts = sampled_by_zone(bordeaux)
    assert counts.sum() == 1200
    # 200 asked, shrunk to half a fair share: 1 200 / (2 x 28) = 21 (in proportion: 1 household)
    assert counts.min() == 21
    names = bordeaux.layout.territory.names
    assert counts[names.index(SMALLEST)] == 21


def test_the_minimum_is_capped_at_the_zones_real_households(tiny_territory):
    # 2 000 asked of a 6 000 sample over 4 zones: shrunk to 6 000 / (2 x 4) = 750, and Delta,
    # which has 500 real households (268 in proportion), gets its 500
    scenario = load_scenario(tiny_territory.scenario, {"territory.min_households_per_zone": 2000})
    model = TerritoryModel(scenario, households=6000, months=1)
    counts = sampled_by_zone(model)
    delta = model.layout.territory.keys.index("D")
    assert counts[delta] == 500
    assert counts.sum() == 6000
    assert (np.delete(counts, delta) >= 750).all()


def test_month0_cars_are_the_census_weighted_not_the_over_represented_sample(bordeaux):
    first = bordeaux.series[0]
    stated = stated_cars(bordeaux.scenario)
    car = bordeaux.goods.names.index("car")
    unweighted_free = 1 - np.mean(bordeaux.households.mode[:, car] == Mode.OWN)
    # small communes are car-owning suburbs: the sample over-represents them...
    assert abs(unweighted_free - stated["car_free_share"]) > 0.02
    # ...and the weights give the territory back
    assert first["car.without.share"] == pytest.approx(stated["car_free_share"], abs=0.01)
    assert first["car.per_household"] == pytest.approx(stated["cars_per_household"], abs=0.03)
    assert first["car.several.share"] == pytest.approx(stated["several_share"], abs=0.02)
    shares = sum(first[f"car.{part}.share"] for part in ("without", "one", "several"))
    assert shares == pytest.approx(1.0)


def test_real_outcomes_are_zone_figures_times_zone_scales(bordeaux):
    names = outcome_names(bordeaux.goods.names, real=True)
    scale = bordeaux.zone_real_scale
    real = bordeaux.scenario.territory.resolved().households
    assert bordeaux.series[-1]["real.households"] == pytest.approx(real.sum())
    for month, zones in zip(bordeaux.series, bordeaux.zone_series, strict=True):
        for outcome in ("sharing_households", "emissions.month_t", "car.stock", "drill.stock"):
            by_zone = zones[:, names.index(outcome)] * scale
            assert month[f"real.{outcome}"] == pytest.approx(by_zone.sum(), rel=1e-9)
            assert zones[:, names.index(f"real.{outcome}")] == pytest.approx(by_zone, rel=1e-9)


def test_a_territory_wide_share_is_its_zones_shares_weighted_by_real_households(bordeaux):
    names = outcome_names(bordeaux.goods.names, real=False)
    real = bordeaux.scenario.territory.resolved().households
    for month, zones in zip(bordeaux.series, bordeaux.zone_series, strict=True):
        for outcome in ("car.without.share", "sharing_households.share", "trust.mean"):
            weighted = (zones[:, names.index(outcome)] * real).sum() / real.sum()
            assert month[outcome] == pytest.approx(weighted, rel=1e-9)


def test_real_public_spending_is_the_territorys_declared_budget():
    # the fleet scenario's pool costs per unit: those of the real communes, not of the sample
    fleet = ROOT / "scenarios" / "bordeaux_carsharing_fleet.toml"
    small_communes = {"policies.carsharing_fleet.zones": [SMALLEST, "Ambès"]}
    model = TerritoryModel(fleet, households=1200, months=2, seed=5, overrides=small_communes)
    model.run()
    declared = declared_costs(model.scenario, months=2)
    assert declared.sum() > 0
    spent = [row["real.public.spend_eur"] for row in model.series]
    assert spent == pytest.approx(declared, rel=1e-9)


def test_a_bad_minimum_gets_one_line_naming_file_field_and_allowed(tiny_territory):
    path = tiny_territory.scenario
    text = path.read_text(encoding="utf-8").replace(
        'income_per = "household"\n', 'income_per = "household"\nmin_households_per_zone = -3\n'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path))
    for fragment in ("territory.min_households_per_zone", "-3", "from 0 to"):
        assert fragment in message
