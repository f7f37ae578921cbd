"""Browser tests of results read commune by commune on maps a planner can move.

The defect: no results by commune. A small comparison on the right bank is run
once in one tab; the tests then read its maps:
the communes zoom and pan through Plotly's widget, nothing is fetched from another host,
a click inside a commune picks it (its figures and its curves over the months), the table
sorts, and the communes where the difference is not settled are hatched.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from tests.viz.conftest import new_tab

pytestmark = pytest.mark.browser

RUN_COMPARISON = re.compile("Run (the )?comparison")
PLOT = "[data-testid={id}] .js-plotly-plot"


@pytest.fixture(scope="module")
def compared(browser, app_url):
    """One tab holding a finished comparison of the right bank's fleet (2 × 800 households,
    6 months), with every request the tab made since it opened."""
    from tests.viz.conftest import Ui

    ui = Ui(app_url)
    context, page = new_tab(browser)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(app_url + "/compare?lang=en")
    page.get_by_role("button", name=RUN_COMPARISON).wait_for()
    chosen = page.locator(".v-select", has_text="Scenarios").first
    chosen.locator(".v-chip__close").first.click()
    chosen.click()
    page.locator(
        ".v-menu__content.menuable__content__active .v-list-item",
        has_text=re.compile("^Bordeaux rive droite$"),
    ).first.click()
    page.keyboard.press("Escape")
    for label, value in (("Replications", "2"), ("Households", "800"), ("Months", "6")):
        ui.type_in(page, label, value)
    page.get_by_role("button", name=RUN_COMPARISON).click()
    page.locator(PLOT.format(id="commune-map-difference")).wait_for(timeout=180_000)
    yield page, ui, requests
    context.close()


def traces(page, test_id: str) -> list[dict]:
    page.wait_for_function(
        "(sel) => { const p = document.querySelector(sel); return p && p._fullData "
        "&& p._fullData.length > 1; }",
        arg=PLOT.format(id=test_id),
    )
    return page.evaluate(
        "(sel) => document.querySelector(sel)._fullData.map(t => ({name: t.name, "
        "pattern: (t.fillpattern || {}).shape || '', fill: t.fill}))",
        PLOT.format(id=test_id),
    )


def x_range(page, test_id: str) -> list[float]:
    return page.evaluate(
        "(sel) => document.querySelector(sel)._fullLayout.xaxis.range.slice()",
        PLOT.format(id=test_id),
    )


def screen_point(page, test_id: str, x: float, y: float) -> tuple[float, float]:
    """Where a point of the territory (metres) is on the screen in a map."""
    return tuple(
        page.evaluate(
            """([sel, x, y]) => {
                const plot = document.querySelector(sel), layout = plot._fullLayout;
                const box = plot.getBoundingClientRect();
                return [box.left + layout.xaxis._offset + layout.xaxis.l2p(x),
                        box.top + layout.yaxis._offset + layout.yaxis.l2p(y)];
            }""",
            [PLOT.format(id=test_id), x, y],
        )
    )


def inside(name: str) -> tuple[float, float]:
    """A point inside the commune `name` of the right bank's territory, in metres."""
    from viz import catalogue

    territory = catalogue.load_named("bordeaux_rive_droite").territory.resolved()
    point = territory.projected.reset_index(drop=True)[list(territory.names).index(name)]
    centre = point.representative_point()
    return centre.x, centre.y


def test_commune_maps_are_drawn_by_a_widget_with_names_and_no_other_host(compared):
    page, ui, requests = compared
    for column in ("scenario", "reference", "difference"):
        drawn = [t for t in traces(page, f"commune-map-{column}") if t["fill"] == "toself"]
        assert len(drawn) == 28, f"{column}: {len(drawn)} communes"
        names = [t["name"] for t in drawn]
        assert "Cenon" in names and "Lormont" in names
        assert not any(re.fullmatch(r"33\d{3}", n) for n in names), "a commune named by its code"
    # the hatched communes of the difference map are the table's unsettled rows
    hatched = sum(t["pattern"] == "/" for t in traces(page, "commune-map-difference"))
    assert hatched == page.locator("[data-testid=commune-table] tr.partage-unsettled").count()
    outside = [
        u
        for u in requests
        if not u.startswith("data:") and urlparse(u.removeprefix("blob:")).hostname != "127.0.0.1"
    ]
    assert outside == [], f"requests to another host: {outside[:5]}"


def test_a_commune_map_zooms_and_pans(compared):
    page, _, _ = compared
    test_id = "commune-map-scenario"
    page.locator(PLOT.format(id=test_id)).scroll_into_view_if_needed()
    before = x_range(page, test_id)
    box = page.locator(PLOT.format(id=test_id)).bounding_box()
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*middle)
    for _ in range(4):
        page.mouse.wheel(0, -300)
        page.wait_for_timeout(200)
    page.wait_for_timeout(600)
    zoomed = x_range(page, test_id)
    assert zoomed[1] - zoomed[0] < 0.8 * (before[1] - before[0]), (before, zoomed)
    page.mouse.move(*middle)
    page.mouse.down()
    page.mouse.move(middle[0] + 80, middle[1], steps=8)
    page.mouse.up()
    page.wait_for_timeout(800)
    moved = x_range(page, test_id)
    assert moved[0] < zoomed[0] - 1, (zoomed, moved)


def test_a_click_on_a_commune_gives_its_figures_and_curves(compared):
    page, ui, _ = compared
    test_id = "commune-map-difference"
    page.locator(PLOT.format(id=test_id)).scroll_into_view_if_needed()
    page.mouse.click(*screen_point(page, test_id, *inside("Cenon")))
    page.locator("h4", has_text="Cenon").wait_for()
    page.locator("[data-testid=commune-figures]").wait_for()
    curves = page.locator("[data-testid=commune-curves]")
    page.locator("[data-testid=commune-curve] title", has_text="Cenon").wait_for(state="attached")
    text = curves.inner_text() + " ".join(
        page.locator("[data-testid=commune-curves] svg title").all_text_contents()
    )
    assert "Cenon" in text and "Baseline" in text and "Difference from the baseline" in text
    assert page.locator("[data-testid=commune-curve] polyline").count() >= 2
    # the table sorts by name: Ambarès-et-Lagrave first
    ui.choose(page, "Sort the communes by", "Commune")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=commune-table] tbody tr th')"
        ".innerText.startsWith('Ambar')"
    )


def filled(page, test_id: str, name: str) -> None:
    """Wait until the map shows the commune `name` as chosen (outlined in black)."""
    page.wait_for_function(
        "([sel, name]) => document.querySelector(sel)._fullData"
        ".some(t => t.name === name && t.line.color === '#000000')",
        arg=[PLOT.format(id=test_id), name],
    )
    page.wait_for_timeout(300)


def test_a_click_on_the_package_map_picks_a_commune(page, ui):
    ui.open_explore(page, "scenario=bordeaux_rive_droite&households=1000&lang=en")
    test_id = "package-map"
    plot = page.locator(PLOT.format(id=test_id))
    plot.scroll_into_view_if_needed()
    traces(page, test_id)
    zones = page.locator(".v-select:has([data-testid=package-zones])").first
    page.mouse.click(*screen_point(page, test_id, *inside("Cenon")))
    zones.locator(".v-chip", has_text="Cenon").wait_for()
    filled(page, test_id, "Cenon")  # the map drawn again with Cenon chosen
    page.mouse.click(*screen_point(page, test_id, *inside("Lormont")))
    zones.locator(".v-chip", has_text="Lormont").wait_for()
    assert zones.locator(".v-chip").all_inner_texts() == ["Cenon", "Lormont"]
    filled(page, test_id, "Lormont")
    page.mouse.click(*screen_point(page, test_id, *inside("Cenon")))  # again: still once
    page.wait_for_timeout(1000)
    assert zones.locator(".v-chip").all_inner_texts() == ["Cenon", "Lormont"]
