"""`partage map RUN_OR_COMPARE_DIR --outcome OUTCOME --month M`: an outcome by zone on the real map.

For a run folder the map shows the outcome's level in each zone; for a
comparison folder, the paired difference from the baseline (hatched where its
95 % interval contains zero). See `experiments.maps`.
"""

from __future__ import annotations

from pathlib import Path

from cli.options import add_language_option


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "map", help="draw an outcome by zone of a run or a comparison on the real map"
    )
    parser.add_argument(
        "directory",
        metavar="RUN_OR_COMPARE_DIR",
        type=Path,
        help="output folder of `partage run` or `partage compare`",
    )
    parser.add_argument(
        "--outcome", required=True, help="outcome by zone, e.g. car.own or car.without.share"
    )
    parser.add_argument("--month", type=int, help="month to draw (default: the last)")
    parser.add_argument(
        "--scenario",
        help="for a comparison: the scenario to set against the baseline (default: the first)",
    )
    parser.add_argument(
        "--out", type=Path, metavar="PNG", help="map to write (default: in the folder)"
    )
    add_language_option(parser, "the map's title and legend")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    from experiments.maps import run_map
    from viz.outcomes import map_words

    path = run_map(
        args.directory, args.outcome, args.month, args.out, args.scenario, map_words(args.lang)
    )
    print(f"map written to {path}")
    return 0
