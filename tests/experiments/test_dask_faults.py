"""A real Dask cluster on 127.0.0.1 losing its scheduler or all its workers during `python -m cli sweep`."""

from __future__ import annotations

import re
import subprocess
import threading
import time

import pytest

from experiments.store import StoreReader

pytestmark = [pytest.mark.dask, pytest.mark.timeout(240)]


class StderrWatch:
    """Collects a process's stderr in a thread; `finished()` is the count its progress bar shows."""

    def __init__(self, process: subprocess.Popen):
        self.text = ""
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process) -> None:
        for chunk in iter(lambda: process.stderr.read(64), ""):
            self.text += chunk

    def finished(self) -> int:
        counts = [int(match.group(1)) for match in re.finditer(r"(\d+)/(\d+) \[", self.text)]
        return max(counts, default=0)

    def lines_besides_progress(self) -> list[str]:
        lines = self.text.replace("\r", "\n").splitlines()
        return [line for line in lines if line.strip() and not line.startswith("runs (")]


@pytest.mark.parametrize("loss", ["scheduler", "every worker"])
def test_a_lost_cluster_ends_the_sweep_in_one_line_with_the_command_to_resume(
    loss, dask_cluster, diffusion_design, partage_command, tmp_path
):
    design = diffusion_design(
        households=500_000, months=400, replications=2, p_values=(0.01, 0.02, 0.03, 0.04)
    )
    partage, root = partage_command
    out = tmp_path / "out"
    command = [
        "sweep",
        str(design),
        "--out",
        str(out),
        "--scheduler",
        dask_cluster.address,
        "--cluster-timeout",
        "5",
    ]
    sweep = subprocess.Popen(
        [*partage, *command], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    watch = StderrWatch(sweep)
    try:
        deadline = time.monotonic() + 120
        while watch.finished() < 1 and sweep.poll() is None and time.monotonic() < deadline:
            time.sleep(0.3)
        assert sweep.poll() is None, "the sweep ended before the cluster could be lost"
        victims = [dask_cluster.scheduler] if loss == "scheduler" else dask_cluster.workers
        for victim in victims:
            dask_cluster.kill(victim)
        sweep.wait(timeout=120)
    finally:
        if sweep.poll() is None:
            sweep.kill()
            sweep.wait(timeout=30)
    watch.thread.join(timeout=10)
    lines = watch.lines_besides_progress()  # the progress bar is allowed; it is not a message
    assert sweep.returncode == 2, watch.text[-3000:]
    assert "Traceback" not in watch.text and len(lines) == 1, watch.text[-3000:]
    assert "finished runs are stored" in lines[0]
    assert ("scheduler" if loss == "scheduler" else "no worker") in lines[0]
    assert lines[0].endswith("partage " + " ".join(command))
    with StoreReader(out) as reader:  # intact, and holding the runs finished before the loss
        finished = sum(reader.status_counts().values())
    assert 1 <= finished < 16
