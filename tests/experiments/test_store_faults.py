"""Damaged stores are refused in one line and left untouched; a store is readable while a sweep writes it."""

from __future__ import annotations

import hashlib
import subprocess
import time

import pytest

from experiments.store import StoreReader
from experiments.sweep import run_sweep

pytestmark = pytest.mark.timeout(240)

HEADER_BYTES, BLOCK_BYTES = 3 * 4096, 262144  # DuckDB's file layout: a header, then whole blocks


def database_path(directory):
    return directory / "experiment.duckdb"


def snapshot_path(database):
    return database.with_name("experiment.live.duckdb")


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cut_in_half(path) -> None:
    blocks = (path.stat().st_size - HEADER_BYTES) // BLOCK_BYTES
    with open(path, "r+b") as file:
        file.truncate(HEADER_BYTES + blocks // 2 * BLOCK_BYTES)


def _cut_mid_block(path) -> None:
    with open(path, "r+b") as file:
        file.truncate(path.stat().st_size - 1000)


def _scramble_every_block(path) -> None:
    """Overwrite a few bytes inside every block, as a failing disk would."""
    with open(path, "r+b") as file:
        for offset in range(HEADER_BYTES, path.stat().st_size, BLOCK_BYTES):
            file.seek(offset + 4096)
            file.write(b"\xa5" * 64)


@pytest.mark.parametrize("damage", [_cut_in_half, _cut_mid_block, _scramble_every_block])
def test_every_command_that_opens_a_damaged_store_says_so_in_one_line_and_leaves_it_as_it_was(
    damage, diffusion_design, scenario_file, tmp_path, capsys
):
    from cli.main import main

    design = diffusion_design(households=300, months=6, replications=1)
    run_sweep(design, out=tmp_path / "store", progress=False)
    database = database_path(tmp_path / "store")
    damage(database)
    size, digest = database.stat().st_size, _digest(database)
    commands = [
        ["sweep", str(design), "--out", str(tmp_path / "store"), "--no-progress"],
        ["sweep", str(design), "--out", str(tmp_path / "store"), "--retry-failed", "--no-progress"],
        ["results", "show", str(tmp_path / "store")],
        ["results", "export", str(tmp_path / "store"), "--out", str(tmp_path / "export")],
        ["sensitivity", str(tmp_path / "store")],
        [
            "compare",
            str(scenario_file("baseline")),
            str(scenario_file("tool_library")),
            "-r",
            "1",
            "--households",
            "100",
            "--months",
            "2",
            "--out",
            str(tmp_path / "store"),
            "--no-progress",
        ],
    ]
    capsys.readouterr()
    for command in commands:
        code = main(command)
        stderr = capsys.readouterr().err
        assert code == 2, (command, stderr)
        assert stderr.strip().count("\n") == 0 and "the results store is damaged" in stderr, (
            command,
            stderr,
        )
        assert (database.stat().st_size, _digest(database)) == (size, digest), command


def test_a_store_is_read_while_a_sweep_writes_it_and_the_sweep_completes(
    diffusion_design, partage_command, tmp_path
):
    import pandas as pd

    from experiments.results import export, show
    from viz.results import load_store

    # Runs of about four seconds each, so that the sweep is still writing when it is read, and while
    # `partage results show` starts in a process of its own.
    design = diffusion_design(
        households=1_000_000, months=200, replications=2, p_values=(0.01, 0.02, 0.03)
    )
    partage, root = partage_command
    out = tmp_path / "live"
    sweep = subprocess.Popen(
        [*partage, "sweep", str(design), "--out", str(out), "--no-progress"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        finished = 0
        while finished < 1 and sweep.poll() is None and time.monotonic() < deadline:
            time.sleep(0.3)
            if snapshot_path(database_path(out)).exists():
                with StoreReader(out) as reader:
                    assert reader.live
                    finished = sum(reader.status_counts().values())
        assert sweep.poll() is None and finished >= 1, (
            "the sweep ended, or published nothing, before it was read"
        )

        shown = subprocess.Popen(  # started now: the command takes a few seconds to start
            [*partage, "results", "show", str(out)],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        text = show(out)
        assert "being written" in text and "of 12 finished" in text
        written = export(out, tmp_path / "x")
        assert len(pd.read_parquet(written[0])) >= 1
        stdout, stderr = shown.communicate(timeout=60)
        assert shown.returncode == 0, stderr
        assert "being written" in stdout
        runs, outcomes, swept, kind = load_store(out)  # the app's Results page
        assert len(runs) >= 1 and "adoption_share" in outcomes and kind == "sweep"
        stdout, stderr = sweep.communicate(timeout=180)
    finally:
        if sweep.poll() is None:
            sweep.kill()
            sweep.wait(timeout=30)
    assert sweep.returncode == 0, stderr[-2000:]
    with StoreReader(out) as reader:
        assert not reader.live
        assert reader.status_counts() == {"done": 12}
    assert not snapshot_path(database_path(out)).exists()


def test_a_reader_holding_a_store_delays_a_sweep_instead_of_stopping_it(
    diffusion_design, partage_command, tmp_path
):
    design = diffusion_design(households=300, months=6, replications=1)
    run_sweep(design, out=tmp_path / "held", progress=False)
    partage, root = partage_command
    with StoreReader(tmp_path / "held"):
        sweep = subprocess.Popen(
            [
                *partage,
                "sweep",
                str(design),
                "--out",
                str(tmp_path / "held"),
                "--retry-failed",
                "--no-progress",
            ],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(8)  # longer than the command takes to start and reach the store
    stdout, stderr = sweep.communicate(timeout=120)
    assert sweep.returncode == 0, stderr[-1500:]
    assert "6 already finished" in stdout


@pytest.mark.parametrize("moment", ["while its copy is checked", "just after it is opened"])
def test_a_store_read_as_its_writer_closes_is_read_from_its_file(
    diffusion_design, tmp_path, monkeypatch, moment
):
    """A reader found the store's file held by its writer and opened the copy the writer
    publishes just as the writer closed and removed it: `FileNotFoundError` came out of the
    reader (seen as a test of Ctrl-C failing when a sweep ended as it was read). The reader now
    reads the store's own file, free again."""
    import experiments.store as store_module
    from experiments.store import ResultsStore, StoreBusy

    out = tmp_path / "out"
    swept = run_sweep(diffusion_design(households=300, months=6, replications=1), out=out)
    writer = ResultsStore(out)
    writer.publish_snapshot(force=True)
    writer.con.close()  # the copy stays, as while a writer runs
    database, copy = database_path(out), snapshot_path(database_path(out))
    opened, checked = store_module.open_checked, store_module.check_intact
    held = [True]  # the writer holds the file when the reader first tries it

    def open_as_the_writer_closes(path, **options):
        if path == database and held:
            held.clear()
            raise StoreBusy(f"{path}: in use by another process")
        con = opened(path, **options)
        if path == copy and moment == "just after it is opened":
            copy.unlink()  # the writer closed
        return con

    def check_as_the_writer_closes(con, path):
        if path == copy and moment == "while its copy is checked":
            copy.unlink()  # the writer closed
        return checked(con, path)

    monkeypatch.setattr(store_module, "open_checked", open_as_the_writer_closes)
    monkeypatch.setattr(store_module, "check_intact", check_as_the_writer_closes)
    with StoreReader(out) as reader:
        assert not reader.live
        assert reader.status_counts() == {"done": swept.summary.done}
