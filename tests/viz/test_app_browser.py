"""The web app end to end in a real Chromium: every page does its job, at a phone's and a
projector's size, in French and English, with no serious accessibility violation.

These tests start `solara run viz/app.py` on a free port (see conftest.py) and drive
Debian's chromium through Playwright; screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from axe_playwright_python.sync_playwright import Axe

from model.scenario import load_scenario
from viz.downloads import read_planner_csv

pytestmark = pytest.mark.browser

SERIOUS = ("serious", "critical")


def serious_violations(tab) -> list[str]:
    results = Axe().run(tab)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def fits_the_width(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(
    "width, height, lang, texts",
    [
        (390, 844, "fr-FR", ("Un mois", "Comparer", "Lancer la comparaison", "Étape 1 sur 4")),
        (1280, 800, "en-GB", ("Step", "Compare", "Run the comparison", "Step 1 of 4")),
    ],
    ids=["phone-fr", "projector-en"],
)
def test_every_page_fits_speaks_the_browser_language_and_passes_axe(
    open_tab, ui, screenshot, width, height, lang, texts
):
    tab = open_tab(width, height, lang)
    step, compare_tab, run_compare, learn_step = texts
    tab.goto(ui.url + "/?households=2000")
    tab.wait_for_selector("[data-testid=territory-map] svg")
    assert tab.evaluate("document.documentElement.lang") == lang[:2]
    drawer = tab.locator(".v-navigation-drawer").first
    if width < 960:  # on a phone the side panel starts closed and opens from the menu
        tab.wait_for_function(
            "() => !document.querySelector('.v-navigation-drawer--open')", timeout=10_000
        )
        tab.locator(".v-app-bar__nav-icon").first.click()
        tab.wait_for_selector(".v-navigation-drawer--open")
        assert drawer.get_by_role("button", name=step, exact=True).is_visible()
        tab.mouse.click(width - 8, height // 2)  # outside the panel, which closes it
        tab.wait_for_function("() => !document.querySelector('.v-navigation-drawer--open')")
    else:
        assert "v-navigation-drawer--open" in drawer.get_attribute("class")
    assert tab.get_by_role("tab", name=compare_tab).is_visible()
    pages = (
        ("", "[data-testid=territory-map] svg", "explore"),
        ("compare", f"text={run_compare}", "compare"),
        ("learn", f"text={learn_step}", "learn"),
        ("results", "[data-testid=sweep-scatter]", "results"),
        ("optimise", ".policy-design h2", "policy-design"),
    )
    for path, landmark, name in pages:
        tab.goto(f"{ui.url}/{path}?households=2000")
        tab.wait_for_selector(landmark, state="attached")
        tab.wait_for_timeout(500)
        assert fits_the_width(tab), f"{name} is wider than the {width} px screen"
        assert serious_violations(tab) == [], name
        screenshot(tab, f"{name}-{width}-{lang[:2]}")


def test_language_switch_and_a_link_that_reopens_the_same_view(open_tab, ui):
    tab = open_tab(1280, 800, "fr-FR")
    ui.open_explore(tab, "households=2000")
    tab.get_by_role("button", name="Un mois", exact=True).wait_for()
    tab.get_by_role("button", name="English").click()
    tab.get_by_role("button", name="Step", exact=True).wait_for()
    assert tab.evaluate("document.documentElement.lang") == "en"
    ui.choose(tab, "Scenario", "tool.library")
    tab.wait_for_selector("text=municipal tool library")
    tab.wait_for_selector("text=Size of the pool: 6.0")
    tab.wait_for_timeout(1000)  # the controls of the new scenario settle before a key press
    slider = tab.locator(".partage-lever", has_text="Size of the pool").locator("[role=slider]")
    slider.first.focus()
    tab.keyboard.press("End")
    tab.wait_for_selector(".partage-moved")
    tab.wait_for_function("() => location.search.includes('set=')")
    link = tab.url
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(link).query))
    assert query["scenario"] == "tool_library" and query["lang"] == "en"
    again = open_tab(1280, 800, "fr-FR")
    again.goto(link)
    again.wait_for_selector(".partage-moved")
    assert again.get_by_role("button", name="Step", exact=True).is_visible()
    assert (
        again.locator(".partage-moved").inner_text() == tab.locator(".partage-moved").inner_text()
    )
    again.get_by_role("button", name="reset").first.click()
    again.wait_for_function("() => !document.querySelector('.partage-moved')")


def test_explore_steps_runs_to_the_horizon_and_downloads_what_partage_run_reads(
    page, ui, screenshot, tmp_path
):
    ui.open_explore(page, "scenario=tool_library&households=2000&lang=en&good=drill")
    map_before = page.inner_html("[data-testid=territory-map]")
    ui.step(page, 2)
    assert page.inner_html("[data-testid=territory-map]") != map_before
    text = page.inner_text("[data-testid=headline-figures]")
    assert "Baseline" in text and "Difference" in text and "CO2e" in text and "€" in text
    legend = page.inner_text(".partage-legend")
    assert "share it" in legend and "does not need it" in legend
    assert "centre" in page.inner_text("[data-testid=territory-map]")
    page.get_by_role("button", name="Run to the horizon").click()
    ui.wait_month(page, 120)
    page.get_by_text("Side by side with the baseline").click()
    page.wait_for_selector("[data-testid=difference-map]")
    screenshot(page, "explore-horizon-side-by-side")
    with page.expect_download() as download:
        page.get_by_text("Download this scenario (TOML)").click()
    saved = tmp_path / "scenario.toml"
    download.value.save_as(saved)
    scenario = load_scenario(saved)
    assert scenario.households == 2000 and "tool_library" in scenario.policies
    with page.expect_download() as download:
        page.get_by_text("Download these months (CSV)").click()
    csv = tmp_path / "months.csv"
    download.value.save_as(csv)
    header = csv.read_text().splitlines()[0]
    codes = list(read_planner_csv(csv).columns)
    assert codes[:5] == ["scenario", "households", "months", "seed", "month"], header


@pytest.mark.parametrize(
    "width, height, lang, words",
    [
        (1400, 1000, "en", ("Running to the horizon: month", "of 120", "Month")),
        (390, 844, "fr", ("Jusqu'à l'horizon\u00a0: mois", "sur 120", "Mois")),
    ],
)
def test_running_to_the_horizon_shows_the_month_reached_then_the_last_month(
    open_tab, ui, screenshot, width, height, lang, words
):
    tab = open_tab(width=width, height=height)
    ui.open_explore(tab, f"scenario=bordeaux_rive_droite&households=20000&lang={lang}")
    run_label = "Run to the horizon" if lang == "en" else "Jusqu'à l'horizon"
    if width < 960:  # on a phone the side panel opens from the menu, and closes after the click
        tab.wait_for_function("() => !document.querySelector('.v-navigation-drawer--open')")
        tab.locator(".v-app-bar__nav-icon").first.click()
        tab.wait_for_selector(".v-navigation-drawer--open")
    tab.get_by_role("button", name=run_label).click()
    if width < 960:
        tab.mouse.click(width - 8, height // 2)
    progress = tab.locator("[data-testid=horizon-progress]")
    progress.wait_for()
    text = progress.inner_text()
    assert words[0] in text and words[1] in text, text
    screenshot(tab, f"explore-horizon-progress-{lang}")
    ui.wait_month(tab, 120)
    progress.wait_for(state="detached")
    assert f"{words[2]} 120 / 120" in tab.inner_text("[data-testid=month]")


def test_compare_takes_the_edited_scenario_shows_progress_and_cancels(page, ui):
    ui.open_explore(page, "scenario=tool_library&households=2000&lang=en")
    slider = page.locator(".partage-lever", has_text="Size of the pool").locator("[role=slider]")
    slider.first.focus()
    page.keyboard.press("End")
    page.wait_for_selector(".partage-moved")
    page.get_by_role("tab", name="Compare").click()
    page.locator(".v-select", has_text="Scenarios").first.click()
    page.locator(".menuable__content__active .v-list-item", has_text="edited in Explore").click()
    page.keyboard.press("Escape")
    for label, value in (("Replications", "40"), ("Households", "3000"), ("Months", "120")):
        ui.type_in(page, label, value)
    page.get_by_role("button", name="Run the comparison").click()
    page.wait_for_selector(".compare-running .v-progress-linear")
    page.wait_for_selector("text=/left/")
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_function("() => !document.querySelector('.compare-running')")
    assert page.locator("[data-testid=impacts-table]").count() == 0
    for label, value in (("Replications", "2"), ("Households", "300"), ("Months", "12")):
        ui.type_in(page, label, value)
    page.get_by_role("button", name="Run the comparison").click()
    table = page.locator("[data-testid=impacts-table]")
    table.wait_for(timeout=120_000)
    assert "edited scenario" in table.inner_text()
    assert re.search(r"\d to -?\d", table.inner_text()), "95 % intervals shown"
    assert page.locator("[data-testid=compare-curves] polygon").count() > 0, "bands are drawn"
    assert page.get_by_role("button", name=re.compile("Write a report")).is_visible()


def test_learn_tells_the_story_step_by_step(page, ui):
    page.goto(ui.url + "/learn?lang=en")
    sentence = page.locator("[data-testid=story-sentence]")
    sentence.wait_for()
    assert sentence.inner_text().startswith("Month 0")
    for _ in (2, 3, 4):
        before = sentence.inner_text()
        page.get_by_role("button", name="Next").click()
        page.wait_for_function(
            "(b) => document.querySelector('[data-testid=story-sentence]').innerText !== b",
            arg=before,
        )
    page.wait_for_function(
        "() => document.querySelector('[data-testid=story-sentence]').innerText.startsWith('Month 96')"
    )
