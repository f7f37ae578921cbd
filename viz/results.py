"""Results: open an experiment store from `results/`, plot an outcome against a swept parameter.

Stores are opened read-only (a sweep may still be writing). Sensitivity
indices come from the experiment's own analysis (Sobol or Morris designs);
for other designs the page shows Spearman rank correlations instead, and says
so.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import solara

from . import catalogue
from .catalogue import RESULTS_DIR
from .controls import ChoiceSelect, PngImage, escaped
from .downloads import planner_csv
from .figures import indices_bars, sweep_scatter
from .language import current as current_language
from .language import number, scenario_title, tr
from .outcomes import outcome_label

SCENARIO = "scenario"  # the runs' column naming their scenario, shown as a varied parameter
store_name = solara.reactive("")
outcome = solara.reactive("")
parameter = solara.reactive("")


def results_dir() -> Path:
    return Path(os.environ.get("PARTAGE_RESULTS_DIR", RESULTS_DIR))


def store_names(directory: Path | None = None) -> list[str]:
    """Folders of the results directory that hold an experiment database."""
    directory = directory or results_dir()
    if not directory.is_dir():
        return []
    return sorted(p.parent.name for p in directory.glob("*/experiment.duckdb"))


def load_store(directory: Path) -> tuple[pd.DataFrame, list[str], list[str], str]:
    """Runs with their parameters, outcomes, swept parameters and the experiment's kind."""
    from experiments.store import StoreReader

    with StoreReader(directory) as reader:
        runs = reader.runs()
        outcomes = reader.outcomes()
        kind = reader.kind
    runs = runs[runs["status"] == "done"].reset_index(drop=True)
    params = pd.DataFrame(
        [json.loads(p) if isinstance(p, str) else (p or {}) for p in runs["params"]]
    )
    swept = [c for c in params.columns if params[c].astype(str).nunique() > 1]
    if runs["scenario"].nunique() > 1:  # a comparison: what varies is the scenario
        swept = [SCENARIO, *swept]
    table = pd.concat([runs[["run_id", "point_id", "replication", "scenario"]], params], axis=1)
    return table, outcomes, swept, kind


def horizon_table(directory: Path, runs: pd.DataFrame, name: str) -> tuple[pd.DataFrame, object]:
    """Each run's `name` at the horizon, for the territory the experiment simulated
    (`experiments.territory_figures`), and that territory (None when the store does not name it:
    the figures are then the simulated households')."""
    from experiments.store import StoreReader
    from experiments.territory_figures import for_territory, territory_of_design

    with StoreReader(directory) as reader:
        values = reader.horizon_values([name])
        design = reader.design or {}
        territory = territory_of_design(design)
    table = runs.merge(values[["run_id", name]], on="run_id")
    if territory is not None and name in table:
        frame = pd.DataFrame(
            {
                "scenario": table["scenario"],
                "month": int(design.get("months") or 0),
                name: table[name],
            }
        )
        table[name] = for_territory(frame, territory)[name].to_numpy()
    return table, territory


def is_categorical(values: pd.Series) -> bool:
    """A parameter with named values (e.g. `network.kind`) rather than numbers."""
    return pd.to_numeric(values, errors="coerce").isna().any()


def correlation_ratio(categories: pd.Series, outcome: pd.Series) -> float:
    """η: the share of the outcome's spread explained by the category (square root), 0 to 1."""
    frame = pd.DataFrame(
        {"c": categories.astype(str), "y": pd.to_numeric(outcome, errors="coerce")}
    )
    frame = frame.dropna()
    total = ((frame["y"] - frame["y"].mean()) ** 2).sum()
    if total == 0 or frame["c"].nunique() < 2:
        return float("nan")
    means = frame.groupby("c")["y"].transform("mean")
    return float(np.sqrt(((means - frame["y"].mean()) ** 2).sum() / total))


def sensitivity(
    directory: Path, table: pd.DataFrame, name: str, swept: list[str]
) -> tuple[pd.DataFrame, str]:
    """Indices from the experiment's analysis (Sobol or Morris designs), else rank correlations
    (a correlation ratio for a parameter with named values); with a note saying which."""
    from experiments.store import StoreReader

    with StoreReader(directory) as reader:
        method = ((reader.design or {}).get("sampler") or {}).get("method", "")
    if method in ("sobol", "morris"):
        try:
            from experiments.sensitivity import analyse

            return analyse(directory, [name], resamples=200), ""
        except Exception:  # noqa: BLE001 - an unfinished analysis falls back to correlations, said in the note
            pass
    note = tr(
        "This experiment has no Sobol or Morris indices: bars show the strength of the link "
        "between each parameter and the outcome at the horizon (|Spearman rank correlation|; "
        "for a parameter with named values, the correlation ratio η)."
    )
    rows = []
    for column in swept:
        if is_categorical(table[column]):
            strength = correlation_ratio(table[column], table[name])
            rows.append({"outcome": name, "parameter": column, "spearman": strength})
            continue
        x = pd.to_numeric(table[column], errors="coerce")
        rho = x.rank().corr(table[name].rank()) if x.notna().sum() > 2 else np.nan
        rows.append({"outcome": name, "parameter": column, "spearman": rho})
    return pd.DataFrame(rows), note


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def parameter_label(path: str) -> str:
    """The schema's words for a swept parameter (never its dotted path)."""
    if path == SCENARIO:
        return tr("Scenario")
    try:
        lever = catalogue._lever(catalogue.load_named(catalogue.BASELINE), path, "")
    except Exception:  # noqa: BLE001 - a path the baseline does not have keeps its own name
        lever = None
    words = (
        tr(lever.label)
        if lever is not None and lever.title
        else path.split(".")[-1].replace("_", " ")
    )
    return words


@solara.component
def Page():
    solara.Title(tr("Results"))
    lang = current_language()
    solara.HTML(tag="h2", unsafe_innerHTML=escaped(tr("Experiments")))
    names = store_names()
    if not names:
        solara.Info(tr("No experiment yet: run “partage sweep DESIGN.toml” to make one."))
        return
    name = store_name.value if store_name.value in names else names[0]
    directory = results_dir() / name
    ChoiceSelect(tr("Experiment"), [(n, n.replace("_", " ")) for n in names], name, store_name.set)
    try:
        runs, outcomes, swept, kind = load_store(directory)
    except Exception:  # noqa: BLE001 - a broken store is reported in one line, the app keeps working
        solara.Error(
            tr(
                "{name}: this experiment's results cannot be read (unfinished or damaged store)."
            ).format(name=name)
        )
        return
    solara.Text(
        tr("{kind}: {runs} finished runs, {swept} swept parameters").format(
            kind=tr(kind), runs=number(len(runs)), swept=number(len(swept))
        )
    )
    if not swept or not outcomes:
        solara.Info(tr("This experiment has no swept parameter or no outcome to plot."))
        return
    chosen_outcome = (
        outcome.value
        if outcome.value in outcomes
        else ("sharing_households.share" if "sharing_households.share" in outcomes else outcomes[0])
    )
    chosen_parameter = parameter.value if parameter.value in swept else swept[0]
    with solara.Row(style={"flex-wrap": "wrap"}):
        ChoiceSelect(
            tr("Outcome (type to search)"),
            sorted(((o, outcome_label(o, lang)) for o in outcomes), key=lambda pair: pair[1]),
            chosen_outcome,
            outcome.set,
            search=True,
            test_id="outcome-select",
        )
        ChoiceSelect(
            tr("Swept parameter"),
            [(p, parameter_label(p)) for p in swept],
            chosen_parameter,
            parameter.set,
            test_id="parameter-select",
        )
    table, territory = horizon_table(directory, runs, chosen_outcome)
    solara.Text(
        tr("Figures for the territory ({households} households)").format(
            households=number(territory.households)
        )
        if territory is not None
        else tr(
            "Figures of the households simulated: this experiment does not name its territory."
        ),
        classes=["results-territory"],
        style="display: block; color: #595959",
    )
    table[SCENARIO] = table[SCENARIO].map(scenario_title)
    outcome_words = outcome_label(chosen_outcome, lang)
    # a comparison's one varied thing is its scenario: no ranking of what moves the outcome
    indices, note = (
        sensitivity(directory, table, chosen_outcome, swept)
        if swept != [SCENARIO]
        else (pd.DataFrame(), "")
    )
    labels = {p: parameter_label(p) for p in swept}
    with solara.Div(classes=["partage-charts"]):
        with solara.Div(classes=["partage-chart"]):
            PngImage(
                _png(
                    sweep_scatter(
                        table,
                        chosen_parameter,
                        chosen_outcome,
                        labels[chosen_parameter],
                        outcome_words,
                        lang,
                    )
                ),
                tr("{outcome} at the horizon against {parameter}, one dot per run").format(
                    outcome=outcome_words, parameter=labels[chosen_parameter]
                ),
                test_id="sweep-scatter",
            )
        with solara.Div(classes=["partage-chart"]):
            if len(indices):
                PngImage(
                    _png(indices_bars(indices, chosen_outcome, outcome_words, labels, lang)),
                    tr("Bars: how strongly each parameter moves {outcome}, strongest first").format(
                        outcome=outcome_words
                    ),
                    test_id="indices-bars",
                )
            if note:
                solara.Text(note, style="color: #595959")
    solara.FileDownload(
        planner_csv(table, lang),
        filename=f"{name}-{chosen_outcome}.csv",
        label=tr("Download these values (CSV)"),
        mime_type="text/csv",
    )
    solara.Style(
        ".partage-charts { display: flex; flex-wrap: wrap; gap: 8px; } "
        ".partage-chart { flex: 1 1 340px; min-width: 0; max-width: 100%; }"
    )
