"""Calibration recovers known parameters: targets made by the model itself are fitted back.

The check runs the baseline at known values of two behaviour parameters (word
of mouth `awareness_q` and the hassle of lending `lend_hassle`) with seeds
the calibration never uses, measures three targets on those runs (car
awareness, drill and car lenders, averaged over the last months), and writes
them as the observed figures of a calibration design, each with the spread
of the truth's replications as its uncertainty. The calibration must then
report 95 % intervals that hold the known values and are narrower than the
prior ranges. The test suite runs it small; `partage validate` larger.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from experiments.calibrate import MAIN, TargetItem, TargetSpec, calibrate, item_statistic
from experiments.design import replication_seed
from experiments.outputs import guarded
from model.model import DEFAULT_SCENARIO
from model.simulate import simulate

TRUTH = {"behaviour.awareness_q": 0.25, "behaviour.lend_hassle": 1.2}
PRIORS = {"behaviour.awareness_q": (0.02, 0.45), "behaviour.lend_hassle": (0.4, 3.0)}
TARGETS = (
    ("car_aware", "car.aware"),
    ("drill_lenders", "drill.lenders"),
    ("car_lenders", "car.lenders"),
)
TRUTH_SEED = 987_654


def measure_truth(
    households: int, months: int, replications: int
) -> dict[str, tuple[float, float]]:
    """Each target's mean and standard deviation over replications of the model at the known values."""
    window = [max(0, months - 6), months]
    values = {name: [] for name, _ in TARGETS}
    for r in range(replications):
        series = simulate(
            DEFAULT_SCENARIO,
            seed=replication_seed(TRUTH_SEED, r),
            households=households,
            months=months,
            overrides=TRUTH,
        ).set_index("month")
        for name, outcome in TARGETS:
            item = TargetItem(
                TargetSpec(
                    name=name, outcome=outcome, window=window, observed=0, sd=1, source="truth"
                ),
                None,
            )
            values[name].append(item_statistic(item, {MAIN: series}))
    return {name: (float(np.mean(v)), float(np.std(v, ddof=1))) for name, v in values.items()}


def recovery_design(
    directory: Path,
    *,
    households: int,
    months: int,
    replications: int,
    waves: int,
    points: int,
    truth_replications: int,
    seed: int,
) -> Path:
    truth = measure_truth(households, months, truth_replications)
    window = [max(0, months - 6), months]
    lines = [
        'name = "recovery"',
        f'scenario = "{Path(DEFAULT_SCENARIO).resolve().as_posix()}"',
        f"seed = {seed}",
        f"households = {households}",
        f"replications = {replications}",
        f"months = {months}",
        "",
        "[method]",
        f"waves = {waves}",
        f"points_per_wave = {points}",
        "check_replications = 3",
        "",
    ]
    for path, (low, high) in PRIORS.items():
        lines += ["[[parameters]]", f'path = "{path}"', f"min = {low}", f"max = {high}", ""]
    for name, outcome in TARGETS:
        mean, sd = truth[name]
        lines += [
            "[[targets]]",
            f'name = "{name}"',
            f'outcome = "{outcome}"',
            f"window = {window}",
            f"observed = {mean!r}",
            f"sd = {float(max(sd / np.sqrt(truth_replications), 1e-4))!r}",
            'source = "the model itself at known parameter values (recovery check)"',
            "",
        ]
    path = directory / "recovery.toml"
    guarded(path).write_text("\n".join(lines), encoding="utf-8")
    return path


def check_recovery(
    *,
    households: int = 300,
    months: int = 24,
    replications: int = 2,
    waves: int = 2,
    points: int = 12,
    truth_replications: int = 8,
    seed: int = 11,
    directory: Path | None = None,
) -> dict:
    """Run the recovery calibration; `passed` when every known value lies in its 95 % interval and
    every interval is narrower than its prior."""
    with tempfile.TemporaryDirectory(prefix="partage-recovery-") as temporary:
        where = Path(directory or temporary)
        design = recovery_design(
            where,
            households=households,
            months=months,
            replications=replications,
            waves=waves,
            points=points,
            truth_replications=truth_replications,
            seed=seed,
        )
        result = calibrate(design, out=where / "out", progress=False, echo=lambda _line: None)
        rows = []
        for _, row in result.intervals().iterrows():
            truth = TRUTH[row["parameter"]]
            rows.append(
                {
                    "parameter": row["parameter"],
                    "truth": truth,
                    "low_95": row["low_95"],
                    "fitted": row["fitted"],
                    "high_95": row["high_95"],
                    "prior_width": row["prior_max"] - row["prior_min"],
                    "covered": bool(row["low_95"] <= truth <= row["high_95"]),
                    "narrower": bool(
                        row["high_95"] - row["low_95"] < 0.8 * (row["prior_max"] - row["prior_min"])
                    ),
                }
            )
    passed = all(r["covered"] and r["narrower"] for r in rows)
    return {
        "rows": rows,
        "passed": passed,
        "households": households,
        "months": months,
        "waves": waves,
        "points": points,
        "replications": replications,
    }
