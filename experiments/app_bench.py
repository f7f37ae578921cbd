"""`partage app-bench`: how long one Explore step and its redraw take, at 5 000 households by default.

Three figures, median over the months stepped: the model's step alone; the
step plus drawing the map, the curves and the headline; and the step plus the
whole page update through Solara (pressing Step on the rendered Explore page,
without a browser: the server's share of the work).
"""

from __future__ import annotations

import statistics
import time


def register(subparsers) -> None:
    parser = subparsers.add_parser("app-bench", help="time one Explore step and its redraw")
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--scenario", default="tool_library", help="scenario name in scenarios/")
    parser.set_defaults(handler=handle)


def _median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def measure(households: int, steps: int, scenario: str) -> dict[str, float]:
    import ipyvuetify as v
    import solara

    from viz import catalogue, explore
    from viz.session import ExploreRun

    run = ExploreRun(catalogue.load_named(scenario), households=households)
    step_only, step_draw = [], []
    for _ in range(steps):
        start = time.perf_counter()
        run.step()
        middle = time.perf_counter()
        run.map_svg(run.model.goods.names[0], 0)
        run.curves_svg(run.model.goods.names[0])
        run.headline()
        end = time.perf_counter()
        step_only.append(middle - start)
        step_draw.append(end - start)

    explore.choice.value = scenario
    explore.households.value = households
    explore.show_baseline.value = False
    explore.rebuild()
    _, rendered = solara.render(explore.Page(), handle_error=False)
    _, controls = solara.render(explore.Controls(), handle_error=False)
    button = controls.find(v.Btn, children=["Step"]).widget
    page_update = []
    for _ in range(steps):
        start = time.perf_counter()
        button.click()
        page_update.append(time.perf_counter() - start)
    return {
        "households": households,
        "model step (ms)": _median_ms(step_only),
        "step + map, curves, headline (ms)": _median_ms(step_draw),
        "step + Solara page update (ms)": _median_ms(page_update),
    }


def handle(args) -> int:
    figures = measure(args.households, args.steps, args.scenario)
    for name, value in figures.items():
        print(f"{name:36s} {value:10.1f}" if isinstance(value, float) else f"{name:36s} {value:10d}")
    return 0
