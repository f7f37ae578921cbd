"""A finished calibration drawn on the Policy design page, in the page's language: its verdict,
its tables (`viz.calibration`) and its figures (`viz.calibration_figures`)."""

from __future__ import annotations

import html
from pathlib import Path

import solara

from . import i18n
from .calibration import CalibrationTables
from .calibration_figures import CalibrationFigureView, CalibrationMaps
from .front import heading, inside, plain_table


def calibration_title(name: str) -> str:
    """A calibration folder's name in words (its underscores as spaces)."""
    return name.replace("_", " ").replace("-", " ")


def paragraph(text: str) -> None:
    solara.HTML(tag="p", unsafe_innerHTML=html.escape(text))


def calibration_report(folder: Path, lang: str) -> bool:
    """Draw the calibration of `folder` in `lang`; False when its tables cannot be read."""
    tr = lambda text: i18n.gettext(text, lang)  # noqa: E731
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
        heading(tr("Parameters"), 3)
        plain_table(
            parameters,
            (
                tr("parameter"),
                tr("prior range"),
                tr("not ruled out"),
                tr("before calibration"),
                tr("fitted (posterior median)"),
                tr("95% interval"),
            ),
            "calibration-parameters",
        )
        CalibrationFigureView(folder, lang, "parameters")
        heading(tr("Fit per target"), 3)
        paragraph(
            tr(
                "Before and after calibration: the mean over the check's replications and its "
                "95% interval; z is (mean − observed) / standard deviation."
            )
        )
        plain_table(
            fit,
            (tr("target"), tr("observed"), tr("before calibration"), tr("after calibration"), "z"),
            "calibration-fit",
        )
        CalibrationFigureView(folder, lang, "fit")
        CalibrationMaps(folder, lang)
        heading(tr("Can the model reach each target?"), 3)
        paragraph(
            tr(
                "The range of the target over every point simulated in the prior box, and whether "
                "it comes within two standard deviations of the observed figure."
            )
        )
        plain_table(
            reach,
            (tr("target"), tr("observed"), tr("range reached"), tr("reached")),
            "calibration-reach",
        )
        CalibrationFigureView(folder, lang, "correlation")
    return True
