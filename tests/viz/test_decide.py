"""Browser test of deciding in the app: a policy search launched from the Policy design
page runs in the background with progress and Cancel, its front drawn as it grows; a finished
search's point opens in Compare; a cancelled search leaves the searches finished before."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def searches_removed(results_dir):
    """The searches a test launches leave the shared results folder after it (other tests read
    the first optimisation listed)."""
    before = set(results_dir.glob("app-search-*"))
    yield
    for folder in set(results_dir.glob("app-search-*")) - before:
        shutil.rmtree(folder, ignore_errors=True)


def small_search(page, ui, generations: str) -> None:
    page.goto(ui.url + "/optimise?lang=en")
    page.get_by_role("button", name="Launch the search").wait_for()
    for label, value in (
        ("Packages per generation", "4"),
        ("Generations", generations),
        ("Replications", "1"),
        ("Households simulated", "200"),
        ("Months", "12"),
    ):
        ui.type_in(page, label, value)
    page.get_by_role("button", name="Launch the search").click()
    page.wait_for_selector(".search-running .v-progress-linear")


def test_a_search_launched_from_the_page_grows_its_front_and_opens_in_compare(page, ui):
    small_search(page, ui, generations="2")
    page.locator("[data-testid=growing-front] rect[width='10']").first.wait_for(timeout=120_000)
    page.locator(".search-finished").wait_for(timeout=180_000)
    assert "app-search-" in page.inner_text(".search-finished")
    page.locator("[data-testid=pareto-front]").wait_for()
    page.get_by_role("button", name="Open in Compare").click()
    page.get_by_role("button", name="Run the comparison").wait_for()
    chosen = page.locator("[data-testid=compare-scenarios]").first
    assert "edited" in page.locator(".v-select", has=chosen).first.inner_text()


def test_cancelling_a_search_keeps_the_searches_finished_before(page, ui):
    small_search(page, ui, generations="20")
    page.get_by_role("button", name="Cancel").click()
    page.locator(".search-stopped").wait_for(timeout=60_000)
    assert page.locator(".search-running").count() == 0
