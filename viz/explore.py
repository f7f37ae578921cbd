"""Explore: pick a scenario, move its levers, play the months, watch the map and the curves.

State is per browser session (Solara reactive variables). Every change of
scenario, lever, households or seed rebuilds the run; an invalid scenario or
value leaves the current run in place and shows the schema's one-line message.
A control reports a change only when the user moved it: a slider whose grid
does not hold the file's value never pushes its rounded value back. The
settings (scenario, good, households, seed, moved levers, language) live in the
page address too, so a link reopens the same view. User text (a scenario's
description, zone names) is always shown as text, never as HTML.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.parse
from typing import Any

import ipywidgets as widgets
import solara

from model.messages import without_paths
from model.scenario import Scenario, ScenarioError, parse_address_settings, text_in

from . import catalogue
from .catalogue import BASELINE, MAX_HOUSEHOLDS, Lever
from .clickable import ClickableSvg
from .controls import ChoiceSelect, IntField, Section, escaped
from .downloads import planner_csv
from .figures import DIFFERENCE_COLOURS, MODE_COLOURS, MODE_LABELS, NO_NEED_COLOUR
from .language import current as current_language
from .language import eur, language, number, percent, tonnes, tr
from .language import scenario_title as plain_title
from .package import PackageBuilder, PolicyTargets
from .session import MODE_NAMES, ExploreRun
from .time_left import Clock, time_left_text
from .trust import TrustPanel

EDITED = "(edited scenario)"
MIN_HOUSEHOLDS = 10
MAX_SEED = 2**63 - 1

choice = solara.reactive(BASELINE)
edited = solara.reactive(None)  # Scenario validated from an edited or uploaded text
edited_parent = solara.reactive(BASELINE)  # the library file the edited scenario extends
overrides: solara.Reactive[dict[str, Any]] = solara.reactive({})
households = solara.reactive(0)  # 0: the scenario's own number (capped)
seed = solara.reactive(-1)  # -1: the scenario's own seed
show_baseline = solara.reactive(True)
side_by_side = solara.reactive(False)
good = solara.reactive("")
selected = solara.reactive(0)
error = solara.reactive("")
current: solara.Reactive[ExploreRun | None] = solara.reactive(None)
tick = solara.reactive(0)
playing = solara.reactive("")  # "", "play" or "horizon"
# While running to the horizon: (month reached, horizon, seconds left or None), shown and the
# maps and curves redrawn every `PROGRESS_EVERY_S` seconds.
horizon_progress: solara.Reactive[tuple[int, int, float | None] | None] = solara.reactive(None)
PROGRESS_EVERY_S = 2.0
SPEEDS = (1, 2, 5, 10, 20)  # months shown per second while playing
speed = solara.reactive(5)
editor_text = solara.reactive("")
drop_count = solara.reactive(0)  # bumped to give the drop zone a fresh start
address_read = solara.reactive(False)
closed = solara.reactive(False)  # the session's tab has closed: its pages build no new run
# The added policies kept and dropped at the last change of scenario (names), said on the page.
carried: solara.Reactive[tuple[list[str], list[str]]] = solara.reactive(([], []))


def refused(problem: Exception) -> str:
    """A refusal in one line, with the page's words before the schema's, and no folder of the
    server in it (the project's own files are named from the project's root)."""
    text = str(problem).replace(str(catalogue.SCENARIO_DIR.parent) + os.sep, "")
    return tr("This scenario cannot be used: {why}").format(why=without_paths(text))


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


def run_settings() -> dict[str, Any]:
    """Households, months and seed of the current run, as scenario fields."""
    run = current.value
    if run is None or run.model is None:  # no run, or one closed with its session
        return {}
    scenario = run.model.scenario
    return {"households": scenario.households, "months": scenario.months, "seed": scenario.seed}


def rebuild() -> None:
    """Build a fresh run from the current choices; on a problem keep the old run and say why."""
    playing.value = ""
    try:
        scenario = scenario_now()
        reference = None
        if show_baseline.value and (choice.value != BASELINE or overrides.value):
            reference = catalogue.baseline_for(base_scenario())
        n = households.value or min(scenario.households, MAX_HOUSEHOLDS)
        run = ExploreRun(
            scenario,
            reference=reference,
            households=min(n, MAX_HOUSEHOLDS),
            seed=None if seed.value < 0 else seed.value,
        )
    except ScenarioError as problem:
        error.value = refused(problem)
        return
    error.value = ""
    if good.value not in run.model.goods.names:
        good.value = run.model.goods.names[0]
    selected.value = min(selected.value, run.model.households.size - 1)
    previous, current.value = current.value, run
    if previous is not None:
        previous.close()
    tick.value += 1


def added_policies() -> dict[str, dict[str, Any]]:
    """The policies added to the package in the app (not in the scenario file), by name, with
    their settings as overrides."""
    in_file = set(base_scenario().policies)
    added: dict[str, dict[str, Any]] = {}
    for path, value in overrides.value.items():
        kind, _, rest = path.partition(".")
        name, _, _ = rest.partition(".")
        if kind == "policies" and name not in in_file:
            added.setdefault(name, {})[path] = value
    return added


def choose_scenario(name: str) -> None:
    """Open another scenario; the policies added to the package go with it (levers moved on the
    old scenario do not), and the page says which were kept and which the new one refused."""
    added = added_policies()
    choice.value = name
    overrides.value = {}
    if name != EDITED:
        editor_text.value = catalogue.scenario_text(name)
    kept, dropped = [], []
    for policy, settings in added.items():
        try:
            scenario = base_scenario().with_overrides({**overrides.value, **settings}, source="app")
        except ScenarioError:
            dropped.append(policy)
            continue
        if policy in base_scenario().policies or policy not in scenario.policies:
            dropped.append(policy)
            continue
        overrides.value = {**overrides.value, **settings}
        kept.append(policy)
    carried.value = (kept, dropped)
    rebuild()


def set_lever(lever: Lever, value: Any) -> None:
    """Rebuild the run with a lever's new value (a control reporting the same value changes nothing)."""
    value = catalogue.coerce(lever, value)
    previous = overrides.value
    if previous.get(lever.path, lever.value) == value:
        return
    moved = {**previous, lever.path: value}
    if value == file_value(lever.path):
        moved.pop(lever.path)
    overrides.value = moved
    rebuild()
    if error.value:
        overrides.value = previous


def file_value(path: str) -> Any:
    """The value the scenario file gives `path` (None for a policy the file does not have)."""
    try:
        return base_scenario().get(path)
    except (KeyError, AttributeError, ScenarioError):
        return None


def reset_lever(path: str) -> None:
    overrides.value = {k: v for k, v in overrides.value.items() if k != path}
    rebuild()


def reset_all() -> None:
    overrides.value = {}
    rebuild()


def add_overrides(added: dict[str, Any]) -> None:
    """Change several settings at once (a policy added to the package, a policy's targets);
    a change the schema refuses leaves the run as it was and says why."""
    previous = overrides.value
    overrides.value = {**previous, **added}
    rebuild()
    if error.value:
        overrides.value = previous


def add_to_package(overrides_for) -> None:
    """Add a policy of the library, named against the scenario as it is now."""
    try:
        added = overrides_for(scenario_now())
    except ScenarioError as problem:
        error.value = refused(problem)
        return
    add_overrides(added)


def set_target(path: str, value: Any) -> None:
    add_overrides({path: value})


def apply_text(text: str | bytes, source: str) -> bool:
    """Validate an edited or uploaded scenario; only a valid one replaces the current scenario."""
    try:
        scenario = catalogue.scenario_from_text(text, source)
    except ScenarioError as problem:
        error.value = refused(problem)
        return False
    if isinstance(text, bytes):
        editor_text.value = text.decode("utf-8")
    edited_parent.value = catalogue.extended_name(text)
    edited.value = scenario
    choice.value = EDITED
    overrides.value = {}
    rebuild()
    return True


def drop_file(file: dict) -> None:
    """A dropped file goes to the editor when it is a valid scenario; the drop zone starts afresh
    either way, so a refused file's name does not stay on screen."""
    apply_text(file["data"], file.get("name", "uploaded scenario")[:80])
    drop_count.value += 1


def choose_file(files) -> None:
    """A file picked in the browser's file chooser, taken like a dropped one."""
    for file in files or ():
        drop_file({"name": file["name"], "data": bytes(file["content"])})


def set_households(value: int) -> None:
    households.value = value
    rebuild()


def set_seed(value: int) -> None:
    seed.value = value
    rebuild()


def pick_at(run: ExploreRun, fx: float, fy: float) -> None:
    """Select the household nearest a click given as fractions of the map's width and height."""
    if run.polygons is not None:
        selected.value = run.polygons.nearest(fx, fy)
        return
    width = run.raster.side * run.raster.slots
    row = run.household_at(fx * width - 0.5, fy * width - 0.5)
    if row is not None:
        selected.value = row


def step_once() -> None:
    run = current.value
    if run is not None:
        run.step()
        tick.value += 1  # the page is redrawn and sent here
        run.step_reference_ahead()


def run_to_horizon(run: ExploreRun, cancel: threading.Event) -> None:
    """Every remaining month; every `PROGRESS_EVERY_S` seconds the month reached and the time
    left are shown and the run's view redrawn (not at each month), and once more at the end."""
    clock, shown = Clock(), time.monotonic()
    first = run.month
    horizon_progress.value = (first, run.model.months, None)

    def progress() -> None:
        nonlocal shown
        now = time.monotonic()
        if now - shown < PROGRESS_EVERY_S or run.model is None:
            return
        shown = now
        months = run.model.months
        left = clock.seconds_left(run.month - first, months - first)
        horizon_progress.value = (run.month, months, left)
        tick.value += 1

    try:
        run.run_to_horizon(cancelled=cancel.is_set, progress=progress)
    finally:
        horizon_progress.value = None
        tick.value += 1


def progress_text(progress: tuple[int, int, float | None]) -> str:
    """How far the run to the horizon is: the month reached and, once known, the time left
    (`viz.time_left`, as Compare and the policy search say it)."""
    month, months, left = progress
    text = tr("Running to the horizon: month {month} of {months}").format(
        month=number(month), months=number(months)
    )
    if left is None:
        return text
    return f"{text}, {time_left_text(left, current_language())}"


@solara.component
def HorizonProgress():
    """The month reached and the time left while running to the horizon (read aloud politely)."""
    progress = horizon_progress.value
    if progress is None:
        return
    solara.HTML(
        tag="div",
        unsafe_innerHTML=escaped(progress_text(progress)),
        classes=["partage-progress"],
        attributes={"data-testid": "horizon-progress", "role": "status", "aria-live": "polite"},
    )


# --------------------------------------------------------------------------- the page address


def address_query() -> str:
    """The view's settings as a query string: a link with it reopens the same view."""
    query: dict[str, str] = {"lang": current_language()}
    moved = overrides.value
    if choice.value != EDITED:
        query["scenario"] = choice.value
    elif edited.value is not None:
        # an edited or uploaded scenario travels as the library file it extends and what differs
        query["scenario"] = edited_parent.value
        moved = {
            **catalogue.differences(edited.value, catalogue.load_named(edited_parent.value)),
            **moved,
        }
    if good.value:
        query["good"] = good.value
    if households.value:
        query["households"] = str(households.value)
    if seed.value >= 0:
        query["seed"] = str(seed.value)
    if moved:
        query["set"] = json.dumps(moved, separators=(",", ":"), sort_keys=True)
    if side_by_side.value:
        query["side"] = "1"
    return urllib.parse.urlencode(query)


def read_address(search: str | None) -> str:
    """Settings from a link; what is not valid is left at its default and said once (the message
    returned). A link never names a file on the server (`model.scenario.parse_address_settings`)."""
    query = dict(urllib.parse.parse_qsl(search or ""))
    if query.get("lang") in ("fr", "en"):
        language.value = query["lang"]
    if query.get("scenario") in catalogue.scenario_names():
        choice.value = query["scenario"]
        editor_text.value = catalogue.scenario_text(choice.value)
    for name, target, low, high in (
        ("households", households, MIN_HOUSEHOLDS, MAX_HOUSEHOLDS),
        ("seed", seed, 0, MAX_SEED),
    ):
        if name in query and query[name].isdigit() and low <= int(query[name]) <= high:
            target.value = int(query[name])
    if "good" in query:
        good.value = query["good"]
    side_by_side.value = query.get("side") == "1"
    if "set" in query:
        try:
            overrides.value = parse_address_settings(query["set"])
        except ScenarioError:
            return tr("The settings in this link were not valid and were left out.")
    return ""


# --------------------------------------------------------------------------- components


def lever_value_text(lever: Lever, value: Any) -> str:
    if lever.type == "bool":
        return tr("yes") if value else tr("no")
    if lever.type == "choice":
        return tr(str(value))
    if lever.type == "int":
        text = number(int(value))
    else:
        digits = max(0, min(4, -int(f"{lever.slider_step():e}".split("e")[1])))
        text = number(float(value), digits)
    return f"{text} {tr(lever.unit)}" if lever.unit else text


@solara.component
def LeverControl(lever: Lever):
    value = overrides.value.get(lever.path, lever.value)
    original = file_value(lever.path)
    moved = lever.path in overrides.value and original is not None and value != original
    tip = tr(lever.description) or tr(lever.label)
    if lever.unit:
        tip += f" ({tr('unit')}: {tr(lever.unit)})"
    with solara.Div(classes=["partage-lever"] + (["partage-moved"] if moved else [])):
        with solara.Row(style={"align-items": "center", "gap": "2px"}):
            solara.Text(
                f"{tr(lever.label)}: {lever_value_text(lever, value)}",
                classes=["partage-lever-label"],
            )
            with solara.Tooltip(tip):
                solara.Button(
                    icon_name="mdi-information-outline",
                    icon=True,
                    small=True,
                    attributes={"aria-label": tip},
                    classes=["partage-lever-help"],
                )
        LeverWidget(lever, value)
        if moved:
            with solara.Row(style={"align-items": "center", "gap": "6px"}):
                solara.Text(
                    tr("changed; in the file: {value}").format(
                        value=lever_value_text(lever, original)
                    ),
                    classes=["partage-moved-note"],
                )
                solara.Button(
                    tr("reset"),
                    on_click=lambda: reset_lever(lever.path),
                    small=True,
                    text=True,
                    color="primary",
                )


def LeverWidget(lever: Lever, value: Any):
    """The widget the schema calls for: a list, a box or a slider over the allowed range.

    A slider reports a move only when it goes at least half a step from the value shown:
    the slider rounds a value off its grid when it appears, and that is not a move."""
    label = tr(lever.label)
    if lever.type == "choice":
        ChoiceSelect(
            label,
            [(c, tr(str(c))) for c in lever.choices],
            value,
            lambda v: set_lever(lever, v),
        )
        return
    if lever.type == "bool":
        solara.Checkbox(label=label, value=bool(value), on_value=lambda v: set_lever(lever, v))
        return
    low, high = lever.slider_range()
    step = lever.slider_step() if lever.type == "float" else max(1, round(lever.slider_step()))

    def moved(new: float) -> None:
        if abs(float(new) - float(value)) > step / 2 * (1 + 1e-9):
            set_lever(lever, new)

    slider = solara.SliderInt if lever.type == "int" else solara.SliderFloat
    slider(
        label="",
        value=int(value) if lever.type == "int" else float(value),
        min=int(low) if lever.type == "int" else low,
        max=int(high) if lever.type == "int" else high,
        step=step,
        on_value=moved,
        thumb_label=False,
    )


def _group_title(group: str) -> str:
    kind, _, name = group.partition(" ")
    if kind == "policy":
        return tr("Policy: {name}").format(name=tr(name.replace("_", " ")))
    if kind == "good":
        return tr("Good: {name}").format(name=tr(name))
    return tr("Levers: {name}").format(name=tr(group))


@solara.component
def Controls():
    names = [*catalogue.scenario_names(), *([EDITED] if edited.value is not None else [])]
    ChoiceSelect(
        tr("Scenario"),
        [(name, scenario_title(name)) for name in names],
        choice.value,
        choose_scenario,
        test_id="scenario-select",
    )
    kept, dropped = carried.value
    if kept:
        solara.Info(
            tr("Kept in this scenario, the policies you added: {names}.").format(
                names=", ".join(tr(name.replace("_", " ")) for name in kept)
            ),
            classes=["partage-carried"],
        )
    if dropped:
        solara.Warning(
            tr("This scenario cannot take these added policies, left out: {names}.").format(
                names=", ".join(tr(name.replace("_", " ")) for name in dropped)
            ),
            classes=["partage-dropped"],
        )
    run = current.value
    # A run closed with its session (as `RunView` knows) may still be the page's for a last redraw.
    model = run.model if run is not None else None
    if model is not None:
        scenario = model.scenario
        description = text_in(scenario.description, current_language()) or scenario.name
        solara.Text(tr(description), classes=["partage-description"])
    with solara.Row(style={"flex-wrap": "wrap", "gap": "4px"}):
        solara.Button(tr("Step"), on_click=step_once, color="primary", disabled=bool(playing.value))
        solara.Button(
            tr("Pause") if playing.value else tr("Play"),
            on_click=lambda: playing.set("" if playing.value else "play"),
            color="primary",
            outlined=True,
        )
        solara.Button(
            tr("Run to the horizon"),
            on_click=lambda: playing.set("horizon"),
            disabled=bool(playing.value) or model is None or not run.running,
            outlined=True,
            color="primary",
        )
        solara.Button(tr("Restart"), on_click=rebuild, text=True)
    ChoiceSelect(
        tr("Play speed"),
        [(value, tr("{n} months per second").format(n=number(value))) for value in SPEEDS],
        speed.value,
        speed.set,
        test_id="play-speed",
    )
    scenario = model.scenario if model is not None else None
    IntField(
        tr("Households (10 to {n})").format(n=number(MAX_HOUSEHOLDS)),
        households.value or (scenario.households if scenario else 0),
        set_households,
        MIN_HOUSEHOLDS,
        MAX_HOUSEHOLDS,
        test_id="households",
    )
    IntField(
        tr("Seed (same seed, same run)"),
        seed.value if seed.value >= 0 else (scenario.seed if scenario else 0),
        set_seed,
        0,
        MAX_SEED,
        test_id="seed",
    )
    solara.Checkbox(
        label=tr("Show the baseline (dashed lines)"),
        value=show_baseline.value,
        on_value=lambda v: (show_baseline.set(v), rebuild()),
    )
    if model is None:
        return
    WhatMoved()
    groups: dict[str, list[Lever]] = {}
    for lever in catalogue.levers(scenario):
        groups.setdefault(lever.group, []).append(lever)
    for group, members in groups.items():
        with Section(summary=_group_title(group), expand=group.startswith("policy")):
            if group.startswith("policy "):
                PolicyTargets(scenario, group.removeprefix("policy "), on_set=set_target)
            for lever in members:
                LeverControl(lever)
    PackageBuilder(scenario, on_add=add_to_package)
    with solara.Column(style={"gap": "4px"}):
        solara.FileDownload(
            lambda: catalogue.scenario_toml(scenario_now(), run_settings()),
            filename=f"{scenario.name}-edited.toml",
            label=tr("Download this scenario (TOML)"),
            mime_type="application/toml",
        )
        solara.FileDownload(
            lambda: planner_csv(run.settings_frame(csv_settings()), current_language()),
            filename=f"partage-{scenario.name}-explore.csv",
            label=tr("Download these months (CSV)"),
            mime_type="text/csv",
        )
    with Section(summary=tr("Edit or upload a scenario (TOML)")):
        ScenarioEditor()


def csv_settings() -> dict[str, Any]:
    return {
        "scenario": choice.value if choice.value != EDITED else "edited",
        **run_settings(),
        **{f"lever:{path}": value for path, value in sorted(overrides.value.items())},
    }


def scenario_title(name: str) -> str:
    if name == EDITED:
        return tr("edited scenario")
    return plain_title(name)


@solara.component
def WhatMoved():
    """The levers moved away from the scenario file, each with its reset, and a reset of all."""
    moved = overrides.value
    if not moved:
        return
    with solara.Div(classes=["partage-what-moved"]):
        solara.Text(
            tr("What moved: {count} setting(s) differ from the scenario file").format(
                count=number(len(moved))
            )
        )
        solara.Button(tr("Reset all"), on_click=reset_all, small=True, outlined=True)


@solara.component
def ScenarioEditor():
    if not editor_text.value and choice.value != EDITED:
        editor_text.value = catalogue.scenario_text(choice.value)
    solara.InputTextArea(
        label=tr("Scenario (TOML)"),
        value=editor_text.value,
        on_value=editor_text.set,
        rows=10,
        continuous_update=False,
    )
    solara.Button(
        tr("Apply the edited scenario"),
        on_click=lambda: apply_text(editor_text.value, "edited scenario"),
        outlined=True,
        color="primary",
    )
    # A new drop zone after each drop (two containers in turn), so no file name stays on it.
    container = solara.Div if drop_count.value % 2 == 0 else solara.Column
    with container():
        solara.FileDrop(
            label=tr("Or drop a scenario file (.toml) here"),
            on_file=drop_file,
            lazy=False,
        )
        # The same by a click: the browser's file chooser (a phone, a keyboard).
        widgets.FileUpload.element(
            accept=".toml",
            multiple=False,
            description=tr("Choose a scenario file (.toml)"),
            on_value=choose_file,
            layout=widgets.Layout(width="auto"),
        )


def _headline_rows(run: ExploreRun) -> list[tuple[str, str, str, str]]:
    """(figure, scenario, baseline, difference) in the page's language and units."""
    h = run.headline()
    mine, base = h["scenario"], h["baseline"]

    def row(name, key, fmt, sign=True, fmt_difference=None):
        value = fmt(mine[key])
        if base is None:
            return (name, value, "", "")
        difference = mine[key] - base[key]
        text = (fmt_difference or fmt)(difference)
        if sign and difference > 0:
            text = "+" + text
        return (name, value, fmt(base[key]), text)

    size = h["households"]

    def points(v: float) -> str:
        """A difference of shares, in percentage points (never labelled %)."""
        return tr("{value} points").format(value=number(100 * v / size, 1))

    return [
        row(
            tr("Households sharing a good"),
            "sharing_households",
            lambda v: f"{number(v)} ({percent(v / size)})",
            fmt_difference=lambda v: f"{number(v)} ({'+' if v > 0 else ''}{points(v)})",
        ),
        row(tr("Spending per household (€/month)"), "spending_eur", lambda v: eur(v, 1)),
        row(tr("Goods owned"), "goods", number),
        row(tr("Emissions of the goods in use so far"), "emissions_t", tonnes),
        row(tr("Public spending so far"), "public_spend_eur", eur),
    ]


@solara.component
def Headline(run: ExploreRun, month: int):
    years = month / 12
    with solara.Div(classes=["partage-headline"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<span class='partage-month'>{escaped(tr('Month'))} {month} / {run.model.months}"
                f"</span> <span class='partage-years'>({escaped(tr('{years} years').format(years=number(years, 1)))})</span>"
            ),
            attributes={"data-testid": "month"},
        )
        has_base = run.reference is not None
        solara.Text(
            tr("Figures for the territory ({households} households)").format(
                households=number(run.territory_households)
            ),
            classes=["partage-territory"],
        )
        head = [tr("Figure"), tr("This scenario")] + (
            [tr("Baseline"), tr("Difference")] if has_base else []
        )
        rows = "".join(
            "<tr>"
            + "".join(f"<td>{escaped(cell)}</td>" for cell in (cells if has_base else cells[:2]))
            + "</tr>"
            for cells in _headline_rows(run)
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                "<table class='partage-table'><thead><tr>"
                + "".join(f"<th scope='col'>{escaped(h)}</th>" for h in head)
                + f"</tr></thead><tbody>{rows}</tbody></table>"
            ),
            classes=["partage-scroll"],
            attributes={"data-testid": "headline-figures"},
        )


def household_rows(state: dict[str, Any]) -> list[tuple[str, str]]:
    modes = ", ".join(
        f"{tr(g)}: {tr(MODE_NAMES[m]) if m in MODE_NAMES else tr('no need')}"
        for g, m in state["modes"].items()
    )
    return [
        (tr("Household"), str(state["household"])),
        (tr("Zone"), tr(state["zone"])),
        (tr("Income"), eur(state["income_eur"]) + " " + tr("per month")),
        (tr("Income fifth (1 poorest, 5 richest)"), str(state["quintile"])),
        (tr("Trust in sharing (0 to 1)"), number(state["trust"], 2)),
        (tr("How it gets each good"), modes),
        (tr("Lends"), ", ".join(tr(g) for g in state["lends"]) or tr("nothing")),
        (tr("Ties to other households"), number(state["ties"])),
    ]


@solara.component
def HouseholdPanel(run: ExploreRun, month: int):
    size = run.model.households.size
    IntField(
        tr("Household number (0 to {last})").format(last=number(size - 1)),
        selected.value,
        selected.set,
        0,
        size - 1,
        test_id="household",
    )
    solara.Button(
        tr("Random household"),
        on_click=lambda: selected.set(int(run.model.rng.integers(size))),
        small=True,
        outlined=True,
    )
    state = run.describe(min(selected.value, size - 1))
    rows = "".join(
        f"<tr><th scope='row'>{escaped(k)}</th><td>{escaped(v)}</td></tr>"
        for k, v in household_rows(state)
    )
    solara.HTML(
        tag="table",
        unsafe_innerHTML=rows,
        attributes={"data-testid": "household-state"},
        classes=["partage-table"],
    )


def map_legend(difference: bool = False) -> str:
    if difference:
        items = [
            (colour, tr(f"shares in {name}") if name not in ("both", "neither") else tr(name))
            for name, colour in DIFFERENCE_COLOURS.items()
        ]
    else:
        items = [(MODE_COLOURS[m], tr(MODE_NAMES[m])) for m in MODE_LABELS]
        items.append((NO_NEED_COLOUR, tr("does not need it")))
    return "".join(
        f"<span class='partage-key'><span class='partage-swatch' style='background:{colour}'>"
        f"</span>{escaped(text)}</span>"
        for colour, text in items
    )


@solara.component
def Page():
    solara.Title(tr("Explore"))
    router = solara.use_router()
    refused = ""
    if not address_read.value:
        address_read.value = True
        refused = read_address(router.search)
    if current.value is None and not error.value and not closed.value:
        if choice.value != EDITED and not editor_text.value:
            editor_text.value = catalogue.scenario_text(choice.value)
        rebuild()
    if refused and not error.value:
        error.value = refused
    run = current.value

    def play_loop(cancel: threading.Event):
        mode = playing.value
        while playing.value and not cancel.is_set():
            active = current.value
            if active is None or not active.running:
                break
            if mode == "horizon":
                run_to_horizon(active, cancel)
                break
            started = time.monotonic()
            active.step()
            tick.value += 1
            active.step_reference_ahead()
            # at the chosen pace, never faster than the page can draw
            time.sleep(max(0.03, 1 / speed.value - (time.monotonic() - started)))
        playing.value = ""

    solara.use_thread(play_loop, dependencies=[playing.value], intrusive_cancel=False)

    query = address_query()

    def follow_address():
        if router.set_path is not None and (router.search or "") != query:
            router.push(f"{router.path}?{query}")

    solara.use_effect(follow_address, [query])

    solara.Style(STYLE)
    with solara.Sidebar():
        Controls()
    if error.value:
        solara.Error(error.value, classes=["scenario-error"])
    if run is None:
        solara.Info(tr("No run yet: choose a scenario."))
        return
    RunView(run)


@solara.component
def RunView(run: ExploreRun):
    """What changes month by month; only this part is redrawn when the run steps."""
    _ = tick.value  # redraw when the run steps
    if run.model is None:  # closed with its session while a step was being drawn
        return
    lang = current_language()
    solara.Text(
        tr(
            "Press Play to watch the months go by, or Step for one month; "
            "move a lever in the side panel to change the scenario."
        ),
        classes=["partage-hint"],
    )
    HorizonProgress()
    Headline(run, run.month)
    TrustPanel(run, choice.value, run.month)
    names = run.model.goods.names
    shown = good.value if good.value in names else names[0]
    with solara.Div(classes=["partage-columns"]):
        with solara.Div(classes=["partage-map-column"]):
            ChoiceSelect(
                tr("Good shown"),
                [(name, tr(name)) for name in names],
                shown,
                good.set,
                test_id="good-select",
            )
            solara.Checkbox(
                label=tr("Side by side with the baseline"),
                value=side_by_side.value,
                on_value=side_by_side.set,
                disabled=run.reference is None,
            )
            solara.Text(
                tr(
                    "Each dot is a household, coloured by how it gets a {good}; lines separate the zones."
                ).format(good=tr(shown)),
                classes=["partage-caption"],
            )
            solara.HTML(tag="div", unsafe_innerHTML=map_legend(), classes=["partage-legend"])
            ClickableSvg(
                run.map_svg(shown, selected.value, lang=lang),
                on_pick=lambda fx, fy: pick_at(run, fx, fy),
                test_id="territory-map",
            )
            solara.Text(
                tr("Click the map to select the nearest household."), classes=["partage-caption"]
            )
            with Section(summary=tr("Selected household"), expand=True):
                HouseholdPanel(run, run.month)
        with solara.Div(classes=["partage-curves-column"]):
            if side_by_side.value:
                SideBySide(run, shown, lang, tick.value)
            curves = run.curves_svg(shown, lang)
            for key, names_ in (
                ("curves-top", ("adoption", "trust")),
                ("curves-middle", ("stock", "emissions")),
                ("curves-bottom", ("spending",)),
            ):
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML="".join(
                        f"<div class='partage-chart'>{curves[n]}</div>" for n in names_
                    ),
                    attributes={"data-testid": key},
                    classes=["partage-charts"],
                )


@solara.component
def SideBySide(run: ExploreRun, shown: str, lang: str, drawn_at: int):
    """The reference and difference maps of the run's month (`drawn_at`, the run's tick, makes
    them redraw whenever the run moves, e.g. after "run to the horizon")."""
    maps = run.comparison_maps(shown, lang)
    if maps is None:
        solara.Info(tr("The side-by-side maps need the baseline run alongside."))
        return
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f"<div class='partage-chart'><strong>{escaped(tr('Baseline'))}</strong>"
            f"{maps['baseline']}<div class='partage-legend'>{map_legend()}</div></div>"
            f"<div class='partage-chart'><strong>{escaped(tr('Where sharing differs'))}</strong>"
            f"{maps['difference']}<div class='partage-legend'>{map_legend(True)}</div></div>"
        ),
        classes=["partage-charts"],
        attributes={"data-testid": "side-by-side", "data-month": str(run.month)},
    )


STYLE = """
.partage-headline .partage-month { font-size: 1.3em; font-weight: bold; }
.partage-years, .partage-caption, .partage-hint, .partage-moved-note { color: #595959; }
.partage-hint { font-size: 1.05em; margin-bottom: 6px; display: block; }
.partage-progress { font-weight: bold; color: #0072B2; margin: 4px 0; }
.partage-caption { font-size: 0.9em; display: block; }
.partage-scroll { max-width: 100%; overflow-x: auto; }
.partage-table { border-collapse: collapse; font-size: 0.9em; }
.partage-table th, .partage-table td { padding: 2px 8px; text-align: left; vertical-align: top; }
.partage-table thead th { border-bottom: 1px solid #767676; }
.partage-table tbody th { color: #404040; font-weight: normal; }
.partage-charts { display: flex; flex-wrap: wrap; gap: 8px; }
.partage-chart { flex: 1 1 320px; min-width: 0; max-width: 100%; }
.partage-columns { display: flex; flex-wrap: wrap; gap: 16px; max-width: 100%; }
.partage-map-column { flex: 5 1 300px; min-width: 0; max-width: 100%; }
.partage-curves-column { flex: 7 1 340px; min-width: 0; max-width: 100%; }
.partage-legend { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 0.9em; margin: 4px 0; }
.partage-key { display: inline-flex; align-items: center; gap: 4px; }
.partage-swatch { width: 12px; height: 12px; border-radius: 50%; border: 1px solid #767676;
                  display: inline-block; }
.partage-lever { margin-bottom: 4px; }
.partage-lever-label { display: block; font-size: 0.95em; }
.partage-moved { border-left: 4px solid #0072B2; padding-left: 6px; }
.partage-what-moved { display: flex; gap: 8px; align-items: center; flex-wrap: wrap;
                      margin: 6px 0; }
.partage-section { margin: 6px 0; border: 1px solid #d0d0d0; border-radius: 4px; padding: 4px 8px; }
.partage-section > summary { cursor: pointer; font-weight: 500; padding: 6px 0; }
.partage-description { display: block; font-style: italic; margin: 4px 0 8px; }
"""
