"""How the web app is served: the `solara run` command line for `viz/app.py` on a host and port.

`partage app` (in `cli/app.py`) replaces its process with this command; the app
benchmark starts it as a server to time clicks in Chromium. Both give it `environment()`:
the state Solara, IPython, Jupyter and Matplotlib keep (a server id, the kernels' command
history, caches) goes to `results/.app-state/`, never into the user's home.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
STATE_DIR = Path("results") / ".app-state"
# Where each library keeps its state, by the environment variable that moves it.
STATE_VARIABLES = {
    "SOLARA_HOME": "solara",
    "IPYTHONDIR": "ipython",
    "JUPYTER_CONFIG_DIR": "jupyter/config",
    "JUPYTER_DATA_DIR": "jupyter/data",
    "JUPYTER_RUNTIME_DIR": "jupyter/runtime",
    "MPLCONFIGDIR": "matplotlib",
}


def environment(base: Mapping[str, str] | None = None, state: Path = STATE_DIR) -> dict[str, str]:
    """The server's environment: Partage's code on the path, and every library's state in `state`."""
    env = dict(os.environ if base is None else base)
    root = str(APP.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    state = state.resolve()
    for variable, folder in STATE_VARIABLES.items():
        (state / folder).mkdir(parents=True, exist_ok=True)
        env[variable] = str(state / folder)
    return env


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
