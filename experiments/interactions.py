"""`partage interactions`: each lever alone, a few pairs and the packages, against the baseline.

Every scenario of the policy library with one policy is a lever; files with
several are packages. Pairs of levers are built by putting the policies of two
lever files into one scenario, to show whether levers complement each other
(supply with trust, price with awareness) or overlap. Every scenario runs with
the same seeds as the baseline (common random numbers), through the comparison
engine of `partage compare` (`experiments.compare`), so each figure is a paired
difference, reported as a mean over replications.

Figures, at the horizon and scaled to the scenario's own number of households:
- sharing households: extra households sharing at least one good (last month);
- goods avoided: goods owned in the baseline but not in the scenario (last month);
- t CO2e avoided: embodied emissions of the goods in use, over their lifetimes, cumulated over the horizon;
- savings by income quintile: baseline minus scenario household spending on
  the goods, EUR per household per month, averaged over the last twelve months;
- public cost: net public spending (spending minus revenue) over the horizon;
  the declared part (investments, running costs, pool units, parking spots) is
  the territory's declared budget over the run's horizon, and only costs per
  use, claim or trainee and revenue are scaled from the simulated households.
For a pair, the synergy is its extra sharing households minus the sum of its
two levers' taken alone: positive when the levers reinforce each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.compare import compare_scenarios
from experiments.errors import UserError
from experiments.territory_figures import declared_households, run_figures
from model.model import DEFAULT_SCENARIO
from model.scenario import Scenario, read_raw, validate_raw

LIBRARY = DEFAULT_SCENARIO.parent
PAIRS = (
    ("tool_library", "trust_label"),  # supply with trust
    ("carsharing_fleet", "insurance_fund"),  # supply with trust
    ("sharing_subsidy", "awareness_campaign"),  # price with awareness
    ("public_platform", "digital_inclusion"),  # a platform with the people to use it
)
QUINTILES = [f"spending.q{q}_eur" for q in range(1, 6)]
FIGURES = ("sharing", "goods", "co2", *QUINTILES, "public")
TOTALS = [FIGURES.index(name) for name in ("sharing", "goods", "co2", "public")]


@dataclass
class Entry:
    """A scenario of the table: its label, kind (lever, pair, package) and validated scenario."""

    label: str
    kind: str
    scenario: Scenario


def library_entries(library: Path = LIBRARY) -> list[Entry]:
    """The baseline, each lever alone, the pairs of `PAIRS` and the packages; scenarios on
    another territory than the baseline's (Bordeaux Métropole's communes) are left out."""
    baseline = _load(library, "baseline")
    entries = [Entry("baseline", "baseline", baseline)]
    levers, packages = [], []
    for path in sorted(library.glob("*.toml")):
        if path.stem == "baseline":
            continue
        scenario = _load(library, path.stem)
        if scenario.territory != baseline.territory:
            continue
        if len(scenario.policies) == 1:
            levers.append(Entry(path.stem, "lever", scenario))
        elif len(scenario.policies) > 1:
            packages.append(Entry(path.stem, "package", scenario))
    pairs = [Entry(f"{a} + {b}", "pair", combine(library, a, b)) for a, b in PAIRS]
    return entries + levers + pairs + packages


def _load(library: Path, name: str) -> Scenario:
    path = library / f"{name}.toml"
    raw = read_raw(path)
    raw.setdefault("name", name)
    return validate_raw(raw, str(path))


def combine(library: Path, first: str, second: str) -> Scenario:
    """One scenario holding the policies of two lever files (both extend the baseline)."""
    raw = read_raw(library / f"{first}.toml")
    other = read_raw(library / f"{second}.toml")
    clash = set(raw.get("policies", {})) & set(other.get("policies", {}))
    if clash:
        raise UserError(f"{first} and {second} both define policies {', '.join(sorted(clash))}")
    raw["policies"] = {**raw.get("policies", {}), **other.get("policies", {})}
    raw["name"] = f"{first}_{second}"[:80]
    raw["description"] = f"{first} and {second} together."
    return validate_raw(raw, f"{first} + {second}")


def figures_of(scenario: Scenario, series: pd.DataFrame, households: int) -> dict[str, float]:
    """Horizon figures of one run's monthly series, per household of the territory (its figures
    from `experiments.territory_figures`, divided by the territory's households)."""
    last = series.iloc[-1]
    recent = series.iloc[-12:]
    figures = run_figures(scenario, last.to_dict(), households)
    territory = declared_households(scenario)
    out = {
        "sharing": figures["sharing_households"] / territory,
        "goods": figures["goods.stock_total"] / territory,
        "co2": figures["emissions.cumulative_t"] / territory,
        "public": (
            figures["public.cumulative_spend_eur"] - figures["public.cumulative_revenue_eur"]
        )
        / territory,
    }
    out.update({q: float(recent[q].mean()) for q in QUINTILES})
    return out


def run_all(
    entries: list[Entry],
    replications: int,
    households: int,
    months: int | None,
    seed: int,
    workers: int,
    progress: bool = False,
) -> dict[str, np.ndarray]:
    """Figures of every entry and replication: label -> array (replication, figure).

    The runs are one comparison of the comparison engine, every entry against the baseline
    (`entries[0]`) with common random numbers."""
    comparison = compare_scenarios(
        entries[0].scenario,
        {entry.label: entry.scenario for entry in entries[1:]},
        replications=replications,
        households=households,
        months=months,
        seed=seed,
        workers=workers,
        progress=progress,
    )
    labels = dict(zip(comparison.names, [entry.label for entry in entries], strict=True))
    scenarios = {entry.label: entry.scenario for entry in entries}
    results: dict[str, np.ndarray] = {
        e.label: np.full((replications, len(FIGURES)), np.nan) for e in entries
    }
    for (name, r), series in comparison.series.groupby(["scenario", "replication"]):
        label = labels[name]
        figures = figures_of(scenarios[label], series.sort_values("month"), households)
        results[label][r] = [figures[figure] for figure in FIGURES]
    return results


def effects(results: dict[str, np.ndarray], scale: float) -> dict[str, np.ndarray]:
    """Paired effects against the baseline: label -> array (replication, figure), scaled.

    Signs are turned so that every figure reads as a gain: extra sharers, goods and tonnes
    avoided, savings; public cost stays a cost."""
    base = results["baseline"]
    sign = np.array([1, -1, -1, -1, -1, -1, -1, -1, 1], dtype=float)
    out = {}
    for label, values in results.items():
        if label == "baseline":
            continue
        diff = (values - base) * sign
        diff[:, TOTALS] *= scale  # per household -> totals for the territory
        out[label] = diff
    return out


def mean_and_error(diff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over replications and its standard error."""
    return diff.mean(axis=0), diff.std(axis=0, ddof=1) / np.sqrt(len(diff))


def _thousands(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def render(
    entries,
    table,
    baseline_figures,
    *,
    command: str,
    replications: int,
    households: int,
    scale_households: int,
    months: int,
) -> str:
    """The Markdown report: the table of effects, then the synergies of the pairs.

    `command` is the command line that generated it, quoted at the top of the report."""
    lines = [
        "# Policy interactions",
        "",
        f"Generated by `{command}`. Each lever alone, pairs of levers and the packages, against the "
        f"baseline, over {replications} replications with common random numbers "
        f"({households} simulated households, figures scaled to a territory of "
        f"{_thousands(scale_households)} households, horizon {months} months).",
        "",
        "Columns: **sharing** — extra households sharing at least one good at the horizon "
        "(± standard error over replications); **goods avoided** — goods owned in the baseline and "
        "not in the scenario; **t CO2e avoided** — embodied emissions of the goods in use (owned "
        "or pooled, spread over their lifetimes) over the horizon; **savings q1…q5** — lower "
        "spending on the goods, EUR per household per month (q1 poorest), averaged over the last year; **public cost** — spending minus revenue over "
        "the horizon; **EUR per sharer** — public cost per extra sharing household.",
        "",
        f"Baseline at the horizon: {baseline_figures['sharing']:.0f} sharing households, "
        f"{baseline_figures['goods']:.0f} goods owned, {baseline_figures['co2']:.0f} t CO2e "
        "embodied in the goods in use over the horizon.",
        "",
        "| scenario | kind | sharing | goods avoided | t CO2e avoided | savings q1 | q2 | q3 | q4 | "
        "q5 | public cost (kEUR) | EUR per sharer |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in entries:
        if entry.kind == "baseline":
            continue
        mean, error = mean_and_error(table[entry.label])
        sharers, goods, co2, *savings, public = mean
        per_sharer = f"{public / sharers:,.0f}" if sharers > 2 * error[0] else "—"
        lines.append(
            f"| {entry.label} | {entry.kind} | {sharers:+.0f} ± {error[0]:.0f} | "
            f"{goods:+.0f} ± {error[1]:.0f} | {co2:+.0f} ± {error[2]:.0f} | "
            + " | ".join(f"{s:+.2f}" for s in savings)
            + f" | {_thousands(public / 1000)} | {per_sharer.replace(',', ' ')} |"
        )
    lines += [
        "",
        "## Do levers complement each other?",
        "",
        "Synergy: extra sharing households of the pair minus the sum of its levers taken alone "
        "(positive: the levers reinforce each other; negative: they reach the same households), "
        "± its standard error over replications.",
        "",
        "| pair | both levers | first alone | second alone | synergy |",
        "|---|---:|---:|---:|---:|",
    ]
    for first, second in PAIRS:
        pair, a, b = (table[label][:, 0] for label in (f"{first} + {second}", first, second))
        synergy, error = mean_and_error(pair - a - b)
        lines.append(
            f"| {first} + {second} | {pair.mean():+.0f} | {a.mean():+.0f} | {b.mean():+.0f} | "
            f"{synergy:+.0f} ± {error:.0f} |"
        )
    lines.append("")
    return "\n".join(lines)
