"""The Policy design page in a real Chromium: a finished optimisation's front and a calibration's report.

A tiny optimisation and a calibration folder are written into the results
folder the app server reads (the session's `results_dir`), without an
experiment store, so the Results page's list is unchanged.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.viz.conftest import new_tab

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]

TINY = """
name = "tiny-optimisation"
scenario = "{scenarios}/territoire_partage.toml"
baseline = "{scenarios}/baseline.toml"
seed = 5
replications = 2
households = 200
months = 6

[search]
population = 4
generations = 2

[[objectives]]
outcome = "extra_sharing_households"
direction = "maximise"

[[objectives]]
outcome = "net_public_cost_eur"
direction = "minimise"

[levers.tool_library]
optional = true
units_per_1000_households = {{ min = 1, max = 12 }}

[levers.coop_platform]
optional = true

[levers.sharing_forum_and_map]
optional = true
"""


@pytest.fixture(scope="module")
def folders(results_dir, tmp_path_factory, calibration_in):
    from experiments.optimise import run_optimisation

    design = tmp_path_factory.mktemp("design") / "tiny.toml"
    design.write_text(TINY.format(scenarios=ROOT / "scenarios"), encoding="utf-8")
    optimisation = results_dir / "tiny-optimisation"
    outcome = run_optimisation(design, out=optimisation, progress=False)
    (optimisation / "experiment.duckdb").unlink()
    calibration = calibration_in("calibration-demo")
    shutil.copy(ROOT / "scenarios" / "tool_library.toml", calibration / "fitted.toml")
    return outcome


def test_clicking_a_point_of_the_front_shows_its_package_and_opens_it(
    page, app_url, folders, screenshot
):
    from viz.front import Front

    assert len(folders.front) >= 2, "the tiny search must give a front of at least two packages"
    page.goto(app_url + "/optimise")
    page.wait_for_selector("[data-testid=pareto-front] svg")
    drawing = Front(folders.directory)
    assert page.locator("[data-testid=pareto-front] svg rect[width='10']").count() == len(
        drawing.front
    )
    second = drawing.row(2)
    fx, fy = drawing.to_fraction(float(second[drawing.x]), float(second[drawing.y]))
    box = page.locator("[data-testid=pareto-front] svg").bounding_box()
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    page.wait_for_selector("text=Package 2")
    # the package of the point clicked, in words (names, never identifiers)
    package = page.inner_text(".optimise-package")
    kept = [part.split(" (")[0] for part in str(second["package"]).split("; ")]
    assert all(name.replace("_", " ") in package for name in kept), package
    assert "_" not in package
    impacts = page.inner_text("[data-testid=front-impacts]")
    assert "Extra sharing households" in impacts and "Net public cost (EUR)" in impacts
    levers = page.inner_text("[data-testid=front-levers]")
    assert all(lever.split(".")[0].replace("_", " ") in levers for lever in drawing.levers)
    assert "_" not in levers
    screenshot(page, "optimise-front")

    page.get_by_role("button", name="Compare with the baseline").click()
    page.wait_for_selector("[data-testid=front-compare]", timeout=120_000)
    assert (
        "baseline" in page.inner_text("[data-testid=front-compare]").lower()
        or page.locator("[data-testid=front-compare] tr").count() > 1
    )

    page.get_by_role("button", name="Open in Explore").click()
    page.wait_for_url(app_url + "/")
    page.wait_for_selector("[data-testid=territory-map] svg")
    page.wait_for_function(
        "() => document.body.innerText.includes('Point 2 of the Pareto front')", timeout=60_000
    )
    screenshot(page, "optimise-opened-in-explore")


def test_a_calibration_report_is_shown_as_text_with_its_figures(page, app_url, folders, screenshot):
    page.goto(app_url + "/optimise")
    page.wait_for_selector(".calibration-report")
    report = page.inner_text(".calibration-report")
    # parameters by their labels, targets in words with their communes' names, plain numbers
    assert "Force of habit" in report and "behaviour." not in report
    assert "Ambarès-et-Lagrave" in report and "[33003]" not in report
    import pandas as pd

    shown = ROOT / "docs" / "calibration" / "bordeaux_metropole" / "parameters.csv"
    samples = pd.read_csv(shown)["effective_samples"].iloc[0]  # the copy the page reads
    assert f"{samples:,.0f} effective samples" in report and "e-0" not in report
    assert "<img src=x" in report, "a name written in HTML is shown as text"
    assert page.evaluate("() => window.hacked") is None
    assert page.locator(".calibration-report img[src=x]").count() == 0
    for name in ("parameters", "fit"):
        page.wait_for_selector(f"img[data-testid=calibration-figure-{name}]")
    loaded = "() => [...document.images].filter(i => i.complete && i.naturalWidth > 0).length"
    assert page.evaluate(loaded) >= 2, "the report's figures are displayed"
    alt = page.get_attribute("img[data-testid=calibration-figure-fit]", "alt")
    assert "before calibration in orange" in alt
    page.wait_for_selector("[data-testid=calibration-map] .js-plotly-plot", timeout=60_000)
    assert page.get_by_text("Fitted scenario: fitted.toml").count() == 1
    screenshot(page, "optimise-calibration")


def test_the_page_speaks_french_to_a_french_browser(browser, app_url, folders):
    context = browser.new_context(
        locale="fr-FR", extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"}
    )
    tab = context.new_page()
    try:
        tab.goto(app_url + "/optimise")
        tab.wait_for_selector("[data-testid=pareto-front] svg", timeout=60_000)
        assert "Front de Pareto d'une optimisation" in tab.inner_text("body")
        assert (
            "ouvrir dans explorer" in tab.inner_text("body").lower()
        )  # buttons are upper-cased by CSS
    finally:
        context.close()


def test_the_calibration_is_drawn_and_written_in_french(browser, app_url, folders, screenshot):
    """The French page showed the calibration's tables but none of its figures (they carried
    English words), and its shares as fractions ("0,228 ± 0,01")."""
    context, tab = new_tab(browser, 1440, 900, "fr-FR")
    try:
        tab.goto(app_url + "/optimise")
        tab.wait_for_selector(".calibration-report", timeout=60_000)
        for name in ("parameters", "fit"):
            tab.wait_for_selector(f"img[data-testid=calibration-figure-{name}]", timeout=60_000)
        alt = tab.get_attribute("img[data-testid=calibration-figure-fit]", "alt")
        assert "avant calibration en orange" in alt
        report = tab.inner_text(".calibration-report")
        assert "22,8\u202f% ± 1\u202f%" in report
        # no share written as a fraction; a drift of 0.228 points is a figure of its own
        assert not re.search(r"0,228(?!\u00a0pts)", report), report
        scale = "[data-testid=calibration-map] .colorbar .cbaxis text"
        tab.wait_for_selector(scale, timeout=60_000)
        ticks = " ".join(tab.locator(scale).all_text_contents())
        assert "points" in ticks and "," in ticks and "." not in ticks, ticks
        screenshot(tab, "optimise-calibration-fr")
    finally:
        context.close()


def test_the_page_follows_the_address_and_the_switch_and_its_buttons_fit(browser, app_url, folders):
    context = browser.new_context(
        viewport={"width": 1440, "height": 900},
        locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
    )
    tab = context.new_page()
    try:
        tab.goto(app_url + "/optimise?lang=en")
        tab.wait_for_selector("[data-testid=pareto-front] svg", timeout=60_000)
        tab.wait_for_function("() => document.body.innerText.includes('Pareto front of')")
        tab.locator(".partage-lang-fr").click()
        tab.wait_for_function("() => document.body.innerText.includes('Front de Pareto')")
        assert "Pareto front of" not in tab.inner_text("body")
        width = tab.viewport_size["width"]
        for button in tab.locator(".policy-design button").all():
            box = button.bounding_box()
            if box is not None:
                assert box["x"] + box["width"] <= width, f"{button.inner_text()} is cut"
        overflow = tab.evaluate(
            "() => [...document.querySelectorAll('.policy-design *')]"
            ".filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX"
            " !== 'visible' && e.tagName !== 'svg').length"
        )
        assert overflow == 0
    finally:
        context.close()


def test_the_calibrations_figures_stay_readable_on_a_phone(browser, app_url, folders):
    """On a phone the figures shrank to the screen's width and their words to about 6 px: they
    now keep a readable width and scroll sideways in their own box, the page does not."""
    context, tab = new_tab(browser, 390, 844, "en-GB")
    try:
        tab.goto(app_url + "/optimise?lang=en")
        figure = "img[data-testid=calibration-figure-fit]"
        tab.wait_for_selector(figure, timeout=60_000)
        tab.wait_for_function(f"() => document.querySelector('{figure}').complete")
        box = tab.locator(figure).bounding_box()
        assert box is not None and box["width"] >= 540, box
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= 390 + 1
    finally:
        context.close()
