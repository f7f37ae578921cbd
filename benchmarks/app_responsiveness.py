"""App responsiveness: how long one Explore step and its redraw take (`partage app-bench`, 5 000 households by default).

Figures, median over the months stepped: the model's step alone; the step
plus drawing the map, the curves and the headline; the step plus the whole
page update through Solara (pressing Step on the rendered Explore page,
without a browser: the server's share of the work); the same with the
baseline stepped alongside (what Explore does for any other scenario); and,
with `--browser`, from a click on Step in Chromium to the new month on screen, and
from a click on "Run to the horizon" to the last month on screen. A server keeps the
baseline's months it has stepped (`viz.session.baseline_months`): a rerun or a new package
on the same scenario reads them; each run to the horizon timed has a seed of its own, so
its baseline is stepped, unless `measure_browser(..., baseline_kept=True)`.

A Step from click to screen is timed two ways: from Playwright's `click()` called until its
waits see the new month (what the figures of earlier rounds are), which includes Playwright's
own checks before it clicks (the button visible, still over two frames, and hit) and its
polling after; and, in the page, from the click event to the first frame drawn after the new
month is in the page (`click_to_frame_samples`), which is what a user waits for.
"""

from __future__ import annotations

import re
import socket
import statistics
import subprocess
import time
import urllib.request

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def measure(households: int, steps: int, scenario: str) -> dict[str, float]:
    import ipyvuetify as v
    import solara

    from viz import catalogue, explore
    from viz.language import language
    from viz.session import ExploreRun

    language.value = "en"

    run = ExploreRun(catalogue.load_named(scenario), households=households)
    step_only, step_draw = [], []
    for _ in range(steps):
        start = time.perf_counter()
        run.step()
        middle = time.perf_counter()
        run.map_svg(run.model.goods.names[0], 0)
        run.curves_svg(run.model.goods.names[0])
        run.headline()
        end = time.perf_counter()
        step_only.append(middle - start)
        step_draw.append(end - start)

    figures = {
        "households": households,
        "model step (ms)": _median_ms(step_only),
        "step + map, curves, headline (ms)": _median_ms(step_draw),
    }
    for label, with_baseline in (("", False), (", baseline alongside", True)):
        explore.choice.value = scenario
        explore.households.value = households
        explore.address_read.value = True
        explore.overrides.value = {}
        explore.show_baseline.value = with_baseline
        explore.rebuild()
        _, rendered = solara.render(explore.Page(), handle_error=False)
        _, controls = solara.render(explore.Controls(), handle_error=False)
        button = controls.find(v.Btn, children=["Step"]).widget
        page_update = []
        for _ in range(steps):
            start = time.perf_counter()
            button.click()
            page_update.append(time.perf_counter() - start)
        figures[f"step + Solara page update{label} (ms)"] = _median_ms(page_update)
    return figures


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


MONTH_SHOWN = "(m) => new RegExp(`Month\\\\s*${m}\\\\s*/`).test(document.body.innerText)"

# In the page: the time from a click on Step to the first frame drawn after the month asked for
# (and, side by side, the reference maps of that month) is in the page. The click is taken when
# the page receives it; the frame, after the next animation frame (the one that draws the
# change) has run and handed over. Read with `window.partageStep.ms` once `done` is true.
CLICK_TO_FRAME = """
(wanted) => {
  const step = {month: wanted.month, side: wanted.side, clicked: null, done: false, ms: null};
  window.partageStep = step;
  const shown = () => {
    const month = document.querySelector('[data-testid=month]');
    if (!month || !new RegExp(`Month\\\\s*${step.month}\\\\s*/`).test(month.textContent)) return false;
    return !step.side ||
      !!document.querySelector(`[data-testid=side-by-side][data-month='${step.month}']`);
  };
  const onClick = () => { if (step.clicked === null) step.clicked = performance.now(); };
  document.addEventListener('click', onClick, true);
  const observer = new MutationObserver(() => {
    if (step.clicked === null || !shown()) return;
    observer.disconnect();
    document.removeEventListener('click', onClick, true);
    requestAnimationFrame(() => setTimeout(() => {
      step.ms = performance.now() - step.clicked;
      step.done = true;
    }, 0));
  });
  observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                   characterData: true});
}
"""


def measure_browser(
    households: int,
    steps: int,
    scenario: str,
    chromium: str,
    horizons: int = 3,
    side_by_side: bool = False,
    horizon_samples: list[float] | None = None,
    baseline_kept: bool = False,
    click_to_frame_samples: list[float] | None = None,
) -> tuple[float, float]:
    """Median ms from a click on Step to the next month shown, and from a click on "Run to the
    horizon" to the last month shown, in Chromium (the baseline stepped alongside unless the
    scenario is the baseline; with `side_by_side`, its map and the difference map drawn too,
    and a step is on screen when the difference map is redrawn as well). Each run to the
    horizon is in a fresh tab of one server, which keeps the baseline's months it stepped
    (`viz.session.baseline_months`): each tab after the first has a seed of its own, so each
    run steps its baseline, unless `baseline_kept` (then the later runs read the first one's).
    `horizon_samples` receives each run's seconds, in order; `click_to_frame_samples` each
    Step's seconds in the page, from the click event to the first frame drawn with the new
    month (`CLICK_TO_FRAME`)."""
    from playwright.sync_api import sync_playwright

    from viz.server import command, environment

    port = _free_port()
    server = subprocess.Popen(
        command("127.0.0.1", port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment(),
    )
    try:
        url = f"http://127.0.0.1:{port}/?scenario={scenario}&households={households}&lang=en"
        for _ in range(180):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            step_samples, horizon_samples = [], [] if horizon_samples is None else horizon_samples
            for attempt in range(horizons):
                page.goto(url if attempt == 0 or baseline_kept else f"{url}&seed={attempt}")
                page.wait_for_selector("[data-testid=territory-map] svg")
                page.wait_for_function(MONTH_SHOWN, arg=0)
                if side_by_side:
                    page.get_by_text("Side by side with the").first.click()
                    page.wait_for_selector("[data-testid=difference-map]")
                page.wait_for_timeout(1000)
                if attempt == 0 and steps > 0:
                    button = page.get_by_role("button", name="Step", exact=True)
                    for month in range(1, steps + 1):
                        page.evaluate(CLICK_TO_FRAME, {"month": month, "side": side_by_side})
                        start = time.perf_counter()
                        button.click()
                        page.wait_for_function(MONTH_SHOWN, arg=month)
                        if side_by_side:
                            page.wait_for_selector(
                                f"[data-testid=side-by-side][data-month='{month}']"
                            )
                        step_samples.append(time.perf_counter() - start)
                        page.wait_for_function("() => window.partageStep.done")
                        if click_to_frame_samples is not None:
                            click_to_frame_samples.append(
                                page.evaluate("() => window.partageStep.ms") / 1000
                            )
                months = int(
                    re.search(r"Month\s*\d+\s*/\s*(\d+)", page.inner_text("body")).group(1)
                )
                start = time.perf_counter()
                page.get_by_role("button", name="Run to the horizon").click()
                page.wait_for_function(MONTH_SHOWN, arg=months)
                horizon_samples.append(time.perf_counter() - start)
            browser.close()
        return _median_ms(step_samples) if step_samples else float("nan"), _median_ms(
            horizon_samples
        )
    finally:
        server.terminate()
        server.wait(timeout=15)
