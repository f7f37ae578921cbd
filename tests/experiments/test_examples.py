"""The exploration examples' regeneration: each docs block names its command, and only the block
between its markers is rewritten."""

from __future__ import annotations

import subprocess

import pytest

from experiments import examples
from experiments.examples import EXAMPLES, ROOT, Example, regenerate, write_block


def test_every_example_has_its_block_in_its_page_and_its_design_exists():
    for name, example in EXAMPLES.items():
        text = (ROOT / example.page).read_text(encoding="utf-8")
        assert f"<!-- example {name} -->" in text and f"<!-- /example {name} -->" in text
        for command in example.commands:
            assert all((ROOT / part).exists() for part in command if part.endswith(".toml"))
        for file in example.copies:
            assert (ROOT / example.folder / file).is_file(), (name, file)


def test_only_the_block_is_rewritten(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "before\n<!-- example x -->\nold\n<!-- /example x -->\nafter\n", encoding="utf-8"
    )
    write_block(page, "x", [["discover", "results/s"]], "42 of 120 runs\n", 75.0, 2)
    text = page.read_text(encoding="utf-8")
    assert text.startswith("before\n") and text.endswith("after\n") and "old" not in text
    assert "partage discover results/s" in text and "42 of 120 runs" in text
    assert "1 min 15 s" in text


def test_an_unknown_example_is_refused():
    with pytest.raises(SystemExit, match="unknown example 'nope'; allowed: discover"):
        regenerate(["nope"])


def test_the_block_says_whether_the_runs_were_read_from_results(tmp_path, monkeypatch):
    """A regeneration that found no results to read ran the whole experiment: its block must not
    say it read them from the store (it did before, whenever `--fresh` was not given)."""
    monkeypatch.setitem(
        EXAMPLES,
        "x",
        Example(
            "x", "page.md", (("sweep", "d.toml"),), "results/x", ("t.md",), "docs/x", ("results/x",)
        ),
    )
    (tmp_path / "page.md").write_text("<!-- example x -->\n<!-- /example x -->\n", encoding="utf-8")

    def sweep(argv, cwd, **_):
        (cwd / "results" / "x").mkdir(parents=True, exist_ok=True)
        (cwd / "results" / "x" / "t.md").write_text("table\n", encoding="utf-8")
        return subprocess.CompletedProcess(argv, 0, "12 runs\n", "")

    monkeypatch.setattr(examples.subprocess, "run", sweep)
    read = "reading the runs already in `results/`"
    regenerate(["x"], root=tmp_path, log=lambda _: None)
    assert read not in (tmp_path / "page.md").read_text(encoding="utf-8")
    regenerate(["x"], root=tmp_path, log=lambda _: None)
    assert read in (tmp_path / "page.md").read_text(encoding="utf-8")
