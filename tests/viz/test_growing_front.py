"""A point of the policy search's front opens in Explore while the search is still running."""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara
import solara.routing

from viz import explore, search
from viz.clickable import ClickableSvgWidget
from viz.front import Front
from viz.language import language


@pytest.fixture(scope="module")
def front_so_far(tmp_path_factory):
    """The front a tiny search reports after its first generation (`on_front`), as the page gets it."""
    from experiments.optimise import run_optimisation

    folder = tmp_path_factory.mktemp("growing")
    design = folder / "growing.toml"
    design.write_text(
        search.design_text(
            ["tool_library", "sharing_forum_and_map"],
            ["extra_sharing_households", "net_public_cost_eur"],
            1_200_000,
            (6, 1, 1, 100, 6),
            "growing",
        ),
        encoding="utf-8",
    )
    fronts = []
    run_optimisation(design, out=folder / "growing", progress=False, on_front=fronts.append)
    return fronts[0]


def test_a_point_of_the_front_so_far_opens_in_explore(front_so_far, tmp_path):
    language.value = "en"
    search.growing.value = front_so_far
    search.searched["months"] = 6
    explore.households.value = 400
    try:
        pushed = []

        @solara.component
        def Launcher():  # the page under a router whose addresses the test keeps
            solara.routing.router_context.provide(
                solara.routing.Router("/optimise", [], set_path=pushed.append)
            )
            search.SearchLauncher("en", tmp_path)

        _, page = solara.render(Launcher(), handle_error=False)
        drawing = page.find(ClickableSvgWidget, test_id="growing-front")
        assert drawing.widgets, "the front so far can be clicked"
        front = Front.from_table(front_so_far, search.objectives.value, search.budget.value)
        last = front.row(len(front.front))
        fx, fy = front.to_fraction(float(last[front.x]), float(last[front.y]))
        drawing.widget.vue_on_click({"x": fx, "y": fy})
        page.find(v.Btn, children=["Open in Explore"]).widget.click()
        assert pushed == ["/"] and explore.choice.value == explore.EDITED, explore.error.value
        opened = explore.edited.value
        assert opened.months == 6
        for path, value in dict(last["params"]).items():
            name = path.removeprefix("policies.")
            if "." not in name:
                assert (name in opened.policies) == bool(value), name
    finally:
        search.growing.value = None
        explore.choice.value = catalogue_baseline()
        explore.edited.value = None
        explore.current.value = None


def catalogue_baseline() -> str:
    from viz.catalogue import BASELINE

    return BASELINE
