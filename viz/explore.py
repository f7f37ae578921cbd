"""Explore: pick a scenario, move its levers, play the months, watch the map and the curves.

State is per browser session (Solara reactive variables). Every change of
scenario, lever, households or seed rebuilds the run; an invalid scenario or
value leaves the current run in place and shows the schema's one-line message.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import solara

from model.scenario import Scenario, ScenarioError

from . import catalogue
from .catalogue import BASELINE, MAX_HOUSEHOLDS, Lever
from .clickable import ClickableSvg
from .session import ExploreRun

EDITED = "(edited scenario)"

choice = solara.reactive(BASELINE)
edited = solara.reactive(None)  # Scenario validated from an edited or uploaded text
overrides: solara.Reactive[dict[str, Any]] = solara.reactive({})
households = solara.reactive(0)  # 0: the scenario's own number
seed = solara.reactive(-1)  # -1: the scenario's own seed
show_baseline = solara.reactive(True)
good = solara.reactive("")
selected = solara.reactive(0)
error = solara.reactive("")
notice = solara.reactive("")
current: solara.Reactive[ExploreRun | None] = solara.reactive(None)
tick = solara.reactive(0)
playing = solara.reactive(False)
new_policy_kind = solara.reactive("community_pool")
editor_text = solara.reactive("")


def base_scenario() -> Scenario:
    if choice.value == EDITED and edited.value is not None:
        return edited.value
    return catalogue.load_named(choice.value)


def scenario_now() -> Scenario:
    return (
        base_scenario().with_overrides(overrides.value, source="app")
        if overrides.value
        else base_scenario()
    )


def rebuild() -> None:
    """Build a fresh run from the current choices; on a problem keep the old run and say why."""
    playing.value = False
    try:
        scenario = scenario_now()
        reference = None
        if show_baseline.value and (choice.value != BASELINE or overrides.value):
            reference = catalogue.load_named(BASELINE)
        n = households.value or min(scenario.households, MAX_HOUSEHOLDS)
        run = ExploreRun(
            scenario,
            reference=reference,
            households=min(n, MAX_HOUSEHOLDS),
            seed=None if seed.value < 0 else seed.value,
        )
    except ScenarioError as problem:
        error.value = str(problem)
        return
    error.value = ""
    if good.value not in run.model.goods.names:
        good.value = run.model.goods.names[0]
    selected.value = min(selected.value, run.model.households.size - 1)
    current.value = run
    tick.value += 1


def choose_scenario(name: str) -> None:
    choice.value = name
    overrides.value = {}
    if name != EDITED:
        editor_text.value = catalogue.scenario_text(name)
    rebuild()


def set_lever(lever: Lever, value: Any) -> None:
    """Rebuild the run with a lever's new value (a control reporting the same value changes nothing)."""
    value = catalogue.coerce(lever, value)
    previous = overrides.value
    if previous.get(lever.path, lever.value) == value:
        return
    overrides.value = {**previous, lever.path: value}
    rebuild()
    if error.value:
        overrides.value = previous


def add_policy() -> None:
    try:
        added = catalogue.new_policy_overrides(scenario_now(), new_policy_kind.value)
    except ScenarioError as problem:
        error.value = str(problem)
        return
    overrides.value = {**overrides.value, **added}
    rebuild()


def apply_text(text: str | bytes, source: str) -> None:
    """Validate an edited or uploaded scenario; only a valid one replaces the current scenario."""
    try:
        scenario = catalogue.scenario_from_text(text, source)
    except ScenarioError as problem:
        error.value = str(problem)
        return
    edited.value = scenario
    choice.value = EDITED
    overrides.value = {}
    rebuild()


def set_households(value: int | None) -> None:
    value = int(value or 0)
    if value > MAX_HOUSEHOLDS:
        notice.value = f"The app runs at most {MAX_HOUSEHOLDS:,} households; capped.".replace(
            ",", " "
        )
        value = MAX_HOUSEHOLDS
    else:
        notice.value = ""
    households.value = max(value, 0)
    rebuild()


def pick_at(run: ExploreRun, fx: float, fy: float) -> None:
    """Select the household nearest a click given as fractions of the map's width and height."""
    width = run.raster.side * run.raster.slots
    row = run.household_at(fx * width - 0.5, fy * width - 0.5)
    if row is not None:
        selected.value = row


def step_once() -> None:
    run = current.value
    if run is not None:
        run.step()
        tick.value += 1


# --------------------------------------------------------------------------- components


@solara.component
def LeverControl(lever: Lever):
    value = overrides.value.get(lever.path, lever.value)
    tip = f"{lever.path}: {lever.description or lever.label}"
    with solara.Tooltip(tip), solara.Div(classes=["partage-lever"]):
        LeverWidget(lever, value)


def LeverWidget(lever: Lever, value: Any):
    """The widget the schema calls for: a list, a box or a slider over the allowed range."""
    if lever.type == "choice":
        solara.Select(
            label=lever.label,
            values=list(lever.choices),
            value=value,
            on_value=lambda v: set_lever(lever, v),
        )
    elif lever.type == "bool":
        solara.Checkbox(
            label=lever.label, value=bool(value), on_value=lambda v: set_lever(lever, v)
        )
    elif lever.type == "int":
        low, high = lever.slider_range()
        solara.SliderInt(
            label=f"{lever.label}: {int(value)}",
            value=int(value),
            min=int(low),
            max=int(high),
            on_value=lambda v: set_lever(lever, v),
        )
    else:
        low, high = lever.slider_range()
        step = (high - low) / 100 if high > low else 1.0
        solara.SliderFloat(
            label=f"{lever.label}: {float(value):.4g}",
            value=float(value),
            min=low,
            max=high,
            step=step,
            on_value=lambda v: set_lever(lever, v),
        )


@solara.component
def Controls():
    names = [*catalogue.scenario_names(), *([EDITED] if edited.value is not None else [])]
    solara.Select(label="Scenario", values=names, value=choice.value, on_value=choose_scenario)
    run = current.value
    if run is not None:
        solara.Markdown(
            f"*{run.model.scenario.description or run.model.scenario.name}*",
            style="font-size: 0.85em",
        )
    with solara.Row():
        solara.Button("Step", on_click=step_once, color="primary", disabled=playing.value)
        solara.Button(
            "Pause" if playing.value else "Play",
            on_click=lambda: playing.set(not playing.value),
            color="success",
        )
        solara.Button("Reset", on_click=rebuild)
    solara.InputInt(
        label=f"Households (at most {MAX_HOUSEHOLDS})",
        value=households.value or (run.model.scenario.households if run else 0),
        on_value=set_households,
    )
    solara.InputInt(
        label="Seed",
        value=seed.value if seed.value >= 0 else (run.model.scenario.seed if run else 0),
        on_value=lambda v: (seed.set(max(0, int(v or 0))), rebuild()),
    )
    solara.Checkbox(
        label="Show the baseline (dashed)",
        value=show_baseline.value,
        on_value=lambda v: (show_baseline.set(v), rebuild()),
    )
    if notice.value:
        solara.Info(notice.value)
    if run is None:
        return
    scenario = run.model.scenario
    groups: dict[str, list[Lever]] = {}
    for lever in catalogue.levers(scenario):
        groups.setdefault(lever.group, []).append(lever)
    for group, members in groups.items():
        with solara.Details(summary=f"Levers: {group}", expand=group.startswith("policy")):
            for lever in members:
                LeverControl(lever)
    with solara.Row():
        solara.Select(
            label="Add a policy",
            values=catalogue.policy_kinds(),
            value=new_policy_kind.value,
            on_value=new_policy_kind.set,
        )
        solara.Button("Add", on_click=add_policy)
    with solara.Details(summary="Edit or upload a scenario (TOML)"):
        ScenarioEditor()


@solara.component
def ScenarioEditor():
    if not editor_text.value and choice.value != EDITED:
        editor_text.value = catalogue.scenario_text(choice.value)
    solara.InputTextArea(
        label="Scenario TOML",
        value=editor_text.value,
        on_value=editor_text.set,
        rows=10,
        continuous_update=False,
    )
    solara.Button(
        "Apply edited scenario", on_click=lambda: apply_text(editor_text.value, "edited scenario")
    )
    solara.FileDrop(
        label="Or drop a scenario file (.toml) here",
        on_file=lambda f: apply_text(f["data"], f.get("name", "uploaded scenario")),
        lazy=False,
    )


def _figure(label: str, value: str):
    with solara.Card(style={"min-width": "160px", "padding": "4px"}):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<div style='font-size:0.8em;color:#555'>{label}</div>"
            f"<div style='font-size:1.5em;font-weight:bold'>{value}</div>",
        )


def _number(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}".replace(",", " ")


@solara.component
def Headline(run: ExploreRun, month: int):
    h = run.headline()
    with solara.Row(style={"flex-wrap": "wrap"}, classes=["partage-headline"]):
        _figure("Month", f"{h['month']} / {run.model.months}")
        _figure(
            "Sharing households",
            f"{_number(h['sharing_households'])} ({100 * h['sharing_share']:.1f} %)",
        )
        if "goods_avoided_vs_reference" in h:
            _figure("Goods avoided vs baseline", _number(h["goods_avoided_vs_reference"]))
            _figure("t CO2e avoided vs baseline", _number(h["emissions_avoided_t"], 1))
        else:
            _figure("Goods avoided since month 0", _number(h["goods_avoided"]))
        _figure("t CO2e of goods in use", _number(h["emissions_t"], 1))
        _figure("Public spend so far", f"{_number(h['public_spend_eur'])} EUR")


@solara.component
def HouseholdPanel(run: ExploreRun, month: int):
    size = run.model.households.size
    solara.InputInt(
        label=f"Household (0 to {size - 1})",
        value=selected.value,
        on_value=lambda v: selected.set(max(0, min(size - 1, int(v or 0)))),
    )
    with solara.Row():
        solara.Button(
            "Random household",
            on_click=lambda: selected.set(int(run.model.rng.integers(size))),
            small=True,
        )
    try:
        state = run.describe(selected.value)
    except IndexError as problem:
        solara.Error(str(problem))
        return
    rows = "".join(
        f"<tr><td style='padding-right:8px;color:#555'>{k}</td><td>{_cell(v)}</td></tr>"
        for k, v in state.items()
    )
    solara.HTML(
        tag="table",
        unsafe_innerHTML=rows,
        attributes={"data-testid": "household-state"},
        style="font-size: 0.85em",
    )


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


@solara.component
def Page():
    if current.value is None and not error.value:
        editor_text.value = (
            catalogue.scenario_text(choice.value) if choice.value != EDITED else editor_text.value
        )
        rebuild()
    run = current.value

    def play_loop(cancel: threading.Event):
        while playing.value and not cancel.is_set():
            active = current.value
            if active is None or not active.running:
                break
            active.step()
            tick.value += 1
            time.sleep(0.03)
        playing.value = False

    solara.use_thread(play_loop, dependencies=[playing.value], intrusive_cancel=False)

    with solara.Sidebar():
        Controls()
    solara.Title("Partage — Explore")
    if error.value:
        solara.Error(error.value, classes=["scenario-error"])
    if run is None:
        solara.Info("No run yet: choose a scenario.")
        return
    RunView(run)


@solara.component
def RunView(run: ExploreRun):
    """What changes month by month; only this part is redrawn when the run steps."""
    _ = tick.value  # redraw when the run steps
    Headline(run, run.month)
    names = run.model.goods.names
    shown = good.value if good.value in names else names[0]
    with solara.Columns([5, 7]):
        with solara.Column():
            solara.ToggleButtonsSingle(value=shown, values=names, on_value=good.set)
            ClickableSvg(
                run.map_svg(shown, selected.value),
                on_pick=lambda fx, fy: pick_at(run, fx, fy),
                test_id="territory-map",
            )
            solara.Text(
                "Click the map to select the nearest household.",
                style="font-size: 0.8em; color: #555",
            )
            with solara.Details(summary="Selected household", expand=True):
                HouseholdPanel(run, run.month)
        with solara.Column():
            curves = run.curves_svg(shown)
            solara.HTML(
                tag="div",
                unsafe_innerHTML=curves["adoption"] + curves["trust"],
                attributes={"data-testid": "curves-top"},
            )
            solara.HTML(
                tag="div",
                unsafe_innerHTML=curves["stock"] + curves["emissions"],
                attributes={"data-testid": "curves-middle"},
            )
            solara.HTML(
                tag="div",
                unsafe_innerHTML=curves["spending"],
                attributes={"data-testid": "curves-bottom"},
            )
