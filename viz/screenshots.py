"""The README's screenshots of the web app: `python -m viz.screenshots [OUT_DIR]`.

Serves the app on a free port, opens it in Chromium at a projector's 1280×800 and a
phone's 390×844, in French and in English, runs the tool-library scenario for two years
beside the baseline, and saves what the page shows to `docs/screenshots/` (or OUT_DIR).
"""

from __future__ import annotations

import socket
import subprocess
import sys
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


def take(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    port = _free_port()
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
    )
    saved = []
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                urllib.request.urlopen(url + "/learn", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            for size, (width, height) in SIZES.items():
                for lang in ("fr", "en"):
                    context = browser.new_context(
                        viewport={"width": width, "height": height},
                        locale=lang,
                        extra_http_headers={"Accept-Language": lang},
                    )
                    page = context.new_page()
                    page.set_default_timeout(120_000)
                    page.goto(
                        f"{url}/?scenario=tool_library&good=drill&households=5000&lang={lang}"
                    )
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
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
    return saved


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    for written in take(target):
        print(written)
