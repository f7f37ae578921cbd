"""`partage results show|export` and `partage sensitivity` on a finished store."""

from __future__ import annotations

import re
import subprocess

import pandas as pd
import pytest

from experiments.results import export, show
from experiments.sweep import run_sweep


def test_export_writes_parquet_that_pandas_reads(diffusion_design, tmp_path):
    design = diffusion_design(p_values=(0.01, 0.9), months=5)
    run_sweep(design, out=tmp_path / "sweep", progress=False)
    written = export(tmp_path / "sweep", tmp_path / "parquet")

    assert {p.name for p in written} == {
        "runs.parquet",
        "points.parquet",
        "series.parquet",
        "design.json",
    }
    runs = pd.read_parquet(tmp_path / "parquet" / "runs.parquet")
    series = pd.read_parquet(tmp_path / "parquet" / "series.parquet")
    assert sorted(runs["status"].value_counts().items()) == [("done", 4), ("failed", 4)]
    assert len(series) == 4 * 5
    assert {"adoption_share", "adopters", "new_adopters", "month", "run_id", "seed"} <= set(
        series.columns
    )

    summary = show(tmp_path / "sweep")
    assert "8 of 8 finished" in summary and "4 failed" in summary
    assert "ValueError: awareness_p + awareness_q" in summary


def test_sensitivity_command_writes_a_table_and_a_plot(
    partage_command, write_design, example_design, tmp_path
):
    design = write_design(
        re.sub(r"samples = \d+", "samples = 16", example_design("ishigami_sobol"))
    )
    partage, root = partage_command
    swept = subprocess.run(
        [*partage, "sweep", str(design), "--out", str(tmp_path / "s"), "--no-progress"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert swept.returncode == 0, swept.stderr[-2000:]
    assert "| outcome | parameter |" in swept.stdout.replace("  ", " ") or "S1_conf" in swept.stdout
    done = subprocess.run(
        [*partage, "sensitivity", str(tmp_path / "s"), "--resamples", "100"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("sensitivity.csv", "sensitivity.md", "sensitivity.png"):
        assert (tmp_path / "s" / name).is_file()
    table = pd.read_csv(tmp_path / "s" / "sensitivity.csv")
    assert list(table["parameter"]) == ["x1", "x2", "x3"]


def test_a_bad_design_on_the_command_line_is_one_line_without_traceback(
    partage_command, write_design
):
    partage, root = partage_command
    path = write_design(
        'target = "ishigami"\n[sampler]\nmethod = "halton"\n[[parameters]]\npath = "x1"\nmin = 0\nmax = 1\n'
    )
    done = subprocess.run(
        [*partage, "sweep", str(path)], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "sampler.method = 'halton'" in done.stderr and "Traceback" not in done.stderr


def test_a_store_being_written_is_reported_in_one_line(partage_command, tmp_path):
    from experiments.store import ResultsStore

    partage, root = partage_command
    with ResultsStore(tmp_path / "busy"):
        done = subprocess.run(
            [*partage, "results", "show", str(tmp_path / "busy")],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    assert "in use by another process (PID" in done.stderr and done.stderr.strip().count("\n") == 0


def test_sobol_indices_are_refused_while_a_point_has_no_finished_run(write_design, tmp_path):
    from experiments.errors import UserError
    from experiments.sensitivity import analyse

    design = write_design("""
        target = "diffusion"
        households = 200
        months = 3
        outcomes = ["adoption_share"]
        [sampler]
        method = "sobol"
        samples = 4
        [[parameters]]
        path = "awareness_p"
        min = 0.0
        max = 0.9
        [[parameters]]
        path = "awareness_q"
        min = 0.2
        max = 0.4
    """)
    outcome = run_sweep(design, out=tmp_path / "s", progress=False)
    assert outcome.summary.failed > 0
    with pytest.raises(UserError, match=r"points have no finished run .* --retry-failed"):
        analyse(tmp_path / "s")
