"""A finished calibration shown in the page's language.

Rules:
- The page reads the tables `partage calibrate` writes (`manifest.json`'s design,
  `parameters.csv`, `fit.csv`, `reach.csv`), never `report.md`, whose prose is English: every
  word comes from the app's catalogue and every number is formatted for the language.
- Parameters are named by the schema's label, targets by the council report's words for them
  (`viz.report.TARGET_WORDS`) or else by their statistic and outcome in words, communes by name.
- The figures `partage calibrate` draws (`posterior.png`, `fit.png`, ...) carry English words:
  they are shown on the English page only; the tables beside them hold the same figures.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import pandas as pd
import solara

from . import i18n
from .front import heading, inside, plain_table

N_ = str  # marks a text for the catalogue; translated where it is shown

STATISTICS = {
    "level": N_("level"),
    "drift": N_("drift with no policy"),
    "reduction_per_unit": N_("reduction per unit"),
}


def significant(value, lang: str, digits: int = 3) -> str:
    """A number with `digits` significant digits in the language's format (`1.388e-17` is 0)."""
    if value is None or isinstance(value, str):
        return str(value or "–")
    value = float(value)
    if not math.isfinite(value):
        return "–"
    if abs(value) < 1e-9:
        return i18n.format_number(0, lang)
    decimals = min(6, max(0, digits - 1 - math.floor(math.log10(abs(value)))))
    return i18n.format_number(round(value, decimals), lang, decimals, trailing_zeros=False)


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

    def zone_name(self, zone: str) -> str:
        """A commune's name from the calibrated scenario's territory (its code if it has none)."""
        if self._zone_names is None:
            self._zone_names = {}
            try:
                from .catalogue import load_named

                stem = Path(str(self.design.get("scenario", ""))).stem
                resolved = load_named(stem).territory.resolved()
                self._zone_names = dict(zip(resolved.keys, resolved.names, strict=True))
            except Exception:  # noqa: BLE001 - a grid or an unknown scenario has no names
                pass
        return self._zone_names.get(str(zone), str(zone))

    def target_words(self, name: str, lang: str) -> str:
        """A target (`car_free_drift[33003]`) in words, with its commune's name."""
        from .outcomes import outcome_label
        from .report import TARGET_WORDS

        base, _, zone = name.partition("[")
        zone = zone.rstrip("]")
        target = self.targets.get(base, {})
        statistic = i18n.gettext(STATISTICS.get(target.get("statistic", ""), "level"), lang)
        outcome = outcome_label(str(target.get("outcome", base)), lang)
        words = f"{outcome} ({statistic})"
        if base in TARGET_WORDS and not zone:
            words = TARGET_WORDS[base]
            observed, sd = target.get("observed"), target.get("sd")
            words = i18n.gettext(words, lang).format(
                observed=significant(observed, lang), sd=significant(sd, lang)
            )
        return f"{words} — {self.zone_name(zone)}" if zone else words

    def verdict(self, lang: str) -> str:
        t = lambda text: i18n.gettext(text, lang)  # noqa: E731
        first = self.parameters.iloc[0]
        waves = [
            i18n.format_percent(float(first[c]), lang)
            for c in self.parameters.columns
            if c.startswith("not_ruled_out_wave_")
        ]
        credible = str(first.get("credible")).lower() == "true"
        return t(
            "Posterior {verdict}: {samples} effective samples; share of the prior box not "
            "ruled out after each wave: {waves}."
        ).format(
            verdict=t("credible") if credible else t("not credible"),
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

    def parameter_rows(self, lang: str) -> list[tuple[str, ...]]:
        s = lambda value: significant(value, lang)  # noqa: E731
        return [
            (
                parameter_words(row["parameter"], lang),
                f"{s(row['prior_min'])} – {s(row['prior_max'])}",
                f"{s(row['nroy_min'])} – {s(row['nroy_max'])}",
                s(row["original"]),
                s(row["fitted"]),
                f"{s(row['low_95'])} – {s(row['high_95'])}",
            )
            for _, row in self.parameters.iterrows()
        ]

    def fit_rows(self, lang: str) -> list[tuple[str, ...]]:
        s = lambda value: significant(value, lang)  # noqa: E731
        return [
            (
                self.target_words(row["target"], lang),
                f"{s(row['observed'])} ± {s(row['sd'])}",
                f"{s(row['original'])} ({s(row['original_low'])} – {s(row['original_high'])})",
                f"{s(row['fitted'])} ({s(row['fitted_low'])} – {s(row['fitted_high'])})",
                i18n.format_number(round(float(row["fitted_z"]), 1) + 0.0, lang, 1),  # no "-0,0"
            )
            for _, row in self.fit.iterrows()
        ]

    def reach_rows(self, lang: str) -> list[tuple[str, ...]]:
        s = lambda value: significant(value, lang)  # noqa: E731
        return [
            (
                self.target_words(row["target"], lang),
                f"{s(row['observed'])} ± {s(row['sd'])}",
                f"{s(row['lowest'])} – {s(row['highest'])}",
                i18n.gettext("yes" if str(row["reached"]).lower() == "true" else "no", lang),
            )
            for _, row in self.reach.iterrows()
        ]


def calibration_title(name: str) -> str:
    """A calibration folder's name in words (its underscores as spaces)."""
    return name.replace("_", " ").replace("-", " ")


def paragraph(text: str) -> None:
    solara.HTML(tag="p", unsafe_innerHTML=html.escape(text))


def calibration_report(folder: Path, lang: str) -> bool:
    """Draw the calibration of `folder` in `lang`; False when its tables cannot be read."""
    t = lambda text: i18n.gettext(text, lang)  # noqa: E731
    if not all(
        inside(folder, f) for f in ("manifest.json", "parameters.csv", "fit.csv", "reach.csv")
    ):
        return False
    try:
        tables = CalibrationTables(folder)
        parts = (
            tables.verdict(lang),
            tables.method(lang),
            tables.parameter_rows(lang),
            tables.fit_rows(lang),
            tables.reach_rows(lang),
        )
    except (OSError, ValueError, KeyError, IndexError):
        return False
    verdict, method, parameters, fit, reach = parts
    with solara.Column(classes=["calibration-report"]):
        solara.HTML(tag="p", unsafe_innerHTML=f"<strong>{html.escape(verdict)}</strong>")
        paragraph(method)
        heading(t("Parameters"), 3)
        plain_table(
            parameters,
            (
                t("parameter"),
                t("prior range"),
                t("not ruled out"),
                t("before calibration"),
                t("fitted (posterior median)"),
                t("95% interval"),
            ),
            "calibration-parameters",
        )
        heading(t("Fit per target"), 3)
        paragraph(
            t(
                "Before and after calibration: the mean over the check's replications and its "
                "95% interval; z is (mean − observed) / standard deviation."
            )
        )
        plain_table(
            fit,
            (t("target"), t("observed"), t("before calibration"), t("after calibration"), "z"),
            "calibration-fit",
        )
        heading(t("Can the model reach each target?"), 3)
        paragraph(
            t(
                "The range of the target over every point simulated in the prior box, and whether "
                "it comes within two standard deviations of the observed figure."
            )
        )
        plain_table(
            reach,
            (t("target"), t("observed"), t("range reached"), t("reached")),
            "calibration-reach",
        )
    return True
