"""The end of a sweep on a local pool is bounded, whenever one of its workers is killed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(300)

# Run in its own process: a sweep that does not end, or an interpreter that cannot exit
# because of a thread the pool left behind, shows as a timeout instead of hanging the tests.
LOSE_A_WORKER_AFTER = textwrap.dedent(
    """
    import os, sys
    import psutil
    from experiments.sweep import run_sweep

    def main(design, out, after, fault):
        finished = []

        def kill_a_worker(result):
            finished.append(result.run_id)
            if len(finished) == after:
                me = psutil.Process(os.getpid())
                workers = [  # forked by the fork server, a child of this process
                    p for p in me.children(recursive=True)
                    if p.ppid() != me.pid and "forkserver" in " ".join(p.cmdline())
                ]
                # Killed: a worker dying while it waits for work holds the lock of the pool's task queue.
                # Stopped: a worker that will never again take anything from the queue, deterministically.
                workers[-1].kill() if fault == "kill" else workers[-1].suspend()

        summary = run_sweep(design, workers=2, out=out, progress=False, on_result=kill_a_worker).summary
        print(summary.done, summary.lost, summary.failed)

    if __name__ == "__main__":
        main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
    """
)


@pytest.mark.parametrize(
    ("fault", "after"),
    [("kill", 12), ("stop", 12)],
    ids=["killed-after-the-last-run", "stopped-after-the-last-run"],
)
def test_a_worker_lost_at_the_end_of_a_sweep_leaves_no_hang(
    fault, after, diffusion_design, tmp_path
):
    root = Path(__file__).resolve().parents[2]
    design = diffusion_design(
        households=50_000, months=12, replications=2, p_values=(0.01, 0.02, 0.03)
    )
    script = tmp_path / "lose_a_worker.py"
    script.write_text(LOSE_A_WORKER_AFTER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(design), str(tmp_path / "out"), str(after), fault],
        cwd=root,
        env=os.environ | {"PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["12", "0", "0"], done.stdout
