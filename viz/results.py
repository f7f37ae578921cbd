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

from .catalogue import RESULTS_DIR
from .figures import indices_bars, sweep_scatter

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
    swept = [c for c in params.columns if pd.to_numeric(params[c], errors="coerce").nunique() > 1]
    table = pd.concat([runs[["run_id", "point_id", "replication", "scenario"]], params], axis=1)
    return table, outcomes, swept, kind


def horizon_table(directory: Path, runs: pd.DataFrame, name: str) -> pd.DataFrame:
    from experiments.store import StoreReader

    with StoreReader(directory) as reader:
        values = reader.horizon_values([name])
    return runs.merge(values[["run_id", name]], on="run_id")


def sensitivity(
    directory: Path, table: pd.DataFrame, name: str, swept: list[str]
) -> tuple[pd.DataFrame, str]:
    """Indices from the experiment's analysis, else rank correlations; with a note on which."""
    try:
        from experiments.sensitivity import analyse

        return analyse(directory, [name], resamples=200), ""
    except Exception as error:  # noqa: BLE001 - any failure falls back to correlations, with the reason shown
        note = f"No Sobol or Morris indices for this store ({str(error).splitlines()[0]}); "
    rows = []
    for column in swept:
        x = pd.to_numeric(table[column], errors="coerce")
        rho = x.rank().corr(table[name].rank()) if x.notna().sum() > 2 else np.nan
        rows.append({"outcome": name, "parameter": column, "mu_star": abs(rho), "spearman": rho})
    return pd.DataFrame(
        rows
    ), note + "bars show |Spearman rank correlation| with the outcome at the horizon."


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@solara.component
def Page():
    solara.Title("Partage — Results")
    names = store_names()
    solara.Markdown(f"## Experiment stores in `{results_dir().name}/`")
    if not names:
        solara.Info("No experiment store yet: run `partage sweep DESIGN.toml` to make one.")
        return
    name = store_name.value if store_name.value in names else names[0]
    directory = results_dir() / name
    solara.Select("Experiment", values=names, value=name, on_value=store_name.set)
    try:
        runs, outcomes, swept, kind = load_store(directory)
    except Exception as error:  # noqa: BLE001 - a broken store is reported, the app keeps working
        solara.Error(f"{name}: {error}")
        return
    solara.Text(f"{kind}: {len(runs)} finished runs, {len(swept)} swept parameters")
    if not swept or not outcomes:
        solara.Info("This store has no swept parameter or no outcome to plot.")
        return
    chosen_outcome = (
        outcome.value
        if outcome.value in outcomes
        else ("sharing_households.share" if "sharing_households.share" in outcomes else outcomes[0])
    )
    chosen_parameter = parameter.value if parameter.value in swept else swept[0]
    with solara.Row():
        solara.Select("Outcome", values=outcomes, value=chosen_outcome, on_value=outcome.set)
        solara.Select(
            "Swept parameter", values=swept, value=chosen_parameter, on_value=parameter.set
        )
    table = horizon_table(directory, runs, chosen_outcome)
    with solara.Columns([1, 1]):
        solara.Image(_png(sweep_scatter(table, chosen_parameter, chosen_outcome)), width="100%")
        indices, note = sensitivity(directory, table, chosen_outcome, swept)
        with solara.Column():
            if len(indices):
                solara.Image(_png(indices_bars(indices, chosen_outcome)), width="100%")
            if note:
                solara.Text(note, style="color: #555")
    solara.FileDownload(
        table.to_csv(index=False),
        filename=f"{name}-{chosen_outcome}.csv",
        label="Download these values (CSV)",
        mime_type="text/csv",
    )
