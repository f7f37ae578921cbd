"""Sweeps through the real pipeline: samplers, executors, the DuckDB store, resume and failures."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

from experiments.sensitivity import analyse
from experiments.store import StoreReader
from experiments.sweep import run_sweep
from experiments.targets import ishigami_indices


def test_a_failing_run_is_recorded_and_the_others_complete(diffusion_design, tmp_path):
    # p = 0.9 with q = 0.2 or 0.38 gives an adoption probability above one: those runs raise.
    design = diffusion_design(p_values=(0.01, 0.9, 0.05))
    outcome = run_sweep(design, workers=2, out=tmp_path / "out", progress=False)

    assert outcome.summary.planned == 12
    assert (outcome.summary.done, outcome.summary.failed, outcome.summary.lost) == (8, 4, 0)
    with StoreReader(tmp_path / "out") as reader:
        runs = reader.runs()
        failed = runs[runs["status"] == "failed"]
        assert set(failed["point_id"]) == {2, 3}  # the two points with p = 0.9
        assert failed["error"].str.startswith("ValueError: awareness_p + awareness_q").all()
        assert failed["traceback"].str.contains("Traceback").all()
        series_runs = {
            r[0] for r in reader.con.execute("SELECT DISTINCT run_id FROM series").fetchall()
        }
        assert series_runs == set(runs.loc[runs["status"] == "done", "run_id"])


def test_rerunning_a_finished_sweep_runs_nothing_and_retry_failed_reruns_only_failures(
    diffusion_design, tmp_path, store_rows
):
    design = diffusion_design(p_values=(0.01, 0.9))
    first = run_sweep(design, out=tmp_path / "out", progress=False)
    again = run_sweep(design, out=tmp_path / "out", progress=False)
    retried = run_sweep(design, out=tmp_path / "out", progress=False, retry_failed=True)

    assert (first.summary.done, first.summary.failed) == (4, 4)
    assert (again.summary.skipped, again.summary.done, again.summary.failed) == (8, 0, 0)
    assert (retried.summary.skipped, retried.summary.failed) == (4, 4)
    runs, _ = store_rows(tmp_path / "out")
    assert len(runs) == len({row[0] for row in runs}) == 8


def test_a_changed_design_is_refused_by_an_existing_store(diffusion_design, tmp_path):
    from experiments.store import StoreError

    run_sweep(diffusion_design(seed=1), out=tmp_path / "out", progress=False)
    with pytest.raises(StoreError, match="holds another experiment"):
        run_sweep(diffusion_design(seed=2), out=tmp_path / "out", progress=False)


def test_a_whole_sweep_is_reproducible_from_its_seed_whatever_the_executor(
    write_design, tmp_path, store_rows, scenario_file
):
    text = f"""
        name = "repro"
        scenario = "{scenario_file("baseline").as_posix()}"
        seed = 99
        replications = 2
        households = 150
        months = 6
        outcomes = ["sharing_households"]
        [sampler]
        method = "lhs"
        samples = 3
        [[parameters]]
        path = "behaviour.awareness_q"
        min = 0.05
        max = 0.5
        [[parameters]]
        path = "network.kind"
        values = ["small-world", "random"]
    """
    design = write_design(text)
    serial = run_sweep(design, out=tmp_path / "serial", progress=False)
    pooled = run_sweep(design, workers=2, out=tmp_path / "pooled", progress=False)

    assert serial.summary.done == pooled.summary.done == 6
    runs, series = store_rows(tmp_path / "serial")
    assert (runs, series) == store_rows(tmp_path / "pooled")
    assert len({row[5] for row in runs}) == 2  # two replication seeds, shared by the points
    assert len(series) > 6 * 6


def test_the_sobol_indices_of_the_ishigami_function_are_recovered(
    write_design, example_design, tmp_path
):
    """Saltelli sample with N = 256 (1 280 runs) through the same store and analysis as any sweep.

    At this N the bootstrap half-widths of the indices are about 0.1; the check allows twice the
    reported 95 % half-width (about four standard errors) and requires that half-width to stay
    below 0.2, so it can neither pass with useless intervals nor fail by chance.
    """
    text = example_design("ishigami_sobol")
    design = write_design(re.sub(r"samples = \d+", "samples = 256", text))
    outcome = run_sweep(design, out=tmp_path / "ishigami", progress=False)
    assert outcome.summary.done == 256 * 5

    table = analyse(tmp_path / "ishigami", resamples=500)
    exact = ishigami_indices()
    for kind in ("S1", "ST"):
        estimate, conf = table[kind].to_numpy(), table[f"{kind}_conf"].to_numpy()
        assert (conf < 0.2).all(), (kind, conf)
        assert (np.abs(estimate - np.array(exact[kind])) <= 2 * conf).all(), (
            kind,
            estimate,
            exact[kind],
        )
    s1, st = table["S1"].to_numpy(), table["ST"].to_numpy()
    assert s1[1] > s1[0] > s1[2]
    assert st[2] > 0.1 > abs(s1[2])  # x3 acts only through its interaction with x1


def test_morris_screening_runs_through_the_store(write_design, example_design, tmp_path):
    text = example_design("ishigami_sobol")
    text = text.replace('method = "sobol"', 'method = "morris"\nlevels = 4').replace(
        "samples = 512", "samples = 20"
    )
    outcome = run_sweep(write_design(text), out=tmp_path / "morris", progress=False)
    assert outcome.summary.done == 20 * 4

    table = analyse(tmp_path / "morris", resamples=200)
    assert list(table.columns) == [
        "outcome",
        "parameter",
        "mu",
        "mu_star",
        "mu_star_conf",
        "sigma",
        "noise_share",
        "reason",
        "readable",
    ]
    assert (table["mu_star"] > 0).all()
    # x3 has no effect of its own: its elementary effects are driven by x1, so they vary in sign.
    assert table.loc[2, "sigma"] > table.loc[2, "mu"]


def _read_progress(stream, seen: list[int]) -> None:
    """Collect the counts of finished runs that the progress bar prints on stderr."""
    tail = ""
    for chunk in iter(lambda: stream.read(64), ""):
        text = tail + chunk
        seen.extend(int(match.group(1)) for match in re.finditer(r"(\d+)/(\d+) \[", text))
        tail = text[-32:]


def test_a_killed_sweep_resumes_to_exactly_the_rows_of_an_uninterrupted_one(
    diffusion_design, tmp_path, store_rows, partage_command
):
    # Runs long enough (a fraction of a second each) that the kill lands while runs remain.
    design = diffusion_design(
        households=400_000, months=120, replications=3, p_values=(0.01, 0.02, 0.03, 0.04)
    )
    partage, root = partage_command
    command = [*partage, "sweep", str(design), "--out", str(tmp_path / "killed")]
    process = subprocess.Popen(
        command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    seen: list[int] = []
    reader = threading.Thread(target=_read_progress, args=(process.stderr, seen), daemon=True)
    reader.start()
    deadline = time.monotonic() + 90
    # Finished runs are stored a second's worth at a time: kill as soon as the first are stored.
    while not (seen and max(seen) >= 1) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the sweep ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    with StoreReader(tmp_path / "killed") as partial:
        finished = sum(partial.status_counts().values())
    assert 1 <= finished < 24

    resumed = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=180)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"{finished} already finished" in resumed.stdout

    run_sweep(design, out=tmp_path / "whole", progress=False)
    assert store_rows(tmp_path / "killed") == store_rows(tmp_path / "whole")
    runs, series = store_rows(tmp_path / "killed")
    assert len(runs) == len({row[0] for row in runs}) == 24
    assert len(series) == 24 * 120 * 3


def test_a_local_worker_killed_mid_sweep_loses_and_duplicates_no_run(
    diffusion_design, tmp_path, store_rows
):
    import os

    import psutil

    design = diffusion_design(
        households=50_000, months=12, replications=3, p_values=(0.01, 0.02, 0.03)
    )
    finished = []

    def kill_a_worker_after_a_few(result):
        finished.append(result.run_id)
        if len(finished) == 3:
            workers = pool_workers(psutil.Process(os.getpid()))
            workers[0].kill()

    outcome = run_sweep(
        design,
        workers=2,
        out=tmp_path / "pool",
        progress=False,
        on_result=kill_a_worker_after_a_few,
    )
    assert (outcome.summary.done, outcome.summary.lost, outcome.summary.failed) == (18, 0, 0)
    run_sweep(design, out=tmp_path / "serial", progress=False)
    runs, series = store_rows(tmp_path / "pool")
    assert len(runs) == len({row[0] for row in runs}) == 18
    assert (runs, series) == store_rows(tmp_path / "serial")


def pool_workers(parent) -> list:
    """The pool's worker processes under `parent`: forked by its fork server (a child of `parent`,
    which forks them), or spawned by `parent` itself; not the resource tracker."""
    return [
        process
        for process in parent.children(recursive=True)
        if not any(
            name in " ".join(process.cmdline()) for name in ("resource_tracker", "forkserver")
        )
        or process.ppid() != parent.pid
    ]


def test_a_grid_summary_has_one_row_per_point_with_intervals(diffusion_design, tmp_path):
    from experiments.sweep import point_summary

    outcome = run_sweep(diffusion_design(replications=3), out=tmp_path / "grid", progress=False)
    table = point_summary(outcome.directory, ["adoption_share"])
    assert len(table) == 6 and (table["runs"] == 3).all()
    assert list(table["awareness_p"]) == [0.01, 0.01, 0.03, 0.03, 0.05, 0.05]
    assert (table["adoption_share low"] <= table["adoption_share"]).all()
    assert (table["adoption_share"] <= table["adoption_share high"]).all()
    assert (
        table["adoption_share"].iloc[5] > table["adoption_share"].iloc[0]
    )  # more media, more adoption
