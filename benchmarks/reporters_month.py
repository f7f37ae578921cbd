"""CPU time of one month's reporters (`model.reporters.measure`) at a territory's size.

    python -m benchmarks.reporters_month                        # Bordeaux Métropole at its real size
    python -m benchmarks.reporters_month --households 100000 --scenario scenarios/baseline.toml

Builds the territory, runs `--months` months, then measures the month just ended again
`--repeats` times from the same running totals, and prints the median and the fastest CPU
time of one measure. Each repeat gives the same outcomes (the script checks it), so the
figure is the reporters' alone, not the month's.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import numpy as np

from model import model as model_module
from model import reporters

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = ROOT / "scenarios" / "bordeaux_metropole.toml"


def time_reporters(scenario: Path, households: int | None, months: int, repeats: int) -> dict:
    """Median and fastest CPU seconds of `measure` on the month `months` of one run."""
    from benchmarks.model_speed import real_households

    households = households or real_households(str(scenario))
    model = model_module.TerritoryModel(
        scenario, households=households, months=months + 1, seed=1, agents=False
    )
    last: dict = {}
    measure = reporters.measure

    def remember(*args, **kwargs):
        last.update(args=args, kwargs=kwargs)
        return measure(*args, **kwargs)

    model_module.reporters.measure = remember
    try:
        for _ in range(months):
            model.step()
    finally:
        model_module.reporters.measure = measure
    before = copy.deepcopy(model.totals)
    seconds, outcomes = [], set()
    for _ in range(repeats):
        model.totals = copy.deepcopy(before)
        start = time.process_time()
        out = measure(*last["args"], **last["kwargs"])
        seconds.append(time.process_time() - start)
        outcomes.add(json.dumps(out, sort_keys=True))
    if len(outcomes) != 1:
        raise RuntimeError("the repeats of one month's reporters gave different outcomes")
    return {
        "households": households,
        "month": months,
        "median_ms": float(np.median(seconds) * 1e3),
        "fastest_ms": float(min(seconds) * 1e3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--households", type=int, default=None, help="default: the real size")
    parser.add_argument("--months", type=int, default=3, help="months run before measuring")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    figures = time_reporters(args.scenario, args.households, args.months, args.repeats)
    print(
        f"{args.scenario.stem}, {figures['households']:,} households, month {figures['month']}: "
        f"reporters {figures['median_ms']:.1f} ms of CPU (median of {args.repeats}), "
        f"fastest {figures['fastest_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
