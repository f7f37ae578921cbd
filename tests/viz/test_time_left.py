"""The time left of a task under way is estimated and said in one place (`viz.time_left`): Compare's
replications, the policy search and Explore's run to the horizon say the same words for the same
progress, in English and in French."""

from __future__ import annotations

import threading

import ipyvuetify as v
import pytest
import solara

from viz import compare, explore, search, time_left
from viz.language import language
from viz.time_left import Clock, seconds_left, time_left_text


class FakeClock:
    """The seconds `viz.time_left` reads, moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_clock(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(time_left, "monotonic", clock)
    return clock


def test_the_estimate_is_the_pace_so_far_and_none_before_any_is_done():
    assert seconds_left(10.0, 25, 100) == 30.0
    assert seconds_left(10.0, 100, 100) == 0.0
    assert seconds_left(10.0, 0, 100) is None
    assert seconds_left(0.2, 50, 100) is None  # too soon for a pace


@pytest.mark.parametrize(
    ("seconds", "english", "french"),
    [
        (None, "estimating the time left…", "estimation du temps restant…"),
        (0.2, "about 1 s left", "encore 1 s environ"),
        (3.4, "about 3 s left", "encore 3 s environ"),
        (89.4, "about 89 s left", "encore 89 s environ"),
        (200.0, "about 3 min left", "encore 3 min environ"),
        (7200.0, "about 120 min left", "encore 120 min environ"),
    ],
)
def test_the_time_left_in_words(seconds, english, french):
    assert time_left_text(seconds, "en") == english
    assert time_left_text(seconds, "fr") == french


def test_the_time_left_follows_the_session_s_language():
    try:
        language.value = "fr"
        assert time_left_text(3.4) == "encore 3 s environ"
        language.value = "en"
        assert time_left_text(3.4) == "about 3 s left"
    finally:
        language.value = "en"


class PendingTask:
    """A background task under way, as a page reads it."""

    def __init__(self, progress: float):
        self.pending, self.progress = True, progress
        self.error = self.finished = False
        self.value = self.exception = None

    def is_current(self) -> bool:
        return True


def progress_line(rendered, classes: str) -> str:
    """The text of the one widget with these classes."""
    (widget,) = rendered.find(v.Html, class_=classes).widgets
    (text,) = widget.children
    return text


def compare_progress(monkeypatch, fake_clock, lang: str, elapsed: float) -> str:
    """Compare's line while its replications are 40 % done after `elapsed` seconds."""
    monkeypatch.setattr(compare, "compare_task", PendingTask(40.0))
    monkeypatch.setattr(compare, "clock", Clock())
    fake_clock.now += elapsed
    language.value = lang
    _, rendered = solara.render(compare.Page(), handle_error=False)
    return progress_line(rendered, "compare-progress")


def search_progress(monkeypatch, fake_clock, tmp_path, lang: str, elapsed: float) -> str:
    """The policy search's line while it is 40 % done after `elapsed` seconds."""
    monkeypatch.setattr(search, "search_task", PendingTask(40.0))
    monkeypatch.setattr(search, "clock", Clock())
    fake_clock.now += elapsed
    _, rendered = solara.render(search.SearchLauncher(lang, tmp_path), handle_error=False)
    return progress_line(rendered, "search-progress")


def horizon_progress(monkeypatch, fake_clock, explore_reset, lang: str, elapsed: float) -> str:
    """Explore's line when its run to the horizon is at 40 % of its months after `elapsed`
    seconds."""
    run = explore_reset("tool_library", 200)
    months = run.model.months
    monkeypatch.setattr(explore, "PROGRESS_EVERY_S", 0.0)
    shown = []
    explore.horizon_progress.subscribe(shown.append)

    def month_at_the_same_pace() -> None:
        fake_clock.now += elapsed / (months * 0.4)

    stepping = run.step

    def step() -> None:
        stepping()
        month_at_the_same_pace()

    monkeypatch.setattr(run, "step", step)
    explore.run_to_horizon(run, threading.Event())
    (at,) = [p for p in shown if p is not None and p[0] == round(months * 0.4)]
    language.value = lang
    return explore.progress_text(at)


@pytest.mark.parametrize(
    ("lang", "elapsed", "left"),
    [
        ("en", 20.0, "about 30 s left"),
        ("fr", 20.0, "encore 30 s environ"),
        ("en", 200.0, "about 5 min left"),
        ("fr", 200.0, "encore 5 min environ"),
    ],
)
def test_compare_the_search_and_explore_say_the_same_time_left(
    monkeypatch, fake_clock, tmp_path, explore_reset, lang, elapsed, left
):
    try:
        lines = [
            compare_progress(monkeypatch, fake_clock, lang, elapsed),
            search_progress(monkeypatch, fake_clock, tmp_path, lang, elapsed),
            horizon_progress(monkeypatch, fake_clock, explore_reset, lang, elapsed),
        ]
    finally:
        language.value = "en"
        explore.current.value = None
    assert all(line.endswith(left) for line in lines), lines
    assert time_left_text(elapsed * 1.5, lang) == left
