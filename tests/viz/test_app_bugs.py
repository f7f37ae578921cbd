"""One browser test per defect found by trying the app as a planner and a teacher would.

Each test drives the app in Chromium the way the defect was seen, and fails on the app
as it was before its fix.
"""

from __future__ import annotations

import json
import re
import time

import pytest

pytestmark = pytest.mark.browser

# Button names matched loosely, so that these tests run on the app as it was before its fixes.
RUN_COMPARISON = re.compile("Run (the )?comparison")
SCIENTIFIC = re.compile(r"\d(?:[.,]\d+)?e[+-]\d", re.IGNORECASE)


def test_bug_01_opening_lever_panels_changes_nothing(page, ui):
    ui.open_explore(page)
    ui.step(page, 2)
    for panel in ("Levers: behaviour", "Levers: network", "Levers: market"):
        page.get_by_text(panel).click()
    page.wait_for_timeout(2000)
    assert ui.month(page) == 2, "opening a panel restarted the run"
    assert page.locator(".partage-moved").count() == 0, "a control changed a value nobody touched"


def test_bug_02_the_map_fits_its_column(open_tab, ui):
    tab = open_tab(1280, 800)
    ui.open_explore(tab)
    box = tab.locator("[data-testid=territory-map] svg").bounding_box()
    holder = tab.locator("[data-testid=territory-map]").evaluate(
        "(e) => { const c = e.closest('.partage-map-column') || e.parentElement;"
        " const r = c.getBoundingClientRect();"
        " return {left: r.left, right: r.right, scroll: e.scrollWidth, client: e.clientWidth}; }"
    )
    assert box["width"] > 250
    assert box["x"] >= holder["left"] - 1 and box["x"] + box["width"] <= holder["right"] + 1
    assert holder["scroll"] <= holder["client"] + 1, "the map hides behind an inner scroll"


def test_bug_03_every_slider_has_room(page, ui):
    ui.open_explore(page, "scenario=territoire_partage&lang=en")
    page.wait_for_selector(".v-slider")
    widths = page.eval_on_selector_all(
        ".v-slider",
        "(els) => els.filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().width)",
    )
    assert len(widths) > 10
    assert min(widths) >= 100, f"sliders too narrow to use: {sorted(widths)[:5]} px"


def test_bug_04_an_invalid_household_count_does_not_stick(page, ui):
    ui.open_explore(page)
    ui.type_in(page, "Households", "5")
    page.wait_for_selector("text=allowed from 10 to 20,000")
    ui.choose(page, "Scenario", "tool.library")
    page.wait_for_selector("text=municipal tool library")
    assert page.locator(".scenario-error").count() == 0
    assert ui.month(page) == 0


def test_bug_05_a_description_is_shown_as_text_never_run(page, ui):
    ui.open_explore(page)
    page.get_by_text("Edit or upload a scenario (TOML)").click()
    attack = '<img src=x onerror="window.__attacked = 1">'
    page.locator("textarea").first.fill(
        f'extends = "baseline.toml"\ndescription = {json.dumps(attack)}\n'
    )
    page.locator("textarea").first.press("Tab")
    page.get_by_role("button", name=re.compile("Apply (the )?edited scenario")).click()
    page.get_by_text(attack).first.wait_for()
    drop_file(
        page, "attack.toml", f'extends = "tool_library.toml"\ndescription = {json.dumps(attack)}\n'
    )
    page.wait_for_timeout(1500)
    assert page.evaluate("window.__attacked") is None, "the description ran as HTML"


def drop_file(tab, name: str, text: str) -> None:
    """Drop a file on the scenario drop zone as a user dragging it from their desktop would.

    A page cannot make a real desktop drag, so the drop event carries an item giving the
    file the way Chromium's file-system entry does (`webkitGetAsEntry().file(...)`)."""
    tab.locator(".solara-file-drop").first.evaluate(
        """(zone, [name, text]) => {
            const file = new File([text], name, {type: 'application/toml'});
            const item = {webkitGetAsEntry: () => ({isFile: true, file: (ok) => ok(file)})};
            const drop = new Event('drop', {bubbles: true, cancelable: true});
            Object.defineProperty(drop, 'dataTransfer', {value: {items: [item], files: [file]}});
            zone.dispatchEvent(drop);
        }""",
        [name, text],
    )


def test_bug_06_a_dropped_file_shows_in_the_editor_and_a_refused_one_goes(page, ui):
    ui.open_explore(page)
    page.get_by_text("Edit or upload a scenario (TOML)").click()
    good_file = (
        'extends = "baseline.toml"\nname = "dropped_here"\n[behaviour]\nprice_weight = 9.5\n'
    )
    drop_file(page, "mine.toml", good_file)
    page.wait_for_function(
        "() => [...document.querySelectorAll('textarea')].some(t => t.value.includes('dropped_here'))"
    )
    drop_file(page, "broken.toml", "this is = = not toml")
    page.wait_for_selector(".scenario-error")
    page.wait_for_timeout(1000)
    assert "broken.toml" not in page.locator(".solara-file-drop").first.inner_text()


def test_bug_07_compare_refuses_bad_fields_and_runs_nothing_unchosen(page, ui):
    page.goto(ui.url + "/compare")
    page.get_by_role("button", name=RUN_COMPARISON).wait_for()
    ui.type_in(page, "Months", "100000")
    page.wait_for_selector("text=allowed from 1 to 600")
    ui.type_in(page, "Replications", "500")
    page.wait_for_selector("text=allowed from 1 to 50")
    # the fields keep what was typed and nothing runs with a clamped value
    assert ui.field(page, "Months").input_value() == "100000"
    page.locator(".v-select", has_text="Scenarios").first.locator(".v-chip__close").first.click()
    page.get_by_role("button", name=RUN_COMPARISON).click()
    page.wait_for_selector("text=Choose at least one scenario")
    assert page.locator("[data-testid=impacts-table]").count() == 0
    log = ui.server_log()
    assert "Traceback" not in log, log[log.find("Traceback") :][:3000]


@pytest.mark.parametrize("typed", ["-5", "abc"])
def test_bug_08_explore_refuses_bad_inputs_with_a_message(page, ui, typed):
    ui.open_explore(page)
    ui.step(page, 1)
    ui.type_in(page, "Households", typed)
    ui.type_in(page, "Seed", "-3" if typed == "-5" else "x1")
    page.wait_for_timeout(1000)
    messages = page.locator(".v-messages__message", has_text=re.compile("allowed|whole number"))
    assert messages.count() == 2, "a bad value was adjusted without a word"
    assert ui.month(page) == 1, "a bad value rebuilt the run"
    assert ui.field(page, "Households").input_value() == typed


def test_bug_09_no_scientific_notation_and_intervals_say_why(page, ui):
    ui.open_explore(page, "scenario=tool_library&lang=en")
    ui.step(page, 1)
    texts = page.eval_on_selector_all("svg text", "(els) => els.map(e => e.textContent)")
    shown = page.inner_text("body") + " ".join(texts)
    assert not SCIENTIFIC.search(shown), SCIENTIFIC.search(shown)
    page.goto(ui.url + "/compare")
    for label, value in (("Replications", "1"), ("Households", "300"), ("Months", "6")):
        ui.type_in(page, label, value)
    page.get_by_role("button", name=RUN_COMPARISON).click()
    table = page.locator("[data-testid=impacts-table]")
    table.wait_for(timeout=120_000)
    text = table.inner_text()
    assert "– to –" not in text and "none: one replication gives no interval" in text
    texts = page.eval_on_selector_all("svg text", "(els) => els.map(e => e.textContent)")
    assert not SCIENTIFIC.search(page.inner_text("body") + " ".join(texts))


def test_bug_10_household_zero_is_household_zero(page, ui):
    ui.open_explore(page)
    state = page.inner_text("[data-testid=household-state]")
    assert re.search(r"Household\s+0\b", state), state
    assert "id" not in state.split()


def test_bug_11_no_page_asks_for_a_cdn(open_tab, ui):
    tab = open_tab()
    asked = []
    tab.on("request", lambda request: asked.append(request.url))
    ui.open_explore(tab)
    for path, landmark in (
        ("/compare", "text=/Run (the )?comparison/"),
        ("/learn", "text=Step 1 of 4"),
        ("/optimise", ".policy-design h2"),
    ):
        tab.goto(ui.url + path)
        tab.wait_for_selector(landmark)
    tab.wait_for_timeout(1000)
    local = (ui.url, "data:", f"blob:{ui.url}")
    outside = [u for u in asked if not u.startswith(local)]
    assert not outside, outside[:3]
    assert not [u for u in asked if "katex" in u.lower()], "KaTeX asked for through the CDN proxy"


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) / 1024


def test_bug_12_a_closed_tab_gives_its_memory_back(open_tab, ui, app_server):
    _, process = app_server
    sizes = []
    for _ in range(4):
        tab = open_tab()
        ui.open_explore(tab, "scenario=tool_library&households=20000&lang=en")
        before = len(re.findall(r"explore runs alive: (\d+)", ui.server_log()))
        tab.context.close()
        for _ in range(30):  # the server frees a closed session a few seconds after its tab
            time.sleep(1)
            alive = re.findall(r"explore runs alive: (\d+)", ui.server_log())
            if len(alive) > before and alive[-1] == "0":
                break
        sizes.append(_rss_mb(process.pid))
    assert alive and alive[-1] == "0", "runs kept after their tab closed"
    assert sizes[-1] - sizes[0] < 40, f"memory after each closed tab (MB): {sizes}"


def test_bug_13_results_keeps_named_values_hides_paths_and_searches(page, ui, results_dir):
    page.goto(ui.url + "/results")
    page.wait_for_selector("text=demo sweep")
    page.wait_for_selector("[data-testid=sweep-scatter]")
    assert str(results_dir) not in page.inner_text("body")
    page.locator(".v-select", has_text="Swept parameter").first.click()
    options = page.locator(".menuable__content__active .v-list-item").all_inner_texts()
    assert any("network" in option.lower() for option in options), options
    assert not any(re.search(r"[a-z_]+\.[a-z_]+", option) for option in options), options
    page.keyboard.press("Escape")
    search = page.locator("[data-testid=outcome-select] input, .v-autocomplete input").first
    search.click()
    search.fill("trust")
    shown = page.locator(".menuable__content__active .v-list-item").all_inner_texts()
    assert shown and all("trust" in option.lower() for option in shown), shown
    assert not any(re.fullmatch(r"[a-z_]+(\.[a-z_0-9]+)+", option) for option in shown)
    page.keyboard.press("Escape")
    ui.choose(page, "Experiment", "zz broken")
    page.wait_for_selector("text=cannot be read")
    assert str(results_dir) not in page.inner_text("body")
