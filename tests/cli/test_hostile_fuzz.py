"""Hostile input fuzzed widely, in this process: `--set` assignments, scenario files, design files and
territory files. Each gives a validated scenario (which then runs a month) or one printable line of
at most 400 characters, never a traceback; nothing is written outside the folder of the test."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.design import DesignError, load_design
from experiments.errors import UserError
from model.geodata import TerritoryDataError
from model.messages import MESSAGE_LIMIT, one_line
from model.scenario import ScenarioError, load_scenario, parse_assignment

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
REFUSALS = (ScenarioError, UserError, TerritoryDataError)


def fuzz(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def leaf_paths(node, prefix="") -> list[str]:
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in leaf_paths(value, f"{prefix}{key}.")]
    return [prefix[:-1]]


BASELINE_PATHS = leaf_paths(load_scenario(BASELINE).model_dump(mode="json"))

HOSTILE_SCALARS = (
    st.sampled_from(
        [
            math.nan,
            math.inf,
            -math.inf,
            1e308,
            -1,
            0,
            0.3,
            2**63,
            -(2**63) - 1,
            "",
            "../../evil",
            "/etc/passwd",
            "~/.ssh/id_rsa",
            "a" * 5000,
            "\x1b[31mred\x1b[0m",
            "line\nbreak",
            "ﬁ\u202e\u0000",
            True,
            False,
        ]
    )
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.booleans()
)
HOSTILE_VALUES = st.recursive(
    HOSTILE_SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)


def check_refusal(error: BaseException) -> None:
    line = one_line(error)
    assert len(line) <= MESSAGE_LIMIT and line.isprintable() and "\n" not in line
    assert "Traceback" not in line


def run_briefly(scenario) -> None:
    """An accepted scenario runs: a month at a small size, with finite outcomes."""
    from model.simulate import simulate

    small = scenario.with_overrides(
        {"households": min(scenario.households, 80), "months": 1, "seed": 1}
    )
    series = simulate(small)
    numbers = series.select_dtypes("number").to_numpy(dtype=float)
    assert not series.empty and not np.isinf(numbers).any(), "an outcome is infinite"


# ----------------------------------------------------------------- --set (250 cases)


@fuzz(150)
@given(
    path=st.sampled_from(BASELINE_PATHS) | st.text(max_size=30),
    value=HOSTILE_VALUES,
)
def test_fuzzed_set_values_give_a_valid_scenario_or_one_line(path, value):
    try:
        scenario = load_scenario(BASELINE, {path: value})
    except REFUSALS as error:
        check_refusal(error)
        return
    run_briefly(scenario)


@fuzz(100)
@given(text=st.text(max_size=200) | st.sampled_from(BASELINE_PATHS).map(lambda p: p + "=nan"))
def test_fuzzed_set_assignments_give_a_valid_scenario_or_one_line(text):
    try:
        path, value = parse_assignment(text)
        scenario = load_scenario(BASELINE, {path: value})
    except REFUSALS as error:
        check_refusal(error)
        return
    run_briefly(scenario)


# ----------------------------------------------------------------- scenario files (100 cases)


@fuzz(100)
@given(
    table=st.dictionaries(
        st.sampled_from(BASELINE_PATHS + ["extends", "name", "territory", "policies.x"])
        | st.text(max_size=15),
        HOSTILE_VALUES,
        max_size=5,
    ),
    prefix=st.sampled_from(["", "\ufeff", "\x00", "[[[", "extends = 3\n", "a = {\n"]),
)
def test_fuzzed_scenario_files_give_a_valid_scenario_or_one_line(tmp_path, table, prefix):
    import tomli_w

    from model.scenario import apply_overrides

    raw = {"extends": BASELINE.as_posix()}
    try:
        raw = apply_overrides(raw, table)
        text = tomli_w.dumps(raw)
    except (ScenarioError, TypeError, ValueError):
        text = json.dumps(table, default=str)  # not TOML: the reader must say so
    path = tmp_path / "fuzzed.toml"
    path.write_text(prefix + text, encoding="utf-8", errors="surrogatepass")
    try:
        scenario = load_scenario(path)
    except REFUSALS as error:
        check_refusal(error)
        return
    run_briefly(scenario)


# ----------------------------------------------------------------- design files (100 cases)

DESIGN_KEYS = [
    "name",
    "scenario",
    "target",
    "seed",
    "replications",
    "households",
    "months",
    "outcomes",
    "sampler",
    "parameters",
]
PARAMETER = st.fixed_dictionaries(
    {"path": st.sampled_from(BASELINE_PATHS) | st.text(max_size=20)},
    optional={
        "min": HOSTILE_SCALARS,
        "max": HOSTILE_SCALARS,
        "values": st.lists(HOSTILE_SCALARS, max_size=4),
        "levels": HOSTILE_SCALARS,
    },
)


@fuzz(100)
@given(
    design=st.fixed_dictionaries(
        {
            "scenario": st.just(BASELINE.as_posix()) | HOSTILE_SCALARS,
            "sampler": st.fixed_dictionaries(
                {"method": st.sampled_from(["grid", "lhs", "sobol", "morris", "x"])},
                optional={"samples": HOSTILE_SCALARS},
            ),
            "parameters": st.lists(PARAMETER, min_size=1, max_size=3),
        },
        optional={
            key: HOSTILE_VALUES
            for key in DESIGN_KEYS
            if key not in ("parameters", "scenario", "sampler")
        },
    )
)
def test_fuzzed_design_files_load_or_give_one_line(tmp_path, design):
    import tomli_w

    path = tmp_path / "design.toml"
    try:
        path.write_text(tomli_w.dumps(design), encoding="utf-8", errors="surrogatepass")
    except (TypeError, ValueError):
        return  # not representable in TOML (a None, a surrogate): nothing to read
    try:
        loaded = load_design(path)
    except (DesignError, *REFUSALS) as error:
        check_refusal(error)
        return
    loaded.check_size()
    assert loaded.run_count >= 1


# ----------------------------------------------------------------- territory files (80 cases)

HOUSEHOLDS = st.sampled_from(
    ["nan", "inf", "-1", "0", "0.3", "1e308", "1e9", "abc", "", "6000", "12", "3e3"]
)
SHARES = st.sampled_from(["0.2", "1.5", "-0.1", "nan", "", "x", "1", "0"])
INCOMES = st.sampled_from(["2000", "0", "-5", "inf", "", "1e308", "abc"])
CRS = st.sampled_from(
    [
        "urn:ogc:def:crs:EPSG::2154",
        "EPSG:4326",
        "EPSG:3857",
        "EPSG:99999",
        "nonsense",
        None,
    ]
)


@fuzz(80)
@given(
    row=st.integers(0, 3),
    figures=st.tuples(HOUSEHOLDS, SHARES, INCOMES),
    crs=st.sampled_from(["urn:ogc:def:crs:EPSG::2154"] * 3) | CRS,
    separator=st.sampled_from([",", ",", ",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16"]),
    spoil=st.sampled_from(
        ["none"] * 4 + ["duplicate key", "empty geometry", "drop a feature", "a point", "lon/lat"]
    ),
)
def test_fuzzed_territory_files_import_or_give_one_line(
    tmp_path_factory, row, figures, crs, separator, encoding, spoil
):
    """One row's figures hostile, the file's encoding, separator, CRS or a feature spoiled."""
    from tests.conftest import TinyTerritory

    territory = TinyTerritory(tmp_path_factory.mktemp("fuzzed"))
    rows = [list(map(str, figures_row)) for figures_row in territory.FIGURES]
    rows[row][2:5] = figures
    territory.rows = [",".join([key, name + "é", *rest]) for key, name, *rest in rows]
    territory.crs = None if crs is None else {"type": "name", "properties": {"name": crs}}
    if spoil == "duplicate key":
        territory.features[1]["properties"]["code"] = "A"
    elif spoil == "empty geometry":
        territory.features[2]["geometry"] = None
    elif spoil == "drop a feature":
        territory.features.pop()
    elif spoil == "a point":
        territory.features[0]["geometry"] = {"type": "Point", "coordinates": [700_000, 6_400_000]}
    elif spoil == "lon/lat":
        for feature in territory.features:
            ring = feature["geometry"]["coordinates"][0]
            feature["geometry"]["coordinates"][0] = [
                [-0.57 + (x - 700_000) / 1e5, 44.84 + (y - 6_400_000) / 1e5] for x, y in ring
            ]
    territory.write()
    text = "\n".join([territory.header, *territory.rows]).replace(",", separator) + "\n"
    territory.figures.write_bytes(text.encode(encoding, errors="replace"))
    try:
        scenario = load_scenario(territory.scenario)
    except REFUSALS as error:
        check_refusal(error)
        return
    real = scenario.territory.resolved().households
    assert ((real >= 1) & (real == real.round()) & (real <= 1e8)).all()
    run_briefly(scenario)


# ----------------------------------------------------------------- messages


@fuzz(100)
@given(text=st.text(min_size=300, max_size=3000))
def test_no_message_passes_its_limit(text):
    assert len(one_line(text)) <= MESSAGE_LIMIT
    assert len(one_line(f"error: {text}")) <= MESSAGE_LIMIT


@pytest.mark.parametrize("length", [390, 400, 401, 431, 10_000])
def test_a_long_message_is_cut_within_the_limit(length):
    line = one_line("x" * length)
    assert len(line) <= MESSAGE_LIMIT
    assert line == "x" * length or line.endswith(f"({length} characters in all)")


def test_a_long_path_in_a_message_keeps_its_file_name():
    from model.messages import escaped

    path = Path("/tmp") / ("d" * 200) / "series.parquet"
    shown = escaped(path)
    assert shown.endswith("/series.parquet") and len(shown) <= 80
