"""`partage territory import` and `partage territory show`: a territory from data, in and described.

`import POLYGONS --figures CSV --key COL --name COL --out scenarios/NAME.toml`
writes a scenario extending the baseline on the zones of these files (see
`experiments.territory_import`); `show SCENARIO` prints its zones table
(households, density, income, car-free share), what was filled in and why,
and writes a PNG map of the zones.
"""

from __future__ import annotations

from pathlib import Path

from experiments.report import markdown_table
from experiments.territory_import import (
    describe_territory,
    drift_table,
    filled_summary,
    import_territory,
    write_equilibrium,
)
from model.scenario import load_scenario


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "territory", help="import or describe a territory from map and figure files"
    )
    commands = parser.add_subparsers(dest="territory_command", metavar="ACTION", required=True)

    imported = commands.add_parser(
        "import", help="write a scenario on the zones of a polygons file and a figures table"
    )
    imported.add_argument(
        "polygons", metavar="POLYGONS", help="GeoJSON, GeoPackage or Shapefile of the zones"
    )
    imported.add_argument(
        "--figures", required=True, metavar="CSV", help="table of figures, one row per zone"
    )
    imported.add_argument(
        "--key", required=True, metavar="COLUMN", help="column joining polygons and figures"
    )
    imported.add_argument(
        "--name", required=True, metavar="COLUMN", help="column of the zones' names"
    )
    imported.add_argument(
        "--out", required=True, type=Path, metavar="SCENARIO", help="scenario file to write"
    )
    imported.add_argument("--households-column", metavar="COLUMN", help="default: households")
    imported.add_argument(
        "--car-free-column",
        metavar="COLUMN",
        help="share of households without a car (default: the column naming without_car or car_free)",
    )
    imported.add_argument(
        "--income-column",
        metavar="COLUMN",
        help="median income (default: the column naming income)",
    )
    imported.add_argument(
        "--income-per",
        choices=("household", "consumption_unit"),
        help="what the income is per (default: read from the column's name)",
    )
    imported.add_argument(
        "--today",
        type=Path,
        metavar="TOML",
        help="the sharing that exists today (fleets, subscribers), with sources "
        "(default: today.toml beside the figures, if any)",
    )
    imported.set_defaults(handler=import_command)

    show = commands.add_parser(
        "show", help="print the zones of a scenario on a territory from data and map them"
    )
    show.add_argument("scenario", metavar="SCENARIO", help="scenario file")
    show.add_argument(
        "--out", type=Path, metavar="PNG", help="map to write (default results/territory-NAME.png)"
    )
    show.add_argument(
        "--colour",
        default="car_free_share",
        metavar="COLUMN",
        help="column of the zones table colouring the map (default car_free_share)",
    )
    show.set_defaults(handler=show_command)

    equilibrium = commands.add_parser(
        "equilibrium",
        help="solve the constants under which a scenario's observed start is its own equilibrium, "
        "and write them at the end of the file",
    )
    equilibrium.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario file")
    equilibrium.set_defaults(handler=equilibrium_command)

    drift = commands.add_parser(
        "drift", help="follow an outcome by zone of a finished run over months"
    )
    drift.add_argument("run", metavar="RUN_DIR", type=Path, help="output folder of `partage run`")
    drift.add_argument(
        "--outcome", default="car.without.share", help="outcome by zone (default car.without.share)"
    )
    drift.add_argument(
        "--months",
        type=int,
        nargs="+",
        default=[0, 12, 120],
        metavar="M",
        help="months to show (default 0 12 120)",
    )
    drift.set_defaults(handler=drift_command)


def equilibrium_command(args) -> int:
    tables, gap = write_equilibrium(args.scenario)
    print(
        f"{args.scenario}: constants of {', '.join(tables) or 'no good'} solved; largest gap "
        f"between stationary and observed shares {gap:.4f}"
    )
    return 0


def import_command(args) -> int:
    scenario = import_territory(
        args.polygons,
        args.figures,
        key=args.key,
        name=args.name,
        out=args.out,
        households_column=args.households_column,
        car_free_share_column=args.car_free_column,
        income_column=args.income_column,
        income_per=args.income_per,
        today=args.today,
    )
    territory = scenario.territory.resolved()
    print(
        f"{args.out}: {len(territory.keys)} zones, {territory.households.sum():,.0f} households; "
        f"run it with `partage run {args.out}`"
    )
    defaulted = territory.filled[territory.filled["field"] == "multi_car_share"]
    if len(defaulted):
        print(
            f"households with two cars or more: no figure for {len(defaulted)} of "
            f"{len(territory.keys)} zones ({', '.join(defaulted['name'].head(6))}"
            f"{', …' if len(defaulted) > 6 else ''}); they take the car good's "
            "initial_multi_owner_share of their kind times their share of households with a car"
        )
    for name, fleet in scenario.today.fleets.items():
        print(
            f"sharing today: {name}, {fleet.good}, units {fleet.units}, subscribers "
            f"{'not known' if fleet.subscribers is None else f'{fleet.subscribers:,.0f}'}"
        )
    for missing in scenario.today.missing:
        print(f"sharing today, left out for want of a figure: {missing}")
    return 0


def show_command(args) -> int:
    from experiments.maps import territory_map

    scenario = load_scenario(args.scenario)
    zones, filled = describe_territory(scenario)
    shown = zones.assign(
        households=zones["households"].map(lambda v: f"{v:,}"),
        area_km2=zones["area_km2"].round(2),
        density_households_per_km2=zones["density_households_per_km2"].round(0),
        income_eur_per_month_per_household=zones["income_eur_per_month_per_household"].round(0),
    )
    print(markdown_table(shown))
    print()
    print(
        f"{len(zones)} zones, {zones['households'].sum():,} households (the scenario simulates a sample of "
        f"{scenario.households:,})"
    )
    if not filled.empty:
        print("\nfilled in (not in the figures table), by field:")
        print(markdown_table(filled_summary(filled)))
        kinds = filled[filled["field"] == "kind"]
        if not kinds.empty:
            print("\nzone kinds from density:")
            print(
                markdown_table(
                    kinds[["key", "name", "value", "reason"]].rename(columns={"value": "kind"})
                )
            )
    out = args.out or Path("results") / f"territory-{scenario.name}.png"
    out = territory_map(scenario.territory.resolved(), out, args.colour)
    print(f"\nmap written to {out}")
    return 0


def drift_command(args) -> int:
    table = drift_table(args.run, args.outcome, args.months)
    shares = [c for c in table.columns if c.startswith(("month", "change", "census"))]
    if args.outcome.endswith("share"):
        levels = [c for c in shares if not c.startswith("change")]
        changes = [c for c in shares if c.startswith("change")]
        table[levels] = table[levels].map(lambda v: f"{100 * v:.1f} %")
        table[changes] = table[changes].map(lambda v: f"{100 * v:+.1f} pts")
    print(markdown_table(table))
    return 0
