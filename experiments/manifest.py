"""The manifest of an experiment: what was run, with which seeds, code and package versions.

Written as `manifest.json` next to the store each time a command writes to the
experiment, and recorded in the store's `invocations` table, so a result can
be traced to the exact design, seeds and commit that produced it, including
when an interrupted experiment was resumed with other code.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import subprocess
import sys
from datetime import datetime
from pathlib import Path

PACKAGES = (
    "partage",
    "mesa",
    "numpy",
    "pandas",
    "pydantic",
    "duckdb",
    "SALib",
    "dask",
    "distributed",
    "scipy",
)


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit() -> dict[str, str | bool | None]:
    """The commit of the source tree Partage runs from, and whether it has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def worker_count(workers: int) -> str:
    """The executor of a manifest given by its local workers: "1 worker", "2 workers"."""
    return f"{workers} worker" if workers == 1 else f"{workers} workers"


def invoked_command(argv: list[str]) -> str:
    """The command a manifest records, as a user types it: `partage calibrate ...` whether it ran
    through the installed `partage` or `python -m cli`, never the path of the program."""
    program = Path(argv[0]) if argv else Path()
    if program.name == "partage" or (
        program.name == "__main__.py" and program.parent.name == "cli"
    ):
        return " ".join(["partage", *argv[1:]])
    return " ".join(argv)


def build_manifest(
    *, name: str, kind: str, fingerprint: str, design: dict, seeds: dict, executor: str
) -> dict:
    return {
        "experiment": name,
        "kind": kind,
        "fingerprint": fingerprint,
        "written_at": datetime.now().isoformat(timespec="seconds"),
        "command": invoked_command(sys.argv),
        "executor": executor,
        "design": design,
        "seeds": seeds,
        "git": git_commit(),
        "versions": package_versions(),
    }


def write_manifest(directory: str | Path, manifest: dict) -> Path:
    from experiments.outputs import guarded

    path = guarded(Path(directory) / "manifest.json")
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return path
