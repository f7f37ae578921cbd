"""The web app's pieces without a browser: schema-driven controls, validation, pages rendered by Solara."""

from __future__ import annotations

import ipyvuetify as v
import numpy as np
import pytest
import solara
import solara.widgets

from experiments.compare import compare_scenarios
from model.scenario import ScenarioError, parameter_info
from viz import catalogue, compare, explore, learn, results
from viz.clickable import ClickableSvgWidget
from viz.controls import checked_int, escaped
from viz.language import eur, language


@pytest.fixture
def fresh_explore(explore_reset):
    """Explore's per-session state back to its start, on a small territory."""
    explore_reset(catalogue.BASELINE, 400)
    return explore


def html_of(rc, test_id: str) -> str:
    found = [
        w
        for w in rc.find(solara.widgets.HTML).widgets
        if (w.attributes or {}).get("data-testid") == test_id
    ]
    assert len(found) == 1, f"expected one element {test_id!r}, found {len(found)}"
    return found[0].unsafe_innerHTML


def texts_of(widgets) -> list[str]:
    """Every text shown inside these widgets, depth first."""
    out = []
    for widget in widgets:
        for child in getattr(widget, "children", []) or []:
            out.extend([child] if isinstance(child, str) else texts_of([child]))
    return out


def map_of(rc) -> str:
    return rc.find(ClickableSvgWidget).widget.svg


# --------------------------------------------------------------------------- controls from the schema


def test_levers_take_value_bounds_and_unit_from_the_schema():
    scenario = catalogue.load_named("tool_library")
    levers = {lever.path: lever for lever in catalogue.levers(scenario)}
    assert "policies.tool_library.units_per_1000_households" in levers
    for path in ("behaviour.awareness_q", "goods.car.purchase_eur", "network.kind"):
        info = parameter_info(scenario, path)
        lever = levers[path]
        assert lever.value == scenario.get(path)
        assert lever.minimum == info.get("min") and lever.maximum == info.get("max")
        assert lever.unit == info["unit"] and lever.choices == tuple(info.get("choices", ()))
    pool = levers["policies.tool_library.units_per_1000_households"]
    assert pool.value == scenario.policies["tool_library"].units_per_1000_households
    assert pool.minimum == 0 and pool.maximum == 1000


def test_slider_range_stays_within_the_schema_bounds():
    scenario = catalogue.load_named("tool_library")
    for lever in catalogue.levers(scenario):
        if lever.type in ("int", "float"):
            low, high = lever.slider_range()
            assert low <= float(lever.value) <= high, lever.path
            assert lever.minimum is None or low >= lever.minimum
            assert lever.maximum is None or high <= lever.maximum


def test_households_are_capped_in_the_app(fresh_explore):
    assert (
        catalogue.run_lever(catalogue.load_named("baseline"), "households").maximum
        == catalogue.MAX_HOUSEHOLDS
    )
    value, why = checked_int("5000000", explore.MIN_HOUSEHOLDS, catalogue.MAX_HOUSEHOLDS)
    assert value is None and "allowed from 10 to 20,000" in why
    explore.set_households(catalogue.MAX_HOUSEHOLDS)
    assert explore.current.value.model.households.size == catalogue.MAX_HOUSEHOLDS


def test_adding_a_policy_gives_it_levers():
    scenario = catalogue.load_named("baseline")
    added = scenario.with_overrides(catalogue.new_policy_overrides(scenario, "sharing_subsidy"))
    paths = [lever.path for lever in catalogue.levers(added)]
    assert "policies.sharing_subsidy.eur_per_use" in paths


# --------------------------------------------------------------------------- scenarios from text


def test_an_edited_scenario_is_validated_with_a_one_line_message():
    with pytest.raises(ScenarioError) as problem:
        catalogue.scenario_from_text('extends = "baseline.toml"\n[behaviour]\nprice_weight = -3\n')
    message = str(problem.value)
    assert "\n" not in message and "behaviour.price_weight" in message and "-3" in message


@pytest.mark.parametrize(
    "text, expected",
    [
        ("this is = = not toml", "not valid TOML"),
        ('extends = "../../etc/passwd"', "allowed"),
        (
            'extends = "baseline.toml"\n[goods.car]\npurchase_eur = "__import__(\'os\')"',
            "goods.car.purchase_eur",
        ),
    ],
)
def test_bad_scenario_texts_are_refused_never_executed(text, expected):
    with pytest.raises(ScenarioError, match=expected):
        catalogue.scenario_from_text(text)


def test_an_edited_scenario_extends_the_baseline():
    scenario = catalogue.scenario_from_text(
        'extends = "baseline.toml"\nname = "mine"\n[behaviour]\nhabit_bonus = 2.5\n'
    )
    assert scenario.name == "mine" and scenario.behaviour.habit_bonus == 2.5
    assert scenario.goods == catalogue.load_named("baseline").goods


def test_uploaded_bytes_must_be_small_utf8():
    with pytest.raises(ScenarioError, match="UTF-8"):
        catalogue.scenario_from_text(b"\xff\xfe\x00", "upload.toml")
    with pytest.raises(ScenarioError, match="too large"):
        catalogue.scenario_from_text(b"#" * (catalogue.MAX_UPLOAD_BYTES + 1), "upload.toml")


# --------------------------------------------------------------------------- Explore


def test_stepping_changes_the_map_and_the_curves(fresh_explore):
    _, page = solara.render(explore.Page(), handle_error=False)
    _, controls = solara.render(explore.Controls(), handle_error=False)
    explore.good.value = "drill"
    map_before, curves_before = map_of(page), html_of(page, "curves-top")
    for _ in range(6):
        controls.find(v.Btn, children=["Step"]).widget.click()
    assert explore.current.value.month == 6
    assert map_of(page) != map_before
    assert html_of(page, "curves-top") != curves_before


def test_controls_are_generated_for_the_scenario(fresh_explore):
    explore.choose_scenario("tool_library")
    _, controls = solara.render(explore.Controls(), handle_error=False)
    labels = texts_of(controls.find(v.Html, class_="partage-lever").widgets)
    assert "Size of the pool: 6.0 units per 1 000 households" in labels, labels
    assert len(controls.find(v.Slider).widgets) == sum(
        lever.type in ("int", "float")
        for lever in catalogue.levers(explore.current.value.model.scenario)
    )


def test_a_lever_changes_the_outcome(fresh_explore):
    explore.choose_scenario("tool_library")
    lever = next(
        lever
        for lever in catalogue.levers(explore.current.value.model.scenario)
        if lever.path == "policies.tool_library.units_per_1000_households"
    )

    def spend_after(months: int) -> float:
        for _ in range(months):
            explore.step_once()
        return explore.current.value.headline()["scenario"]["public_spend_eur"]

    before = spend_after(4)
    explore.set_lever(lever, 30.0)
    assert (
        explore.current.value.model.scenario.policies["tool_library"].units_per_1000_households
        == 30.0
    )
    assert explore.current.value.month == 0
    assert spend_after(4) > before


def test_an_invalid_edited_scenario_shows_the_message_and_the_app_keeps_working(fresh_explore):
    run = explore.current.value
    explore.apply_text(
        'extends = "baseline.toml"\n[network]\nmean_degree = 500\n', "edited scenario"
    )
    assert "network.mean_degree" in explore.error.value and "500" in explore.error.value
    assert explore.current.value is run
    _, page = solara.render(explore.Page(), handle_error=False)
    assert page.find(v.Alert).widgets, "the message is shown on the page"
    explore.step_once()
    assert explore.current.value.month == 1


def test_selecting_a_household_shows_its_state(fresh_explore):
    _, page = solara.render(explore.Page(), handle_error=False)
    explore.selected.value = 17
    state = html_of(page, "household-state")
    agent = explore.current.value.describe(17)
    assert agent["household"] == 17 and "<td>17</td>" in state
    assert f"<td>{agent['zone']}</td>" in state
    assert f"<td>{escaped(eur(agent['income_eur']))} per month</td>" in state


def test_clicking_the_map_selects_the_household_under_the_pointer(fresh_explore):
    _, page = solara.render(explore.Page(), handle_error=False)
    run = explore.current.value
    width = run.raster.side * run.raster.slots
    x, y = run.raster.position(123)
    page.find(ClickableSvgWidget).widget.vue_on_click(
        {"x": (x + 0.5) / width, "y": (y + 0.5) / width}
    )
    assert explore.selected.value == 123
    assert "<td>123</td>" in html_of(page, "household-state")


def test_the_map_places_every_household_on_its_own_pixel(fresh_explore):
    raster = explore.current.value.raster
    assert np.unique(raster.pixel_of).size == raster.pixel_of.size
    side = raster.side * raster.slots
    cells = explore.current.value.model.layout.household_cell
    row, col = np.divmod(raster.pixel_of, side)
    assert np.array_equal((row // raster.slots) * raster.side + col // raster.slots, cells)


# --------------------------------------------------------------------------- Compare


def test_same_seeds_for_every_scenario_make_a_scenario_equal_to_itself():
    baseline = catalogue.load_named("baseline")
    table = compare_scenarios(
        baseline, {"same": baseline}, replications=2, seed=3, households=200, months=6
    ).impacts()
    changes = table[table["indicator"].str.startswith("change")]
    assert np.allclose(changes["mean"], 0) and np.allclose(
        changes["high_95"] - changes["low_95"], 0
    )


def test_the_compare_page_takes_its_horizon_and_seed_from_the_baseline_file():
    baseline = catalogue.load_named("baseline")
    compare.months.set(0)
    compare.seed.set(-1)
    assert compare.settings()[2:] == (baseline.months, baseline.seed)
    compare.months.set(12)
    compare.seed.set(7)
    assert compare.settings()[2:] == (12, 7)
    compare.months.set(0)
    compare.seed.set(-1)


def test_compare_bands_and_impacts_cover_every_scenario():
    scenarios = {name: catalogue.load_named(name) for name in ("baseline", "tool_library")}
    compared = compare_scenarios(
        scenarios["baseline"],
        {"tool_library": scenarios["tool_library"]},
        replications=3,
        seed=1,
        households=300,
        months=8,
    )
    series = compared.series
    assert set(series["scenario"]) == {"baseline", "tool_library"}
    assert series.groupby("scenario")["replication"].nunique().eq(3).all()
    bands = compared.curves(["trust.mean"], band="runs")
    assert (bands["low"] <= bands["mean"] + 1e-12).all() and (
        bands["mean"] <= bands["high"] + 1e-12
    ).all()
    table = compared.impacts()
    public = table[table["indicator"] == "change in net public cost"].iloc[0]
    assert public["mean"] > 0, "the tool library costs the public something"


# --------------------------------------------------------------------------- Learn and Results


def test_the_story_moves_through_its_chapters():
    learn.story_run.value = None
    learn.go_to(0)
    first = learn.figures_at(learn.story_run.value)
    learn.go_to(2)
    assert learn.story_run.value.steps == learn.CHAPTERS[2].month
    later = learn.figures_at(learn.story_run.value)
    assert later["aware"] > first["aware"] and later["share"] > first["share"]
    for chapter in learn.CHAPTERS:
        assert chapter.sentence.format(**later)


def test_the_story_tips_from_ownership_to_sharing():
    # Sharing stays low while few share, then passes a critical mass and becomes the norm.
    learn.story_run.value = None
    learn.go_to(1)
    model = learn.story_run.value
    learn.advance_to(model, learn.LIBRARY_MONTH - 1)
    before = learn.figures_at(model)
    learn.go_to(len(learn.CHAPTERS) - 1)
    after = learn.figures_at(learn.story_run.value)
    assert before["share"] < 20, "few share before the tool library opens"
    assert after["share"] > 50, "the majority shares at the end"
    assert after["share"] - before["share"] > 30
    assert after["own"] < before["own"] / 2, "ownership collapses"
    assert learn.LIBRARY_MONTH <= after["tip_month"] < learn.STORY_MONTHS - 12
    # The same policies where neighbours weigh as in the baseline territory do not tip.
    assert after["weak_share"] < 30
    sentence = learn.CHAPTERS[-1].sentence.format(**after)
    assert f"{after['share']:.0f} % share" in sentence


def test_results_reads_a_store_and_plots_an_outcome(results_dir, monkeypatch):
    monkeypatch.setenv("PARTAGE_RESULTS_DIR", str(results_dir))
    assert results.store_names() == ["demo_sweep", "zz_broken"]
    runs, outcomes, swept, kind = results.load_store(results_dir / "demo_sweep")
    assert kind == "sweep" and "trust.mean" in outcomes
    assert swept == ["behaviour.awareness_p", "network.kind"], "named values are kept"
    table, _ = results.horizon_table(results_dir / "demo_sweep", runs, "sharing_households.share")
    indices, note = results.sensitivity(
        results_dir / "demo_sweep", table, "sharing_households.share", swept
    )
    assert list(indices["parameter"]) == swept and "Spearman" in note
    _, page = solara.render(results.Page(), handle_error=False)
    images = [w for w in page.find(solara.widgets.HTML).widgets if w.tag == "img"]
    assert len(images) == 2 and all(w.attributes["alt"] for w in images), "scatter and indices"


def test_a_control_reporting_an_unchanged_value_keeps_the_run(fresh_explore):
    explore.choose_scenario("tool_library")
    lever = next(
        lever
        for lever in catalogue.levers(explore.current.value.model.scenario)
        if lever.path == "policies.tool_library.units_per_1000_households"
    )
    explore.set_lever(lever, 30.0)
    explore.step_once()
    run = explore.current.value
    explore.set_lever(lever, 30)
    assert explore.current.value is run and run.month == 1


# --------------------------------------------------------------------------- baselines of territories from data


def test_a_data_territory_is_measured_against_itself_without_its_policies(fresh_explore):
    explore.choose_scenario("bordeaux_rive_droite")
    run = explore.current.value
    scenario, reference = run.model.scenario, run.reference.scenario
    assert scenario.policies and reference.policies == {}
    assert reference.zone_names == scenario.zone_names
    assert (reference.goods, reference.behaviour) == (scenario.goods, scenario.behaviour)
    assert run.reference.households.size == run.model.households.size
    assert (reference.seed, reference.households) == (scenario.seed, scenario.households)
    maps = run.comparison_maps("car")
    assert maps is not None and "difference-map" in maps["difference"]


def test_the_grid_keeps_the_baseline_file(fresh_explore):
    explore.choose_scenario("tool_library")
    assert explore.current.value.reference.scenario.name == catalogue.BASELINE


def test_compare_uses_the_same_baseline_as_explore_and_says_which(fresh_explore):
    data = {
        name: catalogue.load_named(name) for name in ("bordeaux_rive_droite", "bordeaux_metropole")
    }
    baseline = compare.baseline_of(data)
    assert (
        baseline.policies == {} and baseline.zone_names == data["bordeaux_rive_droite"].zone_names
    )
    said = compare.baseline_text(baseline)
    assert "Bordeaux rive droite" in said and "bordeaux_rive_droite" not in said
    grid = {"tool_library": catalogue.load_named("tool_library")}
    assert compare.baseline_of(grid).name == catalogue.BASELINE
    assert "baseline.toml" in compare.baseline_text(compare.baseline_of(grid))
    with pytest.raises(ScenarioError, match="one territory at a time"):
        compare.baseline_of({**data, **grid})


def test_a_description_given_per_language_shows_in_the_pages_language(fresh_explore):
    english, french = (
        "<b>Shared</b> tools for the estate",
        "Des outils <b>partagés</b> pour la cité",
    )
    assert explore.apply_text(
        f'extends = "tool_library.toml"\ndescription = {{en = "{english}", fr = "{french}"}}\n',
        "per_language",
    )
    for lang, expected in (("en", english), ("fr", french)):
        language.value = lang
        _, controls = solara.render(explore.Controls(), handle_error=False)
        shown = texts_of(controls.find(v.Html, class_="partage-description").widgets)
        assert shown == [expected], shown
    language.value = "en"


def test_controls_redrawn_with_a_closed_run_do_not_read_its_model(fresh_explore):
    """The side panel redrawn while the page's run has been closed with its session (a last tick
    before the page is cleared) shows no run's scenario and fails on nothing."""
    _, page = solara.render(explore.Controls(), handle_error=False)
    run = explore.current.value
    run.close()
    try:
        explore.speed.value = explore.SPEEDS[-1]  # a change the panel redraws for
        assert explore.run_settings() == {}
        assert not [t for t in texts_of(page.find(v.Html).widgets) if "Month" in t]
    finally:
        explore.current.value = None  # as the closed session's pages are cleared


def test_a_run_closed_with_its_session_is_not_drawn(fresh_explore):
    """A tab closed while the run plays: the session's runs are closed, then the play loop's
    last tick redraws the page; nothing may fail on the closed run."""
    _, page = solara.render(explore.Page(), handle_error=False)
    run = explore.current.value
    run.step()
    run.close()
    run.run_to_horizon()  # the play loop's thread, still going
    explore.tick.value += 1  # and its last redraw
    assert run.model is None and run.month == 1  # a view still drawing it reads its last month
    explore.current.value = (
        None  # as the closed session's pages are cleared (app.forget_page_state)
    )
