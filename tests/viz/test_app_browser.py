"""The web app end to end in a real Chromium: every page loads and does its job; screenshots are saved.

These tests start `solara run viz/app.py` on a free port (see conftest.py) and
drive Debian's chromium through Playwright.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def open_explore(page, app_url):
    page.goto(app_url + "/")
    page.wait_for_selector("[data-testid=territory-map] svg")


def headline(page) -> str:
    return page.inner_text(".partage-headline")


def month(page) -> int:
    return int(re.search(r"Month\s*(\d+) /", headline(page)).group(1))


def step(page, months: int) -> None:
    """Press Step `months` times, each time waiting for the month shown to go up by one."""
    for _ in range(months):
        expected = month(page) + 1
        page.get_by_role("button", name="Step", exact=True).click()
        page.wait_for_function(
            "(m) => document.querySelector('.partage-headline').innerText.includes(`Month\\n${m} /`)",
            arg=expected,
            timeout=20_000,
        )


def choose(page, label: str, option: str) -> None:
    """Pick an option of a Vuetify select by its label."""
    page.locator(".v-select", has_text=label).first.click()
    page.locator(
        ".v-menu__content .v-list-item", has_text=re.compile(f"^{re.escape(option)}$")
    ).first.click()


def test_explore_loads_chooses_a_scenario_and_stepping_changes_map_and_curves(
    page, app_url, screenshot
):
    open_explore(page, app_url)
    screenshot(page, "explore-loaded")
    choose(page, "Scenario", "tool_library")
    page.wait_for_selector("text=municipal tool library", timeout=60_000)
    page.get_by_role("button", name="drill", exact=True).click()
    page.wait_for_timeout(500)
    map_before = page.inner_html("[data-testid=territory-map]")
    curves_before = page.inner_html("[data-testid=curves-top]")
    step(page, 4)
    assert "4 / 120" in headline(page)
    state_before = page.inner_text("[data-testid=household-state]")
    box = page.locator("[data-testid=territory-map] svg").bounding_box()
    page.mouse.click(box["x"] + 0.5 * box["width"], box["y"] + 0.5 * box["height"])
    page.wait_for_function(
        "(b) => document.querySelector('[data-testid=household-state]').innerText !== b",
        arg=state_before,
    )
    assert "centre" in page.inner_text("[data-testid=household-state]"), (
        "the middle of the map is the centre"
    )
    assert page.inner_html("[data-testid=territory-map]") != map_before
    assert page.inner_html("[data-testid=curves-top]") != curves_before
    screenshot(page, "explore-stepped")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(
        "() => /Month\\n(9|\\d\\d+) \\//.test("
        "document.querySelector('.partage-headline').innerText)"
    )
    page.get_by_role("button", name="Pause", exact=True).click()
    paused = month(page)
    page.wait_for_timeout(1500)
    assert month(page) <= paused + 1, "Pause stops the run"


def test_a_policy_lever_changes_the_outcome(page, app_url, screenshot):
    open_explore(page, app_url)
    choose(page, "Scenario", "tool_library")
    page.wait_for_selector("text=Size of the pool (units per 1 000 households)")
    step(page, 3)
    before = headline(page)
    slider = (
        page.locator(".v-input", has_text="Size of the pool (units per 1 000 households)")
        .locator("[role=slider]")
        .first
    )
    slider.focus()
    page.keyboard.press("End")
    page.wait_for_selector("text=Size of the pool (units per 1 000 households): 30")
    page.wait_for_function(
        "() => document.querySelector('.partage-headline').innerText.includes('0 / 120')"
    )
    step(page, 3)
    after = headline(page)
    assert "3 / 120" in after
    spend = re.compile(r"Public spend so far\s*([\d ]+) EUR")
    assert spend.search(after).group(1) != spend.search(before).group(1), (before, after)
    screenshot(page, "explore-lever-moved")


def test_an_invalid_scenario_shows_its_message_and_the_app_keeps_working(page, app_url, screenshot):
    open_explore(page, app_url)
    page.get_by_text("Edit or upload a scenario (TOML)").click()
    editor = page.locator("textarea").first
    editor.fill('extends = "baseline.toml"\n[behaviour]\nprice_weight = -5\n')
    editor.press("Tab")
    page.get_by_role("button", name="Apply edited scenario").click()
    alert = page.locator(".v-alert", has_text="behaviour.price_weight")
    alert.wait_for()
    assert "-5" in alert.inner_text()
    screenshot(page, "explore-invalid-scenario")
    step(page, 1)
    assert "1 / 120" in headline(page)


def test_compare_runs_replications_and_produces_its_table(page, app_url, screenshot):
    page.goto(app_url + "/compare")
    for label, value in (("Replications", "2"), ("Households", "300"), ("Months", "12")):
        field = page.locator(".v-text-field", has_text=label).locator("input").first
        field.fill(value)
        field.press("Enter")
    page.get_by_role("button", name="Run comparison").click()
    table = page.locator("[data-testid=impacts-table]")
    table.wait_for(timeout=120_000)
    text = table.inner_text()
    assert "tool_library" in text and "change in sharing households" in text
    assert "public cost per tonne" in text
    assert page.get_by_text("Download the impacts (CSV)").is_visible()
    assert page.locator("[data-testid=compare-curves] polygon").count() > 0, "bands are drawn"
    screenshot(page, "compare")


def test_learn_tells_the_story_step_by_step(page, app_url, screenshot):
    page.goto(app_url + "/learn")
    sentence = page.locator("[data-testid=story-sentence]")
    sentence.wait_for()
    assert sentence.inner_text().startswith("Month 0")
    screenshot(page, "learn-1")
    for chapter in (2, 3, 4):
        before = sentence.inner_text()
        page.get_by_role("button", name="Next").click()
        page.wait_for_function(
            "(b) => document.querySelector('[data-testid=story-sentence]').innerText !== b",
            arg=before,
        )
        screenshot(page, f"learn-{chapter}")
    assert sentence.inner_text().startswith("Month 96")


def test_results_opens_a_store_and_plots_an_outcome(page, app_url, screenshot):
    page.goto(app_url + "/results")
    page.wait_for_selector("text=demo_sweep")
    page.wait_for_selector("img")
    assert page.get_by_text("Spearman").is_visible()
    screenshot(page, "results")


def test_tabs_lead_to_every_page(page, app_url):
    open_explore(page, app_url)
    for tab, landmark in (
        ("compare", "Run comparison"),
        ("learn", "Step 1 of 4"),
        ("results", "demo_sweep"),
    ):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_selector(f"text={landmark}")
        assert page.url.rstrip("/").endswith(f"/{tab}")
