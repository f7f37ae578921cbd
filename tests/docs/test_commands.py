"""Every command the README and the docs show still parses with today's command line, and the
cheap, read-only ones run as shown from the repository's root (README's `make` targets exist)."""

from __future__ import annotations

import glob
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
# Read-only commands that take seconds: run as written, not only parsed.
CHEAP = (
    ("scenarios", "check"),
    ("scenarios", "validate"),
    ("scenarios", "show"),
    ("scenarios", "schema"),
    ("outcomes",),
)


def shell_lines(page: Path):
    """(page, line) for each command line of the page's sh blocks, continuations joined."""
    text = page.read_text(encoding="utf-8")
    for block in re.findall(r"^```(?:sh|bash|console)\n(.*?)^```", text, re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s#.*$", "", line).strip()
            if line and not line.startswith("#"):
                yield page.relative_to(ROOT).as_posix(), line


LINES = [item for page in PAGES for item in shell_lines(page)]
PARTAGE = [(page, line) for page, line in LINES if re.match(r"(\.venv/bin/)?partage ", line)]
MAKE = [(page, line) for page, line in LINES if line.startswith("make ")]


def arguments(line: str) -> list[str]:
    """The words after `partage`, up to a redirection or a pipe."""
    words = shlex.split(re.split(r"\s[|>]", line)[0])
    return words[1:]


def test_the_pages_show_commands():
    assert len(PARTAGE) > 40 and len(MAKE) >= 2


@pytest.mark.parametrize(("page", "line"), PARTAGE, ids=[f"{p}: {c[:60]}" for p, c in PARTAGE])
def test_a_shown_partage_command_parses(page, line, capsys):
    words = arguments(line)
    try:
        build_parser().parse_args(words)
    except SystemExit as exit_:
        pytest.fail(f"{page}: `{line}` no longer parses: {capsys.readouterr().err.strip()}")
        raise AssertionError from exit_
    if any(tuple(words[: len(prefix)]) == prefix for prefix in CHEAP) and "--out" not in words:
        expanded = [
            match for word in words for match in (sorted(glob.glob(word, root_dir=ROOT)) or [word])
        ]
        done = subprocess.run(
            [sys.executable, "-m", "cli", *expanded], cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{page}: `{line}`: {done.stderr.strip()}"


@pytest.mark.parametrize(("page", "line"), MAKE, ids=[f"{p}: {c}" for p, c in MAKE])
def test_a_shown_make_target_exists(page, line):
    target = line.split()[1]
    done = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True)
    assert done.returncode == 0, f"{page}: `{line}`: {done.stderr.strip()}"
