"""Browser tests: Results reads the app's comparisons, Cancel keeps the last
comparison, a new scenario keeps the added policies, Play has a speed. Each fails on the app as it
was before its fix."""

from __future__ import annotations

import re

import pytest

from tests.viz.test_planner_path import RUN_COMPARISON, small_comparison
from viz.downloads import read_planner_csv

pytestmark = pytest.mark.browser


def test_results_plots_a_comparison_by_scenario(page, ui, results_dir):
    from experiments.compare import compare_scenarios
    from viz.catalogue import SCENARIO_DIR

    folder = results_dir / "app-compare-test"
    if not folder.exists():
        compare_scenarios(
            SCENARIO_DIR / "baseline.toml",
            {"tool_library": SCENARIO_DIR / "tool_library.toml"},
            replications=1,
            households=100,
            months=3,
            directory=folder,
        )
    page.goto(ui.url + "/results?lang=en")
    ui.choose(page, "Experiment", "app-compare-test")
    page.locator("[data-testid=sweep-scatter]").wait_for()
    body = page.inner_text("body")
    assert "no swept parameter" not in body
    chosen = page.locator(".v-select", has_text="Swept parameter").first.inner_text()
    assert "Scenario" in chosen, chosen


def test_results_reads_counts_for_the_territory_not_the_sample(page, ui, results_dir, tmp_path):
    """Issue 18, item 4 (Results showed the sample's figures): a count at the horizon is the
    territory's, as the comparison engine gives it, and the page says for which territory."""
    from experiments.store import StoreReader
    from experiments.territory_figures import Territory

    test_results_plots_a_comparison_by_scenario(page, ui, results_dir)
    field = page.locator("[data-testid=outcome-select]").first
    field.click(force=True)
    page.keyboard.type("households sharing at least")
    page.locator(
        ".menuable__content__active .v-list-item",
        has_text=re.compile("^households sharing at least one good$"),
    ).first.click()
    page.wait_for_timeout(1500)
    assert "for the territory (10,000 households)" in page.inner_text(".results-territory")
    with page.expect_download() as download:
        page.get_by_text("Download these values (CSV)").click()
    saved = tmp_path / "values.csv"
    download.value.save_as(saved)

    shown = read_planner_csv(saved).set_index("run_id")["sharing_households"]
    with StoreReader(results_dir / "app-compare-test") as reader:
        sample = reader.horizon_values(["sharing_households"]).set_index("run_id")
        factor = Territory.from_json(reader.design["territory"]).factor
    assert factor == 100
    for run_id, value in shown.items():
        assert value == sample.loc[run_id, "sharing_households"] * factor


def test_cancel_keeps_the_last_finished_comparison(page, ui):
    small_comparison(page, ui, replications="1")
    for label, value in (("Replications", "40"), ("Households", "3000"), ("Months", "120")):
        ui.type_in(page, label, value)
    page.get_by_role("button", name=RUN_COMPARISON).click()
    page.wait_for_selector(".compare-running")
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_function("() => !document.querySelector('.compare-running')")
    assert page.locator("[data-testid=impacts-table]").is_visible(), "Cancel cleared the results"
    assert "last finished comparison" in page.inner_text("body")


def test_a_new_scenario_keeps_the_added_policies_and_says_so(page, ui):
    ui.open_explore(page, "scenario=baseline&households=500&lang=en")
    page.locator("[data-testid=package-policy]").first.click()
    page.locator(
        ".v-menu__content.menuable__content__active .v-list-item",
        has_text=re.compile("^tool library$"),
    ).first.click()
    page.get_by_role("button", name="Add to the package").click()
    page.get_by_text("Policy: tool library", exact=True).wait_for()
    ui.choose(page, "Scenario", "awareness campaign")
    page.locator(".partage-carried").wait_for()
    assert "tool library" in page.inner_text(".partage-carried")
    page.get_by_text("Policy: tool library", exact=True).wait_for()


def test_play_has_a_speed_control(page, ui):
    ui.open_explore(page, "households=500&lang=en")
    ui.choose(page, "Play speed", "1 months per second")
    field = page.locator(".v-select", has_text="Play speed").first
    assert "1 months per second" in field.inner_text()
    page.get_by_role("button", name="Play", exact=True).click()
    ui.wait_month(page, 1)
    page.get_by_role("button", name="Pause", exact=True).click()


@pytest.mark.parametrize(
    "lang, heading", [("fr", "Comparer à la référence"), ("en", "Compare with the baseline")]
)
def test_the_compare_heading_and_the_baseline_line_are_apart(open_tab, ui, lang, heading):
    tab = open_tab(1440, 900, "fr-FR" if lang == "fr" else "en-GB")
    tab.goto(f"{ui.url}/compare?lang={lang}")
    tab.locator(".compare-baseline").first.wait_for()
    drawer = tab.locator(".v-navigation-drawer").first.inner_text()
    line = next(line for line in drawer.splitlines() if line.startswith(heading))
    assert line.strip() == heading, f"the heading runs into the next text: {line!r}"
