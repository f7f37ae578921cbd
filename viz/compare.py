"""Compare page: the baseline against chosen scenarios, replicated in the background with progress.

The runs and the statistics are the comparison engine (`experiments.compare`),
the same as `partage compare`: the same seed gives the same figures. Curves
show the mean and the 5–95 % band over replications; the table gives the
impacts at the horizon with 95 % intervals (and says why when there is none);
both download as CSV. The scenario edited in Explore can be compared as
it is, levers as moved. Every field is checked before anything runs: a value
out of range is refused with its allowed range, never clamped behind the
user's back. The replications run off the page's thread, with a progress bar,
the time left and a Cancel button. The runs are kept in a comparison folder
of the session (removed when its tab closes); one click copies it under
`results/` and writes the council report from it, from the very runs shown.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import solara
import solara.lab

from experiments.compare import compare_scenarios
from model.messages import without_paths as no_server_paths
from model.scenario import Scenario, ScenarioError

from . import catalogue
from . import explore as explore_page
from .catalogue import BASELINE, MAX_HOUSEHOLDS
from .communes import ResultsByCommune
from .controls import ChoiceSelect, IntField, escaped
from .downloads import planner_csv
from .figures import SCENARIO_COLOURS
from .language import current as current_language
from .language import number, scenario_title, tr
from .svg import Line, line_chart
from .time_left import Clock

MAX_REPLICATIONS = 50
MAX_MONTHS = 600
EDITED = "edited-in-explore"
SCENARIO_FOLDER = "scenarios"  # inside a comparison folder: the compared scenarios as files
# The outcomes drawn with their bands: the outcome, its chart's title, and what its values are
# multiplied by on the chart (a share is drawn in %, as everywhere else the app shows one).
BAND_OUTCOMES = (
    ("sharing_households.share", "Households sharing at least one good (%)", 100.0),
    ("goods.stock_total", "Goods owned", 1.0),
    ("emissions.cumulative_t", "Embodied t CO2e of goods in use so far", 1.0),
    ("public.cumulative_spend_eur", "Public spend so far (EUR)", 1.0),
    ("trust.mean", "Mean trust in sharing", 1.0),
    ("spending.mean_eur", "Mean household spending on these goods (EUR/month)", 1.0),
)

chosen = solara.reactive(["tool_library"])
replications = solara.reactive(4)
households = solara.reactive(2000)
months = solara.reactive(0)  # 0: the baseline's horizon, as its scenario file declares it
seed = solara.reactive(-1)  # -1: the baseline's seed, as its scenario file declares it
problem = solara.reactive("")
last_result = solara.reactive(None)  # (comparison, impacts) of the last finished comparison
folders: solara.Reactive[list[str]] = solara.reactive([])  # this session's comparison folders
# the last report: the sentence saying where it is (or why it is not), and its HTML and PDF
report_written: solara.Reactive[tuple[str, list[Path]]] = solara.reactive(("", []))
stop_event: solara.Reactive[threading.Event | None] = solara.reactive(None)
clock = Clock()  # when the replications under way began


@solara.lab.task(prefer_threaded=True)
def compare_task(
    baseline: Scenario,
    scenarios: dict[str, Scenario],
    runs: int,
    size: int,
    horizon: int,
    first_seed: int,
    stop: threading.Event,
):
    def progress(done: int, total: int) -> None:
        compare_task.progress = 100.0 * done / total

    clock.start()
    compare_task.progress = 0.0
    folder = tempfile.mkdtemp(prefix="partage-app-compare-")
    folders.value = [*folders.value, folder]
    directory = Path(folder) / "comparison"
    baseline_file, files = saved_scenarios(directory, baseline, scenarios)
    comparison = compare_scenarios(
        baseline_file,
        files,
        replications=runs,
        seed=first_seed,
        households=size,
        months=horizon,
        directory=directory,
        on_progress=progress,
        cancelled=lambda: stop.is_set() or not compare_task.is_current(),
    )
    if stop.is_set() or not compare_task.is_current() or comparison.series.empty:
        return None
    result = (comparison, comparison.impacts(), baseline)
    last_result.value = result
    return result


def saved_scenarios(
    directory: Path, baseline: Scenario, scenarios: dict[str, Scenario]
) -> tuple[Path, dict[str, Path]]:
    """Write the compared scenarios as TOML files in `directory/scenarios/` (the files the
    comparison's manifest names, that `partage report` and `partage run` read back)."""
    folder = directory / SCENARIO_FOLDER
    folder.mkdir(parents=True, exist_ok=True)

    def write(name: str, scenario: Scenario) -> Path:
        path = folder / f"{catalogue.safe_file_stem(name)}.toml"
        path.write_text(catalogue.scenario_toml(scenario), encoding="utf-8")
        return path

    return write(baseline.name, baseline), {
        name: write(name, scenario) for name, scenario in scenarios.items()
    }


def forget_folders() -> None:
    """Remove this session's comparison folders (when its tab closes)."""
    for folder in folders.value:
        shutil.rmtree(folder, ignore_errors=True)
    folders.value = []


def edited_scenario() -> Scenario | None:
    """Explore's scenario, levers as moved, when it differs from a file of the library."""
    if explore_page.choice.value == explore_page.EDITED or explore_page.overrides.value:
        try:
            return explore_page.scenario_now()
        except ScenarioError:
            return None
    return None


def start() -> None:
    report_written.value = ("", [])
    if not chosen.value:
        problem.value = tr("Choose at least one scenario to compare with the baseline.")
        return
    try:
        scenarios = chosen_scenarios()
        baseline = baseline_of(scenarios)
    except ScenarioError as error:
        problem.value = no_server_paths(error)
        return
    problem.value = ""
    stop = threading.Event()
    stop_event.value = stop
    compare_task(baseline, scenarios, *settings(baseline), stop)


def baseline_of(scenarios: dict[str, Scenario]) -> Scenario:
    """The one baseline of a comparison, as Explore draws it (`catalogue.baseline_for`): the
    baseline file on the grid, the scenario without its policies on a territory from data."""
    territories = {
        (scenario.territory.name, tuple(scenario.zone_names))
        for scenario in scenarios.values()
        if not catalogue.is_on_grid(scenario)
    }
    if not territories:
        return catalogue.load_named(BASELINE)
    on_grid = [scenario for scenario in scenarios.values() if catalogue.is_on_grid(scenario)]
    if len(territories) > 1 or on_grid:
        raise ScenarioError(
            tr("Scenarios on different territories are compared one territory at a time.")
        )
    return catalogue.baseline_for(next(iter(scenarios.values())))


def chosen_scenarios() -> dict[str, Scenario]:
    """The scenarios chosen for the next comparison, each under its name."""
    scenarios = {}
    for name in chosen.value:
        if name == EDITED:
            scenario = edited_scenario()
            if scenario is None:
                raise ScenarioError(tr("Explore has no edited scenario any more."))
            scenarios["edited_scenario"] = scenario
        else:
            scenarios[name] = catalogue.load_named(name)
    return scenarios


def chosen_baseline() -> Scenario:
    """The baseline of the scenarios chosen now (the baseline file when they cannot be read)."""
    try:
        return baseline_of(chosen_scenarios())
    except ScenarioError:
        return catalogue.load_named(BASELINE)


def baseline_text(baseline: Scenario) -> str:
    if baseline.policies or baseline.name == BASELINE:
        return tr("Baseline: the scenario file baseline.toml, on the abstract territory.")
    return tr(
        "Baseline: {name} without its policies (same territory, goods, behaviour, households and seed)."
    ).format(name=scenario_title(baseline.name.removesuffix(catalogue.WITHOUT_POLICIES)))


def settings(baseline: Scenario | None = None) -> tuple[int, int, int, int]:
    """Replications, households, months and seed of the next comparison (the fields hold only
    allowed values); months and seed are the baseline's unless the user set them."""
    baseline = baseline or chosen_baseline()
    return (
        replications.value,
        households.value,
        months.value if months.value > 0 else baseline.months,
        seed.value if seed.value >= 0 else baseline.seed,
    )


def cancel() -> None:
    """Stop the replications between two runs; what ran is dropped, the last finished comparison
    stays shown."""
    if stop_event.value is not None:
        stop_event.value.set()
    compare_task.cancel()


def _chart_lines(table, outcome: str, colours: dict[str, str], scale: float = 1.0) -> list[Line]:
    """Each scenario's mean of `outcome` by month with its band, times `scale`."""
    out = []
    for name, part in table[table["outcome"] == outcome].groupby("scenario", sort=False):
        out.append(
            Line(
                scenario_title(name),
                colours[name],
                part["month"].to_numpy(),
                part["mean"].to_numpy() * scale,
                low=part["low"].to_numpy() * scale,
                high=part["high"].to_numpy() * scale,
            )
        )
    return out


def interval_text(row) -> str:
    """The 95 % interval, or in words why there is none."""
    if row.low_95 == row.low_95 and row.high_95 == row.high_95:
        return tr("{low} to {high}").format(
            low=value_text(row.low_95), high=value_text(row.high_95)
        )
    if row.indicator.startswith("public cost per"):
        return tr("unbounded: the change it divides by may be zero")
    if row.replications < 2:
        return tr("none: one replication gives no interval")
    return tr("none: no finite difference")


def value_text(value: float) -> str:
    if value != value:  # NaN
        return tr("not defined")
    return number(value, 1 if abs(value) < 1000 else 0)


def indicator_text(text: str) -> str:
    if text.startswith("change in spending, income quintile"):
        return tr("change in spending, income fifth {q}").format(q=text.rsplit(" ", 1)[1])
    return tr(text)


@solara.component
def Page():
    solara.Title(tr("Compare"))
    others = [name for name in catalogue.scenario_names() if name != BASELINE]
    options = [(name, scenario_title(name)) for name in others]
    if edited_scenario() is not None:
        options.insert(0, (EDITED, tr("the scenario edited in Explore")))
    solara.Style(STYLE)
    with solara.Sidebar():
        solara.Text(
            tr("Compare with the baseline"), style={"font-weight": "bold", "display": "block"}
        )
        baseline = chosen_baseline()
        solara.Text(baseline_text(baseline), classes=["compare-baseline"])
        ChoiceSelect(
            tr("Scenarios"),
            options,
            [name for name in chosen.value if name in dict(options)],
            chosen.set,
            multiple=True,
            test_id="compare-scenarios",
        )
        IntField(
            tr("Replications (1 to {n})").format(n=MAX_REPLICATIONS),
            replications.value,
            replications.set,
            1,
            MAX_REPLICATIONS,
            test_id="replications",
        )
        IntField(
            tr("Households (10 to {n})").format(n=number(MAX_HOUSEHOLDS)),
            households.value,
            households.set,
            10,
            MAX_HOUSEHOLDS,
            test_id="households",
        )
        _, _, shown_months, shown_seed = settings(baseline)
        IntField(
            tr("Months (1 to {n})").format(n=MAX_MONTHS),
            shown_months,
            months.set,
            1,
            MAX_MONTHS,
            test_id="months",
        )
        IntField(
            tr("Seed"),
            shown_seed,
            seed.set,
            0,
            2**63 - 1,
            test_id="seed",
        )
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button(
                tr("Run the comparison"),
                on_click=start,
                color="primary",
                disabled=compare_task.pending,
            )
            if compare_task.pending:
                solara.Button(tr("Cancel"), on_click=cancel, outlined=True)
    solara.HTML(tag="h2", unsafe_innerHTML=escaped(tr("Baseline and scenarios side by side")))
    if problem.value:
        solara.Error(problem.value, classes=["compare-problem"])
    if compare_task.pending:
        done = compare_task.progress or 0.0
        with solara.Div(classes=["compare-running"]):
            solara.Text(
                tr("Running the replications in the background: {done} % done, {left}").format(
                    done=number(done), left=clock.text(done, 100)
                ),
                classes=["compare-progress"],
            )
            solara.ProgressLinear(value=done)
    if compare_task.error:
        solara.Error(tr("The comparison failed: {why}").format(why=str(compare_task.exception)))
    # The last finished comparison stays on the page while another runs and after a Cancel.
    result = last_result.value
    if result is None:
        if not compare_task.pending and not problem.value:
            solara.Info(tr("Choose scenarios and press Run the comparison."))
        return
    if compare_task.pending or compare_task.value is None:
        solara.Text(
            tr("Shown: the last finished comparison."),
            classes=["compare-previous"],
            style="color: #595959",
        )
    Results(result)


@solara.component
def Results(result):
    comparison, table, baseline = result
    series = comparison.territory_series()
    lang = current_language()
    names = comparison.names
    colours = {name: SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)] for i, name in enumerate(names)}
    band_table = comparison.curves([outcome for outcome, _, _ in BAND_OUTCOMES], band="runs")
    charts = "".join(
        "<div class='partage-chart'>"
        + line_chart(
            _chart_lines(band_table, outcome, colours, scale),
            title=tr(title),
            width=460,
            height=250,
            lang=lang,
        )
        + "</div>"
        for outcome, title, scale in BAND_OUTCOMES
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=charts,
        attributes={"data-testid": "compare-curves"},
        classes=["partage-charts"],
    )
    runs = int(series["replication"].nunique())
    solara.HTML(
        tag="h3",
        unsafe_innerHTML=escaped(
            tr(
                "Impacts at month {month} against the baseline, for the territory ({households} "
                "households; {runs} paired replications, 95 % intervals)"
            ).format(
                month=int(series["month"].max()),
                households=number(comparison.territory.households),
                runs=runs,
            )
        ),
    )
    header = "".join(
        f"<th scope='col'>{escaped(tr(c))}</th>"
        for c in ("scenario", "indicator", "unit", "mean", "95 % interval")
    )
    body = "".join(
        f"<tr><td>{escaped(scenario_title(r.scenario))}</td><td>{escaped(indicator_text(r.indicator))}</td>"
        f"<td>{escaped(tr(r.unit))}</td><td>{escaped(value_text(r.mean))}</td>"
        f"<td>{escaped(interval_text(r))}</td></tr>"
        for r in table.itertuples()
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<table class='partage-table'><thead><tr>{header}</tr></thead>"
        f"<tbody>{body}</tbody></table>",
        attributes={"data-testid": "impacts-table"},
        classes=["partage-scroll"],
    )
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(
            planner_csv(
                table.assign(
                    scenario=table["scenario"].map(scenario_title),
                    indicator=table["indicator"].map(indicator_text),
                    unit=table["unit"].map(tr),
                ),
                lang,
            ),
            filename="partage-impacts.csv",
            label=tr("Download the impacts (CSV)"),
            mime_type="text/csv",
        )
        solara.FileDownload(
            planner_csv(series, lang),
            filename="partage-series.csv",
            label=tr("Download the series (CSV)"),
            mime_type="text/csv",
        )
        solara.Button(
            tr("Write a report for a council meeting (HTML and PDF)"),
            on_click=lambda: report_task(comparison.directory, lang),
            disabled=report_task.pending,
            outlined=True,
            color="primary",
        )
    if not catalogue.is_on_grid(baseline) and comparison.zones is not None:
        ResultsByCommune(comparison, baseline.territory.resolved())
    # the report's downloads first, so they stay in place (and keep a click) when the task ends
    ReportFiles()
    if report_task.pending:
        solara.Text(tr("Writing the report…"))
        solara.ProgressLinear(value=True)


@solara.lab.task(prefer_threaded=True)
def report_task(directory: Path, lang: str) -> None:
    report_written.value = ("", [])
    report_written.value = write_comparison_report(directory, lang)


def results_dir() -> Path:
    return Path(os.environ.get("PARTAGE_RESULTS_DIR", catalogue.RESULTS_DIR))


def saved_copy(directory: Path, results: Path) -> Path:
    """Copy a comparison folder to `results/app-compare-<time>/`, its manifest naming the
    copies of its scenario files, so the copy stands alone when the session's folder goes."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    saved = results / f"app-compare-{stamp}"
    number_ = 2
    while saved.exists():
        saved, number_ = results / f"app-compare-{stamp}-{number_}", number_ + 1
    shutil.copytree(directory, saved)
    manifest_path = saved / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    design = manifest.get("design", {})
    design["files"] = [
        str(saved / SCENARIO_FOLDER / Path(file).name)
        if file is not None and (saved / SCENARIO_FOLDER / Path(file).name).is_file()
        else file
        for file in design.get("files", [])
    ]
    manifest_path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return saved


def write_comparison_report(
    directory: Path, lang: str, results: Path | None = None
) -> tuple[str, list[Path]]:
    """Copy the comparison folder shown under `results/` and write the council report (HTML and
    PDF) from it; a sentence saying where, in `lang`, and the report's files."""
    saved = saved_copy(directory, results or results_dir())
    where = f"results/{saved.name}"
    try:
        from viz.report import write_report
    except ImportError:  # a build without the report writer: the comparison is kept all the same
        return tr(
            "The comparison is saved in {folder}; the report writer is not installed."
        ).format(folder=where), []
    try:
        html, pdf = write_report(saved, lang=lang)
    except Exception as problem:  # noqa: BLE001 - e.g. no Chromium for the PDF: said in one line
        return tr(
            "The comparison is saved in {folder}; the report could not be written: {why}"
        ).format(
            folder=where, why=no_server_paths(without_paths(str(problem).splitlines()[0], saved))
        ), []
    files = [Path(p) for p in (html, pdf) if p is not None]
    return tr("Report written in {folder}: {files}").format(
        folder=f"{where}/report", files=", ".join(p.name for p in files)
    ), files


def without_paths(text: str, saved: Path) -> str:
    """A message with the server's folders left out (the planner sees `results/...` only)."""
    return text.replace(str(saved.parent), "results").replace(
        str(catalogue.SCENARIO_DIR), "scenarios"
    )


@solara.component
def ReportFiles():
    """The report's files as downloads, and the sentence saying where they are kept."""
    message, files = report_written.value
    if message:
        if files:
            solara.Success(message, classes=["report-written"])
        else:
            solara.Error(message, classes=["report-problem"])
    with solara.Row(style={"flex-wrap": "wrap"}):
        for path in files:
            ReportDownload(str(path))


@solara.component
def ReportDownload(path: str):
    """One file of the report as a download (its bytes read once, so a redraw keeps the click)."""
    data = solara.use_memo(lambda: Path(path).read_bytes(), [path])
    kinds = {
        ".html": ("text/html", tr("Download the report (HTML)")),
        ".pdf": ("application/pdf", tr("Download the report (PDF)")),
    }
    mime, label = kinds[Path(path).suffix]
    solara.FileDownload(data, filename=Path(path).name, label=label, mime_type=mime)


STYLE = """
.partage-scroll { max-width: 100%; overflow-x: auto; }
.partage-table { border-collapse: collapse; font-size: 0.9em; }
.partage-table th, .partage-table td { padding: 2px 10px; text-align: left; vertical-align: top; }
.partage-table thead th { border-bottom: 1px solid #767676; }
.partage-charts { display: flex; flex-wrap: wrap; gap: 8px; }
.partage-chart { flex: 1 1 340px; min-width: 0; max-width: 100%; }
"""
