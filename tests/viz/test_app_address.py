"""A page address is hostile input: it never names a file on the server, never gets a traceback out
of the app (deep nesting), and no message the page shows quotes a path on the server."""

from __future__ import annotations

import json
import re
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.scenario import ScenarioError, TerritoryFromData

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SERVER_PATH = re.compile(r"(^|[\s'\"(=:])(/|~/)[^\s/'\"]")


@pytest.fixture
def explore():
    from viz import explore

    explore.overrides.value = {}
    explore.error.value = ""
    explore.current.value = None
    explore.choice.value = explore.BASELINE
    explore.households.value = 0
    yield explore
    if explore.current.value is not None:
        explore.current.value.close()
    explore.overrides.value = {}
    explore.error.value = ""
    explore.current.value = None
    explore.choice.value = explore.BASELINE


def address(scenario: str, settings_: dict | str) -> str:
    text = settings_ if isinstance(settings_, str) else json.dumps(settings_)
    return urllib.parse.urlencode({"scenario": scenario, "set": text})


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text("SECRET-HEADER,code\n1,2\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "field", ["territory.figures", "territory.polygons", "territory", "extends"]
)
def test_an_address_cannot_make_the_server_read_a_file(explore, secret, field):
    value = str(secret) if field != "territory" else {"kind": "data", "figures": str(secret)}
    refused = explore.read_address(address("bordeaux_metropole", {field: value}))
    assert refused, "the address's settings were taken"
    assert explore.overrides.value == {}
    explore.rebuild()
    shown = explore.error.value + refused
    assert "SECRET" not in shown and str(secret.parent) not in shown


def test_a_missing_and_an_existing_file_get_the_same_answer(explore, secret):
    answers = []
    for path in (secret, secret.with_name("absent.csv")):
        answers.append(
            explore.read_address(address("bordeaux_metropole", {"territory.figures": str(path)}))
        )
    assert answers[0] == answers[1]


@pytest.mark.parametrize("depth", [50, 5_000, 100_000])
def test_a_deeply_nested_setting_is_a_message_not_a_traceback(explore, depth):
    text = '{"households":' + "[" * depth + "]" * depth + "}"
    refused = explore.read_address(address("baseline", text))
    assert explore.overrides.value == {}
    assert refused or depth < 16


def test_messages_on_the_page_quote_no_server_path(explore):
    explore.choice.value = "bordeaux_metropole"
    explore.overrides.value = {"territory.key_column": "no_such_column"}
    explore.rebuild()
    assert explore.error.value, "the bad column was accepted"
    assert not SERVER_PATH.search(explore.error.value), explore.error.value


SCHEMA_PATHS = [
    "households",
    "months",
    "seed",
    "name",
    "goods.car.purchase_eur",
    "goods.drill.lifetime_months",
    "territory",
    "territory.kind",
    "territory.figures",
    "territory.polygons",
    "territory.key_column",
    "policies",
    "policies.x.kind",
    "extends",
    "behaviour.price_weight",
]
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["/etc/passwd", "../../README.md", "~/.ssh/id_rsa", "C:\\x"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)


@FUZZ
@given(
    settings_=st.dictionaries(
        st.sampled_from(SCHEMA_PATHS) | st.text(max_size=20), JSON_VALUES, max_size=4
    )
)
def test_fuzzed_address_settings_give_a_scenario_or_one_line_without_a_path(settings_):
    from model.messages import without_paths
    from model.scenario import names_a_file, parse_address_settings
    from viz import catalogue

    text = json.dumps(settings_)
    try:
        parsed = parse_address_settings(text)
        scenario = catalogue.load_named("baseline").with_overrides(parsed, source="app")
    except ScenarioError as problem:
        message = without_paths(problem)
        assert "\n" not in message and not SERVER_PATH.search(message), message
        return
    assert not any(names_a_file(key) for key in parsed)
    assert not isinstance(scenario.territory, TerritoryFromData), "a territory's files were set"
