"""Compare page: the baseline against chosen scenarios, replicated in the background with progress.

The runs and the statistics are the comparison engine (`experiments.compare`),
the same as `partage compare`: the same seed gives the same figures. Curves
show the mean and the 5–95 % band over replications; the table gives the
impacts at the horizon with 95 % intervals; both download as CSV.
"""

from __future__ import annotations

import solara
import solara.lab

from experiments.compare import compare_scenarios
from model.scenario import ScenarioError

from . import catalogue
from .catalogue import BASELINE, MAX_HOUSEHOLDS
from .figures import SCENARIO_COLOURS
from .svg import Line, line_chart

MAX_REPLICATIONS = 50
BAND_OUTCOMES = (
    ("sharing_households.share", "Households sharing at least one good (share)"),
    ("goods.stock_total", "Goods owned"),
    ("emissions.cumulative_t", "Embodied t CO2e of goods in use so far"),
    ("public.cumulative_spend_eur", "Public spend so far (EUR)"),
    ("trust.mean", "Mean trust in sharing"),
    ("spending.mean_eur", "Mean household spending on these goods (EUR/month)"),
)

chosen = solara.reactive(["tool_library"])
replications = solara.reactive(4)
households = solara.reactive(2000)
months = solara.reactive(0)  # 0: the baseline's horizon, as its scenario file declares it
seed = solara.reactive(-1)  # -1: the baseline's seed, as its scenario file declares it
problem = solara.reactive("")


@solara.lab.task(prefer_threaded=True)
def compare_task(names: list[str], runs: int, size: int, horizon: int, first_seed: int):
    scenarios = {name: catalogue.load_named(name) for name in names}

    def progress(done: int, total: int) -> None:
        compare_task.progress = 100.0 * done / total

    compare_task.progress = 0.0
    comparison = compare_scenarios(
        catalogue.load_named(BASELINE),
        scenarios,
        replications=runs,
        seed=first_seed,
        households=size,
        months=horizon,
        on_progress=progress,
        cancelled=lambda: not compare_task.is_current(),
    )
    return comparison, comparison.impacts()


def start() -> None:
    try:
        for name in chosen.value:
            catalogue.load_named(name)
    except ScenarioError as error:
        problem.value = str(error)
        return
    problem.value = ""
    compare_task(list(chosen.value), *settings())


def settings() -> tuple[int, int, int, int]:
    """Replications, households, months and seed of the next comparison, within the page's limits;
    months and seed are the baseline's unless the user set them."""
    baseline = catalogue.load_named(BASELINE)
    return (
        max(1, min(replications.value, MAX_REPLICATIONS)),
        max(10, min(households.value, MAX_HOUSEHOLDS)),
        months.value if months.value > 0 else baseline.months,
        seed.value if seed.value >= 0 else baseline.seed,
    )


def _chart_lines(table, outcome: str, colours: dict[str, str]) -> list[Line]:
    out = []
    for name, part in table[table["outcome"] == outcome].groupby("scenario", sort=False):
        out.append(
            Line(
                name,
                colours[name],
                part["month"].to_numpy(),
                part["mean"].to_numpy(),
                low=part["low"].to_numpy(),
                high=part["high"].to_numpy(),
            )
        )
    return out


def _format(value: float) -> str:
    if value != value:  # NaN
        return "–"
    return f"{value:,.1f}".replace(",", " ") if abs(value) < 1e6 else f"{value:.3g}"


@solara.component
def Page():
    solara.Title("Partage — Compare")
    others = [name for name in catalogue.scenario_names() if name != BASELINE]
    with solara.Sidebar():
        solara.Markdown("**Compare with the baseline**")
        solara.SelectMultiple(
            "Scenarios", values=chosen.value, all_values=others, on_value=chosen.set
        )
        solara.InputInt(f"Replications (at most {MAX_REPLICATIONS})", value=replications)
        solara.InputInt(f"Households (at most {MAX_HOUSEHOLDS})", value=households)
        _, _, shown_months, shown_seed = settings()
        solara.InputInt("Months", value=shown_months, on_value=months.set)
        solara.InputInt("Seed", value=shown_seed, on_value=seed.set)
        with solara.Row():
            solara.Button(
                "Run comparison", on_click=start, color="primary", disabled=compare_task.pending
            )
            if compare_task.pending:
                solara.Button("Cancel", on_click=compare_task.cancel)
    solara.Markdown("## Baseline and scenarios side by side")
    if problem.value:
        solara.Error(problem.value)
    if compare_task.pending:
        done = compare_task.progress or 0.0
        solara.Text(f"Running replications in the background: {done:.0f} %")
        solara.ProgressLinear(value=done)
    if compare_task.error:
        solara.Error(f"The comparison failed: {compare_task.exception}")
    result = compare_task.value if compare_task.finished else None
    if result is None:
        if not compare_task.pending:
            solara.Info("Choose scenarios and press Run comparison.")
        return
    comparison, table = result
    series = comparison.series
    names = comparison.names
    colours = {name: SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)] for i, name in enumerate(names)}
    band_table = comparison.curves([outcome for outcome, _ in BAND_OUTCOMES], band="runs")
    charts = "".join(
        line_chart(_chart_lines(band_table, outcome, colours), title=title, width=460, height=250)
        for outcome, title in BAND_OUTCOMES
    )
    solara.HTML(tag="div", unsafe_innerHTML=charts, attributes={"data-testid": "compare-curves"})
    runs = int(series["replication"].nunique())
    solara.Markdown(
        f"### Impacts at month {int(series['month'].max())} versus the baseline "
        f"({runs} paired replications, 95 % intervals)"
    )
    header = "".join(
        f"<th style='text-align:left;padding:2px 10px'>{c}</th>"
        for c in ("scenario", "indicator", "unit", "mean", "95 % interval")
    )
    body = "".join(
        f"<tr><td style='padding:2px 10px'>{r.scenario}</td><td style='padding:2px 10px'>{r.indicator}</td>"
        f"<td style='padding:2px 10px'>{r.unit}</td><td style='padding:2px 10px'>{_format(r.mean)}</td>"
        f"<td style='padding:2px 10px'>{_format(r.low_95)} to {_format(r.high_95)}</td></tr>"
        for r in table.itertuples()
    )
    solara.HTML(
        tag="table",
        unsafe_innerHTML=f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody>",
        attributes={"data-testid": "impacts-table"},
    )
    with solara.Row():
        solara.FileDownload(
            table.to_csv(index=False),
            filename="partage-impacts.csv",
            label="Download the impacts (CSV)",
            mime_type="text/csv",
        )
        solara.FileDownload(
            series.to_csv(index=False),
            filename="partage-series.csv",
            label="Download the series (CSV)",
            mime_type="text/csv",
        )
