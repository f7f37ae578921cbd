"""A finished calibration shown in the page's language.

Rules:
- The page reads the tables `partage calibrate` writes (`manifest.json`'s design,
  `parameters.csv`, `fit.csv`, `reach.csv`), never `report.md`, whose prose is English: every
  word comes from the app's catalogue and every number is formatted for the language.
- Parameters are named by the schema's label, targets by the council report's words for them
  (`TARGET_WORDS`, which the council report shares) or else by their statistic and outcome in words, communes by name.
- A share is written in percent (`22,8 %`), a drift of a share in percentage points.
- The figures `partage calibrate` draws (`posterior.png`, `fit.png`, ...) carry English words:
  the page draws them again from the tables in its language (`viz.calibration_figures`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from . import i18n

N_ = str  # marks a text for the catalogue; translated where it is shown

STATISTICS = {
    "level": N_("level"),
    "drift": N_("drift with no policy"),
    "reduction_per_unit": N_("reduction per unit"),
}


TARGET_WORDS = {
    "car_free_drift": N_(
        "each commune's share of households without a car stays near the census "
        "over the first years (drift {observed} ± {sd})"
    ),
    "car_free_share": N_("share of households without a car: {observed} ± {sd} (census 2022)"),
    "carsharing_users": N_("car-sharing users per household: {observed} ± {sd} (Citiz, 2025)"),
    "cars_given_up_per_shared_car": N_(
        "cars given up per shared car: {observed} ± {sd} (6t / ADEME 2016)"
    ),
}


def significant_decimals(value: float, digits: int = 3) -> int:
    """The decimals that write `value` with `digits` significant digits (at most 6)."""
    return min(6, max(0, digits - 1 - math.floor(math.log10(abs(value)))))


def significant(value, lang: str, digits: int = 3) -> str:
    """A number with `digits` significant digits in the language's format (`1.388e-17` is 0)."""
    if value is None or isinstance(value, str):
        return str(value or "–")
    value = float(value)
    if not math.isfinite(value):
        return "–"
    if abs(value) < 1e-9:
        return i18n.format_number(0, lang)
    decimals = significant_decimals(value, digits)
    return i18n.format_number(round(value, decimals), lang, decimals, trailing_zeros=False)


def target_figure(value, outcome: str, statistic: str, lang: str) -> str:
    """A target's figure as its outcome reads: a share in percent (`22,8 %`), a drift of a share in
    percentage points (`-1,06 pts`), any other figure as a plain number."""
    from .communes import is_share

    if not outcome or not is_share(outcome) or statistic not in ("level", "drift"):
        return significant(value, lang)
    if value is None or not math.isfinite(float(value)):
        return "–"
    points = float(value) * 100
    if statistic == "drift":
        return f"{significant(points, lang)}\u00a0{i18n.gettext('pts', lang)}"
    if abs(points) < 1e-9:
        return i18n.format_percent(0, lang, 0)
    decimals = significant_decimals(points)
    return i18n.format_percent(round(points, decimals) / 100, lang, decimals, trailing_zeros=False)


def parameter_words(path: str, lang: str) -> str:
    """A calibrated parameter by its schema label (`behaviour.habit_bonus`: "Force of habit")."""
    from model.scenario import parameter_info

    from .catalogue import BASELINE, load_named

    try:
        label = parameter_info(load_named(BASELINE), path).get("label")
    except Exception:  # noqa: BLE001 - a path the schema does not know keeps its last word
        label = None
    return i18n.gettext(label or path.rpartition(".")[2].replace("_", " "), lang)


class CalibrationTables:
    """A calibration folder's tables and design."""

    def __init__(self, folder: Path):
        self.folder = folder
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.design = manifest.get("design", {})
        self.targets = {t["name"]: t for t in self.design.get("targets", [])}
        self.parameters = pd.read_csv(folder / "parameters.csv")
        self.fit = pd.read_csv(folder / "fit.csv", dtype={"zone": str})
        self.reach = pd.read_csv(folder / "reach.csv")
        self._zone_names: dict[str, str] | None = None
        self._territory = None

    def territory(self):
        """The calibrated scenario's territory, resolved (None for an unknown scenario)."""
        if self._territory is None:
            try:
                from .catalogue import load_named

                stem = Path(str(self.design.get("scenario", ""))).stem
                self._territory = load_named(stem).territory.resolved()
            except Exception:  # noqa: BLE001 - an unknown scenario has no territory to show
                self._territory = False
        return self._territory or None

    def zone_name(self, zone: str, lang: str) -> str:
        """A commune's name from the calibrated scenario's territory; a zone of a grid (`suburb`)
        by its words in `lang`."""
        if self._zone_names is None:
            territory = self.territory()
            names = getattr(territory, "names", None)
            self._zone_names = (
                dict(zip(territory.keys, names, strict=True)) if names is not None else {}
            )
        return self._zone_names.get(str(zone)) or i18n.gettext(str(zone), lang)

    def target_words(self, name: str, lang: str) -> str:
        """A target (`car_free_drift[33003]`) in words, with its commune's name."""
        from .outcomes import outcome_label

        base, _, zone = name.partition("[")
        zone = zone.rstrip("]")
        target = self.targets.get(base, {})
        statistic = i18n.gettext(STATISTICS.get(target.get("statistic", ""), "level"), lang)
        outcome = outcome_label(str(target.get("outcome", base)), lang)
        words = f"{outcome} ({statistic})"
        if base in TARGET_WORDS and not zone:
            words = TARGET_WORDS[base]
            figure = self.figure_words(base, lang)
            words = i18n.gettext(words, lang).format(
                observed=figure(target.get("observed")), sd=figure(target.get("sd"))
            )
        return f"{words} — {self.zone_name(zone, lang)}" if zone else words

    def verdict(self, lang: str) -> str:
        tr = lambda text: i18n.gettext(text, lang)  # noqa: E731
        first = self.parameters.iloc[0]
        waves = [
            i18n.format_percent(float(first[c]), lang)
            for c in self.parameters.columns
            if c.startswith("not_ruled_out_wave_")
        ]
        credible = str(first.get("credible")).lower() == "true"
        return tr(
            "Posterior {verdict}: {samples} effective samples; share of the prior box not "
            "ruled out after each wave: {waves}."
        ).format(
            verdict=tr("credible") if credible else tr("not credible"),
            samples=i18n.format_number(float(first["effective_samples"]), lang),
            waves=", ".join(waves) or "–",
        )

    def method(self, lang: str) -> str:
        from .language import scenario_title

        design, method = self.design, self.design.get("method", {})
        return i18n.gettext(
            "Scenario {scenario}, calibrated by Gaussian-process history matching in {waves} "
            "waves of {points} points, {replications} replications each of {households} "
            "households over {months} months (design seed {seed}), then the posterior sampled by "
            "MCMC on the emulators. The method and its limits: docs/calibration.md.",
            lang,
        ).format(
            scenario=scenario_title(Path(str(design.get("scenario", ""))).stem),
            waves=method.get("waves", "–"),
            points=method.get("points_per_wave", "–"),
            replications=design.get("replications", "–"),
            households=i18n.format_number(float(design.get("households") or 0), lang),
            months=design.get("months", "–"),
            seed=design.get("seed", "–"),
        )

    def figure_words(self, name: str, lang: str) -> Callable[[object], str]:
        """How the figures of a target (`car_free_drift[33003]`) are written: by its outcome."""
        target = self.targets.get(name.partition("[")[0], {})
        outcome, statistic = str(target.get("outcome", "")), str(target.get("statistic", ""))
        return lambda value: target_figure(value, outcome, statistic, lang)

    def parameter_rows(self, lang: str) -> list[tuple[str, ...]]:
        s = lambda value: significant(value, lang)  # noqa: E731
        return [
            (
                parameter_words(row["parameter"], lang),
                span(s, row, "prior_min", "prior_max"),
                span(s, row, "nroy_min", "nroy_max"),
                s(row["original"]),
                s(row["fitted"]),
                span(s, row, "low_95", "high_95"),
            )
            for _, row in self.parameters.iterrows()
        ]

    def target_rows(
        self, frame: pd.DataFrame, lang: str, cells: Callable[[pd.Series, Callable], tuple]
    ) -> list[tuple[str, ...]]:
        """One row per target of `frame`: its words, its observed figure ± sd, then `cells(row,
        figure)`, each figure written as the target's outcome reads."""
        rows = []
        for _, row in frame.iterrows():
            figure = self.figure_words(row["target"], lang)
            observed = f"{figure(row['observed'])} ± {figure(row['sd'])}"
            rows.append((self.target_words(row["target"], lang), observed, *cells(row, figure)))
        return rows

    def fit_rows(self, lang: str) -> list[tuple[str, ...]]:
        return self.target_rows(
            self.fit,
            lang,
            lambda row, figure: (
                f"{figure(row['original'])} ({span(figure, row, 'original_low', 'original_high')})",
                f"{figure(row['fitted'])} ({span(figure, row, 'fitted_low', 'fitted_high')})",
                i18n.format_number(round(float(row["fitted_z"]), 1) + 0.0, lang, 1),  # no "-0,0"
            ),
        )

    def reach_rows(self, lang: str) -> list[tuple[str, ...]]:
        return self.target_rows(
            self.reach,
            lang,
            lambda row, figure: (
                span(figure, row, "lowest", "highest"),
                i18n.gettext("yes" if str(row["reached"]).lower() == "true" else "no", lang),
            ),
        )


def span(figure: Callable[[object], str], row: pd.Series, low: str, high: str) -> str:
    """A range of a table's row (`0,2 – 1,6`), each end written by `figure`."""
    return f"{figure(row[low])} – {figure(row[high])}"
