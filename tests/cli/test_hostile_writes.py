"""Links planted in an output folder: no command writes through a link that leaves the folder, nor
through a link onto a file git tracks; each refusal is one line, and the linked files are untouched."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cli.main import main
from experiments.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--households", "60", "--months", "2"]
DESIGN = """
name = "linked"
target = "diffusion"
seed = 3
replications = 1
households = 200
months = 3
[sampler]
method = "grid"
[[parameters]]
path = "awareness_p"
values = [0.01, 0.02]
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A git repository with a tracked README and a file outside it, the working directory."""
    folder = tmp_path / "project"
    folder.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    (folder / "README.md").write_text("tracked\n", encoding="utf-8")
    subprocess.run(["git", "add", "README.md"], cwd=folder, check=True)
    outside = tmp_path / "outside.csv"
    outside.write_text("outside\n", encoding="utf-8")
    monkeypatch.chdir(folder)
    return folder, outside


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_run_refuses_links_to_outside_and_to_a_tracked_file_before_running(project, capsys):
    folder, outside = project
    out = folder / "results" / "baseline"
    out.mkdir(parents=True)
    (out / "series.csv").symlink_to(outside)
    (out / "manifest.json").symlink_to(Path("../../README.md"))
    code = main(["run", str(ROOT / "scenarios" / "baseline.toml"), *SMALL, "--quiet"])
    assert code == 2
    assert "link leading outside the output folder" in one_error_line(capsys)
    assert outside.read_text(encoding="utf-8") == "outside\n"
    assert (folder / "README.md").read_text(encoding="utf-8") == "tracked\n"
    assert not (out / "series.parquet").exists(), "refused only after running"


def test_a_link_onto_a_tracked_file_inside_the_output_folder_is_refused(project):
    folder, _ = project
    from experiments.outputs import guarded

    (folder / "notes.md").symlink_to(folder / "README.md")
    with pytest.raises(UserError, match="file of the project's source"):
        guarded(folder / "notes.md", folder)
    assert guarded(folder / "plain.md", folder) == folder / "plain.md"


def test_compare_refuses_a_linked_comparison_table(project, capsys):
    folder, outside = project
    out = folder / "results" / "cmp"
    out.mkdir(parents=True)
    (out / "comparison.md").symlink_to(outside)
    scenarios = [str(ROOT / "scenarios" / f) for f in ("baseline.toml", "tool_library.toml")]
    code = main(
        ["compare", *scenarios, "-r", "1", *SMALL, "--out", "results/" + out.name, "--no-progress"]
    )
    assert code == 2
    assert "comparison.md: is a link leading outside" in one_error_line(capsys)
    assert outside.read_text(encoding="utf-8") == "outside\n"
    assert not (out / "experiment.duckdb").exists(), "refused only after running"


def test_sweep_refuses_to_create_its_store_through_a_link(project, capsys, tmp_path):
    folder, _ = project
    design = folder / "linked.toml"
    design.write_text(DESIGN, encoding="utf-8")
    out = folder / "results" / "linked"
    out.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere.duckdb"
    (out / "experiment.duckdb").symlink_to(elsewhere)
    code = main(["sweep", str(design), "--out", "results/" + out.name, "--no-progress"])
    assert code == 2
    assert "experiment.duckdb: is a link leading outside" in one_error_line(capsys)
    assert not elsewhere.exists()


def test_report_refuses_a_linked_report_folder(project, capsys, tmp_path):
    folder, _ = project
    out = folder / "results" / "cmp"
    scenarios = [str(ROOT / "scenarios" / f) for f in ("baseline.toml", "tool_library.toml")]
    assert (
        main(
            [
                "compare",
                *scenarios,
                "-r",
                "1",
                *SMALL,
                "--out",
                "results/" + out.name,
                "--no-progress",
            ]
        )
        == 0
    )
    capsys.readouterr()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "report").symlink_to(elsewhere, target_is_directory=True)
    code = main(["report", "results/cmp", "--no-pdf", "--lang", "en"])
    assert code == 2
    assert "report: is a link leading outside" in one_error_line(capsys)
    assert list(elsewhere.iterdir()) == []
