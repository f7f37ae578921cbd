"""Launch a policy search from the Policy design page: levers, budget, objectives and size chosen on
the page, the search run in the background by the engine (`experiments.optimise.run_optimisation`,
the code of `partage optimise`), with progress, the time left, a Cancel, and the front drawn as it
grows.

Rules:
- The page writes an ordinary optimisation design (the packages of `territoire_partage`, compared
  with the baseline, as `experiments/designs/optimise_packages.toml` does) and runs it into
  `results/app-search-<time>/`; the finished search is then an optimisation folder like any other,
  shown below with its points to open in Explore or Compare.
- Cancel stops the search after the run under way; the runs done stay in its folder, and the
  searches finished before stay listed.
"""

from __future__ import annotations

import tempfile
import threading
import time
import tomllib
from pathlib import Path

import pandas as pd
import solara
import solara.lab

from . import i18n
from .catalogue import SCENARIO_DIR
from .clickable import ClickableSvg
from .controls import ChoiceSelect, IntField
from .front import (
    IMPACT_LABELS,
    Front,
    heading,
    impact_label,
    open_in_compare,
    open_in_explore,
    package_words,
)
from .time_left import Clock

DESIGN = Path(__file__).resolve().parents[1] / "experiments" / "designs" / "optimise_packages.toml"
MINIMISED = {"net_public_cost_eur"}  # the impacts a planner wants low; the others high
MAX_POPULATION, MAX_GENERATIONS, MAX_REPLICATIONS, MAX_HOUSEHOLDS = 40, 20, 10, 5000

levers = solara.reactive(["tool_library", "carsharing_fleet", "sharing_forum_and_map"])
objectives = solara.reactive(["extra_sharing_households", "net_public_cost_eur"])
budget = solara.reactive(1_200_000)
population = solara.reactive(6)
generations = solara.reactive(3)
replications = solara.reactive(2)
households = solara.reactive(300)
months = solara.reactive(24)
growing: solara.Reactive[pd.DataFrame | None] = solara.reactive(None)  # the front so far
runs_done = solara.reactive(0)
stop_event: solara.Reactive[threading.Event | None] = solara.reactive(None)
outcome_text = solara.reactive("")  # how the last search ended, in words
finished_search = solara.reactive("")  # the folder of the last search finished on the page
clock = Clock()  # when the search under way began
searched = {"months": 24}  # the horizon of the search under way


def design_levers() -> dict[str, dict]:
    """The levers the page offers: those of the packages' design, each with its ranges."""
    with DESIGN.open("rb") as handle:
        return tomllib.load(handle)["levers"]


def design_text(
    chosen_levers: list[str],
    chosen_objectives: list[str],
    budget_eur: int,
    size: tuple[int, int, int, int, int],
    name: str,
) -> str:
    """The optimisation design the page's choices make: the packages' design with its levers,
    objectives, budget and size replaced."""
    import tomli_w

    with DESIGN.open("rb") as handle:
        design = tomllib.load(handle)
    pop, gens, runs, size_households, horizon = size
    offered = design["levers"]
    design.update(
        name=name,
        description=f"Searched from the app: {', '.join(chosen_levers)}.",
        scenario=str(SCENARIO_DIR / "territoire_partage.toml"),
        baseline=str(SCENARIO_DIR / "baseline.toml"),
        replications=runs,
        households=size_households,
        months=horizon,
        search={"algorithm": "nsga2", "population": pop, "generations": gens},
        objectives=[
            {"outcome": o, "direction": "minimise" if o in MINIMISED else "maximise"}
            for o in chosen_objectives
        ],
        budget={"net_public_cost_eur": budget_eur},
        levers={lever: offered[lever] for lever in chosen_levers},
    )
    return tomli_w.dumps(design)


def planned_runs(size: tuple[int, int, int, int, int]) -> int:
    """The runs a search of this size makes at most: every candidate and the baseline, replicated."""
    pop, gens, runs, _, _ = size
    return (pop + (gens - 1) * pop + 1) * runs


@solara.lab.task(prefer_threaded=True)
def search_task(text: str, out: Path, planned: int, stop: threading.Event):
    from experiments.optimise import SearchStopped, run_optimisation

    clock.start()
    runs_done.value = 0
    growing.value = None
    outcome_text.value = ""

    def counted(_result) -> None:
        runs_done.value += 1
        search_task.progress = min(100.0, 100.0 * runs_done.value / planned)

    with tempfile.TemporaryDirectory(prefix="partage-app-search-") as folder:
        design = Path(folder) / f"{out.name}.toml"
        design.write_text(text, encoding="utf-8")
        try:
            run_optimisation(
                design,
                out=out,
                progress=False,
                on_run=counted,
                on_front=growing.set,
                cancelled=stop.is_set,
            )
        except SearchStopped:
            outcome_text.value = "stopped"
            return None
    outcome_text.value = "finished"
    finished_search.value = out.name  # the finished search is shown below, its points to open
    return out.name


def start(results: Path, lang: str) -> None:
    size = (population.value, generations.value, replications.value, households.value, months.value)
    if not levers.value or len(objectives.value) < 1:
        outcome_text.value = "nothing"
        return
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = results / f"app-search-{stamp}"
    number = 2
    while out.exists():
        out, number = results / f"app-search-{stamp}-{number}", number + 1
    text = design_text(levers.value, objectives.value, budget.value, size, out.name)
    searched["months"] = months.value
    stop = threading.Event()
    stop_event.value = stop
    search_task(text, out, planned_runs(size), stop)


def cancel() -> None:
    """Stop the search after the run under way; what finished before stays."""
    if stop_event.value is not None:
        stop_event.value.set()


@solara.component
def SearchLauncher(lang: str, results: Path):
    """The form that launches a search, its progress and Cancel, and the front as it grows."""

    t = lambda text: i18n.gettext(text, lang)  # noqa: E731
    heading(t("Launch a policy search"))
    solara.Text(
        t(
            "The search tries packages of the chosen measures, each compared with the baseline "
            "over paired replications, and keeps the best trade-offs within the budget."
        ),
        style="display: block; color: #595959",
    )
    offered = design_levers()
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        with solara.Column(style={"min-width": "280px", "flex": "1 1 280px"}):
            ChoiceSelect(
                t("Measures to combine"),
                [(name, t(name.replace("_", " "))) for name in offered],
                [name for name in levers.value if name in offered],
                levers.set,
                multiple=True,
                test_id="search-levers",
            )
            ChoiceSelect(
                t("Objectives"),
                [(name, impact_label(name, lang)) for name in IMPACT_LABELS],
                objectives.value,
                objectives.set,
                multiple=True,
                test_id="search-objectives",
            )
            IntField(
                t("Budget over the horizon (€)"),
                budget.value,
                budget.set,
                0,
                100_000_000,
                test_id="search-budget",
            )
        with solara.Column(style={"min-width": "220px", "flex": "1 1 220px"}):
            for label, value, high in (
                (t("Packages per generation"), population, MAX_POPULATION),
                (t("Generations"), generations, MAX_GENERATIONS),
                (t("Replications"), replications, MAX_REPLICATIONS),
                (t("Households simulated"), households, MAX_HOUSEHOLDS),
                (t("Months"), months, 600),
            ):
                IntField(
                    f"{label} (1–{i18n.format_number(high, lang)})", value.value, value.set, 1, high
                )
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.Button(
            t("Launch the search"),
            color="primary",
            on_click=lambda: start(results, lang),
            disabled=search_task.pending,
        )
        if search_task.pending:
            solara.Button(t("Cancel"), on_click=cancel, outlined=True)
    if search_task.pending:
        done = search_task.progress or 0.0
        with solara.Div(classes=["search-running"]):
            solara.Text(
                t("Searching in the background: {done} % done, {left}").format(
                    done=i18n.format_number(done, lang), left=clock.text(done, 100, lang)
                ),
                classes=["search-progress"],
            )
            solara.ProgressLinear(value=done)
    if search_task.error:
        solara.Error(t("The search failed: {why}").format(why=str(search_task.exception)))
    elif outcome_text.value == "stopped" and not search_task.pending:
        solara.Warning(
            t(
                "The search was stopped; its finished runs are kept. The searches finished before are below."
            ),
            classes=["search-stopped"],
        )
    elif outcome_text.value == "nothing":
        solara.Error(t("Choose at least one measure and one objective."))
    elif search_task.finished and search_task.value:
        solara.Success(
            t("Search finished: {name}, shown below.").format(name=search_task.value),
            classes=["search-finished"],
        )
    table = growing.value
    if table is not None and len(table) and not search_task.finished:
        GrowingFront(table, lang)


def growing_levers(row) -> dict:
    """A point of the front so far as a finished front's lever columns: each measure "on" or
    "off", each searched value a number."""
    levers = {}
    for path, value in dict(row["params"]).items():
        name = path.removeprefix("policies.")
        if "." not in name:
            levers[name] = "on" if value else "off"
        else:
            levers[name] = float(value) if isinstance(value, (int, float)) else value
    return levers


def growing_point_text(row, horizon: int) -> tuple[str, str]:
    """The scenario file of a point of the front so far, and its name: the packages' scenario with
    the point's measures and values, over the search's horizon (what `partage optimise` writes
    for a point of its finished front)."""
    import tomli_w

    from experiments.optimise import package_scenario

    from .catalogue import load_named

    scenario = package_scenario(
        load_named("territoire_partage"), dict(row["params"]), {"months": horizon}
    )
    name = f"territoire_partage_point_{int(row['point'])}"
    data = scenario.model_dump(mode="json", exclude_none=True) | {
        "name": name,
        "description": f"Point {int(row['point'])} of a policy search's front, while it ran.",
    }
    return tomli_w.dumps(data), name


@solara.component
def GrowingFront(table: pd.DataFrame, lang: str):
    """The front so far: a click on a square shows its package, to open in Explore or Compare
    while the search goes on."""
    t = lambda text: i18n.gettext(text, lang)  # noqa: E731
    router = solara.use_router()
    picked, set_picked = solara.use_state(0)
    heading(t("The front so far: {n} packages").format(n=i18n.format_number(len(table), lang)), 3)
    front = Front.from_table(table, objectives.value, budget.value)
    rank = picked if picked in set(front.front["rank"]) else 0
    ClickableSvg(
        front.svg(rank, lang),
        on_pick=lambda fx, fy: set_picked(front.nearest_rank(fx, fy)),
        test_id="growing-front",
    )
    solara.Text(t("Click a square to see that package."), style="font-size: 0.85em; color: #555")
    if not rank:
        return
    row = front.row(rank)
    levers = growing_levers(row)
    heading(f"{t('Package')} {rank}", 3)
    solara.Text(
        package_words({**levers, "package": row["package"]}, list(levers), lang),
        classes=["growing-package"],
    )
    text, name = growing_point_text(row, searched["months"])
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.Button(
            t("Open in Explore"),
            color="primary",
            on_click=lambda: open_in_explore(text, name, router),
        )
        solara.Button(t("Open in Compare"), on_click=lambda: open_in_compare(text, name, router))
