"""The documentation's screenshots of the web app.

`python -m viz.screenshots [OUT_DIR]` serves the app on a free port, opens it in Chromium at a
projector's 1280×800 and a phone's 390×844, in French and in English, runs the tool-library
scenario for two years beside the baseline, and saves what the page shows to
`docs/screenshots/` (or OUT_DIR).

`python -m viz.screenshots --planner OUT_DIR` follows the planner's tutorial
(`docs/tutorials/planner.md`) — a territory, a package run to the horizon, its comparison with
the baseline, the council report — and saves one screenshot per step. The browser tests follow
the same steps (`planner_tour`), so the tutorial cannot drift from the app.

`python -m viz.screenshots --policy-design OUT_DIR` shoots the Policy design page showing the
calibration the docs show (`docs/calibration/bordeaux_metropole`), in French and in English, at
1440×900 and on a phone: its tables, its figures and its map of the communes.

`python -m viz.screenshots [OUT_DIR]` then shoots a planner's path, in French and in English,
each page at 1440×900 and on a phone (390×844): a package on Bordeaux's right bank built with the controls,
compared with the reference, and the council report written from the comparison (`path-*.png`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
CHROMIUM = "/usr/bin/chromium"
MONTHS = 24


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PLANNER_STEPS = ("1-territory", "2-package", "3-compare", "4-report")


def planner_tour(page, url: str, out: Path | None = None) -> list[Path]:
    """The planner's tutorial in the app, in English: each step waits for what the tutorial says
    the page shows, and, with `out`, saves a screenshot of it."""
    saved: list[Path] = []

    def shot(name: str) -> None:
        if out is not None:
            page.wait_for_timeout(1000)
            path = out / f"{name}.png"
            page.screenshot(path=str(path))
            saved.append(path)

    page.set_default_timeout(300_000)
    page.goto(f"{url}/?scenario=bordeaux_metropole&households=2000&lang=en")
    page.wait_for_selector("[data-testid=territory-map] svg")
    shot(PLANNER_STEPS[0])
    page.goto(f"{url}/?scenario=territoire_partage&households=2000&lang=en")
    page.wait_for_selector("[data-testid=territory-map] svg")
    page.get_by_role("button", name="Run to the horizon").click()
    page.wait_for_function(
        "() => /Month\\s*120\\s*\\//.test(document.body.innerText)", timeout=300_000
    )
    shot(PLANNER_STEPS[1])
    page.get_by_role("tab", name="Compare").click()
    page.locator(".v-select", has_text="Scenarios").first.click()
    options = page.locator(".menuable__content__active .v-list-item")
    options.filter(has_text=re.compile("^territoire partage$")).click()  # the package, chosen
    options.filter(has_text=re.compile("^tool library$")).click()  # the page's default, left out
    page.keyboard.press("Escape")
    for label, value in (("Replications", "3"), ("Households", "1000"), ("Months", "60")):
        field = page.locator(".v-text-field", has_text=label).locator("input").first
        field.fill(value)
        field.press("Enter")
    page.get_by_role("button", name="Run the comparison").click()
    page.locator("[data-testid=impacts-table]").wait_for()
    shot(PLANNER_STEPS[2])
    page.get_by_role("button", name=re.compile("Write a report")).click()
    page.wait_for_selector("text=/Report written in/")
    page.wait_for_selector("text=/Writing the report/", state="detached")
    page.locator("text=/Report written in/").scroll_into_view_if_needed()
    shot(PLANNER_STEPS[3])
    return saved


def take_planner(out: Path) -> list[Path]:
    """Serve the app and follow the planner's tutorial, one screenshot per step."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with _served() as (url, results), sync_playwright() as playwright:
        browser = _launch(playwright)
        context = _context(browser, 1280, 800, "en")
        saved = planner_tour(context.new_page(), url, out)
        browser.close()
    return saved


@contextlib.contextmanager
def _served():
    """The app on a free local port, for as long as the block lasts, with its results in a
    temporary folder; yields its address and that folder."""
    port = _free_port()
    results = Path(tempfile.mkdtemp(prefix="partage-screenshots-"))
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "solara",
            "run",
            str(ROOT / "viz" / "app.py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--production",
            "--no-open",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PARTAGE_RESULTS_DIR": str(results)},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                urllib.request.urlopen(url + "/learn", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        yield url, results
    finally:
        server.terminate()
        server.wait(timeout=15)
        shutil.rmtree(results, ignore_errors=True)


def _launch(playwright):
    """Debian's Chromium, headless, as the browser tests run it."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    )


def _context(browser, width: int, height: int, lang: str):
    """A browser window of that size, asking for pages in `lang`."""
    return browser.new_context(
        viewport={"width": width, "height": height},
        locale=lang,
        extra_http_headers={"Accept-Language": lang},
    )


def take(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with _served() as (url, results), sync_playwright() as playwright:
        browser = _launch(playwright)
        for size, (width, height) in SIZES.items():
            for lang in ("fr", "en"):
                context = _context(browser, width, height, lang)
                page = context.new_page()
                page.set_default_timeout(120_000)
                page.goto(f"{url}/?scenario=tool_library&good=drill&households=5000&lang={lang}")
                page.wait_for_selector("[data-testid=territory-map] svg")
                step = "Step" if lang == "en" else "Un mois"
                if width < 960:
                    page.locator(".v-app-bar__nav-icon, .v-app-bar button").first.click()
                for month in range(1, MONTHS + 1):
                    page.get_by_role("button", name=step, exact=True).click()
                    page.wait_for_function(
                        "(m) => new RegExp(`(Month|Mois)\\\\s*${m}\\\\s*/`)"
                        ".test(document.body.innerText)",
                        arg=month,
                    )
                if width < 960:
                    page.keyboard.press("Escape")
                    page.mouse.click(width - 10, height - 10)
                page.wait_for_timeout(1500)
                path = out / f"explore-{size}-{lang}.png"
                page.screenshot(path=str(path))
                saved.append(path)
                context.close()
        for lang in ("fr", "en"):
            saved += planner_path(browser, url, out, lang, results)
        browser.close()
    return saved


PATH_SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
MENU_ITEM = ".v-menu__content.menuable__content__active .v-list-item"  # an open list's options


def pick(page, test_id: str, *options: str, settle_ms: int = 0) -> None:
    """Tick options of a (multiple) list by their words (typed first in a searchable list),
    each shown as a chip before the next, then close the list (and wait `settle_ms` for the
    server's answer before the next choice)."""
    field = page.locator(f".v-select:has([data-testid={test_id}]), [data-testid={test_id}]").first
    for option in options:
        field.click()
        search = field.locator("input[type=text]:not([readonly])")
        if search.count():
            search.fill(option.split(": ")[-1])
        page.locator(MENU_ITEM, has_text=re.compile(f"^{re.escape(option)}$")).first.click()
        field.locator(".v-chip", has_text=option).wait_for()
        page.keyboard.press("Escape")
        page.wait_for_timeout(settle_ms)
    for option in options:
        field.locator(".v-chip", has_text=option).wait_for()


def start_package(
    page, policy: str, zones: list[str], quintiles: list[str], settle_ms: int = 0
) -> None:
    """Explore's package builder: a policy of the library by its words, its communes (names or
    groups) and its income fifths, ready to add."""
    page.locator("[data-testid=package-policy]").first.click()
    page.locator(MENU_ITEM, has_text=re.compile(f"^{re.escape(policy)}$")).first.click()
    pick(page, "package-zones", *zones, settle_ms=settle_ms)
    pick(page, "package-quintiles", *quintiles, settle_ms=settle_ms)


def package_map_drawn(page) -> None:
    """Wait until the package builder's commune map is drawn (Plotly holds its traces): it moves
    what is below it as it draws."""
    page.wait_for_function(
        "(sel) => { const p = document.querySelector(sel); return p && p._fullData "
        "&& p._fullData.length > 1; }",
        arg="[data-testid=package-map] .js-plotly-plot",
    )
    page.wait_for_timeout(500)


def commune_maps_drawn(page, maps: int = 3) -> None:
    """Wait until a comparison's commune maps (the scenario, the reference, their difference) are
    drawn by Plotly."""
    page.wait_for_function(
        "(n) => { const p = [...document.querySelectorAll("
        "'[data-testid=commune-maps] .js-plotly-plot')]; "
        "return p.length >= n && p.every((m) => m._fullData && m._fullData.length > 0); }",
        arg=maps,
        timeout=600_000,
    )
    page.wait_for_timeout(1000)


RIGHT_BANK = "rive droite"  # Bassens, Cenon, Floirac and Lormont, a group of the scenario


def planner_path(browser, url: str, out: Path, lang: str, results: Path) -> list[Path]:
    """Package on the right bank → compare → report, each step shot at both sizes."""
    from playwright.sync_api import expect

    from viz.i18n import gettext

    def t(text: str) -> str:
        return gettext(text, lang)

    context = _context(browser, 1440, 900, lang)
    page = context.new_page()
    page.set_default_timeout(240_000)
    saved = []

    def shoot(name: str, focus) -> None:
        """A screenshot at each size, `focus` scrolled into view at that size (a page made
        narrower is laid out again, and what was in view at the desktop's size moves)."""
        for size, (width, height) in PATH_SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(1500)
            focus.scroll_into_view_if_needed()
            page.wait_for_timeout(1500)
            path = out / f"path-{name}-{size}-{lang}.png"
            page.screenshot(path=str(path), full_page=size == "desktop")
            saved.append(path)
        page.set_viewport_size({"width": 1440, "height": 900})
        page.wait_for_timeout(500)

    page.goto(f"{url}/?scenario=bordeaux_rive_droite&households=4000&lang={lang}")
    page.wait_for_selector("[data-testid=territory-map] svg")
    start_package(
        page,
        t("tool library"),
        [t("group: {name}").format(name=t(RIGHT_BANK))],
        [t("fifth {q}").format(q=1), t("fifth {q}").format(q=2)],
        settle_ms=1500,
    )
    package_map_drawn(page)  # the map above the button, drawn: the button stays in place
    page.get_by_role("button", name=t("Add to the package")).click()
    page.get_by_text(t("Policy: {name}").format(name=t("tool library")), exact=True).wait_for()
    shoot("1-package", page.locator("[data-testid=package-policy]").first)

    page.get_by_role("tab", name=t("Compare")).click()
    chosen = page.locator(".v-select:has([data-testid=compare-scenarios])").first
    chosen.wait_for()
    closes = chosen.locator(".v-chip__close")
    for left in range(closes.count() - 1, -1, -1):  # each chip gone before the next is closed
        closes.first.click()
        expect(closes).to_have_count(left, timeout=240_000)  # the page's own timeout
    chosen.click()
    page.locator(
        ".v-menu__content.menuable__content__active .v-list-item",
        has_text=t("the scenario edited in Explore"),
    ).first.click()
    page.keyboard.press("Escape")
    for name, value in (("replications", "3"), ("households", "4000"), ("months", "36")):
        field = page.locator(f".partage-field-{name} input").first
        field.fill(value)
        field.press("Enter")
    page.get_by_role("button", name=t("Run the comparison")).click()
    page.locator("[data-testid=commune-maps]").wait_for(timeout=600_000)
    page.get_by_role("button", name=t("Cancel")).wait_for(state="detached", timeout=600_000)
    commune_maps_drawn(page)
    shoot("2-compare", page.locator("[data-testid=commune-maps]"))

    page.get_by_role(
        "button",
        name=re.compile(re.escape(t("Write a report for a council meeting (HTML and PDF)")[:30])),
    ).click()
    page.get_by_text(t("Download the report (PDF)")).wait_for(timeout=600_000)
    shoot("3-report-written", page.get_by_text(t("Download the report (PDF)")))
    reports = sorted(results.glob(f"app-compare-*/report/report.{lang}.html"))
    if reports:
        page.goto(reports[-1].resolve().as_uri())
        page.wait_for_timeout(1500)
        shoot("4-report", page.locator("body"))
    context.close()
    return saved


CALIBRATION_SHOWN = ROOT / "docs" / "calibration" / "bordeaux_metropole"
CALIBRATION_PARTS = (
    ("1-tables", "[data-testid=calibration-parameters]"),
    ("2-parameters", "img[data-testid=calibration-figure-parameters]"),
    ("3-fit", "img[data-testid=calibration-figure-fit]"),
    ("4-map", "[data-testid=calibration-map]"),
)


def take_policy_design(out: Path) -> list[Path]:
    """Serve the app with the docs' calibration among its results and shoot each part of its
    report on the Policy design page, in both languages, at 1440×900 and on a phone."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with _served() as (url, results), sync_playwright() as playwright:
        shutil.copytree(CALIBRATION_SHOWN, results / "calibrate_bordeaux")
        browser = _launch(playwright)
        for size, (width, height) in PATH_SIZES.items():
            for lang in ("fr", "en"):
                context = _context(browser, width, height, lang)
                page = context.new_page()
                page.set_default_timeout(120_000)
                page.goto(f"{url}/optimise?lang={lang}")
                for name, selector in CALIBRATION_PARTS:
                    part = page.locator(selector).first
                    part.wait_for()
                    part.scroll_into_view_if_needed()
                    page.wait_for_timeout(1000)
                    path = out / f"policy-design-{name}-{size}-{lang}.png"
                    page.screenshot(path=str(path))
                    saved.append(path)
                context.close()
        browser.close()
    return saved


def arguments(argv: list[str]):
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m viz.screenshots",
        description="Screenshots of the web app, taken in Chromium on a local server.",
    )
    parser.add_argument(
        "out",
        nargs="?",
        type=Path,
        help="folder the screenshots are written to (default: docs/screenshots, "
        "docs/tutorials/planner with --planner)",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--planner", action="store_true", help="the planner's tutorial, one shot per step"
    )
    which.add_argument(
        "--policy-design",
        action="store_true",
        help="the Policy design page showing the docs' calibration, in French and in English",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asked = arguments(sys.argv[1:])
    if asked.planner:
        written_files = take_planner(asked.out or ROOT / "docs" / "tutorials" / "planner")
    elif asked.policy_design:
        written_files = take_policy_design(asked.out or ROOT / "docs" / "screenshots")
    else:
        written_files = take(asked.out or ROOT / "docs" / "screenshots")
    for written in written_files:
        print(written)
