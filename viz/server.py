"""How the web app is served: the `solara run` command line for `viz/app.py` on a host and port.

`partage app` (in `cli/app.py`) replaces its process with this command; the app
benchmark starts it as a server to time clicks in Chromium.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"


def command(host: str, port: int, dev: bool = False) -> list[str]:
    """The `solara run` command line serving the app."""
    line = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP),
        "--host",
        host,
        "--port",
        str(port),
        "--no-open",
    ]
    return line if dev else [*line, "--production"]
