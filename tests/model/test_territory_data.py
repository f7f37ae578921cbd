"""A territory from data: placement, counts, month-0 cars, incomes, ties, targeting, bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import shapely

from model.households import Mode
from model.model import TerritoryModel
from model.scenario import ScenarioError, load_scenario
from model.simulate import simulate
from model.zone_results import outcome_names


def build(path, households=4000, **overrides):
    return TerritoryModel(
        load_scenario(path, overrides), households=households, months=3, agents=False
    )


def test_households_are_inside_their_zones_polygon(tiny_territory):
    model = build(tiny_territory.scenario)
    layout, territory = model.layout, model.layout.territory
    for z, polygon in enumerate(territory.projected.geometry):
        members = layout.household_zone == z
        assert members.any()
        assert shapely.contains_xy(polygon, *layout.household_xy_m[members].T).all()
    # lon/lat points are the same points (Lambert-93 file reprojected): inside the lon/lat polygons
    for z, polygon in enumerate(territory.polygons.geometry):
        members = layout.household_zone == z
        assert shapely.contains_xy(polygon, *layout.household_lonlat[members].T).all()


def test_households_split_over_zones_in_proportion_above_the_minimum(tiny_territory):
    real = np.array([hh for _, _, hh, _, _ in tiny_territory.FIGURES], dtype=float)
    model = build(
        tiny_territory.scenario, households=4000, **{"territory.min_households_per_zone": 0}
    )
    expected = 4000 * real / real.sum()
    assert model.households_by_zone.sum() == 4000
    assert np.all(np.abs(model.households_by_zone - expected) < 1)
    # Delta's 178.6 in proportion is below the default minimum, 200: it gets 200, the others
    # share the rest in proportion
    model = build(tiny_territory.scenario, households=4000)
    assert model.households_by_zone[3] == 200
    expected = 3800 * real[:3] / real[:3].sum()
    assert np.all(np.abs(model.households_by_zone[:3] - expected) < 1)


def test_car_ownership_at_month_zero_is_the_observed_share(tiny_territory):
    model = build(tiny_territory.scenario, households=20000)
    hh = model.households
    car = model.goods.names.index("car")
    owns = (hh.mode[:, car] == Mode.OWN) & hh.need[:, car]
    for z, (_, _, _, car_free, _) in enumerate(tiny_territory.FIGURES):
        members = hh.zone == z
        n = members.sum()
        observed = 1 - owns[members].mean()
        assert abs(observed - car_free) < 4 * math.sqrt(car_free * (1 - car_free) / n) + 1 / n


def test_incomes_follow_each_zones_median(tiny_territory):
    model = build(tiny_territory.scenario, households=20000)
    for z, (_, _, _, _, median) in enumerate(tiny_territory.FIGURES):
        sampled = np.median(model.households.income_eur[model.households.zone == z])
        assert abs(sampled / median - 1) < 0.08


def test_ties_are_geographic_mostly_within_zones(tiny_territory):
    model = build(tiny_territory.scenario, households=6000)
    ties = model.network.tocoo()
    zone = model.households.zone
    assert abs(model.degree.mean() - 8) < 0.1
    assert (zone[ties.row] == zone[ties.col]).mean() > 0.8


def test_without_long_ties_zones_are_tied_only_to_touching_zones(tiny_territory):
    model = build(tiny_territory.scenario, households=6000, **{"network.long_tie_share": 0.0})
    ties = model.network.tocoo()
    zone = model.households.zone
    pairs = {
        tuple(sorted(p)) for p in zip(zone[ties.row].tolist(), zone[ties.col].tolist(), strict=True)
    }
    across = {p for p in pairs if p[0] != p[1]}
    assert across == {(0, 1), (1, 2)}  # A-B and B-C touch; A-C do not, D is an island


def test_zones_of_data_get_their_kind_from_density(tiny_territory):
    territory = load_scenario(tiny_territory.scenario).territory.resolved()
    # 6 000, 3 200, 1 500 and 500 households on 4 km2 each: 1 500, 800, 375 and 125 per km2
    assert [z.kind for z in territory.zones.values()] == ["dense", "dense", "suburb", "rural"]
    assert np.allclose(
        territory.area_km2, 4.0, rtol=2e-3
    )  # Lambert-93 shrinks areas here by ~0.1 %
    kinds = territory.filled[territory.filled["field"] == "kind"]
    assert kinds["reason"].str.contains("households/km2").all()


def test_policies_target_zones_by_key_name_and_group(tiny_territory):
    extra = """
[policies.fleet]
kind = "community_pool"
goods = ["car"]
zones = ["west", "D"]
units_per_1000_households = 5

[policies.spots]
kind = "carsharing_parking"
zones = ["Charlie"]
access_discount_eur_per_use = 1
"""
    tiny_territory.write(extra)
    model = build(tiny_territory.scenario)
    fx = model.policy_book.effects(1)
    car = model.goods.names.index("car")
    assert (fx.pool_units[:, car] > 0).tolist() == [True, True, False, True]
    assert (fx.share_access_discount_eur[:, 0, car] > 0).tolist() == [False, False, True, False]


def test_a_policy_naming_an_unknown_zone_or_group_is_refused(tiny_territory):
    tiny_territory.write(
        '[policies.p]\nkind = "awareness_campaign"\nzones = ["Nowhere"]\nextra_awareness_p = 0.01\n'
    )
    with pytest.raises(
        ScenarioError, match=r"policies\.p\.zones: unknown zone or group 'Nowhere'; allowed"
    ):
        load_scenario(tiny_territory.scenario)


def test_a_group_naming_an_unknown_zone_is_refused(tiny_territory):
    text = tiny_territory.scenario.read_text(encoding="utf-8").replace('"Bravo"', '"Zulu"')
    tiny_territory.scenario.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"territory\.groups\.west: unknown zone 'Zulu'"):
        load_scenario(tiny_territory.scenario)


def test_the_same_seed_gives_the_same_run_and_zone_table(tiny_territory):
    first = simulate(tiny_territory.scenario, seed=3, households=1500, months=4)
    second = simulate(tiny_territory.scenario, seed=3, households=1500, months=4)
    other = simulate(tiny_territory.scenario, seed=4, households=1500, months=4)
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(first.attrs["zones"], second.attrs["zones"])
    assert not first.equals(other)


def test_zone_table_and_real_territory_figures(tiny_territory):
    series = simulate(tiny_territory.scenario, seed=1, households=2000, months=2)
    zones = series.attrs["zones"]
    names = outcome_names(["car", "drill", "lawnmower"], real=True)
    assert set(zones["outcome"]) == set(names)
    assert set(zones["zone"]) == {"A", "B", "C", "D"}
    assert len(zones) == 3 * 4 * len(names)
    real_total = sum(hh for _, _, hh, _, _ in tiny_territory.FIGURES)
    assert series["real.households"].iloc[0] == pytest.approx(real_total)
    last = zones[zones["month"] == zones["month"].max()]
    real_stocks = last[last["outcome"].str.fullmatch(r"real\.[a-z]+\.stock")]["value"].sum()
    assert series["real.goods.stock_total"].iloc[-1] == pytest.approx(real_stocks)
    month0 = zones[(zones["month"] == 0) & (zones["outcome"] == "real.households")].set_index(
        "zone"
    )["value"]
    assert month0.to_dict() == pytest.approx(
        {key: hh for key, _, hh, _, _ in tiny_territory.FIGURES}
    )


def test_two_hundred_zones_run(tiny_territory):
    territory, feature, square = tiny_territory, tiny_territory.feature, tiny_territory.square
    keys = [f"z{i:03d}" for i in range(210)]
    territory.features = [
        feature(k, square((i % 15) * 500.0, (i // 15) * 500.0, 500.0)) for i, k in enumerate(keys)
    ]
    territory.rows = [
        f"{k},Zone {k},{100 + 7 * i},{(i % 10) / 20},{2000 + i}" for i, k in enumerate(keys)
    ]
    territory.write()
    text = territory.scenario.read_text(encoding="utf-8").replace(
        'west = ["A", "Bravo"]', 'west = ["z000", "Zone z014"]'
    )
    territory.scenario.write_text(text, encoding="utf-8")
    series = simulate(territory.scenario, seed=1, households=3000, months=2)
    zones = series.attrs["zones"]
    assert zones["zone"].nunique() == 210
    assert not any(column.startswith("car.share.") for column in series.columns)


# --------------------------------------------------------------------------- bad input


def expect_error(territory, pattern: str):
    territory.write()
    with pytest.raises(ScenarioError, match=pattern) as caught:
        load_scenario(territory.scenario)
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_not_geodata(tiny_territory):
    tiny_territory.write()
    tiny_territory.polygons.write_text("this is not a map\n", encoding="utf-8")
    with pytest.raises(
        ScenarioError, match=r"zones\.geojson: not a geodata file .*allowed: GeoJSON"
    ):
        load_scenario(tiny_territory.scenario)


def test_invalid_geometry(tiny_territory):
    bow_tie = [
        [
            [700000, 6400000],
            [702000, 6402000],
            [702000, 6400000],
            [700000, 6402000],
            [700000, 6400000],
        ]
    ]
    tiny_territory.features[1] = tiny_territory.feature("B", bow_tie)
    expect_error(
        tiny_territory,
        r"zones\.geojson: feature 2 \(code B\): geometry: invalid \(Self-intersection",
    )


def test_empty_geometry(tiny_territory):
    tiny_territory.features[2] = tiny_territory.feature("C", None)
    expect_error(
        tiny_territory, r"feature 3 \(code C\): geometry: empty; allowed: a Polygon or MultiPolygon"
    )


def test_key_missing_from_polygons(tiny_territory):
    tiny_territory.features = tiny_territory.features[:3]
    expect_error(
        tiny_territory,
        r"figures\.csv: row 5: code 'D': no feature with this key in .*zones\.geojson",
    )


def test_key_missing_from_figures(tiny_territory):
    tiny_territory.rows = tiny_territory.rows[:3]
    expect_error(
        tiny_territory,
        r"zones\.geojson: feature 4: code 'D': no row with this key in .*figures\.csv",
    )


def test_duplicate_keys(tiny_territory):
    tiny_territory.rows.append("A,Again,10,0.1,2000")
    expect_error(
        tiny_territory, r"figures\.csv: row 6: code 'A': duplicate key; allowed: one row per zone"
    )


def test_duplicate_keys_in_polygons(tiny_territory):
    tiny_territory.features.append(
        tiny_territory.feature("A", tiny_territory.square(*tiny_territory.ORIGINS["D"]))
    )
    expect_error(tiny_territory, r"zones\.geojson: feature 5: code 'A': duplicate key")


def test_negative_households(tiny_territory):
    tiny_territory.rows[1] = "B,Bravo,-3,0.2,2600"
    expect_error(
        tiny_territory,
        r"figures\.csv: row 3 \(B\): households = -3: out of range; allowed: a count",
    )


def test_share_outside_zero_one(tiny_territory):
    tiny_territory.rows[2] = "C,Charlie,1500,1.4,3200"
    expect_error(
        tiny_territory,
        r"row 4 \(C\): households_without_car_share = 1\.4: out of range; allowed: a share from 0 to 1",
    )


def test_unreadable_crs(tiny_territory):
    tiny_territory.crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}}
    expect_error(
        tiny_territory, r"zones\.geojson: crs 'urn:ogc:def:crs:EPSG::999999': cannot be read"
    )


def test_coordinates_that_are_not_lon_lat_without_a_crs(tiny_territory):
    tiny_territory.crs = None  # Lambert-93 metres read as lon/lat
    expect_error(
        tiny_territory, r"zones\.geojson: CRS EPSG:4326: coordinates do not map to lon/lat"
    )


def test_zone_of_zero_households(tiny_territory):
    tiny_territory.rows[3] = "D,Delta,0,0.05,3800"
    expect_error(tiny_territory, r"row 5 \(D\): households = 0: a zone of zero households")


def test_income_out_of_range_names_the_column(tiny_territory):
    tiny_territory.rows[0] = "A,Alpha,6000,0.4,24000"  # a yearly income given as monthly
    expect_error(
        tiny_territory, r"row 2 \(A\): median_income_eur_per_month: income_median_eur = 24000"
    )


def test_polygons_of_another_kind(tiny_territory):
    tiny_territory.features[0] = tiny_territory.feature("A", [700000.0, 6400000.0], kind="Point")
    expect_error(
        tiny_territory,
        r"feature 1 \(code A\): geometry: a Point; allowed: a Polygon or MultiPolygon",
    )


def test_names_are_kept_as_text(tiny_territory):
    """A name with quotes and markup is kept as text."""
    tiny_territory.rows[0] = 'A,"<b>Alpha</b>; rm -rf",6000,0.4,2000'
    tiny_territory.write()
    names = load_scenario(tiny_territory.scenario).territory.resolved().names
    assert names[0] == "<b>Alpha</b>; rm -rf"
    assert json.dumps(names)
