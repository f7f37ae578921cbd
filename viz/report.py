"""The council report of a comparison: an HTML page and a PDF printed from it, in French or English.

It reads a directory written by `partage compare` through `read_comparison`, which asks the
comparison engine (`experiments.compare.load_comparison`: tables at the horizon, cost-effectiveness,
monthly curves) and reads the manifest (the scenario files, the seeds), and tells a council
what was asked, which levers were set how, on which territory, what changed at the horizon with
its 95 % interval (in euros, tonnes and households; by income quintile and by zone), what it
costs per extra sharing household and per tonne, how it was computed (replications, seeds) and
what the model leaves out.

Rules:
- Every text comes from the scenario schema's labels (`model.scenario`) or from this module and
  its template, translated through `viz/locales/<lang>/LC_MESSAGES/{schema,report}.po`; numbers
  are formatted by `viz.i18n` for the language.
- What users wrote (scenario names and descriptions, zone and policy names) is data: the
  template engine escapes it, and it never names a file. Everything is written inside the
  output folder, under fixed names.
- Figures are matplotlib PNGs with the Okabe–Ito palette (safe for the common colour-vision
  deficiencies), the baseline dashed, each with an alternative text; they are embedded in the
  HTML so that the page is one file that can be mailed.
- The PDF is printed from the HTML by headless Chromium (already installed for the app's
  browser tests): the same engine as the app, offline, with no other system library.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from experiments.compare import OKABE_ITO
from experiments.errors import UserError
from experiments.outputs import guarded, guarded_folder
from model.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    parameter_info,
    policy_texts,
    read_raw,
    text_in,
    validate_raw,
)
from viz.calibration import TARGET_WORDS, target_figure
from viz.catalogue import scenario_path
from viz.i18n import (
    checked_language,
    format_eur,
    format_number,
    format_percent,
    format_tonnes,
    gettext,
)


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a `#rrggbb` colour (0 black, 1 white)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def N_(text: str) -> str:
    """Marks a text for translation where it is declared; it is translated where it is shown."""
    return text


TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CHROMIUM = os.environ.get("PARTAGE_CHROMIUM", "/usr/bin/chromium")
PDF_TIMEOUT_S = 180
# The comparison engine's Okabe-Ito palette, safe with the common colour-vision deficiencies:
# the baseline in its black, dashed; scenarios in its colours, darkest first for contrast on
# paper, without the yellow, too pale for lines on white.
BASELINE_COLOUR = "#000000"
SCENARIO_COLOURS = tuple(
    sorted(
        (c for c in OKABE_ITO if c not in (BASELINE_COLOUR, "#F0E442")), key=lambda c: _luminance(c)
    )
)
QUINTILES = 5
# Units added to the title of a curve's panel, by kind of outcome.
PANEL_UNITS = {"eur": "€", "eur_month": "€", "tonnes": "t CO2e"}
# Money units of the schema, written after an amount in euros.
EUR_PER = {"EUR/month": N_("per month"), "EUR/use": N_("per use")}
# Policy fields that say where and when a policy acts rather than how strongly.
TARGET_FIELDS = ("kind", "description", "zones", "quintiles", "goods", "start_month", "end_month")


@dataclass(frozen=True)
class Outcome:
    """An outcome as the report shows it: its plain name and how its numbers read."""

    name: str
    label: str
    kind: str  # households, share, eur, eur_month, tonnes, count, index


HEADLINE = (
    Outcome("sharing_households", N_("Households sharing at least one good"), "households"),
    Outcome(
        "sharing_households.share", N_("Share of households sharing at least one good"), "share"
    ),
    Outcome("goods.stock_total", N_("Goods owned by households"), "count"),
    Outcome(
        "emissions.cumulative_t",
        N_("Manufacturing emissions of the goods in use, to date"),
        "tonnes",
    ),
    Outcome("spending.mean_eur", N_("Household spending on these goods, per month"), "eur_month"),
    Outcome("uses.unmet", N_("Requests to borrow that went unmet, per month"), "count"),
    Outcome("trust.mean", N_("Average trust in sharing (0 to 1)"), "index"),
    Outcome("public.cumulative_spend_eur", N_("Public spending, to date"), "eur"),
    Outcome("public.cumulative_revenue_eur", N_("Public revenue, to date"), "eur"),
)
CURVES = (
    "sharing_households",
    "goods.stock_total",
    "emissions.cumulative_t",
    "spending.mean_eur",
    "public.cumulative_spend_eur",
    "trust.mean",
)
OUTCOME_BY_NAME = {outcome.name: outcome for outcome in HEADLINE}


# --------------------------------------------------------------------------- reading a comparison


@dataclass
class ComparisonResults:
    """What the report needs of a comparison, read once: the design, the seeds, the tables at the
    horizon, the monthly bands, and the scenarios as they were compared (`None` for a scenario
    whose file can no longer be read)."""

    directory: Path
    baseline: str
    scenarios: list[str]
    replications: int
    households: int
    months: int
    seed: int
    replication_seeds: list[int]
    territory_households: int
    table: pd.DataFrame
    costs: pd.DataFrame
    bands: pd.DataFrame
    differences: pd.DataFrame
    definitions: dict[str, Scenario | None]
    manifest: dict = field(default_factory=dict)
    zone_table: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def names(self) -> list[str]:
        return [self.baseline, *self.scenarios]

    def row(self, outcome: str, scenario: str) -> pd.Series | None:
        part = self.table[(self.table["outcome"] == outcome) & (self.table["scenario"] == scenario)]
        return None if part.empty else part.iloc[0]

    def zones(self) -> list[str]:
        """Zone identifiers, in the order of the table by zone, else of the baseline's territory."""
        if not self.zone_table.empty:
            return list(dict.fromkeys(self.zone_table["zone"].astype(str)))
        base = self.definitions.get(self.baseline)
        return base.zone_names if base is not None else []

    def zone_name(self, zone: str) -> str:
        """A zone's name: a territory from data knows its zones by key (an INSEE code) and name."""
        base = self.definitions.get(self.baseline)
        resolved = getattr(getattr(base, "territory", None), "resolved", None)
        if resolved is None:
            return zone
        territory = resolved()
        return dict(zip(territory.keys, territory.names, strict=True)).get(zone, zone)

    def zone_row(self, zone: str, outcome: str, scenario: str) -> pd.Series | None:
        """A zone's row: from the table by zone, or the territory-wide row of `outcome` with
        `{zone}` replaced by the zone's name."""
        if "{zone}" in outcome:
            return self.row(outcome.format(zone=zone), scenario)
        table = self.zone_table
        part = table[
            (table["zone"].astype(str) == zone)
            & (table["outcome"] == outcome)
            & (table["scenario"] == scenario)
        ]
        return None if part.empty else part.iloc[0]


def read_comparison(directory: str | Path) -> ComparisonResults:
    """Read a directory written by `partage compare` through the comparison engine
    (`experiments.compare.load_comparison`) and its manifest; a one-line `UserError` if it is
    not one."""
    from experiments.compare import load_comparison
    from experiments.design import replication_seed

    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(f"{directory}: no such comparison directory")
    if not (directory / "experiment.duckdb").is_file():
        raise UserError(
            f"{directory}: not a comparison (no experiment.duckdb); write one with partage compare"
        )
    manifest_path = directory / "manifest.json"
    manifest = {}
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise UserError(f"{manifest_path}: not a readable manifest") from None
    engine = load_comparison(directory)
    curves = [name for name in CURVES if name in engine.outcomes]
    several_months = engine.series["month"].nunique() > 1
    zone_path = directory / "zone_comparison.csv"  # written for territories from data
    zone_table = (
        pd.read_csv(zone_path, dtype={"zone": str}) if zone_path.is_file() else pd.DataFrame()
    )
    design = manifest.get("design", {})
    sizes = {"households": engine.households, "months": engine.months}
    definitions: dict[str, Scenario | None] = {}
    kept = design.get("definitions") or [None] * len(engine.names)
    files = design.get("files") or [None] * len(engine.names)
    for name, path, definition in zip(engine.names, files, kept, strict=False):
        try:
            if isinstance(path, str):
                definitions[name] = load_scenario(path, sizes)
            elif definition is not None:  # compared as an object, e.g. from the app
                definitions[name] = validate_raw(definition, str(manifest_path)).with_overrides(
                    sizes
                )
            else:
                definitions[name] = None
        except (ScenarioError, OSError):
            definitions[name] = None
    seeds = manifest.get("seeds", {}).get("replication_seeds") or [
        replication_seed(engine.seed, r) for r in range(engine.replications)
    ]
    return ComparisonResults(
        directory=directory,
        baseline=engine.baseline,
        scenarios=list(engine.scenarios),
        replications=int(engine.replications),
        households=int(engine.households),
        months=int(engine.months),
        seed=int(engine.seed),
        replication_seeds=[int(seed) for seed in seeds],
        territory_households=int(engine.territory.households),
        table=engine.table(),
        costs=engine.cost_effectiveness(),
        bands=engine.curves(curves) if curves and several_months else pd.DataFrame(),
        differences=engine.differences(curves) if curves and several_months else pd.DataFrame(),
        definitions=definitions,
        manifest=manifest,
        zone_table=zone_table,
    )


# --------------------------------------------------------------------------- numbers in words


class Numbers:
    """How the report writes a number of each kind, in its language."""

    def __init__(self, lang: str):
        self.lang = lang

    def __call__(self, value: float, kind: str, signed: bool = False) -> str:
        """`value` written for its kind; with `signed`, a change (`+1.3`, `−€2.5`, `+0.4 pts`)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        text = self._unsigned(abs(value), kind, signed)
        if not any(ch.isdigit() and ch != "0" for ch in text.replace("CO2e", "")):
            return text  # rounds to zero: no sign
        if value < 0:
            return "\u2212\u2060" + text  # a word joiner keeps the sign with its number
        return ("+\u2060" if signed else "") + text

    def _unsigned(self, value: float, kind: str, signed: bool) -> str:
        if kind == "households":
            return format_number(value, self.lang, 0 if abs(value) >= 10 else 1)
        if kind == "count":
            return format_number(value, self.lang, 0 if abs(value) >= 100 else 1)
        if kind == "share":
            if signed:
                return (
                    format_number(value * 100, self.lang, 1) + "\u00a0" + gettext("pts", self.lang)
                )
            return format_percent(value, self.lang)
        if kind == "tonnes":
            return format_tonnes(value, self.lang, 0 if abs(value) >= 100 else 1)
        if kind == "eur":
            return format_eur(value, self.lang)
        if kind == "eur_month":
            return format_eur(value, self.lang, 1 if abs(value) < 100 else 0)
        if kind == "index":
            return format_number(value, self.lang, 3)
        return format_number(value, self.lang, 2)

    def interval(self, low: float, high: float, kind: str, signed: bool = False) -> str:
        """`low to high`, or why there is no interval."""
        if high is not None and math.isinf(high):
            return gettext("no upper bound: the gain may be zero", self.lang)
        if low is None or high is None or math.isnan(low) or math.isnan(high):
            return gettext("no interval with a single replication", self.lang)
        return gettext("{low} to {high}", self.lang).format(
            low=self(low, kind, signed), high=self(high, kind, signed)
        )


def _settled(low: float, high: float) -> bool:
    """Whether a 95 % interval excludes zero (the sign of the effect is settled)."""
    return not (math.isnan(low) or math.isnan(high)) and (low > 0 or high < 0)


# --------------------------------------------------------------------------- sections


def _levers(comparison: ComparisonResults, lang: str) -> list[dict]:
    """Per scenario, its policies with their plain names and settings."""

    def tr(text: str) -> str:
        return gettext(text, lang)

    out = []
    for name in comparison.scenarios:
        scenario = comparison.definitions.get(name)
        entry: dict[str, Any] = {"name": name, "missing": scenario is None, "policies": []}
        if scenario is not None:
            entry["description"] = gettext(text_in(scenario.description, lang), lang)
            for policy_name, policy in scenario.policies.items():
                texts = policy_texts(policy.kind, tr)
                settings = []
                for field_name in type(policy).model_fields:
                    if field_name in TARGET_FIELDS:
                        continue
                    path = f"{policy_name}.{field_name}"
                    info = parameter_info(scenario, f"policies.{path}", tr)
                    english = parameter_info(scenario, f"policies.{path}")
                    settings.append(
                        {
                            "label": info["label"],
                            "value": _setting(english, lang),
                            "description": info["description"],
                        }
                    )
                entry["policies"].append(
                    {
                        "name": policy_name,
                        "kind": texts["label"],
                        "kind_description": texts["description"],
                        "description": gettext(text_in(policy.description, lang), lang),
                        "where": _where(policy, scenario, lang),
                        "when": _when(policy, lang),
                        "settings": settings,
                    }
                )
            entry["changed"] = _changed_parameters(comparison, scenario, lang)
        out.append(entry)
    return out


def _setting(info: dict, lang: str) -> str:
    """A parameter's value with its unit, as `parameter_info` gives it in English."""
    value, unit = info["value"], info["unit"]
    if isinstance(value, bool):
        return gettext("yes", lang) if value else gettext("no", lang)
    if not isinstance(value, int | float):
        return str(value)
    if unit == "share":
        return format_percent(value, lang, 0 if round(value * 100, 1).is_integer() else 1)
    if unit == "EUR":
        return format_eur(value, lang)
    if unit in EUR_PER:
        return f"{format_eur(value, lang, 0 if float(value).is_integer() else 2)} {gettext(EUR_PER[unit], lang)}"
    digits = 0 if float(value).is_integer() else 3 if abs(value) < 1 else 1
    text = format_number(value, lang, digits)
    return f"{text}\u00a0{gettext(unit, lang)}" if unit and unit != "—" else text


def _where(policy, scenario: Scenario, lang: str) -> str:
    everywhere = gettext("all zones", lang)
    zones = ", ".join(words(z, lang) for z in policy.zones) if policy.zones else everywhere
    goods = (
        ", ".join(gettext(scenario.goods[g].label, lang) for g in policy.goods)
        if policy.goods
        else gettext("all goods", lang)
    )
    quintiles = (
        gettext("income quintiles {list}", lang).format(list=", ".join(map(str, policy.quintiles)))
        if policy.quintiles
        else gettext("all incomes", lang)
    )
    return (
        f"{zones}; {goods}; {quintiles}"
        if lang != "fr"
        else f"{zones}\u202f; {goods}\u202f; {quintiles}"
    )


def _when(policy, lang: str) -> str:
    if policy.end_month is None:
        return gettext("from month {start}", lang).format(start=policy.start_month)
    return gettext("months {start} to {end}", lang).format(
        start=policy.start_month, end=policy.end_month
    )


def _changed_parameters(comparison: ComparisonResults, scenario: Scenario, lang: str) -> list[dict]:
    """Parameters outside the policies that the scenario sets differently from the baseline."""
    base = comparison.definitions.get(comparison.baseline)
    if base is None:
        return []
    changed = []
    mine, theirs = (
        _flat(scenario.model_dump(exclude={"policies", "name", "description", "seed"})),
        _flat(base.model_dump(exclude={"policies", "name", "description", "seed"})),
    )
    for path in sorted(set(mine) | set(theirs)):
        if mine.get(path) == theirs.get(path) or path not in mine or path not in theirs:
            continue
        try:
            info = parameter_info(scenario, path, lambda text: gettext(text, lang))
            english = parameter_info(scenario, path)
        except ScenarioError:
            continue
        changed.append(
            {
                "path": path,
                "label": info["label"],
                "value": _setting(english, lang),
                "baseline": _setting(dict(english, value=theirs[path]), lang),
            }
        )
    return changed


def _flat(table: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _territory(comparison: ComparisonResults, lang: str) -> dict:
    base = comparison.definitions.get(comparison.baseline)
    if base is None:
        return {"missing": True}
    total = sum(zone.household_share for zone in base.territory.zones.values())
    kinds = {"dense": "dense centre", "suburb": "suburb", "rural": "rural"}
    zones = [
        {
            "name": comparison.zone_name(name),
            "kind": gettext(kinds.get(zone.kind, zone.kind), lang),
            "households": format_percent(
                zone.household_share / total, lang, 0 if zone.household_share / total >= 0.1 else 1
            ),
            "income": format_eur(zone.income_median_eur, lang),
            "online": format_percent(zone.digital_access_share, lang, 0),
        }
        for name, zone in base.territory.zones.items()
    ]
    goods = [gettext(good.label, lang) for good in base.goods.values()]
    name = words(base.territory.name.replace("-", "_"), lang)
    return {"missing": False, "name": name, "zones": zones, "goods": goods}


def _results(comparison: ComparisonResults, lang: str, numbers: Numbers) -> list[dict]:
    """Per headline outcome: the baseline and each scenario at the horizon, and the difference,
    for the territory (`experiments.territory_figures`, through the comparison engine)."""
    rows = []
    for outcome in HEADLINE:
        base = comparison.row(outcome.name, comparison.baseline)
        if base is None:
            continue
        cells = []
        for name in comparison.scenarios:
            row = comparison.row(outcome.name, name)
            if row is None:
                cells.append(None)
                continue
            cells.append(
                {
                    "value": numbers(row["mean"], outcome.kind),
                    "diff": numbers(row["diff"], outcome.kind, signed=True),
                    "interval": numbers.interval(
                        row["diff_low"], row["diff_high"], outcome.kind, signed=True
                    ),
                    "settled": _settled(row["diff_low"], row["diff_high"]),
                }
            )
        rows.append(
            {
                "label": gettext(outcome.label, lang),
                "baseline": numbers(base["mean"], outcome.kind),
                "baseline_interval": numbers.interval(
                    base["ci_low"], base["ci_high"], outcome.kind
                ),
                "cells": cells,
            }
        )
    return rows


def _by_quintile(comparison: ComparisonResults, lang: str, numbers: Numbers) -> list[dict]:
    """Per scenario and income quintile: the change of monthly spending, and the subsidy received."""
    out = []
    for name in comparison.scenarios:
        rows = []
        for q in range(1, QUINTILES + 1):
            spending = comparison.row(f"spending.q{q}_eur", name)
            base = comparison.row(f"spending.q{q}_eur", comparison.baseline)
            subsidy = comparison.row(f"subsidy.q{q}_eur", name)
            if spending is None or base is None:
                continue
            rows.append(
                {
                    "quintile": q,
                    "baseline": numbers(base["mean"], "eur_month"),
                    "diff": numbers(spending["diff"], "eur_month", signed=True),
                    "interval": numbers.interval(
                        spending["diff_low"], spending["diff_high"], "eur_month", True
                    ),
                    "settled": _settled(spending["diff_low"], spending["diff_high"]),
                    "subsidy": numbers(subsidy["mean"], "eur_month")
                    if subsidy is not None
                    else "–",
                }
            )
        if rows:
            out.append({"name": name, "rows": rows})
    return out


def _zone_columns(comparison: ComparisonResults, lang: str) -> list[tuple[str, str, str]]:
    """The columns of the by-zone table: (header, outcome, kind), where the outcome names a zone's
    value with `{zone}`. From the comparison's table by zone when it has one (territories from
    data), else from the territory-wide table's `{good}.share.{zone}` columns (grids)."""
    base = comparison.definitions.get(comparison.baseline)
    goods = base.goods if base is not None else {}
    if not comparison.zone_table.empty:
        present = set(comparison.zone_table["outcome"])
        wanted = [
            (
                "sharing_households.share",
                gettext(OUTCOME_BY_NAME["sharing_households.share"].label, lang),
            )
        ]
        wanted += [
            (f"{good}.share", gettext("{good}: borrowed", lang).format(good=gettext(g.label, lang)))
            for good, g in goods.items()
        ]
        return [(header, name, "share") for name, header in wanted if name in present]
    return [
        (
            gettext("{good}: borrowed", lang).format(good=gettext(g.label, lang)),
            f"{good}.share.{{zone}}",
            "share",
        )
        for good, g in goods.items()
    ]


def _by_zone(comparison: ComparisonResults, lang: str, numbers: Numbers) -> list[dict]:
    """Per scenario and zone: the change in the share of households sharing, overall and good by
    good, with its 95 % interval."""
    columns = _zone_columns(comparison, lang)
    zones = comparison.zones()
    if not columns or not zones:
        return []
    out = []
    for name in comparison.scenarios:
        rows = []
        for zone in zones:
            cells = []
            for _, outcome, kind in columns:
                row = comparison.zone_row(zone, outcome, name)
                if row is None:
                    cells.append(None)
                    continue
                cells.append(
                    {
                        "diff": numbers(row["diff"], kind, signed=True),
                        "interval": numbers.interval(row["diff_low"], row["diff_high"], kind, True),
                        "settled": _settled(row["diff_low"], row["diff_high"]),
                    }
                )
            if any(cells):
                rows.append({"zone": comparison.zone_name(zone), "cells": cells})
        if rows:
            out.append({"name": name, "goods": [header for header, _, _ in columns], "rows": rows})
    return out


def _costs(comparison: ComparisonResults, lang: str, numbers: Numbers) -> list[dict]:
    out = []
    for row in comparison.costs.to_dict("records"):
        out.append(
            {
                "name": row["scenario"],
                "extra_public": numbers(row["extra_public_eur"], "eur", signed=True),
                "extra_sharing": numbers(
                    row["extra_sharing_households"], "households", signed=True
                ),
                "avoided": numbers(row["t_co2e_avoided"], "tonnes", signed=True),
                "per_household": _ratio(
                    row["eur_per_extra_sharing_household"],
                    row["eur_per_household_low"],
                    row["eur_per_household_high"],
                    lang,
                    numbers,
                ),
                "per_tonne": _ratio(
                    row["eur_per_t_co2e_avoided"],
                    row["eur_per_t_low"],
                    row["eur_per_t_high"],
                    lang,
                    numbers,
                ),
            }
        )
    return out


def _ratio(value, low, high, lang: str, numbers: Numbers) -> dict:
    if value is None or math.isnan(value):
        return {"value": gettext("no gain to divide by", lang), "interval": ""}
    return {"value": numbers(value, "eur"), "interval": numbers.interval(low, high, "eur")}


def _summary(comparison: ComparisonResults, lang: str, numbers: Numbers) -> list[dict]:
    """One plain sentence per scenario and headline figure, saying whether its sign is settled."""
    out = []
    years = comparison.months / 12
    for name in comparison.scenarios:
        lines = []
        for outcome_name in (
            "sharing_households",
            "emissions.cumulative_t",
            "spending.mean_eur",
            "public.cumulative_spend_eur",
        ):
            row = comparison.row(outcome_name, name)
            if row is None:
                continue
            outcome = OUTCOME_BY_NAME[outcome_name]
            settled = _settled(row["diff_low"], row["diff_high"])
            if settled:
                text = gettext("{label}: {diff} ({interval}).", lang)
            else:
                text = gettext(
                    "{label}: {diff} ({interval}); not distinguishable from no change.", lang
                )
            sentence = text.format(
                label=gettext(outcome.label, lang),
                diff=numbers(row["diff"], outcome.kind, signed=True),
                interval=numbers.interval(
                    row["diff_low"], row["diff_high"], outcome.kind, signed=True
                ),
            )
            lines.append({"text": sentence, "settled": settled})
        out.append(
            {
                "name": name,
                "lines": lines,
                "horizon": gettext(
                    "After {years} years ({months} months), for the territory ({households} "
                    "households), against {baseline}:",
                    lang,
                ).format(
                    years=format_number(years, lang, 0 if years.is_integer() else 1),
                    months=comparison.months,
                    households=format_number(comparison.territory_households, lang),
                    baseline=words(comparison.baseline, lang),
                ),
            }
        )
    return out


# --------------------------------------------------------------------------- how far to trust


TARGET_LINE = re.compile(
    r"^# - (?P<name>\w+): (?:(?P<statistic>\w+) of (?P<outcome>[\w.]+) )?.*?"
    r"months (?P<first>\d+)-(?P<last>\d+): "
    r"(?P<observed>[-\d.]+) ± (?P<sd>[\d.]+)\.\s*$"
)


def calibration_targets(name: str, seen: int = 0) -> list[dict[str, str]]:
    """The targets a scenario file of the library (or the file it extends) was calibrated on."""
    try:
        path = scenario_path(name)
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError, ScenarioError):
        return []
    targets = [m.groupdict() for m in map(TARGET_LINE.match, text.splitlines()) if m]
    if targets or seen > 5:
        return targets
    parent = read_raw(path).get("extends")
    return calibration_targets(Path(parent).stem, seen + 1) if isinstance(parent, str) else []


def target_text(target: dict[str, str], lang: str) -> str:
    words = TARGET_WORDS.get(
        target["name"], target["name"].replace("_", " ") + ": {observed} ± {sd}"
    )

    def figure(value: str) -> str:
        """A share in percent, a drift of a share in points, any other figure as a number."""
        outcome, statistic = target.get("outcome") or "", target.get("statistic") or ""
        return target_figure(float(value), outcome, statistic, lang)

    return gettext(words, lang).format(observed=figure(target["observed"]), sd=figure(target["sd"]))


def no_policy_drift(comparison: ComparisonResults) -> tuple[float, float] | None:
    """Share of households sharing a good at month 0 and at the horizon in the baseline (mean over
    replications): what the model does with no policy, which every effect is measured against."""
    bands = comparison.bands
    part = bands[
        (bands["scenario"] == comparison.baseline) & (bands["outcome"] == "sharing_households")
    ]
    if part.empty or not comparison.territory_households:
        return None
    part = part.sort_values("month")
    size = float(comparison.territory_households)
    return float(part["mean"].iloc[0]) / size, float(part["mean"].iloc[-1]) / size


def _trust(comparison: ComparisonResults, lang: str) -> dict:
    """The report's section on how far to trust the figures: calibration, drift, limits."""
    drift = no_policy_drift(comparison)
    return {
        "targets": [target_text(t, lang) for t in calibration_targets(comparison.baseline)],
        "drift": None
        if drift is None
        else gettext(
            "With no policy, the share of households sharing a good goes from {start} at month 0 "
            "to {now} at month {month}: the model's own drift, which every effect is measured "
            "against.",
            lang,
        ).format(
            start=format_percent(drift[0], lang),
            now=format_percent(drift[1], lang),
            month=comparison.months,
        ),
    }


def assumptions(lang: str) -> list[str]:
    texts = (
        N_(
            "Households are simulated one by one: each month some of them reconsider how they meet their "
            "need for each good (own, rent, borrow or do without) by weighing its cost against their "
            "income, its convenience, the risk they see in sharing, what their acquaintances do and the "
            "environment. The weights are set from surveys and published studies, not fitted to this "
            "territory."
        ),
        N_(
            "Figures are for the whole territory. Each simulated household stands for the same number "
            "of the territory's households, so counts, tonnes and euros are scaled by that number; "
            "shares and amounts per household are read as simulated. A budget a scenario declares "
            "(investment, running costs, pool units, parking spots) is counted once, at the "
            "territory's size: the cost per extra sharing household or per tonne does not depend on "
            "how many households were simulated."
        ),
        N_(
            "Each scenario was run several times with the same random draws as the baseline (common random "
            "numbers), so that a difference measures the policy, not chance. The 95 % interval is the range "
            "that would contain the true difference in 95 comparisons out of 100; when it contains zero, "
            "the model cannot tell the effect from no change."
        ),
        N_(
            "Emissions are those of manufacturing the goods in use, spread over their lifetimes; the "
            "emissions of using them (fuel, electricity) are not counted."
        ),
        N_(
            "Public costs are those the scenario file declares (investment, running costs, costs per unit, "
            "per use, per claim or per trainee) less fees received; administrative costs and effects on "
            "other budgets are left out."
        ),
        N_(
            "The model leaves out moving house, new households, changes of price over time and rebound "
            "effects (money saved spent on other goods). Its territory is either an abstract grid of zone "
            "types or real zones with their public figures; it is a tool to compare policies, not a "
            "forecast."
        ),
    )
    return [gettext(text, lang) for text in texts]


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figure:
    """A figure of the report: its PNG (inside the output folder), caption and alternative text."""

    path: Path
    caption: str
    alt: str

    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.path.read_bytes()).decode("ascii")


def _number_axis(ax, lang: str) -> None:
    """Tick labels in the language's format, with as many decimals as the tick spacing needs."""
    from matplotlib.ticker import FuncFormatter

    def tick(value, _position):
        ticks = ax.get_yticks()
        step = float(np.min(np.diff(ticks))) if len(ticks) > 1 else 1.0
        digits = next((d for d in range(5) if abs(round(step, d) - step) <= step * 1e-6), 4)
        text = format_number(value, lang, digits)
        return text.replace("-", "\u2212")

    ax.yaxis.set_major_formatter(FuncFormatter(tick))


def _year_axis(ax, months: int, lang: str) -> None:
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    step = 12 if months <= 120 else 24
    ax.xaxis.set_major_locator(MultipleLocator(step if months >= 24 else 3))
    if months >= 24:
        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda value, _p: format_number(value / 12, lang, 0))
        )
        ax.set_xlabel(gettext("years", lang), fontsize=9)
    else:
        ax.set_xlabel(gettext("months", lang), fontsize=9)


def _curves_figure(
    comparison: ComparisonResults,
    bands: pd.DataFrame,
    order: list[str],
    path: Path,
    lang: str,
    paired: bool,
) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outcomes = [name for name in CURVES if not bands.empty and name in set(bands["outcome"])]
    if not outcomes:
        return None
    columns = 2
    rows = math.ceil(len(outcomes) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(8.2, 2.6 * rows), squeeze=False)
    colours = _colours(comparison)
    for ax, outcome_name in zip(axes.flat, outcomes, strict=False):
        outcome = OUTCOME_BY_NAME[outcome_name]
        part = bands[bands["outcome"] == outcome_name]
        for name in order:
            line = part[part["scenario"] == name]
            if line.empty:
                continue
            is_base = name == comparison.baseline
            ax.plot(
                line["month"],
                line["mean"],
                color=colours[name],
                linestyle="--" if is_base else "-",
                linewidth=1.6,
                label=words(name, lang),
            )
            ax.fill_between(
                line["month"],
                line["low"],
                line["high"],
                color=colours[name],
                alpha=0.18,
                linewidth=0,
            )
        if paired:
            ax.axhline(0, color=BASELINE_COLOUR, linestyle="--", linewidth=1)
        unit = PANEL_UNITS.get(outcome.kind)
        title = gettext(outcome.label, lang)
        ax.set_title(f"{title} ({unit})" if unit else title, fontsize=9)
        _year_axis(ax, comparison.months, lang)
        _number_axis(ax, lang)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8, frameon=False
    )
    fig.tight_layout(rect=(0, 0.06 if rows > 1 else 0.1, 1, 1))
    fig.savefig(guarded(path), dpi=100)
    plt.close(fig)
    return path


def _colours(comparison: ComparisonResults) -> dict[str, str]:
    colours = {comparison.baseline: BASELINE_COLOUR}
    for index, name in enumerate(comparison.scenarios):
        colours[name] = SCENARIO_COLOURS[index % len(SCENARIO_COLOURS)]
    return colours


def _figures(comparison: ComparisonResults, out_dir: Path, lang: str) -> list[Figure]:
    figures_dir = out_dir / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    shown = [
        gettext(OUTCOME_BY_NAME[name].label, lang)
        for name in CURVES
        if not comparison.bands.empty and name in set(comparison.bands["outcome"])
    ]
    out = []
    curves = _curves_figure(
        comparison,
        comparison.bands,
        comparison.names,
        figures_dir / f"curves.{lang}.png",
        lang,
        paired=False,
    )
    if curves is not None:
        out.append(
            Figure(
                curves,
                gettext(
                    "Month by month: mean over replications with its 95 % band; the baseline is dashed.",
                    lang,
                ),
                gettext(
                    "Line charts over time of {outcomes}, one line per scenario, the baseline dashed in black.",
                    lang,
                ).format(outcomes="; ".join(shown)),
            )
        )
    differences = _curves_figure(
        comparison,
        comparison.differences,
        comparison.scenarios,
        figures_dir / f"differences.{lang}.png",
        lang,
        paired=True,
    )
    if differences is not None:
        out.append(
            Figure(
                differences,
                gettext(
                    "Difference from the baseline, replication by replication, with its 95 % band; "
                    "where the band leaves the dashed zero line, the effect is settled.",
                    lang,
                ),
                gettext(
                    "Line charts over time of the difference from the baseline in {outcomes}, one line per "
                    "scenario, with a dashed line at zero.",
                    lang,
                ).format(outcomes="; ".join(shown)),
            )
        )
    return out + _maps(comparison, figures_dir, lang)


MAP_OUTCOME = "sharing_households.share"


def _maps(comparison: ComparisonResults, figures_dir: Path, lang: str) -> list[Figure]:
    """Maps of each scenario's difference from the baseline by zone, drawn by `experiments.maps`
    when the comparison has outcomes by zone of a territory with polygons; none otherwise (an
    abstract grid of zone types has no map worth printing)."""
    try:
        from experiments.maps import run_map

        from .outcomes import map_words
    except ImportError:
        return []
    if comparison.zone_table.empty or MAP_OUTCOME not in set(comparison.zone_table["outcome"]):
        return []
    figures = []
    label = gettext(OUTCOME_BY_NAME[MAP_OUTCOME].label, lang)
    for index, name in enumerate(comparison.scenarios, start=1):
        try:
            path = run_map(
                comparison.directory,
                MAP_OUTCOME,
                None,
                figures_dir / f"map-{index}.{lang}.png",
                name,
                map_words(lang),
            )
        except UserError:
            return []  # no polygons to draw
        figures.append(
            Figure(
                path,
                gettext(
                    "{scenario}: difference from the baseline by zone in {outcome}; hatched zones have a "
                    "95 % interval that contains zero.",
                    lang,
                ).format(scenario=name, outcome=label.lower()),
                gettext(
                    "Map of the territory's zones coloured by the difference in {outcome} between {scenario} "
                    "and the baseline, from orange (less) to purple (more).",
                    lang,
                ).format(outcome=label.lower(), scenario=name),
            )
        )
    return figures


# --------------------------------------------------------------------------- writing


def words(name: str, lang: str) -> str:
    """A scenario's, a policy's or a kind's name in words of `lang`, never its identifier."""
    from viz.i18n import scenario_words

    return scenario_words(name, lang)


def _environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(
        gettext=lambda text: gettext(text, lang),
        ngettext=lambda one, many, n: gettext(one if n == 1 else many, lang),
        newstyle=True,
    )
    # a scenario's, a policy's or a kind's name in words of the report's language
    env.filters["words"] = lambda name: words(name, lang)
    return env


def render_html(comparison: ComparisonResults, out_dir: Path, lang: str) -> str:
    """The report's HTML for a comparison read by `read_comparison`; figures go under `out_dir`."""
    numbers = Numbers(lang)
    figures = _figures(comparison, out_dir, lang)
    git = comparison.manifest.get("git", {})
    context = {
        "lang": lang,
        "today": date.today().isoformat(),
        "comparison": comparison,
        "years": format_number(
            comparison.months / 12, lang, 0 if comparison.months % 12 == 0 else 1
        ),
        "baseline_description": gettext(
            text_in(
                getattr(comparison.definitions.get(comparison.baseline), "description", ""), lang
            ),
            lang,
        ),
        "summary": _summary(comparison, lang, numbers),
        "levers": _levers(comparison, lang),
        "territory": _territory(comparison, lang),
        "results": _results(comparison, lang, numbers),
        "territory_households": format_number(comparison.territory_households, lang),
        "quintiles": _by_quintile(comparison, lang, numbers),
        "zones": _by_zone(comparison, lang, numbers),
        "costs": _costs(comparison, lang, numbers),
        "figures": figures,
        "assumptions": assumptions(lang),
        "trust": _trust(comparison, lang),
        "households": format_number(comparison.households, lang),
        "seeds": [str(seed) for seed in comparison.replication_seeds],
        "commit": (git.get("commit") or "")[:12],
        "versions": comparison.manifest.get("versions", {}),
        "written_at": comparison.manifest.get("written_at", ""),
    }
    return _environment(lang).get_template("report.html").render(context)


def write_report(
    compare_dir: str | Path, out_dir: str | Path | None = None, lang: str = "fr", pdf: bool = True
) -> tuple[Path, Path | None]:
    """Write the council report of a comparison: `report.<lang>.html` and, if asked,
    `report.<lang>.pdf` in `out_dir` (default: `report/` inside the comparison directory)."""
    lang = checked_language(lang)
    comparison = read_comparison(compare_dir)
    out = Path(out_dir) if out_dir is not None else Path(compare_dir) / "report"
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: exists and is not a directory")
    guarded_folder(out, out if out_dir is not None else compare_dir)
    html_path = guarded(out / f"report.{lang}.html")
    pdf_path = guarded(out / f"report.{lang}.pdf")
    guarded_folder(out / "figures", out)
    html_path.write_text(render_html(comparison, out, lang), encoding="utf-8")
    pdf_path = print_pdf(html_path, pdf_path) if pdf else None
    return html_path, pdf_path


def print_pdf(html_path: Path, pdf_path: Path, chromium: str = CHROMIUM) -> Path:
    """Print an HTML file to PDF with headless Chromium; a one-line `UserError` when it cannot."""
    if not Path(chromium).exists():
        raise UserError(
            f"no Chromium at {chromium} to print the PDF (apt-get install chromium), "
            "or ask for the HTML alone (--no-pdf)"
        )
    pdf_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="partage-chromium-") as profile:
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--virtual-time-budget=10000",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        try:
            subprocess.run(command, check=False, capture_output=True, timeout=PDF_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise UserError(
                f"{pdf_path}: Chromium did not print within {PDF_TIMEOUT_S} s"
            ) from None
    if not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        raise UserError(f"{pdf_path}: Chromium could not print the report")
    return pdf_path
