"""Pieces of the app that need no server: colours that survive colour-blindness, numbers and
words on screen, the library's values for a new policy, downloads `partage run` reads back,
and a closed run that lets go of its model."""

from __future__ import annotations

import gc
import itertools
import re
import weakref

import numpy as np
import pandas as pd
import pytest
from colorspacious import cspace_convert, deltaE

from model.scenario import load_scenario
from model.simulate import simulate
from viz import calibration_figures, catalogue, figures, i18n
from viz.outcomes import outcome_label
from viz.session import ExploreRun
from viz.svg import Line, line_chart, tick_label

SCIENTIFIC = re.compile(r"\d(?:[.,]\d+)?e[+-]?\d", re.IGNORECASE)


def _hex_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255


@pytest.mark.parametrize("deficiency", ["deuteranomaly", "protanomaly"])
@pytest.mark.parametrize(
    "palette",
    [
        list(figures.MODE_COLOURS.values()) + [figures.NO_NEED_COLOUR],
        figures.SCENARIO_COLOURS,
        [
            calibration_figures.BEFORE_COLOUR,
            calibration_figures.AFTER_COLOUR,
            calibration_figures.OBSERVED_COLOUR,
            calibration_figures.NOT_RULED_OUT_COLOUR,
        ],
    ],
    ids=["modes", "scenarios", "calibration"],
)
def test_palettes_stay_apart_for_colour_blind_eyes(palette, deficiency):
    # A full (severity 100) deuteranopia or protanopia: every pair of colours stays far apart
    # in CAM02-UCS (a distance of 20 is well past "clearly different").
    cvd = {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}
    seen = [cspace_convert(_hex_rgb(c), cvd, "sRGB1") for c in palette]
    for (a, first), (b, second) in itertools.combinations(zip(palette, seen, strict=True), 2):
        distance = deltaE(np.clip(first, 0, 1), np.clip(second, 0, 1), input_space="sRGB1")
        assert distance > 20, f"{a} and {b} look alike with {deficiency}: {distance:.1f}"


def test_ticks_never_use_scientific_notation():
    for value, step in (
        (1e-9, 1e-9),
        (3900, 1000),
        (20000, 5000),
        (1_890_000, 500_000),
        (0.25, 0.05),
    ):
        for lang in ("fr", "en"):
            assert not SCIENTIFIC.search(tick_label(value, step, lang)), (value, lang)
    flat = Line("flat", "#000000", np.arange(13), np.zeros(13))
    svg = line_chart([flat], title="t", lang="fr")
    assert not SCIENTIFIC.search(" ".join(re.findall(r">([^<]*)</text>", svg)))


def test_the_time_axis_shows_years_for_long_runs():
    line = Line("x", "#000000", np.arange(121), np.arange(121.0))
    svg = line_chart([line], title="t", x_range=(0, 120), lang="en")
    labels = re.findall(r">([^<]*)</text>", svg)
    assert "years below" in " ".join(labels) and "10" in labels and "120" in labels


def test_every_outcome_has_words_not_a_column_name():
    frame = simulate("scenarios/baseline.toml", households=100, months=1, agents=False)
    for column in frame.columns.drop("month"):
        for lang in ("fr", "en"):
            words = outcome_label(column, lang)
            assert "." not in words and "_" not in words, (column, words)


def test_french_texts_for_every_english_text_of_the_app():
    catalogue_fr = i18n.translations("fr")
    for english in ("Run to the horizon", "Play", "Households sharing a good", "dashed: baseline"):
        assert catalogue_fr.gettext(english) != english


def test_a_new_policy_starts_at_the_library_scenarios_values():
    added = catalogue.new_policy_overrides(catalogue.load_named("baseline"), "sharing_subsidy")
    library = catalogue.load_named("sharing_subsidy")
    policy = next(p for p in library.policies.values() if p.kind == "sharing_subsidy")
    assert added["policies.sharing_subsidy.eur_per_use"] == policy.eur_per_use > 0


def test_the_downloaded_scenario_is_the_scenario(tmp_path):
    scenario = catalogue.load_named("territoire_partage").with_overrides(
        {"behaviour.price_weight": 12.5}
    )
    path = tmp_path / "mine.toml"
    path.write_text(catalogue.scenario_toml(scenario, {"households": 1234}))
    again = load_scenario(path)
    assert again.households == 1234 and again.behaviour.price_weight == 12.5
    assert again.model_dump(exclude={"households"}) == scenario.model_dump(exclude={"households"})


def test_sliders_put_the_files_value_on_their_grid():
    for name in ("baseline", "territoire_partage"):
        for lever in catalogue.levers(catalogue.load_named(name)):
            if lever.type != "float" or lever.path.startswith("policies"):
                continue
            low, _ = lever.slider_range()
            steps = (float(lever.value) - low) / lever.slider_step()
            assert abs(steps - round(steps)) < 1e-6, (lever.path, lever.value, lever.slider_step())


def test_a_closed_run_lets_go_of_its_models():
    run = ExploreRun(
        catalogue.load_named("tool_library"),
        reference=catalogue.load_named("baseline"),
        households=300,
    )
    run.step()
    models = [weakref.ref(run.model), weakref.ref(run.reference)]
    run.close()
    del run
    gc.collect()
    assert [model() for model in models] == [None, None], "a closed run's models stay in memory"


def test_indices_bars_put_the_strongest_first():
    table = pd.DataFrame(
        {
            "outcome": ["y"] * 3,
            "parameter": ["weak", "strong", "middle"],
            "spearman": [0.1, -0.9, 0.5],
        }
    )
    figure = figures.indices_bars(table, "y")
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == ["weak", "middle", "strong"], "barh draws bottom up: strongest on top"


def test_a_negative_amount_puts_its_sign_first():
    assert i18n.format_eur(-1.1, "en", 1) == "-€1.1"
    assert i18n.format_eur(-1.1, "fr", 1) == "-1,1\u00a0€"


def test_a_territory_from_data_is_drawn_as_dots_in_its_zones():
    run = ExploreRun(catalogue.load_named("bordeaux_metropole"), households=600)
    svg = run.map_svg("car", 7)
    assert svg.count("<path") == 2 * len(run.model.scenario.zone_names), "each zone outlined"
    assert "Bordeaux" in svg and "<circle" in svg
    x, y = run.polygons.pixel_xy[7]
    assert run.polygons.nearest(
        (x + 0.5) / run.polygons.width, (y + 0.5) / run.polygons.height
    ) in {row for row in range(600) if tuple(run.polygons.pixel_xy[row]) == (x, y)}
