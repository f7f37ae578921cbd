"""Policy design page: a finished optimisation's Pareto front, and a finished calibration's report.

Rules:
- Folders are read from the results directory (`PARTAGE_RESULTS_DIR`, else
  `results/`): an optimisation is a folder whose `manifest.json` says
  `kind = "optimise"` and that holds `front.csv` (what `partage optimise`
  writes); a calibration is a folder holding `report.md` whose manifest kind
  or name says calibration (what `partage calibrate` writes).
- Clicking the front picks the nearest point: its package, levers and impacts
  with their intervals, and buttons that open its scenario file in Explore or
  compare it with the baseline through the comparison engine.
- A calibration is shown from its tables in the page's language (`viz.calibration`).
- Everything read from a folder is data: text is escaped, never rendered as
  HTML; tables and scenario files are read only from inside their folder.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import solara
import solara.lab

from . import i18n
from .calibration_page import calibration_report, calibration_title
from .catalogue import BASELINE, RESULTS_DIR
from .clickable import ClickableSvg
from .front import (
    Front,
    heading,
    impact_label,
    inside,
    lever_words,
    open_in_compare,
    open_in_explore,
    package_words,
    plain_table,
    problem,
    value_words,
)
from .language import current as current_language
from .search import SearchLauncher, finished_search

COMPARE_REPLICATIONS = 4
COMPARE_HOUSEHOLDS = 1000

chosen_optimisation = solara.reactive("")
picked_rank = solara.reactive(1)
chosen_calibration = solara.reactive("")


def results_dir() -> Path:
    return Path(os.environ.get("PARTAGE_RESULTS_DIR", RESULTS_DIR))


def page_language() -> str:
    """The session's language: the switch's, the address's (`?lang=en`), else the browser's."""
    return current_language()


def _manifest_kind(folder: Path) -> str:
    try:
        return str(
            json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("kind", "")
        )
    except (OSError, ValueError, AttributeError):
        return ""


def folders_inside(directory: Path) -> list[Path]:
    """The folders of `directory`, less the links that point outside it (a link in `results/` must not
    show a folder from elsewhere on the server)."""
    if not directory.is_dir():
        return []
    root = directory.resolve()
    return [p for p in directory.iterdir() if p.is_dir() and p.resolve().is_relative_to(root)]


def optimisation_folders(directory: Path | None = None) -> list[str]:
    directory = directory or results_dir()
    return sorted(
        p.name
        for p in folders_inside(directory)
        if inside(p, "front.csv") and inside(p, "manifest.json") and _manifest_kind(p) == "optimise"
    )


def calibration_folders(directory: Path | None = None) -> list[str]:
    directory = directory or results_dir()
    return sorted(
        p.name
        for p in folders_inside(directory)
        if inside(p, "report.md")
        and ("calib" in _manifest_kind(p).lower() or "calib" in p.name.lower())
    )


# --------------------------------------------------------------------------- optimisation


def _cell(value, lang: str = "en") -> str:
    """A table cell: numbers in the language's format (4 significant digits below 10 000)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        if abs(value) >= 1e4 or value == 0:
            return i18n.format_number(value, lang)
        digits = max(0, 3 - math.floor(math.log10(abs(value))))
        return i18n.format_number(value, lang, digits)
    return str(value)


@solara.lab.task(prefer_threaded=True)
def compare_task(text: str, name: str):
    from experiments.compare import compare_scenarios

    from .catalogue import load_named, scenario_from_text

    scenario = scenario_from_text(text, name)
    comparison = compare_scenarios(
        load_named(BASELINE),
        {name: scenario},
        replications=COMPARE_REPLICATIONS,
        households=COMPARE_HOUSEHOLDS,
        months=scenario.months,
        on_progress=lambda done, total: setattr(compare_task, "progress", 100.0 * done / total),
        cancelled=lambda: not compare_task.is_current(),
    )
    return comparison.impacts()


@solara.component
def OptimisationView(lang: str):
    t = lambda text: i18n.gettext(text, lang)  # noqa: E731
    router = solara.use_router()
    finished = finished_search.value

    def show_finished():
        if finished:
            chosen_optimisation.set(finished)  # a search finished on the page is shown

    solara.use_effect(show_finished, [finished])
    wanted = chosen_optimisation.value
    names = optimisation_folders()
    heading(t("Pareto front of an optimisation"))
    if not names:
        solara.Info(t("No finished optimisation yet: run `partage optimise DESIGN.toml`."))
        return
    name = wanted if wanted in names else names[0]
    solara.Select(t("Optimisation"), values=names, value=name, on_value=chosen_optimisation.set)
    try:
        front = Front(results_dir() / name)
    except (OSError, ValueError, KeyError) as error:
        solara.Error(f"{name}: {error}")
        return
    if front.front.empty:
        solara.Info(t("No package met the budget in this optimisation."))
        return
    picked = (
        picked_rank.value
        if picked_rank.value in set(front.front["rank"])
        else int(front.front["rank"].iloc[0])
    )
    row = front.row(picked)
    with solara.Columns([6, 5]):
        with solara.Column():
            ClickableSvg(
                front.svg(picked, lang),
                on_pick=lambda fx, fy: picked_rank.set(front.nearest_rank(fx, fy)),
                test_id="pareto-front",
            )
            solara.Text(
                t("Click a square to see that package."), style="font-size: 0.85em; color: #555"
            )
        with solara.Column():
            heading(f"{t('Package')} {picked}", 3)
            solara.Text(package_words(row, front.levers, lang), classes=["optimise-package"])
            plain_table(
                [
                    (lever_words(lever, lang), value_words(row[lever], lang))
                    for lever in front.levers
                ],
                (t("lever"), t("value")),
                "front-levers",
            )
            impacts = []
            for impact in front.impacts():
                better = row.get(f"{impact} better share")
                impacts.append(
                    (
                        impact_label(impact, lang),
                        _cell(row[impact], lang),
                        f"{_cell(row[f'{impact} low'], lang)} – {_cell(row[f'{impact} high'], lang)}",
                        ""
                        if better is None or (isinstance(better, float) and math.isnan(better))
                        else i18n.format_percent(float(better), lang, 0),
                    )
                )
            plain_table(
                impacts,
                (
                    t("impact"),
                    t("mean"),
                    t("95 % interval"),
                    t("replications better than baseline"),
                ),
                "front-impacts",
            )
            if "within budget share" in row:
                solara.Text(
                    f"{t('Replications within the budget')}: "
                    f"{i18n.format_percent(float(row['within budget share']), lang, 0)}"
                )
            text = front.scenario_text(picked)
            if text is None:
                solara.Warning(t("The scenario file of this point is missing."))
                return
            scenario_name = Path(str(row["scenario file"])).stem
            with solara.Row(style={"flex-wrap": "wrap"}):
                solara.Button(
                    t("Open in Explore"),
                    color="primary",
                    on_click=lambda: open_in_explore(text, scenario_name, router),
                )
                solara.Button(
                    t("Open in Compare"),
                    on_click=lambda: open_in_compare(text, scenario_name, router),
                )
                solara.Button(
                    t("Compare with the baseline"),
                    on_click=lambda: compare_task(text, scenario_name),
                    disabled=compare_task.pending,
                )
                solara.FileDownload(
                    text, filename=f"{scenario_name}.toml", label=t("Download the scenario")
                )
            if problem.value:
                solara.Error(problem.value)
    if compare_task.pending:
        solara.ProgressLinear(value=compare_task.progress or 0.0)
    elif compare_task.finished and compare_task.value is not None:
        table = compare_task.value
        heading(
            f"{t('Compared with the baseline')} ({COMPARE_REPLICATIONS} "
            f"{t('paired replications')}, {COMPARE_HOUSEHOLDS} {t('households')})",
            3,
        )
        plain_table(
            [tuple(_cell(v, lang) for v in r) for r in table.itertuples(index=False)],
            tuple(map(str, table.columns)),
            "front-compare",
        )
    elif compare_task.error:
        solara.Error(str(compare_task.exception))


# --------------------------------------------------------------------------- calibration


@solara.component
def CalibrationView(lang: str):
    t = lambda text: i18n.gettext(text, lang)  # noqa: E731
    router = solara.use_router()
    names = calibration_folders()
    heading(t("Calibration report"))
    if not names:
        solara.Info(t("No finished calibration yet: run `partage calibrate DESIGN.toml`."))
        return
    name = chosen_calibration.value if chosen_calibration.value in names else names[0]
    titles = {calibration_title(n): n for n in names}
    solara.Select(
        t("Calibration"),
        values=list(titles),
        value=calibration_title(name),
        on_value=lambda title: chosen_calibration.set(titles.get(title, name)),
    )
    folder = results_dir() / name
    if not calibration_report(folder, lang):
        solara.Error(t("This calibration's tables cannot be read: run `partage calibrate` again."))
        return
    for scenario in [inside(folder, p.name) for p in sorted(folder.glob("*.toml"))]:
        if scenario is None:
            continue
        body = scenario.read_text(encoding="utf-8", errors="replace")
        with solara.Row():
            solara.Text(f"{t('Fitted scenario')}: {scenario.name}")
            solara.Button(
                t("Open the fitted scenario in Explore"),
                on_click=lambda body=body, stem=scenario.stem: open_in_explore(body, stem, router),
            )


@solara.component
def Page():
    lang = page_language()
    solara.Title("Partage — " + i18n.gettext("Policy design", lang))
    with solara.Column(classes=["policy-design"]):
        SearchLauncher(lang, results_dir())
        OptimisationView(lang)
        CalibrationView(lang)
