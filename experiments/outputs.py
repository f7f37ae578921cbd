"""Where commands write: default folders under `results/`, and outputs checked before any work.

Rules:
- A default output is `results/<name>` (or a file under `results/`), where the
  name is a plain name (`model.scenario.PLAIN_NAME`); the folder is resolved and
  must stay under `results/`, so a name can never reach outside it.
- A folder or file the user names with `--out` may be anywhere, but it is
  checked before anything is computed: it must be creatable and writable, and a
  folder must not be an existing file (nor a file an existing folder). The
  problem is one line, and no simulation runs in vain.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from experiments.errors import UserError
from model.messages import escaped, shown
from model.scenario import PLAIN_NAME_RULE, is_plain_name

RESULTS_DIR = Path("results")


def default_folder(name: str, root: Path = RESULTS_DIR) -> Path:
    """`root/name`, refused unless `name` is plain and the folder resolves inside `root`."""
    if not is_plain_name(name):
        raise UserError(
            f"name {shown(name)} cannot name a results folder; allowed: {PLAIN_NAME_RULE}"
        )
    folder = root / name
    inside = root.resolve()
    if inside not in folder.resolve().parents:
        raise UserError(
            f"{escaped(folder)}: resolves outside {escaped(root)}; give --out DIR instead"
        )
    return folder


def _why(error: OSError | ValueError) -> str:
    return getattr(error, "strerror", None) or "not a valid path"


def writable_folder(path: str | Path, option: str = "--out") -> Path:
    """Create the folder if needed and prove a file can be written in it; one-line `UserError` if not."""
    path = Path(path)
    try:
        if path.exists() and not path.is_dir():
            raise UserError(f"{option} {escaped(path)}: is an existing file, not a folder")
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except (OSError, ValueError) as error:
        raise UserError(f"{option} {escaped(path)}: cannot write there ({_why(error)})") from None
    return path


def writable_file(path: str | Path, option: str = "--out") -> Path:
    """Check that a file can be written at `path` (its folder created if needed); one line if not."""
    path = Path(path)
    try:
        if path.is_dir():
            raise UserError(f"{option} {escaped(path)}: is a folder; give a file name")
        writable_folder(path.parent if str(path.parent) else Path("."), option)
        if path.exists() and not os.access(path, os.W_OK):
            raise UserError(f"{option} {escaped(path)}: the existing file cannot be written")
    except ValueError as error:
        raise UserError(f"{option} {escaped(path)}: cannot write there ({_why(error)})") from None
    return path
