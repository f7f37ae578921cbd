"""The validation suite behind `partage validate`: every check at the chosen size, plots and a Markdown report.

The checks, one module each (the tests call the same functions at a smaller size):
1. `experiments.validation.bass`: the Bass limit, the model against the discrete
   Bass curve in a well-mixed territory, and the scalar reference in that limit;
2. `experiments.validation.network`: word of mouth on the small-world network,
   S-curves and their timing as clustering and mean degree vary;
3. `experiments.validation.critical_mass`: the response of sharing to a sharing
   subsidy, its tipping region, and hysteresis under strong social feedback;
4. `experiments.validation.calibration_recovery`: calibration recovers known
   parameter values from targets made by the model itself;
5. `experiments.validation.reference`: the scalar reference (`model.reference`)
   against the vectorized model, replication by replication;
6. `experiments.validation.stationarity` (`check_stationarity`): Bordeaux
   Métropole without policy holds its observed start (car-free share by commune,
   cars per household, two or more cars, car-sharing subscribers);
7. `experiments.validation.stationarity` (`check_second_car`): car-sharing
   members shed cars, and private cars removed per shared car against the
   published ranges.

`write_validation` runs them (`FULL` or `QUICK` sizes) and writes `report.md`,
`bass.png`, `network.png` and `critical_mass.png` into a folder. With
`progress`, a bar on stderr advances by each check's estimated work (households
x months x runs) and shows the time left.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from experiments.errors import UserError
from experiments.outputs import guarded
from experiments.validation.bass import BASS_PARAMETERS, bass_tolerance, check_bass
from experiments.validation.calibration_recovery import check_recovery
from experiments.validation.critical_mass import (
    BOOTSTRAP_SAMPLES,
    check_critical_mass,
    check_hysteresis,
)
from experiments.validation.network import check_network_effects
from experiments.validation.reference import check_reference
from experiments.validation.stationarity import (
    BORDEAUX,
    CALIBRATED,
    CARS_PER_SHARED_CAR,
    SOURCE_POINTS,
    STATIONARY_MAX_POINTS,
    STATIONARY_MEAN_POINTS,
    check_second_car,
    check_stationarity,
    fitted_behaviour,
)
from model.reference import ReferenceModel


@dataclass
class Sizes:
    bass_households: int
    bass_months: int
    bass_replications: int
    network_households: int
    network_months: int
    network_replications: int
    mass_households: int
    mass_months: int
    mass_replications: int
    tipping_households: int
    tipping_months: int
    tipping_replications: int
    reference_households: int
    reference_months: int
    reference_replications: int
    recovery_households: int = 300
    recovery_months: int = 24
    recovery_waves: int = 2
    recovery_points: int = 12
    stationarity_households: int = 5_000
    stationarity_months: int = 120
    stationarity_replications: int = 2
    second_car_households: int = 5_000
    second_car_months: int = 120
    second_car_replications: int = 2


FULL = Sizes(
    20_000,
    40,
    5,
    20_000,
    120,
    3,
    5_000,
    120,
    6,
    2_000,
    120,
    6,
    1_000,
    48,
    10,
    recovery_households=2_000,
    recovery_months=36,
    recovery_waves=3,
    recovery_points=24,
    stationarity_households=30_000,
    second_car_households=30_000,
    second_car_replications=12,
)
QUICK = Sizes(
    5_000,
    30,
    3,
    5_000,
    120,
    2,
    2_000,
    120,
    3,
    600,
    120,
    2,
    500,
    24,
    6,
    recovery_households=600,
    recovery_months=24,
    recovery_waves=2,
    recovery_points=16,
)


def stage_work(sizes: Sizes) -> list[float]:
    """Estimated work of each stage of `run_all`, in the order it reports them (households x months
    x runs; the network check runs 7 settings, critical mass 11 subsidy levels, hysteresis 6 levels
    on two branches, the scalar comparison both models, the second-car check two scenarios)."""
    bass = sizes.bass_households * sizes.bass_months * sizes.bass_replications
    return [
        *[bass] * len(BASS_PARAMETERS),
        sizes.reference_households * sizes.bass_months * sizes.bass_replications,
        7 * sizes.network_households * sizes.network_months * sizes.network_replications,
        11 * sizes.mass_households * sizes.mass_months * sizes.mass_replications,
        12 * sizes.tipping_households * sizes.tipping_months * sizes.tipping_replications,
        2 * sizes.reference_households * sizes.reference_months * sizes.reference_replications,
        sizes.recovery_households
        * sizes.recovery_months
        * sizes.recovery_waves
        * sizes.recovery_points,
        2
        * sizes.stationarity_households
        * sizes.stationarity_months
        * sizes.stationarity_replications,
        4 * sizes.second_car_households * sizes.second_car_months * sizes.second_car_replications,
    ]


def run_all(sizes: Sizes, echo=print, progress: bool = False) -> dict:
    """Every check at `sizes`; `echo` gets one line per check, as the bar (if any) advances."""
    work = stage_work(sizes)
    bar = tqdm(
        total=sum(work),
        desc="validate",
        unit="",
        disable=not progress,
        file=sys.stderr,
        bar_format="{l_bar}{bar}| {percentage:3.0f}% [{elapsed}<{remaining}]",
    )
    stages = iter(work)

    def report(line: str) -> None:
        with tqdm.external_write_mode(file=sys.stderr):
            echo(line)
        bar.update(next(stages, 0))

    with bar:
        return _run_checks(sizes, report)


def _run_checks(sizes: Sizes, echo) -> dict:
    results: dict = {"bass": [], "sizes": sizes}
    for p, q in BASS_PARAMETERS:
        result = check_bass(
            p,
            q,
            households=sizes.bass_households,
            months=sizes.bass_months,
            replications=sizes.bass_replications,
        )
        results["bass"].append(result)
        echo(
            f"Bass p={p} q={q}: max |z| {result['max_abs_z']:.2f}, increments {result['max_increment_z']:.2f} "
            f"-> {'pass' if result['passed'] else 'FAIL'}"
        )
    reference_bass = check_bass(
        0.03,
        0.38,
        households=sizes.reference_households,
        months=sizes.bass_months,
        replications=sizes.bass_replications,
        model_class=ReferenceModel,
    )
    results["bass_reference"] = reference_bass
    echo(
        f"Bass (scalar reference) p=0.03 q=0.38: max |z| {reference_bass['max_abs_z']:.2f} "
        f"-> {'pass' if reference_bass['passed'] else 'FAIL'}"
    )
    results["network"] = check_network_effects(
        households=sizes.network_households,
        months=sizes.network_months,
        replications=sizes.network_replications,
    )
    echo(
        f"network effects: S-curves {results['network']['all_s_shaped']}, "
        f"more ties faster {results['network']['more_ties_faster']}"
    )
    results["critical_mass"] = check_critical_mass(
        households=sizes.mass_households,
        months=sizes.mass_months,
        replications=sizes.mass_replications,
    )
    cm = results["critical_mass"]
    echo(
        f"critical mass: tipping between {cm['tipping_region'][0]:g} and {cm['tipping_region'][1]:g} EUR/use, "
        f"non-linearity {cm['nonlinearity']:.1f}"
    )
    results["hysteresis"] = check_hysteresis(
        households=sizes.tipping_households,
        months=sizes.tipping_months,
        replications=sizes.tipping_replications,
        prime_months=min(
            48, sizes.tipping_months // 2
        ),  # the lowered subsidy must act before the horizon
    )
    hy = results["hysteresis"]
    region = hy["hysteresis_region"]
    echo(
        f"critical mass, social weight {hy['social_weight']:g}: "
        + (
            f"hysteresis from {region[0]:g} to {region[1]:g} EUR/use"
            if region
            else "no hysteresis found"
        )
        + f", largest gap {hy['max_gap']:.3f}"
    )
    results["reference"] = check_reference(
        households=sizes.reference_households,
        months=sizes.reference_months,
        replications=sizes.reference_replications,
    )
    echo(
        f"scalar reference vs vectorized: max |z| {results['reference']['max_abs_z']:.2f} "
        f"-> {'pass' if results['reference']['passed'] else 'FAIL'}"
    )
    results["recovery"] = check_recovery(
        households=sizes.recovery_households,
        months=sizes.recovery_months,
        waves=sizes.recovery_waves,
        points=sizes.recovery_points,
    )
    echo(
        "calibration recovers known values: "
        + ", ".join(
            f"{r['parameter']} {r['truth']:g} in [{r['low_95']:.3g}, {r['high_95']:.3g}]"
            for r in results["recovery"]["rows"]
        )
        + f" -> {'pass' if results['recovery']['passed'] else 'FAIL'}"
    )
    for key, scenario in (("stationarity", BORDEAUX), ("stationarity_calibrated", CALIBRATED)):
        st = results[key] = check_stationarity(
            households=sizes.stationarity_households,
            months=sizes.stationarity_months,
            replications=sizes.stationarity_replications,
            scenario=scenario,
        )
        echo(
            f"stationarity without policy ({scenario.stem}): car-free share by commune moves "
            f"{st['mean_move_points']:.2f} points on average, {st['max_move_points']:.2f} at most "
            f"-> {'pass' if st['holds'] else 'FAIL'}"
        )
    for key, overrides in (("second_car", None), ("second_car_calibrated", fitted_behaviour())):
        sc = results[key] = check_second_car(
            households=sizes.second_car_households,
            months=sizes.second_car_months,
            replications=sizes.second_car_replications,
            overrides=overrides,
        )
        ratios = ", ".join(
            f"{m} months {v[0]:.1f} ± {v[1]:.1f}"
            for m, v in sc["cars_removed_per_shared_car"].items()
        )
        echo(
            f"second car ({'calibrated' if overrides else 'shipped'} behaviour): members' cars "
            f"{sc['cars_per_member_before']:.2f} -> {sc['cars_per_member_after']:.2f} per "
            f"household; private cars removed per shared car: {ratios} -> "
            f"{'pass' if sc['sheds_cars'] and sc['within_published'] else 'FAIL'}"
        )
    return results


def plot_bass(results: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(results["bass"]), figsize=(4 * len(results["bass"]), 3.6), sharey=True
    )
    for ax, r in zip(np.atleast_1d(axes), results["bass"], strict=True):
        months = np.arange(len(r["expected"]))
        sigma = bass_tolerance(
            r["p"], r["q"], r["months"], min(v["needing"] for v in r["goods"].values())
        )
        ax.fill_between(
            months,
            r["expected"] - 4 * sigma,
            r["expected"] + 4 * sigma,
            color="0.85",
            label="±4σ of one run",
        )
        ax.plot(months, r["expected"], "k-", lw=1.5, label="discrete Bass")
        for g, good in enumerate(r["goods_order"]):
            ax.plot(months, r["mean"][:, g], ".", ms=4, label=f"{good} (model)")
        ax.set_title(f"p = {r['p']}, q = {r['q']}")
        ax.set_xlabel("month")
    np.atleast_1d(axes)[0].set_ylabel("share of adopters")
    np.atleast_1d(axes)[0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(guarded(path), dpi=120)
    plt.close(fig)


def plot_network(results: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    rows = results["network"]["rows"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, lever, title in (
        (axes[0], "long_tie_share", "long-tie share (less clustering →)"),
        (axes[1], "mean_degree", "mean degree"),
    ):
        for r in rows:
            if r["lever"] == lever:
                label = (
                    f"{r['value']:g} (C = {r['clustering']:.2f})"
                    if lever == "long_tie_share"
                    else f"{r['value']:g}"
                )
                ax.plot(r["curve"], label=label)
            elif r["lever"] == "well-mixed":
                ax.plot(r["curve"], "k--", lw=1, label="well-mixed")
        ax.set_title(f"word of mouth: {title}")
        ax.set_xlabel("month")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("share of adopters")
    fig.tight_layout()
    fig.savefig(guarded(path), dpi=120)
    plt.close(fig)


def plot_critical_mass(results: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    cm = results["critical_mass"]
    x = [r["subsidy"] for r in cm["rows"]]
    hy = results.get("hysteresis")
    fig, axes = plt.subplots(1, 2 if hy else 1, figsize=(12 if hy else 6, 3.8), squeeze=False)
    ax = axes[0, 0]
    for r in cm["rows"]:
        ax.plot([r["subsidy"]] * len(r["runs"]), r["runs"], ".", color="0.6", ms=3)
    ax.errorbar(
        x,
        [r["mean"] for r in cm["rows"]],
        yerr=[r["ci95"] for r in cm["rows"]],
        fmt="o-",
        capsize=3,
        label="mean, 95 % interval",
    )
    low, high = cm["tipping_region"]
    ax.axvspan(low, high, color="orange", alpha=0.2, label="tipping region (steepest)")
    ax.set_title(f"social weight {cm['social_weight']:g} (baseline)")
    ax.set_xlabel("sharing subsidy (EUR per shared use)")
    ax.set_ylabel(f"households sharing at month {cm['months']}")
    ax.legend(fontsize=8)
    if hy:
        ax = axes[0, 1]
        hx = [r["subsidy"] for r in hy["rows"]]
        for key, label, colour in (
            ("up", "upward: from today's low sharing", "tab:blue"),
            ("down", f"downward: primed at {hy['top']:g} EUR, then lowered", "tab:red"),
        ):
            for r in hy["rows"]:
                ax.plot(
                    [r["subsidy"]] * len(r[f"{key}_runs"]),
                    r[f"{key}_runs"],
                    ".",
                    color=colour,
                    alpha=0.4,
                    ms=3,
                )
            ax.errorbar(
                hx,
                [r[key] for r in hy["rows"]],
                yerr=[r[f"{key}_ci95"] for r in hy["rows"]],
                fmt="o-",
                capsize=3,
                color=colour,
                label=label,
            )
        if hy["hysteresis_region"]:
            low, high = hy["hysteresis_region"]
            ax.axvspan(
                low - 0.5,
                high + 0.5,
                color="orange",
                alpha=0.2,
                label="gap beyond its 95 % interval",
            )
        ax.set_title(f"social weight {hy['social_weight']:g}: both branches")
        ax.set_xlabel("sharing subsidy (EUR per shared use)")
        ax.set_ylabel(f"households sharing at month {hy['months']}")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(guarded(path), dpi=120)
    plt.close(fig)


def markdown_report(results: dict) -> str:
    s: Sizes = results["sizes"]
    lines = ["# Partage — validation report", ""]
    lines += [
        "## 1. Bass limit",
        "",
        f"Well-mixed territory, sharing always chosen once aware, {s.bass_households:,} households, "
        f"{s.bass_months} months, {s.bass_replications} replications (`scenarios/validation/bass.toml`). "
        "Tolerance: the mean curve must stay within 4σ(t)/√R of the discrete Bass curve, σ(t) being the "
        "standard deviation of one run from the linear noise approximation with N households needing the "
        "good (of the order of the binomial error √(F(1−F)/N), amplified early by word of mouth, damped "
        "at saturation), plus one household (1/N) in quadrature where only a few are left to adopt; "
        "each month's new adopters, given F(t), within 4.5 binomial standard errors.",
        "",
        "| p | q | model | good | N needing | max abs. error | max σ/√R | max abs. z | max increment z | result |",
        "|---:|---:|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in [*results["bass"], results["bass_reference"]]:
        for good, v in r["goods"].items():
            lines.append(
                f"| {r['p']} | {r['q']} | {r['model']} | {good} | {v['needing']:,} | {v['max_abs_error']:.4f} | "
                f"{v['max_sigma']:.4f} | {v['max_abs_z']:.2f} | {v['max_increment_z']:.2f} | "
                f"{'pass' if r['passed'] else 'FAIL'} |"
            )
    lines += ["", "![Bass limit](bass.png)", ""]
    net = results["network"]
    lines += [
        "## 2. Network effects",
        "",
        f"Word of mouth on the small-world network (`scenarios/validation/word_of_mouth.toml`, p = 0.002, "
        f"q = 0.38), {s.network_households:,} households, {s.network_replications} replications. "
        "Months to reach 10 %, 50 % and 90 % adoption (mean ± sd over replications); C is the mean "
        "local clustering coefficient of the network.",
        "",
        "| varied | value | clustering C | t10 | t50 | t90 | adoption at the end | S-curve |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in net["rows"]:
        lines.append(
            f"| {r['lever']} | {r['value']:g} | {r['clustering']:.3f} | {r['t10']:.1f} ± {r['t10_sd']:.1f} | "
            f"{r['t50']:.1f} ± {r['t50_sd']:.1f} | {r['t90']:.1f} ± {r['t90_sd']:.1f} | {r['final']:.3f} | "
            f"{'yes' if r['s_shaped'] else 'no'} |"
        )
    lines += [
        "",
        f"All network curves S-shaped: {net['all_s_shaped']}. More ties, earlier take-off: "
        f"{net['more_ties_faster']}.",
        "",
        "![Network effects](network.png)",
        "",
    ]
    cm = results["critical_mass"]
    lines += [
        "## 3. Critical mass",
        "",
        f"Full behavioural model with a sharing subsidy per use (`scenarios/validation/critical_mass.toml`), "
        f"{s.mass_households:,} households, {s.mass_months} months, {s.mass_replications} replications with "
        "common random numbers. Households sharing at least one good at the end, mean and 95 % interval "
        "(1.96 standard errors).",
        "",
        "| subsidy (EUR/use) | households sharing | 95 % interval |",
        "|---:|---:|---:|",
    ]
    for r in cm["rows"]:
        lines.append(f"| {r['subsidy']:g} | {r['mean']:.3f} | ± {r['ci95']:.3f} |")
    lines += [
        "",
        f"Tipping region: between {cm['tipping_region'][0]:g} and {cm['tipping_region'][1]:g} EUR per use, "
        f"where the slope ({cm['steepest_slope']:.4f} per EUR) is {cm['nonlinearity']:.1f} times the mean "
        f"slope over the whole range. Resampling the replications (bootstrap, {BOOTSTRAP_SAMPLES} samples), "
        f"this stretch is the steepest in {100 * cm['tipping_support']:.0f} % of the samples ("
        + ", ".join(
            f"{k} EUR: {100 * v:.0f} %"
            for k, v in cm["tipping_support_by_stretch"].items()
            if v >= 0.005
        )
        + ").",
        "",
        "How sharp a tipping to expect: in a mean-field logit whose sharing utility rises linearly with the "
        "share of ties sharing, two stable levels of sharing (a true critical mass) need a social weight "
        "above about 4, since the logistic's slope is at most 1/4 (Brock & Durlauf 2001). With a weight "
        f"of {cm['social_weight']:g}, as here, the response is expected to steepen rather than jump, and the "
        "tipping region is the stretch where it steepens most.",
        "",
        "![Critical mass](critical_mass.png)",
        "",
    ]
    hy = results.get("hysteresis")
    if hy:
        region = hy["hysteresis_region"]
        lines += [
            f"### Strong social feedback: social weight {hy['social_weight']:g}",
            "",
            f"`scenarios/validation/critical_mass_tipping.toml`, {hy['households']:,} households, "
            f"{hy['months']} months, {hy['replications']} replications with the same seeds on both branches "
            f"and at every level. Upward branch: the subsidy at its level from month 0, from today's low "
            f"sharing. Downward branch: {hy['top']:g} EUR per use for the first {hy['prime_months']} months, "
            "then the level. Households sharing at the end, mean and 95 % interval; gap = downward − upward "
            "(paired).",
            "",
            "| subsidy (EUR/use) | upward | downward | gap | gap beyond 95 % |",
            "|---:|---:|---:|---:|---|",
        ]
        for r in hy["rows"]:
            lines.append(
                f"| {r['subsidy']:g} | {r['up']:.3f} ± {r['up_ci95']:.3f} | {r['down']:.3f} ± {r['down_ci95']:.3f} | "
                f"{r['gap']:+.3f} ± {r['gap_ci95']:.3f} | {'yes' if r['two_levels'] else 'no'} |"
            )
        lines += [
            "",
            (
                f"Hysteresis region: from {region[0]:g} to {region[1]:g} EUR per use, the downward branch stays "
                f"above the upward one beyond its 95 % interval (largest gap {hy['max_gap']:.3f})."
                if region
                else f"No hysteresis beyond the 95 % intervals (largest gap {hy['max_gap']:.3f})."
            ),
            "",
            "Reading: with this weight sharing spreads on its own once households are aware, so both "
            "branches end high; the history matters only where the gap is beyond its interval, and part of "
            "it comes from awareness, which the primed months spread and which is never lost. Two well "
            "separated levels (a low one and a high one at the same subsidy) would show as a gap of tens "
            "of points.",
            "",
        ]
    ref = results["reference"]
    lines += [
        "## 4. Scalar reference",
        "",
        f"`model.reference` (one Mesa agent per household, stepping itself in Python) against the vectorized "
        f"model on the baseline, {s.reference_households:,} households, {s.reference_months} months, "
        f"{s.reference_replications} paired replications (same seeds: same territory and initial households, "
        "independent draws afterwards). Limit: |z| ≤ 4 for the mean paired difference.",
        "",
        "| outcome | vectorized | reference | difference | standard error | z |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in ref["rows"]:
        lines.append(
            f"| {r['outcome']} | {r['vectorized']:.4f} | {r['reference']:.4f} | {r['difference']:+.4f} | "
            f"{r['se']:.4f} | {r['z']:+.2f} |"
        )
    lines += [
        "",
        f"Result: {'pass' if ref['passed'] else 'FAIL'} (max |z| = {ref['max_abs_z']:.2f}).",
        "",
    ]
    rec = results["recovery"]
    lines += [
        "## 5. Calibration recovers known parameters",
        "",
        f"`experiments.validation.calibration_recovery`: targets measured on the baseline at known values "
        f"(car awareness, drill and car lenders over the last six months), then calibrated back from priors "
        f"by `partage calibrate`'s method ({rec['waves']} waves of {rec['points']} points, "
        f"{rec['replications']} replications, {rec['households']:,} households, {rec['months']} months). "
        "Pass: each known value inside its 95 % posterior interval, each interval narrower than 80 % of its prior.",
        "",
        "| parameter | known value | 95 % interval | fitted | prior width |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rec["rows"]:
        lines.append(
            f"| {r['parameter']} | {r['truth']:g} | {r['low_95']:.3g} to {r['high_95']:.3g} | "
            f"{r['fitted']:.3g} | {r['prior_width']:g} |"
        )
    lines += ["", f"Result: {'pass' if rec['passed'] else 'FAIL'}.", ""]
    lines += stationarity_lines(results)
    return "\n".join(lines)


def stationarity_lines(results: dict) -> list[str]:
    """Sections 6 and 7 of the report: the observed start holds, and the second car."""
    st, calibrated = results["stationarity"], results["stationarity_calibrated"]
    lines = [
        "## 6. The observed start holds without policy",
        "",
        f"`experiments.validation.stationarity`: Bordeaux Métropole without policy, its car-sharing "
        f"of today kept, {st['households']:,} households, {st['months']} months, "
        f"{st['replications']} replications, with the behaviour it ships "
        "(`scenarios/bordeaux_metropole.toml`) and with the behaviour its calibration fitted "
        "(`scenarios/bordeaux_metropole_calibrated.toml`). Each commune's car-free share at the "
        "horizon minus at month 0, in points, averaged over replications: allowed "
        f"{STATIONARY_MEAN_POINTS:g} on average and {STATIONARY_MAX_POINTS:g} at most. The check "
        "is passed or failed on the shipped behaviour; the calibrated behaviour is shown beside "
        "it. Each runs on equilibrium constants solved for its own weights (the calibrated "
        "scenario's by `partage calibrate`, or `partage territory equilibrium`).",
        "",
    ]
    for title, result in (("Shipped behaviour", st), ("Calibrated behaviour", calibrated)):
        lines += [f"### {title}", "", *_stationarity_table(result)]
    lines += [f"Result: {'pass' if st['holds'] else 'FAIL'}.", ""]
    return lines + _second_car_lines(results["second_car"], results["second_car_calibrated"])


def _stationarity_table(st: dict) -> list[str]:
    stated = st["stated"]
    return [
        f"Each commune's car-free share moves {st['mean_move_points']:.2f} points on average, "
        f"{st['max_move_points']:.2f} at most. The largest move is in {st['largest_move_zone']}, "
        f"{st['largest_move_sampled']:,} sampled households: one household is "
        f"{100 / max(st['largest_move_sampled'], 1):.1f} points of its car-free share there.",
        "",
        f"| figure | stated | month 0 | month {st['year_month']} | horizon |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {label} | {stated[key]:{spec}} | {st['start'][key]:{spec}} | "
            f"{st['year'][key]:{spec}} | {st['end'][key]:{spec}} |"
            for label, key, spec in (
                ("cars per household", "cars_per_household", ".3f"),
                ("households with two cars or more", "several_share", ".1%"),
                ("households without a car", "car_free_share", ".1%"),
            )
        ),
        f"| households sharing a car (car-sharing subscribers stated) | "
        f"{st['subscribers_stated']:,.0f} | {st['subscribers_month0']:,.0f} | "
        f"{st['subscribers_year']:,.0f} | {st['subscribers_end']:,.0f} |",
        "",
        *(
            [
                f"Households sharing a car do not hold: {st['subscribers_month0']:,.0f} at month 0, "
                f"{st['subscribers_year']:,.0f} at month {st['year_month']} "
                f"({st['subscribers_year'] / st['subscribers_month0'] - 1:+.0%}), then grow "
                f"back ({st['subscribers_end']:,.0f} at the horizon). The check asks only for the "
                "stated figure at month 0; why the figure dips is in `docs/today.md` (a known "
                "limit).",
                "",
            ]
            if st["subscribers_month0"] > 0
            and st["subscribers_year"] < 0.9 * st["subscribers_month0"]
            else []
        ),
        f"{'Holds' if st['holds'] else 'Does not hold'} (the moves as allowed, the figures within "
        f"{SOURCE_POINTS:g} points of what is stated, subscribers at month 0 within one sampled "
        "household).",
        "",
    ]


def _second_car_lines(shipped: dict, calibrated: dict) -> list[str]:
    sc = shipped
    lines = [
        "## 7. The second car and car-sharing",
        "",
        f"`experiments.validation.stationarity`: the car-sharing fleet scenario against Bordeaux "
        f"without it, {sc['households']:,} households, {sc['months']} months, "
        f"{sc['replications']} paired replications, with the shipped behaviour (checked) and with "
        "the behaviour Bordeaux's calibration fitted (shown). Households that joined car-sharing "
        "(sharing a car for all their uses, or for those of the extra cars they gave up while "
        f"keeping their first) held {sc['cars_per_member_before']:.2f} cars each at month 0 and "
        f"{sc['cars_per_member_after']:.2f} at the horizon "
        f"({calibrated['cars_per_member_before']:.2f} and "
        f"{calibrated['cars_per_member_after']:.2f} with the calibrated behaviour; Martin, "
        "Shaheen & Lidicker 2010: 0.47 to 0.24 per member household; Namazu & Dowlatabadi 2018: "
        "0.68 to 0.36).",
        "",
        "| month | private cars removed per shared car, shipped behaviour | calibrated behaviour "
        "| published |",
        "|---:|---:|---:|---|",
    ]
    for month, (mean, se) in sc["cars_removed_per_shared_car"].items():
        low, high = CARS_PER_SHARED_CAR[month]
        other_mean, other_se = calibrated["cars_removed_per_shared_car"][month]
        lines.append(
            f"| {month} | {mean:.1f} ± {se:.1f} | {other_mean:.1f} ± {other_se:.1f} | "
            f"{low:g} to {high:g} |"
        )
    passed = sc["sheds_cars"] and sc["within_published"]
    lines += [
        "",
        "Mean ± standard error over the replications. The five-year figure is one of the "
        "calibration's targets (10 ± 2, measured at 6 000 households over months 0 to 60, with "
        "the constants solved for the shipped weights); the calibrated behaviour runs here on the "
        "constants solved for its own weights, at 30 000 households: the figure says how far the "
        "fit carries.",
        "",
        f"Result: {'pass' if passed else 'FAIL'} (shipped behaviour).",
        "",
    ]
    return lines


def write_validation(
    out: Path, quick: bool = False, echo=print, progress: bool = False
) -> tuple[Path, bool]:
    """Run the suite, write the plots and `report.md` into `out`; return the report and whether it passed."""
    import matplotlib

    matplotlib.use("Agg")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"--out {out}: cannot create the folder ({error.strerror})") from None
    results = run_all(QUICK if quick else FULL, echo=echo, progress=progress)
    plot_bass(results, out / "bass.png")
    plot_network(results, out / "network.png")
    plot_critical_mass(results, out / "critical_mass.png")
    report = out / "report.md"
    guarded(report).write_text(markdown_report(results), encoding="utf-8")
    passed = all(r["passed"] for r in results["bass"]) and results["bass_reference"]["passed"]
    passed = passed and results["reference"]["passed"] and results["network"]["all_s_shaped"]
    passed = passed and results["recovery"]["passed"] and results["stationarity"]["holds"]
    passed = passed and results["second_car"]["sheds_cars"]
    passed = passed and results["second_car"]["within_published"]
    return report, passed
