"""Today's sharing: operator fleets and subscribers at month 0, a status quo that is not a policy."""

from __future__ import annotations

import numpy as np
import pytest

from model.households import Mode
from model.model import TerritoryModel
from model.scenario import ScenarioError, load_scenario, units_in_month

FLEET = """
[today.fleets.coop]
good = "car"
units = {units}
subscribers = {subscribers}
price_eur_per_use = 40
source = "a test"
"""


def with_fleet(tiny_territory, units="60", subscribers="400", extra=""):
    tiny_territory.write(FLEET.format(units=units, subscribers=subscribers) + extra)
    return tiny_territory.scenario


def test_subscribers_at_month_zero_are_the_stated_figure(tiny_territory):
    model = TerritoryModel(with_fleet(tiny_territory), households=3000)
    first = model.series[0]
    subscribers = first["car.sharing.share"] * first["real.households"]
    one_sampled_household = first["real.households"] / 3000
    assert abs(subscribers - 400) <= one_sampled_household / 2
    car = model.goods.names.index("car")
    sharing = model.households.mode[:, car] == Mode.SHARE
    assert model.households.need[sharing, car].all()
    assert model.households.aware[sharing, car].all()


def test_a_fleet_of_today_costs_the_public_nothing_and_pays_its_operator(tiny_territory):
    model = TerritoryModel(with_fleet(tiny_territory), households=2000, months=6)
    model.run()
    frame = model.series_frame()
    assert (frame["car.pool_units"].iloc[1:] > 0).all()
    assert frame["public.spend_eur"].sum() == 0
    assert frame["public.revenue_eur"].sum() == 0
    assert frame["money.operators_eur"].iloc[1:].sum() > 0
    paid_in = frame["money.borrowers_eur"] + frame["money.subsidies_eur"]
    paid_out = frame["money.lenders_eur"] + frame["money.platform_eur"] + frame["money.pools_eur"]
    assert np.allclose(paid_in, paid_out)


def test_a_comparisons_baseline_without_policies_keeps_the_fleet(tiny_territory):
    extra = """
[policies.campaign]
kind = "awareness_campaign"
extra_awareness_p = 0.01
"""
    scenario = load_scenario(with_fleet(tiny_territory, extra=extra))
    without = scenario.model_copy(update={"policies": {}})
    model = TerritoryModel(without, households=2000, months=2)
    assert model.policy_book.effects(1).pool_units.sum() > 0
    assert model.series[0]["car.sharing.share"] > 0


def test_a_dated_series_is_read_linearly_between_its_months():
    series = [[0, 3.0], [10, 23.0], [20, 23.0]]
    assert units_in_month(series, 0) == 3
    assert units_in_month(series, 5) == 13
    assert units_in_month(series, 15) == 23
    assert units_in_month(series, 40) == 23
    assert units_in_month(7.0, 40) == 7


def test_a_dated_fleet_grows_month_by_month(tiny_territory):
    model = TerritoryModel(
        with_fleet(tiny_territory, units="[[0, 10], [4, 50]]", subscribers="20"),
        households=2000,
        months=4,
    )
    units = [model.policy_book.effects(m).pool_units.sum() for m in range(5)]
    assert units == sorted(units) and units[4] == pytest.approx(5 * units[0])


@pytest.mark.parametrize(
    ("units", "subscribers", "message"),
    [
        (
            "[[0, 10], [5, 20], [3, 30]]",
            "10",
            r"today\.fleets\.coop\.units.*out of order; allowed: \[month, units\] pairs in increasing months",
        ),
        (
            "[[0, 10], [7, 20]]",
            "10",
            r"today\.fleets\.coop\.units: month 7 beyond the horizon; allowed: months from 0 to 6",
        ),
        (
            "20",
            "20000",
            r"today\.fleets\.coop\.subscribers: 20000 for 11,200 households in the zones served; allowed",
        ),
        (
            "12000",
            "10",
            r"today\.fleets\.coop\.units: 12000 units for 11,200 households.*allowed: at most one unit",
        ),
    ],
)
def test_bad_fleets_are_refused_in_one_line(tiny_territory, units, subscribers, message):
    path = with_fleet(tiny_territory, units=units, subscribers=subscribers)
    with pytest.raises(ScenarioError, match=message) as error:
        load_scenario(path)
    assert "\n" not in str(error.value)
    assert str(path) in str(error.value) or "tiny.toml" in str(error.value)
