"""Fixtures of the web app's tests: a fresh app state per test, and for browser tests a live server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from benchmarks.app_responsiveness import CHROMIUM_ARGS
from viz.server import environment

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = os.environ.get("PARTAGE_CHROMIUM", "/usr/bin/chromium")
# How long a browser test waits for the page (shorter to see old code fail quickly).
TIMEOUT_MS = int(os.environ.get("PARTAGE_BROWSER_TIMEOUT_MS", "60000"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the app server did not answer at {url}")


def write_sweep_store(directory: Path, points: int = 6) -> Path:
    """A small real sweep over the awareness campaign's strength, written through the results store."""
    from datetime import datetime
    from types import SimpleNamespace

    from experiments.store import ResultsStore, RunResult
    from model.simulate import simulate

    values = [0.0 + 0.04 * i for i in range(points)]
    kinds = ["small-world", "random"]
    plan = [
        SimpleNamespace(
            point_id=i,
            scenario="baseline",
            params={"behaviour.awareness_p": v, "network.kind": kinds[i % 2]},
            x=[v, i % 2],
        )
        for i, v in enumerate(values)
    ]
    with ResultsStore(directory) as store:
        store.bind(
            name="demo_sweep",
            kind="sweep",
            fingerprint="demo",
            design={"sampler": {"method": "lhs"}},
            points=plan,
            planned_runs=points,
        )
        for point in plan:
            started = datetime.now()
            series = simulate(
                ROOT / "scenarios" / "baseline.toml",
                seed=point.point_id,
                households=300,
                months=12,
                overrides=point.params,
                agents=False,
            )
            store.record(
                RunResult(
                    run_id=f"p{point.point_id:06d}r0000",
                    point_id=point.point_id,
                    replication=0,
                    scenario="baseline",
                    params=point.params,
                    seed=point.point_id,
                    status="done",
                    error=None,
                    traceback=None,
                    duration_s=0.1,
                    worker="test",
                    started_at=started,
                    finished_at=datetime.now(),
                    series=series,
                )
            )
    return directory


@pytest.fixture(scope="session")
def calibration_in(results_dir):
    """`calibration_in(name)`: the docs' Bordeaux calibration copied into the results folder."""
    return lambda name: copy_calibration(results_dir, name)


def copy_calibration(results: Path, name: str) -> Path:
    """The Bordeaux calibration the docs show (what `partage calibrate` wrote), copied into the
    results folder the app reads, with a target named in HTML to show names are text."""
    import shutil

    source = ROOT / "docs" / "calibration" / "bordeaux_metropole"
    folder = results / name
    if not folder.exists():
        folder.mkdir()
        for path in source.iterdir():
            if path.is_file():
                shutil.copy(path, folder / path.name)
        fit = (folder / "fit.csv").read_text(encoding="utf-8").splitlines()
        fit.append(
            fit[-1].replace(
                "cars_given_up_per_shared_car", '"<img src=x onerror=window.hacked=1>"', 1
            )
        )
        (folder / "fit.csv").write_text("\n".join(fit) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def results_dir(tmp_path_factory) -> Path:
    """A results folder holding one small experiment store, for the Results page."""
    directory = tmp_path_factory.mktemp("results")
    write_sweep_store(directory / "demo_sweep")
    broken = directory / "zz_broken"
    broken.mkdir()
    (broken / "experiment.duckdb").write_bytes(b"not a database")
    return directory


@pytest.fixture(scope="session")
def app_server(results_dir):
    """The app served by `solara run` on a free port (its URL and process), stopped at the end."""
    port = _free_port()
    log = (ROOT / "test-output").resolve()
    log.mkdir(parents=True, exist_ok=True)
    env = environment(
        {**os.environ, "PARTAGE_RESULTS_DIR": str(results_dir)}, state=results_dir / ".app-state"
    )
    with open(log / "app-server.log", "w") as output:
        process = subprocess.Popen(
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
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_for(url + "/", process)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def app_url(app_server) -> str:
    return app_server[0]


SERVER_LOG = ROOT / "test-output" / "app-server.log"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install it with `sudo apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def new_tab(browser, width: int = 1400, height: int = 1000, lang: str = "en-GB"):
    """A fresh browser tab (a fresh app session) whose browser asks for `lang`."""
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale=lang,
        extra_http_headers={"Accept-Language": lang},
        accept_downloads=True,
    )
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    return context, tab


@pytest.fixture
def page(browser, app_url):
    """A fresh browser tab (a fresh app session) at 1400 x 1000, in English."""
    context, tab = new_tab(browser)
    yield tab
    context.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under test-output/screenshots/ (kept with the test output)."""

    def save(tab, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return save


# --------------------------------------------------------------------------- driving the pages

MONTH = re.compile(r"(?:Month|Mois)\s*(\d+)\s*/")


class Ui:
    """What the browser tests do on the pages, in words (the page texts in English)."""

    def __init__(self, app_url: str):
        self.url = app_url

    def open_explore(self, tab, query: str = "households=2000&lang=en") -> None:
        """Explore, by default on 2 000 households (quick to build) in English."""
        tab.goto(self.url + "/" + (f"?{query}" if query else ""))
        tab.wait_for_selector("[data-testid=territory-map] svg")

    def month(self, tab) -> int:
        return int(MONTH.search(tab.inner_text("body")).group(1))

    def wait_month(self, tab, month: int) -> None:
        tab.wait_for_function(
            "(m) => new RegExp(`(Month|Mois)\\\\s*${m}\\\\s*/`).test(document.body.innerText)",
            arg=month,
            timeout=30_000,
        )

    def step(self, tab, months: int) -> None:
        for _ in range(months):
            expected = self.month(tab) + 1
            tab.get_by_role("button", name="Step", exact=True).click()
            self.wait_month(tab, expected)

    def choose(self, tab, label: str, option: str) -> None:
        """Pick an option of a Vuetify list by its label (the option's words, as a pattern)."""
        tab.locator(".v-select", has_text=label).first.click()
        tab.locator(
            ".v-menu__content.menuable__content__active .v-list-item",
            has_text=re.compile(f"^{option}$"),
        ).first.click()

    def field(self, tab, label: str):
        return tab.locator(".v-text-field", has_text=label).locator("input").first

    def type_in(self, tab, label: str, text: str) -> None:
        field = self.field(tab, label)
        field.fill(text)
        field.press("Enter")

    def server_log(self) -> str:
        return SERVER_LOG.read_text(errors="replace")


@pytest.fixture(scope="session")
def ui(app_url) -> Ui:
    return Ui(app_url)


@pytest.fixture
def open_tab(browser, app_url):
    """Open fresh tabs at a given size and language; all are closed after the test."""
    contexts = []

    def open_one(width: int = 1400, height: int = 1000, lang: str = "en-GB"):
        context, tab = new_tab(browser, width, height, lang)
        contexts.append(context)
        return tab

    yield open_one
    for context in contexts:
        context.close()


@pytest.fixture
def explore_reset():
    """A function putting Explore's per-session state back to its start for a scenario and a
    number of households, and building its run (returned); the play is stopped afterwards."""
    from viz import explore
    from viz.language import language

    def reset(choice: str, households: int):
        explore.choice.value = choice
        explore.edited.value = None
        explore.overrides.value = {}
        explore.households.value = households
        explore.seed.value = -1
        explore.show_baseline.value = True
        explore.error.value = ""
        explore.address_read.value = True
        explore.playing.value = ""
        explore.horizon_progress.value = None
        language.value = "en"
        explore.current.value = None
        explore.rebuild()
        return explore.current.value

    yield reset
    explore.playing.value = ""
