"""Sweep throughput: runs per minute of a small sweep, by executor (`partage sweep-bench`).

The same Latin-hypercube sweep of the baseline scenario runs three times into
fresh stores: in one local worker (this process), on a pool of two local
processes, and through Dask (the scheduler given with `--scheduler`, or a
local cluster of two single-threaded worker processes started for the
occasion). `runs_per_minute` counts the whole sweep as a user sees it:
starting the workers, shipping the scenario, running and storing every run;
`steady_runs_per_minute` counts from the first stored run to the last, the
rate a long sweep approaches once its workers are up. With `progress`, one bar
on stderr counts the runs of all three sweeps and estimates the time left.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from experiments.sweep import run_sweep

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"

DESIGN = """
name = "sweep-bench"
scenario = "{scenario}"
seed = 7
replications = 2
households = {households}
months = {months}
outcomes = ["sharing_households"]

[sampler]
method = "lhs"
samples = {points}

[[parameters]]
path = "behaviour.awareness_q"
min = 0.05
max = 0.4

[[parameters]]
path = "behaviour.risk_weight"
min = 0.5
max = 4.0
"""


def benchmark(
    *,
    runs: int,
    households: int,
    months: int,
    scheduler: str | None,
    scenario: Path = SCENARIO,
    progress: bool = False,
) -> list[dict]:
    """Time the sweep with each executor; one row per executor with runs per minute."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="partage-bench-") as tmp:
        design = Path(tmp) / "bench.toml"
        design.write_text(
            DESIGN.format(
                scenario=scenario.as_posix(),
                households=households,
                months=months,
                points=max(1, runs // 2),
            ),
            encoding="utf-8",
        )
        setups = [("1 local worker", {"workers": 1}), ("2 local workers", {"workers": 2})]
        cluster = None
        if scheduler is None:
            from distributed import LocalCluster

            cluster = LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            setups.append(
                ("Dask, local cluster of 2 workers", {"scheduler": cluster.scheduler_address})
            )
        else:
            setups.append((f"Dask, {scheduler}", {"scheduler": scheduler}))
        planned = max(1, runs // 2) * 2  # points x the design's two replications
        bar = tqdm(
            total=planned * len(setups),
            desc="sweep-bench",
            unit="run",
            disable=not progress,
            file=sys.stderr,
            mininterval=0.5,
        )

        def arrived(seen: list[float]) -> None:
            seen.append(time.perf_counter())
            bar.update(1)

        try:
            for label, options in setups:
                arrivals: list[float] = []
                clock = time.perf_counter()
                outcome = run_sweep(
                    design,
                    out=Path(tmp) / label.replace(" ", "_"),
                    progress=False,
                    on_result=lambda _, seen=arrivals: arrived(seen),
                    **options,
                )
                elapsed = time.perf_counter() - clock
                finished = outcome.summary.done + outcome.summary.failed
                steady = (
                    (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
                    if len(arrivals) > 2
                    else float("nan")
                )
                rows.append(
                    {
                        "executor": label,
                        "runs": finished,
                        "seconds": elapsed,
                        "runs_per_minute": 60 * finished / elapsed,
                        "steady_runs_per_minute": 60 * steady,
                    }
                )
        finally:
            bar.close()
            if cluster is not None:
                cluster.close()
    return rows
