"""Running to the horizon: the month reached and the time left are shown every few seconds, and
the run's view is redrawn then and at the end, not at each month; the baseline's months, stepped
once, serve every run with the same baseline."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import solara

from viz import catalogue, explore, session, time_left
from viz.language import language
from viz.session import ExploreRun


@pytest.fixture
def tool_library(explore_reset):
    yield explore_reset("tool_library", 300)
    explore.current.value = None


def watch(reactive) -> list:
    seen = []
    reactive.subscribe(seen.append)
    return seen


def test_the_view_is_redrawn_at_each_progress_and_at_the_end_only(tool_library, monkeypatch):
    monkeypatch.setattr(explore, "PROGRESS_EVERY_S", 1e9)  # no progress before the end
    ticks = watch(explore.tick)
    explore.run_to_horizon(tool_library, threading.Event())
    assert tool_library.month == tool_library.model.months
    assert len(ticks) == 1, "redrawn at each month"
    assert explore.horizon_progress.value is None


def test_the_progress_says_the_month_reached_and_the_time_left(tool_library, monkeypatch):
    monkeypatch.setattr(explore, "PROGRESS_EVERY_S", 0.0)  # a progress after every month
    monkeypatch.setattr(time_left, "ESTIMATE_AFTER_S", 0.0)  # and a time left from the first
    shown, ticks = watch(explore.horizon_progress), watch(explore.tick)
    explore.run_to_horizon(tool_library, threading.Event())
    months = tool_library.model.months
    assert shown[0] == (0, months, None)  # at the start: the month, no time left yet
    during = shown[1:-1]
    assert [month for month, _, _ in during] == list(range(1, months + 1))
    assert all(horizon == months and left >= 0 for _, horizon, left in during)
    assert during[-1][2] == 0.0
    assert shown[-1] is None  # gone at the end
    assert len(ticks) == months + 1


def test_the_progress_line_in_english_and_french(tool_library):
    assert explore.progress_text((0, 120, None)) == "Running to the horizon: month 0 of 120"
    assert (
        explore.progress_text((48, 120, 3.4))
        == "Running to the horizon: month 48 of 120, about 3 s left"
    )
    language.value = "fr"
    assert (
        explore.progress_text((48, 120, 3.4))
        == "Jusqu'à l'horizon\u00a0: mois 48 sur 120, encore 3 s environ"
    )
    language.value = "en"


def test_the_progress_line_is_on_the_page_while_running_to_the_horizon(tool_library):
    _, rendered = solara.render(explore.HorizonProgress(), handle_error=False)
    assert not rendered.find(solara.widgets.HTML).widgets
    explore.horizon_progress.value = (12, 120, 7.0)
    (widget,) = rendered.find(solara.widgets.HTML).widgets
    assert widget.attributes["data-testid"] == "horizon-progress"
    assert widget.unsafe_innerHTML == "Running to the horizon: month 12 of 120, about 7 s left"
    explore.horizon_progress.value = None
    assert not rendered.find(solara.widgets.HTML).widgets


class GrowingMonths(list):
    """A run's months to which a month is added each time they are read, as when the run to the
    horizon steps while the page draws (Pause pressed in the middle of a month)."""

    def __iter__(self):
        self.append(dict(self[-1], month=self[-1]["month"] + 1))
        return super().__iter__()


def test_curves_drawn_while_the_run_steps_read_the_months_once(tool_library):
    tool_library.step()
    tool_library.model.series = GrowingMonths(tool_library.model.series)
    curves = tool_library.curves_svg(tool_library.model.goods.names[0])
    assert "<polyline" in curves["adoption"]


def test_a_cancelled_run_to_the_horizon_stops_and_clears_its_progress(tool_library):
    cancel = threading.Event()
    cancel.set()
    explore.run_to_horizon(tool_library, cancel)
    assert tool_library.month == 0 and explore.horizon_progress.value is None


def figures_of(run: ExploreRun) -> tuple:
    """Everything the page shows of the baseline at the run's month."""
    good = run.model.goods.names[0]
    return (
        run.headline()["baseline"],
        run.curves_svg(good),
        run.comparison_maps(good),
        run.settings_frame({}).to_csv(),
    )


def test_a_kept_baseline_gives_the_same_figures_as_a_baseline_stepped_anew():
    scenario = catalogue.load_named("tool_library")
    reference = catalogue.baseline_for(scenario)
    session.forget_baselines()
    first = ExploreRun(scenario, reference=reference, households=500)
    for _ in range(5):
        first.step()
    fresh = figures_of(first)
    kept = session.baseline_months(reference, households=500, seed=scenario.seed, months=120)
    assert kept is first.reference._months
    again = ExploreRun(scenario, reference=reference, households=500)  # a rerun: kept months
    assert again.reference._months is kept
    for _ in range(5):
        again.step()
    assert figures_of(again) == fresh
    session.forget_baselines()
    anew = ExploreRun(scenario, reference=reference, households=500)
    assert anew.reference._months is not kept
    for _ in range(5):
        anew.step()
    assert figures_of(anew) == fresh
    # and the run ahead of the kept months steps the baseline further, the same way
    for _ in range(3):
        first.step()
        anew.step()
    assert figures_of(first) == figures_of(anew)
    mine, theirs = first.reference.households, anew.reference.households
    assert np.array_equal(mine.mode, theirs.mode) and np.array_equal(mine.need, theirs.need)
    for run in (first, again, anew):
        run.close()


def months_ready(run: ExploreRun) -> int:
    """The baseline's months stepped so far, once any stepping ahead has finished."""
    kept = run.reference._months
    if kept._ahead is not None:
        kept._ahead.join()
    return len(kept.households)


def test_a_step_in_the_page_has_the_baseline_s_next_month_stepped_ahead(tool_library):
    session.forget_baselines()  # a baseline of its own, not one kept from another test
    explore.rebuild()
    run = explore.current.value
    assert months_ready(run) == 1
    explore.step_once()
    assert run.month == 1
    assert months_ready(run) == 3  # months 0 and 1 shown, month 2 stepped ahead
    assert run.reference.steps == 1  # the page still shows month 1 of the baseline
    session.forget_baselines()


def test_a_baseline_stepped_ahead_gives_the_same_figures_as_one_stepped_with_the_run():
    scenario = catalogue.load_named("tool_library")
    reference = catalogue.baseline_for(scenario)
    session.forget_baselines()
    ahead = ExploreRun(scenario, reference=reference, households=500)
    for month in range(1, 6):
        ahead.step()
        ahead.step_reference_ahead()
        assert months_ready(ahead) == month + 2
    shown_ahead = figures_of(ahead)
    session.forget_baselines()
    plain = ExploreRun(scenario, reference=reference, households=500)
    for _ in range(5):
        plain.step()
    assert len(plain.reference._months.households) == 6
    assert figures_of(plain) == shown_ahead
    mine, theirs = ahead.reference.households, plain.reference.households
    assert np.array_equal(mine.mode, theirs.mode) and np.array_equal(mine.need, theirs.need)
    for run in (ahead, plain):
        run.close()
    session.forget_baselines()


def test_baselines_kept_are_few_and_told_apart_by_households_seed_and_contents():
    scenario = catalogue.load_named("tool_library")
    reference = catalogue.baseline_for(scenario)
    session.forget_baselines()
    made = [
        session.baseline_months(reference, households=n, seed=1, months=12)
        for n in (100, 101, 102, 103, 104, 105)
    ]
    assert len(session._baselines) == session.BASELINES_KEPT
    assert session.baseline_months(reference, households=105, seed=1, months=12) is made[-1]
    assert session.baseline_months(reference, households=105, seed=2, months=12) is not made[-1]
    other = reference.with_overrides({"behaviour.awareness_p": 0.2}, source="test")
    assert session.baseline_months(other, households=105, seed=1, months=12) is not made[-1]
    session.forget_baselines()


def test_a_closing_session_builds_no_new_run(tool_library):
    """Closing a tab clears its pages' state; the pages, drawn once more as the session closes
    (at the end of a run to the horizon, say), must not build a new run the close misses."""
    from viz import app, memory

    solara.render(explore.Page(), handle_error=False)
    before = {id(run) for run in memory.live_runs}
    try:
        app.forget_page_state()
        assert explore.current.value is None
        assert {id(run) for run in memory.live_runs} <= before
    finally:
        explore.closed.value = False
