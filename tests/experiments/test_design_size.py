"""Designs of any size: planned lazily, and refused in one line above the limit unless asked for."""

from __future__ import annotations

import itertools
import resource
import subprocess
import tracemalloc

import pytest

from experiments.design import load_design

pytestmark = pytest.mark.timeout(120)

GRID = """
name = "huge"
target = "ishigami"
replications = {replications}
[sampler]
method = "grid"
[[parameters]]
path = "x1"
min = -3
max = 3
levels = {levels}
[[parameters]]
path = "x2"
min = -3
max = 3
levels = {levels}
[[parameters]]
path = "x3"
min = -3
max = 3
levels = {levels}
"""


def _limit_memory() -> None:
    """The command may not use more than 3 GiB of address space: planning up front would fail."""
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))


@pytest.mark.parametrize(
    ("levels", "replications", "runs"), [(1000, 1, "1,000,000,000"), (3, 100_000, "2,700,000")]
)
def test_a_design_beyond_the_limit_is_refused_in_one_line(
    levels, replications, runs, write_design, partage_command, tmp_path
):
    design = write_design(GRID.format(levels=levels, replications=replications))
    partage, root = partage_command
    done = subprocess.run(
        [*partage, "sweep", str(design), "--out", str(tmp_path / "out")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=90,
        preexec_fn=_limit_memory,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr, done.stderr[
        -2000:
    ]
    assert f"plans {runs} runs" in done.stderr and "--allow-large-design" in done.stderr
    assert not (tmp_path / "out").exists()


def test_runs_are_planned_lazily_whatever_the_size_of_the_design(write_design):
    from experiments.design import MAX_PLANNED_RUNS

    design = load_design(write_design(GRID.format(levels=200, replications=2)))  # 16 000 000 runs
    assert design.run_count() == 16_000_000 > MAX_PLANNED_RUNS
    design.check_size(allow_large=True)
    tracemalloc.start()
    try:
        first = list(itertools.islice(design.tasks(design.iter_points()), 1000))
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [task.run_id for task in first[:3]] == ["p000000r0000", "p000000r0001", "p000001r0000"]
    assert first[-1].point_id == 499
    assert peak_bytes < 5 * 2**20
