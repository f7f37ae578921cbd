"""Model speed: how fast complete runs of the model are, and how they scale (`partage bench`).

For each territory size (default 1 000, 10 000, 100 000 and 1 000 000
households) one complete run of the scenario (default: the baseline over 120
months) is timed in a fresh process, so that sizes do not share memory or
caches. A complete run is everything `TerritoryModel.run` does each month:
policies, influence and awareness, decisions, market, learning and trust, ties
and reporters. Building the territory is timed apart (`setup_s`).

Reported per size: household-good-months per second (households x goods x
months / CPU seconds of the run: the model is single-threaded, and CPU time is
what one core spends even when the machine is shared), the wall time, CPU
seconds per phase, and the peak resident memory of the process (`ru_maxrss`).
BLAS and OpenMP are held to one thread. Across sizes: the exponent b of run time ~ households^b
(least squares on log-log; 1 means linear). In the same run, the scalar
reference (`model.reference`, one Mesa agent stepping itself in Python per
household) is timed on a small territory; the speed ratio divides the
vectorized model's throughput at 100 000 households (or the largest size run
below that) by the reference's, and the same-size ratio is reported too. At that
size too, the model's months and those of a plain numpy month (`benchmarks.roofline`)
are timed alternately in one process: their ratio is the roofline ratio.

A territory from data (default: Bordeaux Métropole, `scenarios/bordeaux_metropole.toml`) is
timed at its real size (the sum of its figures' households) beside the grid baseline at the same
size, each in a fresh process: the throughput of the two and their ratio, with the target that
the territory runs within 20 % of the grid; and a million households are placed in its polygons
and tied (wall time, target under 20 s).

Phases are timed by wrapping the functions the month calls (`TimedPhases`),
on the model's instances and in `model.model`'s namespace, for the run only;
what the wrappers do not cover (influence over ties, awareness and digital
inclusion) is reported as `influence_awareness`. The model itself is unchanged.
"""

from __future__ import annotations

import concurrent.futures
import math
import multiprocessing
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

from experiments.errors import UserError
from model import model as model_module
from model import reporters as reporters_module

DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000, 100_000)
DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
DEFAULT_TERRITORY = Path(__file__).resolve().parent.parent / "scenarios" / "bordeaux_metropole.toml"
TARGET_TERRITORY_RATIO = 0.8  # a territory from data runs at 80 % of the grid's throughput or more
PLACEMENT_HOUSEHOLDS = 1_000_000
TARGET_PLACEMENT_S = 20.0
REFERENCE_HOUSEHOLDS = 1_000
REFERENCE_MONTHS = 24

# Targets of the issue, on one core of the project's machines.
TARGET_SPEED_RATIO = 30.0
TARGET_ROOFLINE_RATIO = 1.0  # the month at 100 000 households at least as fast as the roofline
TARGET_TERRITORY_S = 20.0  # the territory from data at its real size, 120 months, CPU seconds
TARGET_1M_CPU_S = 45.0  # 1 000 000 households x 120 months, CPU seconds of the run
TARGET_1M_PEAK_GB = 1.5
ROOFLINE_HOUSEHOLDS = 100_000

PHASES = (
    "policies",
    "influence_awareness",
    "decisions",
    "market",
    "learning_trust",
    "ties",
    "reporters",
)


class TimedPhases:
    """Accumulate CPU time per phase of the month by wrapping the functions `TerritoryModel.step` calls.

    `policies` wraps the policy book's `effects`, `decisions` the module-level `decide` the
    step calls and the counts over ties that follow it (`Ties.update_counts`), `market`
    `clear_market`, `learning_trust` `learn_from_the_month`, `ties` `Ties.make_new_ties`, and
    `reporters` both `reporters.measure` and the DataCollector's `collect`. The rest of the
    step (influence over ties, awareness, digital inclusion) is `influence_awareness`.
    """

    def __init__(self, model):
        self.seconds = dict.fromkeys(PHASES, 0.0)
        self._restore: list[tuple[object, str, object]] = []
        self._wrap(model.policy_book, "effects", "policies")
        self._wrap(model_module, "decide", "decisions")
        self._wrap(model.ties, "update_counts", "decisions")
        self._wrap(model_module, "clear_market", "market")
        self._wrap(model_module, "learn_from_the_month", "learning_trust")
        self._wrap(model.ties, "make_new_ties", "ties")
        self._wrap(reporters_module, "measure", "reporters")
        self._wrap(model.datacollector, "collect", "reporters")

    def _wrap(self, owner, name: str, phase: str) -> None:
        original = getattr(owner, name)
        seconds = self.seconds

        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[phase] += time.process_time() - start

        self._restore.append(
            (owner, name, owner.__dict__.get(name) if hasattr(owner, "__dict__") else None)
        )
        setattr(owner, name, timed)

    def close(self, total_step_seconds: float) -> dict[str, float]:
        """Put the original functions back; return CPU seconds per phase (the rest is influence)."""
        for owner, name, previous in reversed(self._restore):
            if previous is None:
                delattr(owner, name)
            else:
                setattr(owner, name, previous)
        self._restore.clear()
        covered = sum(v for k, v in self.seconds.items() if k != "influence_awareness")
        self.seconds["influence_awareness"] = max(0.0, total_step_seconds - covered)
        return dict(self.seconds)


def peak_memory_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports ru_maxrss in KB)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / 2**20


def time_vectorized(scenario: str, households: int, months: int, seed: int = 1) -> dict:
    """One complete run of the vectorized model, timed per phase (run this in a fresh process)."""
    start = time.perf_counter()
    model = model_module.TerritoryModel(
        scenario, households=households, months=months, seed=seed, agents=False
    )
    setup_s = time.perf_counter() - start
    phases = TimedPhases(model)
    figures = run_timed(model, households, months, setup_s)
    figures["phase_s"] = phases.close(figures["run_s"])
    return figures


def run_timed(model, households: int, months: int, setup_s: float) -> dict:
    """Run a built model to its horizon; its throughput, times and peak memory."""
    start, start_cpu = time.perf_counter(), time.process_time()
    model.run()
    wall_s, run_s = time.perf_counter() - start, time.process_time() - start_cpu
    goods = len(model.goods.names)
    return {
        "households": households,
        "goods": goods,
        "months": months,
        "setup_s": setup_s,
        "run_s": run_s,
        "wall_s": wall_s,
        "hgm_per_s": households * goods * months / run_s,
        "peak_memory_mb": peak_memory_mb(),
    }


def time_reference(scenario: str, households: int, months: int, seed: int = 1) -> dict:
    """One complete run of the scalar reference (run this in a fresh process)."""
    from model.reference import ReferenceModel

    start = time.perf_counter()
    model = ReferenceModel(scenario, households=households, months=months, seed=seed)
    setup_s = time.perf_counter() - start
    return run_timed(model, households, months, setup_s)


def time_roofline(scenario: str, households: int, months: int, seed: int = 1) -> dict:
    """The model's months and the plain numpy roofline's, timed alternately in one process (run
    this in a fresh process); see `benchmarks.roofline`."""
    from benchmarks.roofline import time_alternately

    model = model_module.TerritoryModel(
        scenario, households=households, months=months, seed=seed, agents=False
    )
    return time_alternately(model, months)


def in_fresh_process(function, *args) -> dict:
    """Call `function(*args)` in a new single-use process, so its peak memory is its own."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def scaling_exponent(households: list[int], seconds: list[float]) -> float:
    """b in seconds ~ households^b, by least squares on logarithms."""
    if len(households) < 2:
        return float("nan")
    slope, _ = np.polyfit(np.log(households), np.log(seconds), 1)
    return float(slope)


def real_households(scenario: str) -> int:
    """The households of a territory from data: the sum of its figures' counts."""
    from model.scenario import TerritoryFromData, load_scenario

    territory = load_scenario(scenario).territory
    if not isinstance(territory, TerritoryFromData):
        raise UserError(
            f"--territory {scenario}: the territory is an abstract grid, not one from data"
        )
    return int(round(territory.resolved().households.sum()))


def time_placement(scenario: str, households: int, seed: int = 1) -> dict:
    """Seconds to place households in a territory's polygons and tie them (run in a fresh process;
    the files are read before the clock starts)."""
    from model.geography import build_network, layout_territory
    from model.scenario import load_scenario

    loaded = load_scenario(scenario, {"households": households})
    loaded.territory.resolved()
    rng = np.random.default_rng(seed)
    start, start_cpu = time.perf_counter(), time.process_time()
    layout = layout_territory(loaded, households, rng)
    placed = time.perf_counter()
    network = build_network(loaded, layout, rng)
    done, done_cpu = time.perf_counter(), time.process_time()
    return {
        "households": households,
        "place_s": placed - start,
        "tie_s": done - placed,
        "total_s": done - start,
        "cpu_s": done_cpu - start_cpu,
        "mean_degree": float(network.sum() / households),
    }


def benchmark_territory(
    territory: str,
    grid: str,
    months: int,
    households: int | None = None,
    echo=print,
    placement_households: int = PLACEMENT_HOUSEHOLDS,
) -> dict:
    """A territory from data and the grid at the same size, each timed in a fresh process, and the
    placement and ties of `placement_households` in the territory."""
    placement = in_fresh_process(time_placement, territory, placement_households)
    echo(
        f"{Path(territory).stem}: {placement_households:,} households placed in "
        f"{placement['place_s']:.1f} s and tied in {placement['tie_s']:.1f} s"
    )
    households = households or real_households(territory)
    on_data = in_fresh_process(time_vectorized, territory, households, months)
    echo(f"{Path(territory).stem}: " + format_row(on_data))
    on_grid = in_fresh_process(time_vectorized, grid, households, months)
    echo(f"{Path(grid).stem} (grid): " + format_row(on_grid))
    return {
        "scenario": Path(territory).stem,
        "grid": Path(grid).stem,
        "households": households,
        "months": months,
        "territory_run": on_data,
        "grid_run": on_grid,
        "placement": placement,
        "throughput_ratio": on_data["hgm_per_s"] / on_grid["hgm_per_s"],
    }


def benchmark(
    sizes,
    months: int,
    scenario: str,
    reference: bool = True,
    echo=print,
    territory: str | None = None,
    territory_households: int | None = None,
) -> dict:
    """Time every size in its own process, then the scalar reference and a territory from data;
    return the report."""
    runs = []
    for households in sizes:
        result = in_fresh_process(time_vectorized, scenario, households, months)
        runs.append(result)
        echo(format_row(result))
    report: dict = {
        "scenario": Path(scenario).stem,
        "months": months,
        "machine": {
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
        },
        "runs": runs,
        "exponent": scaling_exponent([r["households"] for r in runs], [r["run_s"] for r in runs]),
    }
    roofline_sizes = [n for n in sizes if n <= ROOFLINE_HOUSEHOLDS]
    if roofline_sizes:
        report["roofline"] = in_fresh_process(time_roofline, scenario, roofline_sizes[-1], months)
        echo(roofline_line(report["roofline"]))
    if reference:
        scalar = in_fresh_process(time_reference, scenario, REFERENCE_HOUSEHOLDS, REFERENCE_MONTHS)
        same_size = in_fresh_process(
            time_vectorized, scenario, REFERENCE_HOUSEHOLDS, REFERENCE_MONTHS
        )
        report["reference"] = scalar
        report["reference"]["vectorized_same_size_hgm_per_s"] = same_size["hgm_per_s"]
        report["speed_ratio_same_size"] = same_size["hgm_per_s"] / scalar["hgm_per_s"]
        at_scale = [r for r in runs if r["households"] <= 100_000] or runs
        report["speed_ratio"] = at_scale[-1]["hgm_per_s"] / scalar["hgm_per_s"]
        report["speed_ratio_households"] = at_scale[-1]["households"]
    if territory is not None:
        report["territory"] = benchmark_territory(
            territory, scenario, months, territory_households, echo
        )
    report["targets"] = check_targets(report)
    return report


def check_targets(report: dict) -> dict[str, bool | None]:
    """Each target of the issue: True (met), False (missed) or None (not measured)."""
    by_size = {r["households"]: r for r in report["runs"]}
    at_1m = by_size.get(1_000_000)
    full_horizon = report["months"] >= 120
    return {
        "month at 100k at least as fast as the numpy roofline": (
            None
            if report.get("roofline", {}).get("households") != ROOFLINE_HOUSEHOLDS
            else report["roofline"]["ratio"] >= TARGET_ROOFLINE_RATIO
        ),
        "1M households x 120 months in at most 45 s of CPU": (
            None if at_1m is None or not full_horizon else at_1m["run_s"] <= TARGET_1M_CPU_S
        ),
        "peak memory at 1M under 1.5 GB": None
        if at_1m is None
        else at_1m["peak_memory_mb"] < TARGET_1M_PEAK_GB * 1024,
        "territory from data at its real size, 120 months, in at most 20 s of CPU": (
            None
            if "territory" not in report or not full_horizon
            else report["territory"]["territory_run"]["run_s"] <= TARGET_TERRITORY_S
        ),
        "time linear in households (exponent <= 1.1)": (
            None if len(by_size) < 3 else report["exponent"] <= 1.1
        ),
        "speed ratio to scalar reference >= 30": (
            None if "speed_ratio" not in report else report["speed_ratio"] >= TARGET_SPEED_RATIO
        ),
        "territory from data within 20 % of the grid's throughput": (
            None
            if "territory" not in report
            else report["territory"]["throughput_ratio"] >= TARGET_TERRITORY_RATIO
        ),
        "1M households placed in polygons and tied in under 20 s": (
            None
            if "territory" not in report
            or report["territory"]["placement"]["households"] < 1_000_000
            else report["territory"]["placement"]["total_s"] < TARGET_PLACEMENT_S
        ),
    }


def format_row(run: dict) -> str:
    phases = " ".join(f"{k}={v:.2f}" for k, v in run["phase_s"].items())
    return (
        f"{run['households']:>9,} households  {run['hgm_per_s'] / 1e6:6.2f} M hgm/s  "
        f"cpu {run['run_s']:7.2f} s  wall {run['wall_s']:7.2f} s  setup {run['setup_s']:6.2f} s  peak {run['peak_memory_mb']:7.0f} MB  "
        f"[{phases}]"
    )


def markdown_table(report: dict) -> str:
    """The benchmark as a Markdown table, as shown in the README."""
    header = (
        "| households | M hgm/s | run CPU (s) | run wall (s) | setup (s) | peak memory (MB) | "
        + " | ".join(PHASES)
        + " |\n"
        + "|---:" * (6 + len(PHASES))
        + "|\n"
    )
    rows = []
    for r in report["runs"]:
        shares = " | ".join(f"{100 * r['phase_s'][p] / r['run_s']:.0f} %" for p in PHASES)
        rows.append(
            f"| {r['households']:,} | {r['hgm_per_s'] / 1e6:.2f} | {r['run_s']:.1f} | {r['wall_s']:.1f} | "
            f"{r['setup_s']:.1f} | "
            f"{r['peak_memory_mb']:.0f} | {shares} |"
        )
    return header + "\n".join(rows) + "\n"


def roofline_line(roofline: dict) -> str:
    return (
        f"roofline at {roofline['households']:,} households, {roofline['months']} months timed "
        f"alternately: the model {roofline['model_hgm_per_s'] / 1e6:.2f} M hgm/s, the plain numpy "
        f"month {roofline['roofline_hgm_per_s'] / 1e6:.2f} M hgm/s: ratio {roofline['ratio']:.2f}"
    )


def summary(report: dict) -> str:
    exponent = "n/a (one size)" if math.isnan(report["exponent"]) else f"{report['exponent']:.2f}"
    lines = [f"time ~ households^{exponent} over {report['months']} months"]
    if "roofline" in report:
        lines.append(roofline_line(report["roofline"]))
    if "reference" in report:
        ref = report["reference"]
        lines.append(
            f"scalar reference: {ref['hgm_per_s']:,.0f} hgm/s ({ref['households']:,} households, "
            f"{ref['months']} months); vectorized is {report['speed_ratio']:.0f}x faster at "
            f"{report['speed_ratio_households']:,} households, {report['speed_ratio_same_size']:.0f}x at "
            "the same size"
        )
    if "territory" in report:
        t = report["territory"]
        lines.append(
            f"{t['scenario']} at its real size ({t['households']:,} households, {t['months']} months): "
            f"{t['territory_run']['hgm_per_s'] / 1e6:.2f} M hgm/s (setup {t['territory_run']['setup_s']:.1f} s), "
            f"the grid {t['grid']} at the same size {t['grid_run']['hgm_per_s'] / 1e6:.2f} M hgm/s "
            f"(setup {t['grid_run']['setup_s']:.1f} s): ratio {t['throughput_ratio']:.2f}"
        )
        p = t["placement"]
        lines.append(
            f"{p['households']:,} households placed in {p['place_s']:.1f} s and tied in {p['tie_s']:.1f} s "
            f"(wall; {p['cpu_s']:.1f} s of CPU, the KD-tree query on every core; mean degree "
            f"{p['mean_degree']:.2f})"
        )
    for target, met in report["targets"].items():
        lines.append(
            f"  [{'not measured' if met is None else 'met' if met else 'MISSED'}] {target}"
        )
    return "\n".join(lines)
