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


def with_multi_car_column(tiny_territory, shares):
    tiny_territory.header += ",two_cars_share"
    tiny_territory.rows = [
        f"{row},{share}" for row, share in zip(tiny_territory.rows, shares, strict=True)
    ]
    tiny_territory.write()
    text = tiny_territory.scenario.read_text(encoding="utf-8").replace(
        'income_per = "household"\n',
        'income_per = "household"\nmulti_car_share_column = "two_cars_share"\n',
    )
    tiny_territory.scenario.write_text(text, encoding="utf-8")
    return tiny_territory.scenario


def test_a_share_with_two_cars_above_the_share_with_a_car_is_refused(tiny_territory):
    path = with_multi_car_column(tiny_territory, [0.3, 0.85, 0.5, 0.4])  # B: 20 % without a car
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert "\n" not in message
    assert "figures.csv: row 3 (B): two_cars_share = 0.85: above the share of households" in message
    assert "allowed: 0 to 0.8" in message


def test_households_hold_the_stated_shares_of_two_cars_at_month_zero(tiny_territory):
    model = TerritoryModel(
        with_multi_car_column(tiny_territory, [0.2, 0.4, 0.5, 0.6]), households=4000
    )
    first = model.series[0]
    real = tiny_territory.FIGURES
    stated = sum(h * s for (_, _, h, *_), s in zip(real, [0.2, 0.4, 0.5, 0.6], strict=True)) / sum(
        h for _, _, h, *_ in real
    )
    assert first["car.several.share"] == pytest.approx(stated, abs=0.02)
    without = first["car.without.share"]
    assert first["car.one.share"] + first["car.several.share"] + without == pytest.approx(1)
    extra = load_scenario(tiny_territory.scenario).goods["car"].multi_units_mean - 1
    assert first["car.per_household"] == pytest.approx(
        1 - without + extra * first["car.several.share"]
    )


def test_zones_without_a_two_cars_figure_take_the_default_and_are_listed(tiny_territory):
    scenario = load_scenario(tiny_territory.scenario)
    filled = scenario.territory.resolved().filled
    assert sorted(filled.loc[filled["field"] == "multi_car_share", "key"]) == ["A", "B", "C", "D"]
    model = TerritoryModel(scenario, households=4000)
    with_car = 1 - model.series[0]["car.without.share"]
    assert model.series[0]["car.several.share"] == pytest.approx(0.44 * with_car, abs=0.02)


def test_the_solved_constants_make_the_observed_shares_stationary(tiny_territory):
    from model.equilibrium import observed_targets, solve_constants, stationary_by_zone

    model = TerritoryModel(with_fleet(tiny_territory), households=3000, months=1)
    before = stationary_by_zone(model)
    targets = observed_targets(model)
    assert np.nanmax(np.abs(before["own"] - targets["own"])) > 0.02  # not so without constants
    _, gap = solve_constants(model)
    after = stationary_by_zone(model)
    assert gap < 0.01
    assert np.nanmax(np.abs(after["own"] - targets["own"])) < 0.01
    known = ~np.isnan(targets["extra_units"])
    assert np.abs(after["extra_units"][known] - targets["extra_units"][known]).max() < 0.01


def test_a_car_sharing_member_sheds_the_second_car_first():
    from model.choice import decide

    model = TerritoryModel(households=2000, months=1, seed=3)
    hh, car = model.households, model.goods.names.index("car")
    several = np.flatnonzero(hh.extra[:, car] & (hh.mode[:, car] == Mode.OWN))
    assert several.size > 0
    hh.aware[:] = True
    # every owner has an event this month: holders of several decide on their extra units only
    model.goods.lifetime_months = np.ones_like(model.goods.lifetime_months)
    nothing = np.zeros(hh.mode.shape)
    decide(
        hh,
        model.goods,
        model.behaviour,
        model.effects,
        social=nothing,
        lending_ties=nothing,
        pool_ok=np.ones(hh.mode.shape, dtype=bool),
        newly_aware=np.zeros(hh.mode.shape, dtype=bool),
        rental_access_eur=model.rental_access_eur,
        share_access_eur=model.share_access_eur,
        well_mixed=False,
        rng=np.random.default_rng(1),
    )
    assert (hh.mode[several, car] == Mode.OWN).all()  # they keep their first car
    assert not hh.extra[several, car].all()  # some give up the extra ones
    # those who gave them up for sharing are members that keep their first car
    members = several[hh.share_rest[several, car]]
    assert members.size > 0 and not hh.extra[members, car].any()
    assert not hh.share_rest[several[hh.extra[several, car]], car].any()


def test_an_owner_sharing_for_its_given_up_second_car_asks_the_market_for_those_uses(
    tiny_territory,
):
    from model.market import clear_market, pool_open

    model = TerritoryModel(with_fleet(tiny_territory), households=2000, months=1)
    hh, goods, car = model.households, model.goods, model.goods.names.index("car")
    owner = np.flatnonzero(
        (hh.mode[:, car] == Mode.OWN) & hh.need[:, car] & ~hh.lending[:, car] & ~hh.extra[:, car]
    )[0]
    hh.share_rest[owner, car] = True
    pool_ok = pool_open(hh, model.effects, model.pool_reach)
    market = clear_market(hh, goods, model.effects, model.ties, pool_ok)
    row = np.flatnonzero(market.rows == owner)
    assert row.size == 1
    expected = hh.uses[owner, car] * goods.extra_units_uses_share[car]
    assert market.demand[row[0], car] == pytest.approx(expected)
    assert market.demand[row[0], car] < hh.uses[owner, car]


@pytest.mark.parametrize("units", ["2", "20"])
def test_a_pool_is_open_to_the_households_within_a_walk_of_its_units(tiny_territory, units):
    """Units stand at random in their zone: the share of its households with one within
    `pool_walk_km` is 1 - exp(-pi d^2 x units per km2), not every household of the zone."""
    from model.today import fleet_share_by_zone

    model = TerritoryModel(with_fleet(tiny_territory, units=units), households=4000, months=1)
    resolved = model.scenario.territory.resolved()
    real_units = float(units) * fleet_share_by_zone(
        model.scenario, model.scenario.today.fleets["coop"]
    )
    walk = model.scenario.market.pool_walk_km
    expected = -np.expm1(-np.pi * walk**2 * real_units / resolved.area_km2)
    car = model.goods.names.index("car")
    zone = model.households.zone
    sampled = np.bincount(zone, minlength=expected.size)
    open_share = np.bincount(zone, weights=model.month0_pool_ok[:, car], minlength=expected.size)
    open_share = open_share / sampled
    noise = 4 * np.sqrt(expected * (1 - expected) / sampled) + 1 / sampled
    assert (expected < 0.9).any()  # the test reads a territory where reach matters
    assert (np.abs(open_share - expected) <= noise).all(), (open_share, expected)


def test_fleet_users_are_the_households_the_fleet_served_not_the_peer_sharers(tiny_territory):
    model = TerritoryModel(with_fleet(tiny_territory), households=2000, months=6)
    car = model.goods.names.index("car")
    for _ in range(6):
        model.step()
        market = model.last_market
        weight = model.household_weight  # the real households each sampled one stands for
        served_by_fleet = weight[market.rows][market.served_pool[:, car] > 0].sum()
        assert model.latest["car.pool_users.share"] == pytest.approx(served_by_fleet / weight.sum())
    frame = model.series_frame()
    assert (frame["car.pool_users.share"].iloc[1:] > 0).all()
    # peer sharing is part of sharing, not of the fleet's users
    assert (frame["car.pool_users.share"].iloc[1:] < frame["car.sharing.share"].iloc[1:]).any()


def test_without_a_fleet_nobody_is_a_fleet_user_though_peers_share(tiny_territory):
    model = TerritoryModel(tiny_territory.scenario, households=2000, months=12)
    model.run()
    frame = model.series_frame()
    assert frame["car.sharing.share"].iloc[-1] > 0
    assert (frame["car.pool_users.share"] == 0).all()


def test_a_dated_fleet_is_written_back_as_declared_without_a_warning(tiny_territory):
    import warnings

    scenario = load_scenario(
        with_fleet(tiny_territory, units="[[0, 10], [4, 50]]", subscribers="20")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dumped = scenario.model_dump(mode="json")
    (fleet,) = dumped["today"]["fleets"].values()
    assert fleet["units"] == [[0, 10], [4, 50]]


def aware_share_at_month_zero(model, good="car") -> float:
    g = model.goods.names.index(good)
    hh = model.households
    sharing = hh.mode[:, g] == Mode.SHARE  # subscribers are aware whatever the rule
    return float(hh.aware[hh.need[:, g] & ~sharing, g].mean())


def test_a_fleet_open_for_years_leaves_the_aware_share_the_media_reach_over_them(tiny_territory):
    path = with_fleet(tiny_territory, extra="")
    text = path.read_text(encoding="utf-8").replace(
        "subscribers = 400\n", "subscribers = 400\nmonths_open = 120\n"
    )
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    reach = 1 - (1 - scenario.behaviour.awareness_p) ** 120
    model = TerritoryModel(scenario, households=6000)
    assert abs(aware_share_at_month_zero(model) - reach) < 0.03
    drill = aware_share_at_month_zero(model, "drill")  # no fleet of drills: the good's own share
    assert abs(drill - scenario.goods["drill"].initial_aware_share) < 0.03


def test_a_stated_aware_share_wins_over_the_months_a_fleet_has_been_open(tiny_territory):
    extra = '\n[today.goods.car]\naware_share = 0.2\nsource = "a survey"\n'
    path = with_fleet(tiny_territory, extra=extra)
    text = path.read_text(encoding="utf-8").replace(
        "subscribers = 400\n", "subscribers = 400\nmonths_open = 240\n"
    )
    path.write_text(text, encoding="utf-8")
    assert abs(aware_share_at_month_zero(TerritoryModel(path, households=6000)) - 0.2) < 0.03


def test_bordeaux_knows_of_car_sharing_as_the_media_would_have_told_it_since_citiz_opened():
    """Citiz has been open since 2006 at the latest: month 0 (2025) cannot have the 5 % default
    of a good nobody has heard can be shared, which the equilibrium's households (all aware) and
    the hindcast (which reaches it from 2006) contradict."""
    model = TerritoryModel("scenarios/bordeaux_metropole.toml", households=6000)
    reach = 1 - (1 - model.scenario.behaviour.awareness_p) ** 228
    assert abs(aware_share_at_month_zero(model) - reach) < 0.03
    hindcast = TerritoryModel("scenarios/bordeaux_hindcast_2006.toml", households=6000)
    assert aware_share_at_month_zero(hindcast) < 0.15  # it opens in 2006: nothing inherited


def test_months_open_below_zero_is_refused_in_one_line(tiny_territory):
    path = with_fleet(tiny_territory)
    text = path.read_text(encoding="utf-8").replace(
        "subscribers = 400\n", "subscribers = 400\nmonths_open = -3\n"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"today\.fleets\.coop\.months_open") as error:
        load_scenario(path)
    assert "\n" not in str(error.value)
