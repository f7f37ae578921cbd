"""The results store deleted while a sweep writes it: one line, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

DESIGN = """
name = "deleted"
target = "diffusion"
seed = 5
replications = 3
households = 200000
months = 60
[sampler]
method = "grid"
[[parameters]]
path = "awareness_p"
values = [0.01, 0.02, 0.03, 0.04]
"""


@pytest.mark.timeout(300)
@pytest.mark.parametrize("deleted", ["folder", "store"])
def test_deleting_the_store_during_a_sweep_ends_it_with_one_line(tmp_path, deleted):
    design = tmp_path / "deleted.toml"
    design.write_text(DESIGN, encoding="utf-8")
    out = tmp_path / "out"
    sweep = subprocess.Popen(
        [sys.executable, "-m", "cli", "sweep", str(design), "--out", str(out), "--no-progress"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (out / "experiment.live.duckdb").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sweep.poll() is None, "the sweep ended before the store could be deleted"
        if deleted == "folder":
            shutil.rmtree(out)
        else:
            (out / "experiment.duckdb").unlink()
        _, stderr = sweep.communicate(timeout=240)
    finally:
        if sweep.poll() is None:
            sweep.kill()
            sweep.communicate()
    assert "Traceback" not in stderr, stderr[-3000:]
    assert sweep.returncode == 2 and len(stderr.strip().splitlines()) == 1, stderr[-3000:]
    assert "deleted or moved" in stderr
