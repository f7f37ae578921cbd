"""Turn a polygons file and a figures table into a scenario, and describe a territory from data.

`import_territory` writes a scenario that extends the baseline (its goods,
behaviour, network and market) on a territory from data, with paths relative
to the scenario file. Columns it is not told are recognised by their names:
households `households`; the car-free share the one column naming
`without_car` or `car_free`; the income the one column naming `income`, per
consumption unit when its name says `consumption_unit` (or `_uc`), per
household when it says `household`. The scenario is written only once it
loads, territory files included: a failed import leaves no file behind.

`describe_territory` gives the zones table of `partage territory show` and
what was filled in, and why. `drift_table` follows one outcome by zone of a
finished run over chosen months (`partage territory drift`): for the car-free
share, how far the model drifts from the census figure it starts from.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w
from pydantic import ValidationError

from experiments.errors import UserError
from experiments.outputs import guarded, read_manifest_file, read_parquet_file
from model.equilibrium import solve_constants
from model.geodata import read_figures
from model.model import TerritoryModel
from model.policies import territory_households
from model.scenario import Scenario, TerritoryFromData, Today, load_scenario, read_toml_file
from model.zone_results import outcome_names

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
TODAY_FILE = "today.toml"
EQUILIBRIUM_HOUSEHOLDS = 30_000
DYNAMIC_ROUNDS = 4  # rounds of runs correcting the stationary constants for the dynamics
DYNAMIC_SEEDS = 3  # runs a round, each on a seed of its own, whose gaps are averaged
ZONE_SHIFT_HOUSEHOLDS = 500  # a zone's own gap counts for n / (n + this) of its shift


def _one_column(columns: list[str], pattern: str, what: str, option: str, path: Path) -> str:
    found = [c for c in columns if re.search(pattern, c, flags=re.IGNORECASE)]
    if len(found) != 1:
        seen = f"several ({', '.join(found)})" if found else "none"
        raise UserError(
            f"{path}: column of {what}: {seen} recognised; name it with {option} (columns: {', '.join(columns)})"
        )
    return found[0]


def _toml_value(value) -> str:
    return tomli_w.dumps({"v": value}).strip().removeprefix("v = ")


def import_territory(
    polygons: str | Path,
    figures: str | Path,
    *,
    key: str,
    name: str,
    out: str | Path,
    households_column: str | None = None,
    car_free_share_column: str | None = None,
    income_column: str | None = None,
    income_per: str | None = None,
    baseline: str | Path | None = None,
    today: str | Path | None = None,
) -> Scenario:
    """Write a scenario on the territory of these files to `out`; returns it, loaded. It extends
    `baseline`: by default the `baseline.toml` beside `out`, else the project's. The sharing that
    exists today is read from `today` (by default the `today.toml` beside the figures, if any)
    into the scenario's `[today]` tables."""
    polygons, figures, out = Path(polygons), Path(figures), Path(out)
    if today is None and (figures.parent / TODAY_FILE).is_file():
        today = figures.parent / TODAY_FILE
    if baseline is None:
        baseline = (
            out.parent / "baseline.toml" if (out.parent / "baseline.toml").is_file() else BASELINE
        )
    baseline = Path(baseline)
    table = read_figures(str(figures), key)
    columns = [str(c) for c in table.columns]
    households_column = households_column or "households"
    if households_column not in columns:
        raise UserError(
            f"{figures}: no column {households_column!r}; name it with --households-column (columns: {', '.join(columns)})"
        )
    car_free_share_column = car_free_share_column or _one_column(
        columns,
        r"without_car|car_free",
        "the share of households without a car",
        "--car-free-column",
        figures,
    )
    income_column = income_column or _one_column(
        columns, r"income", "the median income", "--income-column", figures
    )
    if income_per is None:
        if re.search(r"consumption_unit|_uc\b", income_column):
            income_per = "consumption_unit"
        elif "household" in income_column:
            income_per = "household"
        else:
            raise UserError(
                f"{figures}: column {income_column}: per household or per consumption unit? "
                "say it with --income-per household|consumption_unit"
            )
    here = out.parent.resolve()
    territory_name = polygons.resolve().parent.name
    counted = pd.to_numeric(table[households_column], errors="coerce").sum()
    description = (
        f"{territory_name}: {len(table)} zones, {counted:,.0f} households, polygons from {polygons.name} and "
        f"figures from {figures.name} (their sources are beside them). Goods, behaviour, network and "
        "market are the baseline's, with no policy; a figure the table lacks is filled in from the "
        "zone's density (see `partage territory show`)."
    )
    lines = [
        f"# {territory_name}: a territory from data, written by `partage territory import`; run that command",
        "# again rather than editing the territory here. Goods, behaviour, network and market are the",
        "# baseline's; the zones' figures come from the files below (see their SOURCES.md).",
        f"extends = {_toml_value(os.path.relpath(baseline.resolve(), here))}",
        f"name = {_toml_value(out.stem)}",
        f"description = {_toml_value(description)}",
        "",
        "[territory]",
        'kind = "data"',
        f"name = {_toml_value(territory_name)}",
        f"polygons = {_toml_value(os.path.relpath(polygons.resolve(), here))}",
        f"figures = {_toml_value(os.path.relpath(figures.resolve(), here))}",
        f"key_column = {_toml_value(key)}",
        f"name_column = {_toml_value(name)}",
        f"households_column = {_toml_value(households_column)}",
        f"car_free_share_column = {_toml_value(car_free_share_column)}",
        f"income_column = {_toml_value(income_column)}",
        f"income_per = {_toml_value(income_per)}",
        "",
    ]
    if today is not None:
        lines += _today_tables(Path(today))
    text = "\n".join(lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = guarded(out.with_name(f".{out.name}.importing"))
    guarded(out)
    staging.write_text(text, encoding="utf-8")
    try:
        scenario = load_scenario(staging)
        tables, gap = equilibrium_tables(scenario)
        staging.write_text(text + constants_text(tables, gap, scenario), encoding="utf-8")
        scenario = load_scenario(staging)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    os.replace(staging, out)
    return scenario


CONSTANTS_MARK = "# Equilibrium constants by good and zone"


def write_equilibrium(
    path: str | Path, households: int = EQUILIBRIUM_HOUSEHOLDS
) -> tuple[dict, float]:
    """Solve the constants of the scenario file `path` afresh, for the behaviour it declares (its
    own or inherited), and write them at its end in place of the ones written before (the lines
    from `CONSTANTS_MARK` on); returns them and the gap left. Used by `partage territory
    equilibrium` and for a calibration's fitted scenario (`write_fitted_scenario`), whose
    behaviour is not the one its inherited constants were solved for."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if CONSTANTS_MARK in text:
        text = text[: text.index(CONSTANTS_MARK)].rstrip("\n") + "\n"
    scenario = load_scenario(path, {"constants": {}})
    tables, gap = equilibrium_tables(scenario, households)
    staging = path.with_name(f".{path.name}.solving")
    staging.write_text(
        text + "\n" + constants_text(tables, gap, scenario, households), encoding="utf-8"
    )
    try:
        load_scenario(staging)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    os.replace(staging, path)
    return tables, gap


def equilibrium_tables(
    scenario: Scenario, households: int = EQUILIBRIUM_HOUSEHOLDS
) -> tuple[dict, float]:
    """The `[constants]` tables under which the scenario's observed state is the model's own
    equilibrium (`model.equilibrium`) for its behaviour, solved on `households` households (at
    most the territory's) of the scenario's seed, and the largest gap left between stationary and
    observed shares."""
    households = min(households, territory_households(scenario))
    model = TerritoryModel(scenario, households=households, months=1)
    constants, gap = solve_constants(model)
    zones, goods = scenario.zone_names, scenario.good_names
    for round_ in range(DYNAMIC_ROUNDS):
        overrides = {"constants": constants.to_tables(zones, goods)}
        runs = []
        for k in range(DYNAMIC_SEEDS):
            run = TerritoryModel(
                scenario.with_overrides(overrides),
                households=households,
                seed=scenario.seed + round_ * DYNAMIC_SEEDS + k,
            )
            run.run()
            runs.append(run)
        shift_for_dynamics(constants, runs)
    return constants.to_tables(zones, goods), gap


def shift_for_dynamics(constants, runs) -> None:
    """Shift each good's constants of owning and of holding several by the gap in log odds between
    month 0 and the last year of runs (their mean over the runs, each on a seed of its own): what
    the stationary shares of month 0 miss of the dynamics (awareness spreading, learning, ties).
    Owning: each zone's own gap, weighted by its sampled households needing the good over all the
    runs (n / (n + `ZONE_SHIFT_HOUSEHOLDS`)), the rest the territory's gap; holding several: the
    territory's gap, in every zone alike."""
    gaps = [_dynamic_gaps(run) for run in runs]
    overall, zone_gap, several = (np.mean([g[i] for g in gaps], axis=0) for i in range(3))
    sampled = sum(run.zone_needing for run in runs)
    weight = sampled / (sampled + ZONE_SHIFT_HOUSEHOLDS)
    constants.own += weight * zone_gap + (1 - weight) * overall[None, :]
    constants.extra_units += np.where(runs[0].goods.multi_unit, several, 0.0)[None, :]


def _dynamic_gaps(run) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One run's gaps in log odds between month 0 and its last year: (G,) the territory's share of
    owners, (Z, G) each zone's, (G,) the territory's share of owners holding several (0 for goods
    of one unit)."""
    frame = run.series_frame()
    names = outcome_names(run.goods.names, real=False)
    zones = np.stack(run.zone_series)  # (months + 1, Z, K)
    overall, several = np.zeros(len(run.goods.names)), np.zeros(len(run.goods.names))
    zone_gap = np.zeros(run.zone_needing.shape)
    for g, good in enumerate(run.goods.names):
        own = frame[f"{good}.own"]
        overall[g] = _logit(own.iloc[0]) - _logit(own.iloc[-12:].mean())
        by_zone = zones[:, :, names.index(f"{good}.own")]
        start = np.clip(by_zone[0], 0.01, 0.99)
        end = np.clip(by_zone[-12:].mean(axis=0), 0.01, 0.99)
        zone_gap[:, g] = np.log(start / (1 - start)) - np.log(end / (1 - end))
        if run.goods.multi_unit[g]:
            owning = frame[f"{good}.several.share"] + frame[f"{good}.one.share"]
            share = frame[f"{good}.several.share"] / owning
            several[g] = _logit(share.iloc[0]) - _logit(share.iloc[-12:].mean())
    return overall, zone_gap, several


def _logit(p: float) -> float:
    return float(np.log(p) - np.log1p(-p))


def constants_text(
    tables: dict,
    gap: float,
    scenario: Scenario,
    households: int = EQUILIBRIUM_HOUSEHOLDS,
) -> str:
    households = min(households, territory_households(scenario))
    return "\n".join(
        [
            f"{CONSTANTS_MARK}, solved (`partage territory equilibrium`) so that without",
            "# policy the territory holds its observed state (docs/today.md); "
            f"{households} households, largest gap {gap:.4f}.",
            tomli_w.dumps({"constants": tables}).strip(),
            "",
        ]
    )


def _today_tables(path: Path) -> list[str]:
    """The `[today]` tables of a scenario, from a file of the sharing that exists today."""
    raw = read_toml_file(path, "sharing of today")
    try:
        Today.model_validate(raw)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise UserError(f"{path}: {where}: {first['msg']}") from None
    return [
        f"# The sharing that exists today, from {path.name} (its sources are in SOURCES.md beside it).",
        tomli_w.dumps({"today": raw}, multiline_strings=False, indent=4).strip(),
        "",
    ]


def describe_territory(scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(zones table, what was filled in and why) of a scenario on a territory from data."""
    if not isinstance(scenario.territory, TerritoryFromData):
        raise UserError(
            f"{scenario.name}: the territory is an abstract grid; `territory show` describes a territory from data"
        )
    territory = scenario.territory.resolved()
    rows = []
    for good in scenario.goods:
        for attr in ("need_share", "uses_per_month", "initial_own_share"):
            if (good, attr) in territory.good_columns and not np.isnan(
                territory.good_columns[(good, attr)]
            ).all():
                continue
            rule = f"goods.{good}.{attr} of the zone's kind"
            if good == territory.car_good and attr == "need_share":
                rule += ", raised to the share of households with a car where below it"
            if good == territory.car_good and attr == "initial_own_share":
                rule = "(1 - car-free share) / need share: month-0 car ownership as observed"
            rows += [
                (key, name, f"{good}.{attr}", None, rule, rule)
                for key, name in zip(territory.keys, territory.names, strict=True)
            ]
    goods = pd.DataFrame(rows, columns=territory.filled.columns)
    return territory.table(), pd.concat([territory.filled, goods], ignore_index=True)


def filled_summary(filled: pd.DataFrame) -> pd.DataFrame:
    """What was filled in, field by field: how many zones and the reasons given."""
    rows = []
    for field_name, part in filled.groupby("field", sort=False):
        reasons = part.groupby("rule", sort=False).size()
        rows.append(
            {
                "field": field_name,
                "zones": len(part),
                "why": "; ".join(f"{rule} ({count} zones)" for rule, count in reasons.items()),
            }
        )
    return pd.DataFrame(rows)


def drift_table(run_dir: str | Path, outcome: str, months: list[int]) -> pd.DataFrame:
    """One row per zone of a `partage run` folder: the outcome at each month and its change since the
    first; for the car-free share, the census figure too."""

    from model.scenario import validate_raw

    run_dir = Path(run_dir)
    zones_path, manifest_path = run_dir / "zones.parquet", run_dir / "manifest.json"
    if not zones_path.is_file() or not manifest_path.is_file():
        raise UserError(
            f"{run_dir}: not a folder of `partage run` (no zones.parquet or manifest.json)"
        )
    scenario = validate_raw(read_manifest_file(manifest_path).get("scenario"), str(manifest_path))
    zones = read_parquet_file(zones_path)
    if outcome not in set(zones["outcome"]):
        raise UserError(
            f"{zones_path}: no outcome {outcome!r} by zone; allowed: {', '.join(sorted(set(zones['outcome'])))}"
        )
    last = int(zones["month"].max())
    for month in months:
        if not 0 <= month <= last:
            raise UserError(f"--months {month}: not simulated; allowed: 0 to {last}")
    part = zones[zones["outcome"] == outcome].pivot_table(
        index="zone", columns="month", values="value"
    )
    keys = scenario.zone_names
    table = pd.DataFrame({"key": keys})
    if isinstance(scenario.territory, TerritoryFromData):
        territory = scenario.territory.resolved()
        table["name"] = territory.names
        if outcome == f"{territory.car_good}.without.share":
            table["census"] = territory.car_free_share
    for month in months:
        table[f"month {month}"] = part.reindex(keys)[month].to_numpy()
    for month in months[1:]:
        table[f"change {months[0]} to {month}"] = (
            table[f"month {month}"] - table[f"month {months[0]}"]
        )
    return table
