"""Fixtures of the web app's tests: a fresh app state per test, and for browser tests a live server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from benchmarks.app_responsiveness import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = os.environ.get("PARTAGE_CHROMIUM", "/usr/bin/chromium")


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
    plan = [
        SimpleNamespace(point_id=i, scenario="baseline", params={"behaviour.awareness_p": v}, x=[v])
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
def results_dir(tmp_path_factory) -> Path:
    """A results folder holding one small experiment store, for the Results page."""
    directory = tmp_path_factory.mktemp("results")
    write_sweep_store(directory / "demo_sweep")
    return directory


@pytest.fixture(scope="session")
def app_url(results_dir):
    """The app served by `solara run` on a free port, stopped at the end of the session."""
    port = _free_port()
    log = (ROOT / "test-output").resolve()
    log.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PARTAGE_RESULTS_DIR": str(results_dir)}
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
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (the CI script installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh browser tab (a fresh app session) at 1400 x 1000."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
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
