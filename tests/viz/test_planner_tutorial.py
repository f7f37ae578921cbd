"""The planner's tutorial (docs/tutorials/planner.md) runs in a real browser: every step it
describes — a territory, a package run to the horizon, its comparison, the council report —
is followed by `viz.screenshots.planner_tour`, which also takes the tutorial's screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from viz.screenshots import PLANNER_STEPS, planner_tour

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "tutorials" / "planner.md"

pytestmark = pytest.mark.browser


def test_the_planners_tutorial_can_be_followed_in_the_app(page, ui, tmp_path):
    saved = planner_tour(page, ui.url, tmp_path)
    assert [path.stem for path in saved] == list(PLANNER_STEPS)
    text = TUTORIAL.read_text(encoding="utf-8")
    for step in PLANNER_STEPS:  # every screenshot the tour takes is shown in the tutorial
        assert f"planner/{step}.png" in text
