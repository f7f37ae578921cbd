"""`partage run SCENARIO`: one simulation, its monthly series on disk, and a short summary.

The run and the files it writes are `experiments.run.run_scenario_to`; this
module parses the options and prints the mode shares at the start and at the
horizon.
"""

from __future__ import annotations

import pandas as pd

from cli.options import add_output_option, add_progress_options
from experiments.run import run_scenario_to
from experiments.territory_figures import declared_households, run_figures
from model.households import MODE_NAMES
from model.messages import escaped
from model.scenario import load_scenario, parse_assignment


def register(subparsers) -> None:
    run = subparsers.add_parser("run", help="run one scenario and write its monthly series")
    run.add_argument("scenario", help="scenario file (TOML)")
    run.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    run.add_argument(
        "--households", type=int, help="number of households (default: the scenario's)"
    )
    run.add_argument("--months", type=int, help="horizon in months (default: the scenario's)")
    run.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario value by its dotted path, e.g. goods.car.purchase_eur=20000",
    )
    add_output_option(run, what="output folder", default="results/<scenario name>")
    add_progress_options(run)
    run.set_defaults(handler=run_command)


OWN_OPTIONS = ("seed", "households", "months")


def overrides_from(args) -> dict:
    overrides = dict(parse_assignment(text) for text in args.assignments)
    for key in OWN_OPTIONS:
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    return overrides


def options_given(args) -> dict[str, str]:
    """The overridden values that came from an option of their own, not `--set`."""
    return {key: f"--{key}" for key in OWN_OPTIONS if getattr(args, key) is not None}


def summary_table(series: pd.DataFrame, goods: list[str], territory: dict | None = None) -> str:
    """Mode shares per good at the start and at the horizon, and headline outcomes; with
    `territory` (the last month for the territory, `experiments.territory_figures.run_figures`,
    with its `households`), counts, tonnes and euros are the territory's."""
    first, last = series.iloc[0], series.iloc[-1]
    lines = [f"{'good':<12}" + "".join(f"{m:>16}" for m in [*MODE_NAMES, "lenders"])]
    for good in goods:
        cells = "".join(
            f"{first[f'{good}.{m}']:>7.1%} → {last[f'{good}.{m}']:>6.1%}"
            for m in [*MODE_NAMES, "lenders"]
        )
        lines.append(f"{good:<12}{cells}")
    end = territory or last
    scope = (
        f"for the territory ({territory['households']:,.0f} households)"
        if territory
        else "for the households simulated"
    )
    lines += [
        "",
        f"month {int(last['month'])}, {scope}: {end['sharing_households']:,.0f} households share at "
        f"least one good ({last['sharing_households.share']:.1%}); mean trust "
        f"{first['trust.mean']:.2f} → {last['trust.mean']:.2f}",
        f"goods owned {end['goods.stock_total']:,.0f}; "
        f"embodied emissions of the goods in use {end['emissions.cumulative_t']:,.0f} t CO2e; "
        f"household spending {first['spending.mean_eur']:.0f} → {last['spending.mean_eur']:.0f} EUR/month; "
        f"public spend {end['public.cumulative_spend_eur']:,.0f} EUR",
    ]
    return "\n".join(lines)


def territory_figures_of(args, series: pd.DataFrame) -> dict:
    """The run's last month for the territory of the scenario as declared (its file and `--set`
    values, without the sample's size)."""
    overrides = {k: v for k, v in overrides_from(args).items() if k != "households"}
    declared = load_scenario(args.scenario, overrides)
    sample = args.households or declared.households
    figures = run_figures(declared, series.iloc[-1].to_dict(), sample)
    return figures | {"households": declared_households(declared)}


def run_command(args) -> int:
    series, out = run_scenario_to(
        args.scenario,
        overrides_from(args),
        args.out,
        progress=args.progress,
        given_as=options_given(args),
    )
    goods = [c.removesuffix(".own") for c in series.columns if c.endswith(".own")]
    print(summary_table(series, goods, territory_figures_of(args, series)))
    print(f"series, outcomes by zone (zones.parquet) and manifest written to {escaped(out)}/")
    return 0
