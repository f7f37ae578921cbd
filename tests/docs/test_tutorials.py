"""The tutorials run as tests: the researcher's notebook is executed cell by cell (jupytext reads
the page, nbclient runs it in a real kernel), so a renamed function or option fails here."""

from __future__ import annotations

import os
import re
from pathlib import Path

import jupytext
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "tutorials" / "researcher.md"


def test_the_researchers_notebook_runs_from_start_to_end(tmp_path, monkeypatch):
    notebook = jupytext.read(NOTEBOOK)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) >= 10  # run, compare, sweep, sensitivity, calibrate, optimise, discover
    monkeypatch.setenv("PARTAGE_TUTORIAL_DIR", str(tmp_path / "tutorial"))
    NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT)}},
    ).execute(env=dict(os.environ))
    errors = [
        output
        for cell in code
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
    written = {path.name for path in (tmp_path / "tutorial").iterdir()}
    assert {"sobol", "calibration", "optimise", "lhs"} <= written


def test_the_classroom_guide_describes_the_learn_pages_steps_and_months():
    from viz.learn import CHAPTERS

    guide = (ROOT / "docs" / "tutorials" / "educator.md").read_text(encoding="utf-8")
    described = re.findall(r"^\d\. \*\*(.+?)\*\* \(month (\d+)\)", guide, re.M)
    assert described == [
        (chapter.title.split(". ", 1)[1], str(chapter.month)) for chapter in CHAPTERS
    ]
