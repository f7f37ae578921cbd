"""Where commands write: default folders under `results/`, and outputs checked before any work.

Rules:
- A default output is `results/<name>` (or a file under `results/`), where the
  name is a plain name (`model.scenario.PLAIN_NAME`); the folder is resolved and
  must stay under `results/`, so a name can never reach outside it.
- A folder or file the user names with `--out` may be anywhere, but it is
  checked before anything is computed: it must be creatable and writable, and a
  folder must not be an existing file (nor a file an existing folder). The
  problem is one line, and no simulation runs in vain.
- Every file a command writes goes through `guarded` first: a file (or folder)
  that is a symbolic link is followed only if it stays inside the output
  folder, and a link never leads onto a file git tracks. A link planted in
  `results/` can therefore neither overwrite a file elsewhere nor a file of
  the project. (A file the user names directly may be a tracked one: the
  docs' examples are regenerated that way.)
"""

from __future__ import annotations

import os
import subprocess
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


IMAGE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


def image_file(path: str | Path, option: str = "--out") -> Path:
    """The image file to write at `path`: `.png` added when it has no suffix (so the file reported is
    the file written), refused in one line when its suffix is not an image format."""
    path = Path(path)
    if not path.suffix:
        path = path.with_name(path.name + ".png")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise UserError(
            f"{option} {escaped(path)}: not an image file name; allowed: {', '.join(IMAGE_SUFFIXES)}"
        )
    return writable_file(path, option)


def read_parquet_file(path: str | Path):
    """A Parquet file a command wrote (series, zones), as a data frame; one line if it is damaged."""
    import pandas as pd
    import pyarrow as pa

    try:
        return pd.read_parquet(path)
    except (pa.ArrowException, OSError, ValueError) as error:
        if not isinstance(error, pa.ArrowException) and not Path(path).is_file():
            raise
        raise UserError(
            f"{escaped(path)}: not a readable Parquet file (truncated or damaged); "
            "run the command that wrote it again"
        ) from None


def read_manifest_file(path: str | Path) -> dict:
    """The `manifest.json` a command wrote, as a table; one line if it is damaged."""
    import json

    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, RecursionError):
        manifest = None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("scenario", {}), dict):
        raise UserError(
            f"{escaped(path)}: not a readable manifest (damaged); run the command that wrote it again"
        )
    return manifest


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
        guarded(path)
        if path.exists() and not os.access(path, os.W_OK):
            raise UserError(f"{option} {escaped(path)}: the existing file cannot be written")
    except ValueError as error:
        raise UserError(f"{option} {escaped(path)}: cannot write there ({_why(error)})") from None
    return path


def guarded(path: str | Path, root: str | Path | None = None) -> Path:
    """`path`, ready to be written: refused in one line if it (or a folder on its way from `root`,
    the output folder, default its own folder) is a link leading outside `root` or onto a
    tracked file."""
    path = Path(path)
    root = Path(root) if root is not None else path.parent
    through_link = _has_link(path, root)
    if not through_link:
        return path
    target = path.resolve()
    inside = root.resolve()
    if target != inside and inside not in target.parents:
        raise UserError(
            f"{escaped(path)}: is a link leading outside the output folder {escaped(root)}; "
            "remove the link or choose another output folder"
        )
    if is_tracked(target):
        raise UserError(
            f"{escaped(path)}: is a link to a file of the project's source; "
            "remove the link or choose another output folder"
        )
    return path


def guarded_folder(folder: str | Path, root: str | Path) -> Path:
    """`guarded` for a folder a command writes into, then created."""
    folder = guarded(folder, root)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _has_link(path: Path, root: Path) -> bool:
    """Whether `path` or a folder between `root` and it is a symbolic link (the root itself is the
    user's choice)."""
    try:
        relative = path.absolute().relative_to(root.absolute())
    except ValueError:
        return path.is_symlink() or path.resolve() != path.absolute()
    current = root.absolute()
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return True
    return False


def is_tracked(path: Path) -> bool:
    """Whether git tracks the file at `path` (False outside a repository or without git)."""
    folder = path.parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    try:
        done = subprocess.run(
            ["git", "ls-files", "--error-unmatch", "--", str(path)],
            cwd=folder,
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0
