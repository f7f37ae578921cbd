"""A finished calibration's figures, drawn from its tables in the page's language.

Rules:
- The figures are those `partage calibrate` draws (`experiments.calibration_report`): the
  parameters over their prior range, the fit per target before and after, the posterior
  correlations and each target by commune on the map; they are drawn again here from the
  calibration's tables (`parameters.csv`, `fit.csv`, `posterior.parquet`) so that every word
  comes from the app's catalogue and every number is in the language's format.
- Colours are Okabe & Ito's, told apart with every common colour-vision deficiency (the same as
  the command line's figures): before calibration orange and dashed, after calibration blue,
  the observed figure black; the ranges not ruled out are grey; correlations use the diverging
  `RdBu` scale.
- A target set commune by commune is shown on the app's map of the communes
  (`viz.communes.choropleth`: it zooms and pans, names communes on hover), hatched where its
  95 % interval after calibration holds the observed figure.
- The posterior's histograms and correlations need the posterior's draws (`posterior.parquet`);
  without them the parameters are drawn from their 95 % intervals and the correlations left out.
- A figure is a PNG with a text alternative in the page's language.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from . import i18n
from .calibration import CalibrationTables, parameter_words
from .commune_map import CommuneMap, CommuneOutlines
from .communes import choropleth
from .controls import PngImage
from .figures import plain_numbers, wrapped
from .front import heading, inside

BEFORE_COLOUR, AFTER_COLOUR, OBSERVED_COLOUR = "#E69F00", "#0072B2", "#000000"
NOT_RULED_OUT_COLOUR = "#e0e0e0"  # light grey
# On a phone a figure keeps this width, and scrolls sideways, rather than shrink its words
# below about 11 px (drawn at 110 dpi, a figure 6 inches wide is 660 px).
READABLE_PX = 540


@dataclass
class CalibrationFigure:
    """A drawn figure, its text alternative and its name."""

    figure: Figure
    alt: str
    name: str

    @cached_property
    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        return buffer.getvalue()


def posterior_draws(tables: CalibrationTables) -> pd.DataFrame | None:
    """The posterior's draws (their numeric columns), when the calibration folder holds them."""
    path = inside(tables.folder, "posterior.parquet")
    if path is None:
        return None
    try:
        draws = pd.read_parquet(path).select_dtypes("number")
    except (OSError, ValueError):
        return None
    return draws if len(draws.columns) and len(draws) > 1 else None


def parameters_figure(
    tables: CalibrationTables, lang: str, draws: pd.DataFrame | None
) -> CalibrationFigure:
    """One strip per parameter over its prior range: the range not ruled out, the posterior
    (its histogram, else its 95 % interval), the value before calibration and the fitted one."""
    tr = lambda text: i18n.gettext(text, lang)  # noqa: E731
    rows = list(tables.parameters.iterrows())
    figure = Figure(figsize=(6, 1.2 * len(rows) + 1.3), layout="constrained")
    axes = figure.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, (_, row) in zip(axes, rows, strict=True):
        name = str(row["parameter"])
        ax.axvspan(row["nroy_min"], row["nroy_max"], color=NOT_RULED_OUT_COLOUR)
        if draws is not None and name in draws:
            ax.hist(draws[name], bins=30, color=AFTER_COLOUR, alpha=0.8, density=True)
        else:
            ax.axvspan(row["low_95"], row["high_95"], ymin=0.3, ymax=0.7, color=AFTER_COLOUR)
        ax.axvline(row["original"], color=BEFORE_COLOUR, lw=2.5, ls="--")
        ax.axvline(row["fitted"], color=OBSERVED_COLOUR, lw=1.5)
        ax.set_xlim(row["prior_min"], row["prior_max"])
        ax.set_yticks([])
        ax.set_title(parameter_words(name, lang), fontsize=10, loc="left")
        plain_numbers(ax, lang, "x")
        ax.tick_params(labelsize=9)
    posterior = tr("posterior") if draws is not None else tr("posterior 95% interval")
    figure.legend(
        handles=[
            Patch(color=NOT_RULED_OUT_COLOUR, label=tr("not ruled out")),
            Patch(color=AFTER_COLOUR, label=posterior),
            _line(BEFORE_COLOUR, "--", tr("before calibration")),
            _line(OBSERVED_COLOUR, "-", tr("fitted (posterior median)")),
        ],
        loc="outside lower center",
        ncols=2,
        fontsize=9,
        frameon=False,
    )
    figure.suptitle(wrapped(tr("Calibrated parameters over their prior range"), 60), fontsize=11)
    return CalibrationFigure(
        figure,
        tr(
            "For each calibrated parameter, over its prior range: the range not ruled out in grey, "
            "the posterior in blue, the value before calibration dashed in orange and the fitted "
            "value in black."
        ),
        "parameters",
    )


def _line(colour: str, style: str, label: str):
    from matplotlib.lines import Line2D

    return Line2D([], [], color=colour, ls=style, lw=2, label=label)


def target_label(tables: CalibrationTables, name: str, lang: str) -> str:
    """A target's short name on a figure: its commune for a target by commune, else its outcome
    and statistic in words."""
    from .calibration import STATISTICS
    from .outcomes import outcome_label

    base, _, zone = name.partition("[")
    if zone:
        return tables.zone_name(zone.rstrip("]"), lang)
    target = tables.targets.get(base, {})
    statistic = i18n.gettext(STATISTICS.get(str(target.get("statistic", "")), "level"), lang)
    return wrapped(f"{outcome_label(str(target.get('outcome', base)), lang)} ({statistic})", 38)


def target_slots(targets: list[str]) -> tuple[list[int], list[tuple[int, str]]]:
    """The row of each target on the fit figure, counted from the top, and the rows left for the
    headers of each group of targets by commune (`car_free_drift[33003]`, ...) with their name."""
    slots, headers, group, slot = [], [], None, 0
    for name in targets:
        base, _, zone = name.partition("[")
        if zone and base != group:
            headers.append((slot, base))
            slot += 1
        group = base if zone else None
        slots.append(slot)
        slot += 1
    return slots, headers


def fit_figure(tables: CalibrationTables, lang: str) -> CalibrationFigure:
    """Each target before and after calibration, as (model − observed) / sd with its 95 % interval,
    against the band of two standard deviations around the observed figure."""
    from experiments.calibration_report import standardised_gaps  # its machinery, when drawn

    tr = lambda text: i18n.gettext(text, lang)  # noqa: E731
    fit = tables.fit
    slots, headers = target_slots(list(map(str, fit["target"])))
    figure = Figure(figsize=(6, 0.36 * (max(slots) + 1) + 1.8), layout="constrained")
    ax = figure.add_subplot()
    y = max(slots) - np.array(slots)
    ax.axvspan(-2, 2, color=NOT_RULED_OUT_COLOUR, label=tr("observed ± 2 standard deviations"))
    ax.axvline(0, color=OBSERVED_COLOUR, lw=1)
    for offset, column, colour, words in (
        (0.15, "original", BEFORE_COLOUR, tr("before calibration (95% interval)")),
        (-0.15, "fitted", AFTER_COLOUR, tr("after calibration (95% interval)")),
    ):
        centre, spread = standardised_gaps(fit, column)
        ax.errorbar(
            centre,
            y + offset,
            xerr=spread,
            fmt="o" if column == "fitted" else "s",
            color=colour,
            label=words,
            ms=4,
        )
    ax.set_yticks(y, [target_label(tables, str(t), lang) for t in fit["target"]], fontsize=8)
    for slot, base in headers:  # a group of targets by commune under its outcome's words
        ax.text(
            -0.02,
            max(slots) - slot,
            target_label(tables, base, lang),
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=8,
            fontweight="bold",
        )
    ax.set_ylim(-0.7, max(slots) + 0.7)  # the first group's header inside the frame
    ax.set_xlabel(tr("(model − observed) / standard deviation of the observation"))
    plain_numbers(ax, lang, "x")
    figure.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    ax.set_title(wrapped(tr("Fit per target, before and after calibration"), 60), fontsize=11)
    return CalibrationFigure(
        figure,
        tr(
            "For each target, the model's gap to the observed figure in standard deviations, before "
            "calibration in orange and after in blue, with their 95% intervals; the grey band is "
            "within two standard deviations."
        ),
        "fit",
    )


def correlation_figure(
    tables: CalibrationTables, lang: str, draws: pd.DataFrame
) -> CalibrationFigure:
    """The posterior's correlations between calibrated parameters, on a diverging scale."""
    tr = lambda text: i18n.gettext(text, lang)  # noqa: E731
    names = [p for p in tables.parameters["parameter"] if p in draws]
    correlation = draws[names].corr().to_numpy()
    labels = [wrapped(parameter_words(n, lang), 22) for n in names]
    figure = Figure(figsize=(1.0 * len(names) + 3.5, 0.85 * len(names) + 2.5), layout="constrained")
    ax = figure.add_subplot()
    image = ax.imshow(correlation, cmap="RdBu", vmin=-1, vmax=1)
    ax.set_xticks(range(len(names)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), labels, fontsize=8)
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(
                j,
                i,
                i18n.format_number(round(correlation[i, j], 2) + 0.0, lang, 2),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if abs(correlation[i, j]) > 0.6 else "black",
            )
    bar = figure.colorbar(image, ax=ax)
    bar.set_label(tr("posterior correlation"))
    plain_numbers(bar.ax, lang, "y")
    ax.set_title(wrapped(tr("Correlation between calibrated parameters"), 50), fontsize=11)
    return CalibrationFigure(
        figure,
        tr(
            "Posterior correlation between each pair of calibrated parameters, from −1 in red to +1 "
            "in blue."
        ),
        "correlation",
    )


@dataclass(frozen=True)
class CommuneTarget:
    """A target set commune by commune, after calibration, in the territory's zone order."""

    name: str
    outcome: str
    statistic: str
    fitted: np.ndarray
    holds_observed: np.ndarray  # the 95 % interval after calibration holds the observed figure

    def title(self, lang: str) -> str:
        from .calibration import STATISTICS
        from .outcomes import outcome_label

        tr = lambda text: i18n.gettext(text, lang)  # noqa: E731
        return tr("{outcome} ({statistic}) after calibration, by commune").format(
            outcome=outcome_label(self.outcome, lang),
            statistic=tr(STATISTICS.get(self.statistic, "level")),
        )


def commune_targets(tables: CalibrationTables, keys: list[str]) -> list[CommuneTarget]:
    """Each single-figure target set commune by commune, its figures in the order of `keys`."""
    fit = tables.fit.dropna(subset=["zone"])
    targets = []
    for name, target in tables.targets.items():
        rows = fit[fit["target"].str.startswith(f"{name}[")].set_index("zone")
        if rows.empty or target.get("series") is not None:
            continue
        column = lambda c, rows=rows: np.array(  # noqa: E731
            [rows[c].get(key, np.nan) for key in keys], dtype=float
        )
        observed = float(target.get("observed") or 0.0)
        targets.append(
            CommuneTarget(
                name,
                str(target.get("outcome", name)),
                str(target.get("statistic", "level")),
                column("fitted"),
                (column("fitted_low") <= observed) & (observed <= column("fitted_high")),
            )
        )
    return targets


@lru_cache(maxsize=8)  # drawing costs about a second; a page redraws often
def drawn_figures(folder: Path, stamp: float, lang: str) -> dict[str, CalibrationFigure]:
    """Every figure of the calibration in `folder` by name, in `lang` (`stamp`: when its tables
    last changed); a figure whose table cannot be read is left out (its table says so)."""
    try:
        tables = CalibrationTables(folder)
    except (OSError, ValueError, KeyError):
        return {}
    draws = posterior_draws(tables)
    drawings = [lambda: parameters_figure(tables, lang, draws), lambda: fit_figure(tables, lang)]
    if draws is not None:
        drawings.append(lambda: correlation_figure(tables, lang, draws))
    figures = {}
    for draw in drawings:
        try:
            figure = draw()
        except (ValueError, KeyError, TypeError, IndexError):
            continue
        figures[figure.name] = figure
    return figures


def calibration_figures(folder: Path, lang: str) -> dict[str, CalibrationFigure]:
    stamp = max(
        (p.stat().st_mtime for p in folder.iterdir() if p.suffix in (".csv", ".parquet", ".json")),
        default=0.0,
    )
    return drawn_figures(folder, stamp, lang)


@solara.component
def CalibrationFigureView(folder: Path, lang: str, name: str):
    """The calibration's figure `name`, if it has one."""
    figure = calibration_figures(folder, lang).get(name)
    if figure is not None:
        with solara.Div():  # a block keeps the image at its own size (a column would stretch it)
            PngImage(
                figure.png,
                figure.alt,
                test_id=f"calibration-figure-{name}",
                readable_px=READABLE_PX,
            )


@solara.component
def CalibrationMaps(folder: Path, lang: str):
    """Each target set commune by commune on the map of the communes; nothing on a grid."""

    def targets():
        territory = CalibrationTables(folder).territory()
        if territory is None or not hasattr(territory, "projected"):
            return None, []
        outlines = CommuneOutlines.of(territory)
        return outlines, commune_targets(CalibrationTables(folder), list(outlines.keys))

    tr = lambda text: i18n.gettext(text, lang)  # noqa: E731
    outlines, shown = solara.use_memo(targets, [str(folder)])
    for target in shown:
        title = target.title(lang)
        heading(title, 4)
        solara.Text(
            tr(
                "Hatched communes: the 95% interval after calibration holds the observed figure. "
                "Zoom with the wheel or the buttons, drag to move."
            ),
            classes=["partage-caption"],
        )
        CommuneMap(
            choropleth(
                outlines,
                target.fitted,
                target.outcome,
                diverging=target.statistic == "drift",
                unsettled=target.holds_observed,
            ),
            outlines.keys,
            test_id="calibration-map",
            label=title,
        )
