"""The scenario loader: inheritance, dotted overrides, and one-line errors for every bad input."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import Field

from model.scenario import (
    POLICY_BY_KIND,
    PerZoneKind,
    ScenarioError,
    ShareByZoneKind,
    field_texts,
    json_schema,
    load_scenario,
    parameter_info,
    parse_assignment,
    parse_value,
    policy_texts,
    read_raw,
    schema_models,
    text_in,
)
from model.simulate import simulate


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def child_of_baseline(tmp_path, baseline_path, body: str):
    return write(
        tmp_path, "child.toml", f'extends = "{baseline_path.as_posix()}"\nname = "child"\n{body}'
    )


def test_baseline_is_valid_and_complete(baseline_path):
    scenario = load_scenario(baseline_path)
    assert scenario.name == "baseline"
    assert set(scenario.goods) >= {"car", "drill", "lawnmower"}
    assert {z.kind for z in scenario.territory.zones.values()} == {"dense", "suburb", "rural"}
    assert scenario.policies == {}


def test_every_baseline_number_is_commented(baseline_path):
    from experiments.territory_import import CONSTANTS_MARK

    text = baseline_path.read_text(encoding="utf-8")
    written_by_hand = text[: text.index(CONSTANTS_MARK)]  # the constants below are solved
    for number, line in enumerate(written_by_hand.splitlines(), 1):
        code = line.split("#")[0]
        if "=" in code and any(ch.isdigit() for ch in code.split("=", 1)[1]):
            assert "#" in line, (
                f"baseline.toml line {number} has a number without a source: {line!r}"
            )


def test_extends_changes_only_what_the_child_states(tmp_path, baseline_path):
    path = child_of_baseline(tmp_path, baseline_path, "[goods.car]\npurchase_eur = 20000\n")
    parent, child = load_scenario(baseline_path), load_scenario(path)
    assert child.goods["car"].purchase_eur == 20000
    assert child.goods["car"].lifetime_months == parent.goods["car"].lifetime_months
    assert child.goods["drill"] == parent.goods["drill"]
    assert child.name == "child"


def test_dotted_overrides_reach_any_value(baseline_path):
    scenario = load_scenario(
        baseline_path,
        {
            "goods.car.purchase_eur": 21000,
            "network.kind": "random",
            "territory.zones.rural.income_median_eur": 2000,
        },
    )
    assert scenario.get("goods.car.purchase_eur") == 21000
    assert scenario.network.kind == "random"
    assert scenario.territory.zones["rural"].income_median_eur == 2000
    again = scenario.with_overrides({"behaviour.price_weight": 3.0})
    assert again.behaviour.price_weight == 3.0 and again.network.kind == "random"


def test_cli_values_are_typed():
    assert parse_value("20000") == 20000
    assert parse_value("0.5") == 0.5
    assert parse_value("true") is True
    assert parse_value("random") == "random"
    assert parse_value('["car", "drill"]') == ["car", "drill"]
    assert parse_assignment("network.kind=well-mixed") == ("network.kind", "well-mixed")
    with pytest.raises(ScenarioError, match="expected path=value"):
        parse_assignment("network.kind")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[goods.car]\npurchase_eur = -5\n", ["goods.car.purchase_eur", "-5", "from 0 to 1e+06"]),
        ("[goods.car]\ncolour = 'red'\n", ["goods.car.colour", "unknown key", "purchase_eur"]),
        (
            "[network]\nkind = 'ring'\n",
            ["network.kind", "'ring'", "small-world, random, well-mixed"],
        ),
        ("[behaviour]\nprice_weight = 'high'\n", ["behaviour.price_weight", "'high'", "a number"]),
        (
            "[policies.x]\nkind = 'magic'\n",
            ["policies.x", "unknown policy kind", "sharing_subsidy"],
        ),
        ("[policies.x]\nkind = 'sharing_subsidy'\n", ["policies.x.eur_per_use", "missing"]),
        (
            "[policies.x]\nkind = 'sharing_subsidy'\neur_per_use = 1\nzones = ['moon']\n",
            ["policies.x.zones", "'moon'", "centre, suburb, rural"],
        ),
        ("households = 3\n", ["households", "3", "from 10 to"]),
        (
            "[goods.car.need_share]\nrural = 1.5\n",
            ["goods.car.need_share.rural", "1.5", "from 0 to 1"],
        ),
    ],
)
def test_bad_values_get_one_line_naming_file_path_value_and_allowed(
    tmp_path, baseline_path, body, expected
):
    path = child_of_baseline(tmp_path, baseline_path, body)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    for fragment in expected:
        assert fragment in message


def test_malformed_toml_missing_file_and_cycles(tmp_path):
    broken = write(tmp_path, "broken.toml", "name = 'x'\n[goods\n")
    with pytest.raises(ScenarioError, match="broken.toml: not valid TOML"):
        load_scenario(broken)
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "absent.toml")
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="extends itself"):
        read_raw(tmp_path / "a.toml")


def test_override_errors_name_the_override(baseline_path):
    with pytest.raises(ScenarioError, match=r"--set goods\.car\.lifetime_months\).*'long'"):
        load_scenario(baseline_path, {"goods.car.lifetime_months": "long"})


def test_parameter_info_gives_bounds_units_and_choices(baseline_path):
    scenario = load_scenario(baseline_path)
    price = parameter_info(scenario, "goods.car.purchase_eur")
    assert (price["type"], price["min"], price["max"], price["unit"]) == ("float", 0, 1e6, "EUR")
    kind = parameter_info(scenario, "network.kind")
    assert kind["choices"] == ["small-world", "random", "well-mixed"]
    library = load_scenario(baseline_path.parent / "tool_library.toml")
    units = parameter_info(library, "policies.tool_library.units_per_1000_households")
    assert (units["type"], units["min"], units["max"]) == ("float", 0, 1000)
    assert units["value"] == library.policies["tool_library"].units_per_1000_households
    start = parameter_info(library, "policies.tool_library.start_month")
    assert (start["type"], start["min"]) == ("int", 0)
    with pytest.raises(ScenarioError, match="no such parameter"):
        parameter_info(library, "policies.tool_library.eur_per_use")
    assert json_schema()["properties"]["goods"]["type"] == "object"


def test_cli_prints_one_line_without_traceback(tmp_path, baseline_path):
    path = child_of_baseline(tmp_path, baseline_path, "[goods.car]\npurchase_eur = -5\n")
    done = subprocess.run(
        [sys.executable, "-m", "cli", "run", str(path), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert "goods.car.purchase_eur = -5" in done.stderr


# -- property-based: random keys, types and values are either accepted and run, or rejected cleanly

PATHS = [
    "households",
    "months",
    "seed",
    "network.kind",
    "network.mean_degree",
    "network.long_tie_share",
    "goods.car.purchase_eur",
    "goods.drill.lifetime_months",
    "goods.lawnmower.need_share.rural",
    "goods.car.uses_per_month.dense",
    "behaviour.price_weight",
    "behaviour.logit_scale",
    "behaviour.always_share_when_aware",
    "territory.zones.centre.income_sigma",
    "territory.zones.rural.kind",
    "territory.households_per_cell",
    "market.platform_fee_share",
    "policies.p.kind",
    "policies.p.eur_per_use",
    "policies.p.zones",
    "policies.p.start_month",
    "goods.car",
    "behaviour",
    "nonsense",
    "goods.car.nonsense",
    "territory.zones.centre.nonsense",
]
VALUES = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["small-world", "random", "well-mixed", "sharing_subsidy", "rural", "dense"]),
    st.lists(st.sampled_from(["centre", "suburb", "moon", "car"]), max_size=3),
    st.dictionaries(st.sampled_from(["a", "kind", "dense"]), st.integers(-3, 3), max_size=2),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(changes=st.dictionaries(st.sampled_from(PATHS), VALUES, min_size=1, max_size=3))
def test_random_scenarios_run_or_fail_with_one_line(tmp_path, baseline_path, changes):
    raw = read_raw(baseline_path)
    try:
        from model.scenario import apply_overrides

        raw = apply_overrides(raw, changes)
    except ScenarioError as error:
        assert "\n" not in str(error)
        return
    # Keep accepted scenarios quick to run; leave wrong types as they are for the loader to reject.
    for key, cap in (("households", 200), ("months", 2)):
        value = raw.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > cap:
            raw[key] = cap
    raw = {k: v for k, v in raw.items() if v is not None}
    try:
        text = tomli_w.dumps(raw)
    except (TypeError, ValueError):
        return  # not representable as TOML (e.g. NaN in a key); nothing to feed the loader
    path = tmp_path / "random.toml"
    path.write_text(text, encoding="utf-8")
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        message = str(error)
        assert "\n" not in message and message.startswith(str(path))
        return
    series = simulate(scenario, agents=False)
    assert len(series) == scenario.months + 1


# --------------------------------------------------------------------------- plain language


def test_every_field_has_a_label_a_description_and_a_unit():
    missing = []
    for model in schema_models():
        for name, field in model.model_fields.items():
            texts = field_texts(field)
            empty = [key for key, text in texts.items() if not text.strip()]
            if empty:
                missing.append(f"{model.__name__}.{name}: {', '.join(empty)}")
    assert not missing, "fields without plain texts: " + "; ".join(missing)
    for kind in POLICY_BY_KIND:
        texts = policy_texts(kind)
        assert texts["label"] and texts["label"] != kind and texts["description"], kind
    # every field counted, including each kind of policy's own ones
    assert sum(len(m.model_fields) for m in schema_models()) > 180


def test_parameter_info_gives_plain_label_description_and_unit(tmp_path):
    library = load_scenario("scenarios/territoire_partage.toml")
    price = parameter_info(library, "goods.car.purchase_eur")
    assert (price["label"], price["unit"]) == ("Purchase price", "EUR")
    assert price["description"].endswith(".")
    need = parameter_info(library, "goods.car.need_share.rural")
    assert need["label"] == "Households needing the good: rural" and need["unit"] == "share"
    pool = parameter_info(library, "policies.tool_library.units_per_1000_households")
    assert (pool["label"], pool["unit"]) == ("Size of the pool", "units per 1 000 households")
    shouted = parameter_info(library, "network.mean_degree", translate=str.upper)
    assert shouted["label"] == "TIES PER HOUSEHOLD" and shouted["unit"] == "COUNT"
    schema = json_schema()["$defs"]["Good"]["properties"]["purchase_eur"]
    assert (schema["title"], schema["unit"]) == ("Purchase price", "EUR") and schema["description"]


def test_a_plain_per_zone_type_value_takes_its_tables_unit():
    table = Field(
        title="Cost of reaching a renter",
        description="By type of zone.",
        json_schema_extra={"unit": "EUR/use"},
    )
    texts = field_texts(PerZoneKind.model_fields["rural"], table=table)
    assert texts == {
        "label": "Cost of reaching a renter: rural",
        "description": "By type of zone.",
        "unit": "EUR/use",
    }
    shares = field_texts(ShareByZoneKind.model_fields["rural"], table=table)
    assert shares["unit"] == "share"  # a value with a unit of its own keeps it


def test_descriptions_may_be_given_per_language(tmp_path, baseline_path):
    both = child_of_baseline(
        tmp_path,
        baseline_path,
        '[description]\nen = "Tools for all."\nfr = "Des outils pour tous."\n',
    )
    scenario = load_scenario(both)
    assert text_in(scenario.description, "fr") == "Des outils pour tous."
    assert text_in(scenario.description, "en") == "Tools for all."
    assert (
        text_in(scenario.description, "de") == "Tools for all."
    )  # English when the language is missing
    assert text_in({"fr": "Seulement en français."}, "en") == "Seulement en français."
    assert text_in(load_scenario(baseline_path).description, "fr").startswith("A Gironde-like")
    inline = child_of_baseline(
        tmp_path,
        baseline_path,
        '[policies.p]\nkind = "awareness_campaign"\nextra_awareness_p = 0.01\n'
        'description = {en = "A campaign.", fr = "Une campagne."}\n',
    )
    assert text_in(load_scenario(inline).policies["p"].description, "fr") == "Une campagne."
    bad = child_of_baseline(tmp_path, baseline_path, '[description]\nfrench = "Bonjour"\n')
    with pytest.raises(ScenarioError) as error:
        load_scenario(bad)
    message = str(error.value)
    assert "\n" not in message and "child.toml" in message and "description" in message
    assert "two-letter language code" in message


def test_every_number_the_model_draws_households_from_is_a_declared_parameter(tiny):
    from model.model import TerritoryModel

    def households(**overrides):
        return TerritoryModel(tiny(households=2000, months=1, **overrides)).households

    usual = households()
    assert set(usual.utilization.ravel()) == {0.5}  # the schema's default
    assert set(households(**{"behaviour.initial_utilization": 0.8}).utilization.ravel()) == {0.8}
    centre = usual.zone == 0
    narrow = households(**{"territory.zones.centre.concern_concentration": 400.0})
    assert narrow.concern[centre].std() < usual.concern[centre].std() / 3
    car_users = usual.need[:, 0]
    even = households(**{"goods.car.uses_shape": 1000.0})
    spread = usual.uses[car_users & centre, 0].std()
    assert even.uses[even.need[:, 0] & centre, 0].std() < spread / 5


def test_carsharing_spots_target_cars_by_a_declared_default(tiny):
    scenario = tiny(
        **{"policies.spots": {"kind": "carsharing_parking", "access_discount_eur_per_use": 2.0}}
    )
    assert scenario.get("policies.spots.goods") == ["car"]
    assert parameter_info(scenario, "policies.spots.goods")["description"]
    from model.policies import PolicyBook

    effects = PolicyBook(scenario, np.array([100, 100, 100])).effects(1)
    cars = scenario.good_names.index("car")
    assert (effects.share_access_discount_eur[..., cars] == 2.0).all()
    assert (np.delete(effects.share_access_discount_eur, cars, axis=2) == 0).all()
