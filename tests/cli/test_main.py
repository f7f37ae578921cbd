"""The root of the command line: `python -m cli`, `--version`, and one sub-command per module."""

from __future__ import annotations

import importlib
import importlib.metadata
import subprocess
import sys
from pathlib import Path

from cli.main import COMMAND_MODULES, build_parser

ROOT = Path(__file__).resolve().parents[2]


def test_version_is_the_installed_package_version():
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"partage {importlib.metadata.version('partage')}"


def test_every_command_module_registers_its_commands_with_a_handler():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    expected = {
        "run",
        "plot-adoption",
        "scenarios",
        "compare",
        "sweep",
        "sensitivity",
        "results",
        "sweep-bench",
        "validate",
        "bench",
        "app",
        "app-bench",
        "interactions",
        "report",
        "calibrate",
        "hindcast",
        "optimise",
        "discover",
        "outcomes",
        "territory",
        "map",
        "docs",
    }
    assert set(commands) == expected
    for name in COMMAND_MODULES:
        assert callable(importlib.import_module(name).register)
    for command in ("run", "compare", "sweep", "validate", "bench", "report"):
        assert callable(commands[command].get_default("handler"))
