"""`partage app-bench`: time one Explore step and its redraw, and with `--browser` a click in Chromium
on Step and on "Run to the horizon". A side-by-side Step is timed twice: from Playwright's click
(which first waits for the button to be still and reachable, a wait no user has) to the month
shown, and in the page, from the click event to the first frame drawn with the new month.

The timing is `benchmarks.app_responsiveness`.
"""

from __future__ import annotations

import statistics

from benchmarks.app_responsiveness import measure, measure_browser


def register(subparsers) -> None:
    parser = subparsers.add_parser("app-bench", help="time one Explore step and its redraw")
    parser.add_argument(
        "--households", type=int, default=5000, help="households of the run (default 5000)"
    )
    parser.add_argument(
        "--steps", type=int, default=24, help="months stepped and timed (default 24)"
    )
    parser.add_argument(
        "--scenario",
        default="tool_library",
        help="scenario name in scenarios/ shown beside the baseline (default tool_library)",
    )
    parser.add_argument(
        "--browser", action="store_true", help="also time click-to-screen in Chromium"
    )
    parser.add_argument(
        "--chromium",
        default="/usr/bin/chromium",
        help="Chromium executable for --browser (default /usr/bin/chromium)",
    )
    parser.add_argument(
        "--side-by-side-households",
        type=int,
        default=10_000,
        help="households of the side-by-side step timed with --browser (default 10000)",
    )
    parser.add_argument(
        "--horizon-scenario",
        default="bordeaux_rive_droite",
        help="scenario of the run to the horizon timed with --browser (default "
        "bordeaux_rive_droite, Bordeaux Métropole with its reference alongside)",
    )
    parser.add_argument(
        "--horizon-households",
        type=int,
        default=20_000,
        help="households of that run to the horizon (default 20000)",
    )
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    figures = measure(args.households, args.steps, args.scenario)
    if args.browser:
        for label, scenario in (
            ("baseline alone", "baseline"),
            ("baseline alongside", args.scenario),
        ):
            step_ms, horizon_ms = measure_browser(
                args.households, args.steps, scenario, args.chromium
            )
            figures[f"click Step to new month in Chromium, {label} (ms)"] = step_ms
            figures[f"click Run to the horizon to last month, {label} (ms)"] = horizon_ms
        in_page: list[float] = []
        step_ms, _ = measure_browser(
            args.side_by_side_households,
            args.steps,
            args.scenario,
            args.chromium,
            1,
            True,
            click_to_frame_samples=in_page,
        )
        figures[
            f"click Step to month on screen, reference side by side, "
            f"{args.side_by_side_households} households (ms)"
        ] = step_ms
        figures[
            "  the same in the page, from the click event to the first frame drawn with it (ms)"
        ] = 1000 * statistics.median(in_page)
        _, horizon_ms = measure_browser(
            args.horizon_households, 0, args.horizon_scenario, args.chromium
        )
        figures[
            f"click Run to the horizon to last month, {args.horizon_scenario}, "
            f"{args.horizon_households} households (ms)"
        ] = horizon_ms
    for name, value in figures.items():
        print(f"{name:80s} {value:8.1f}" if isinstance(value, float) else f"{name:80s} {value:8d}")
    return 0
