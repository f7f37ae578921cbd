"""`partage app` keeps the state of Solara, IPython and Jupyter out of the user's home: a page
opened in Chromium leaves the home folder as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.viz.conftest import _free_port, _wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def test_the_app_server_writes_nothing_under_the_home_folder(tmp_path, browser):
    """The session's Chromium (a second Playwright in the same process is refused)."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("IPYTHONDIR", "SOLARA_HOME")}
    env |= {"HOME": str(home), "PYTHONPATH": str(ROOT)}
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "app", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/?scenario=baseline&households=200&lang=en"
        _wait_for(f"http://127.0.0.1:{port}/", server)
        page = browser.new_page()
        try:
            page.goto(url)
            page.get_by_text("Explore").first.wait_for(timeout=120_000)
            page.wait_for_timeout(3000)  # the kernel writes its history as the page starts
        finally:
            page.close()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    assert written == [], f"written under the home folder: {written[:10]}"
