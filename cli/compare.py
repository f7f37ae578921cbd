"""`partage compare BASELINE SCENARIO...`: policy impacts with their uncertainty, by replication.

The runs, the statistics and the files written are `experiments.compare`
(the comparison engine); this module parses the options and prints the
headline table and the cost-effectiveness.
"""

from __future__ import annotations

import math

import pandas as pd

from cli.options import add_execution_options, add_output_option, report_summary
from experiments.compare import (
    HEADLINE_OUTCOMES,
    load_comparison,
    run_compare,
    territory_scope,
    write_report,
)
from experiments.report import format_number, markdown_table


def headline_markdown(table: pd.DataFrame) -> str:
    part = table[table["outcome"].isin(HEADLINE_OUTCOMES)].copy()
    cut = part["ci_cut_to_range"] if "ci_cut_to_range" in part else [False] * len(part)
    part["mean (95% CI)"] = [
        f"{_num(m)} [{_num(lo)}, {_num(hi)}]" + (" *" if was_cut else "")
        for m, lo, hi, was_cut in zip(
            part["mean"], part["ci_low"], part["ci_high"], cut, strict=True
        )
    ]
    if "diff" in part:
        part["difference (95% CI)"] = [
            "" if pd.isna(d) else f"{_num(d)} [{_num(lo)}, {_num(hi)}]"
            for d, lo, hi in zip(part["diff"], part["diff_low"], part["diff_high"], strict=True)
        ]
    columns = ["outcome", "scenario", "mean (95% CI)"] + (
        ["difference (95% CI)"] if "diff" in part else []
    )
    table = markdown_table(part[columns])
    if any(cut):
        table += "\n" + CUT_NOTE
    return table


CUT_NOTE = (
    "* interval cut at the outcome's range (a count is never negative, a share lies in 0..1); "
    "a cut interval still covers the mean at least 95 % of the time"
)


def costs_markdown(costs: pd.DataFrame) -> str:
    """Cost-effectiveness with its intervals, for the terminal."""
    shown = pd.DataFrame(
        {
            "scenario": costs["scenario"],
            "extra net public EUR": [_num(v) for v in costs["extra_public_eur"]],
            "extra sharing households": [_num(v) for v in costs["extra_sharing_households"]],
            "t CO2e avoided": [_num(v) for v in costs["t_co2e_avoided"]],
            "EUR per extra sharing household (95% CI)": [
                _with_interval(*row)
                for row in costs[
                    [
                        "eur_per_extra_sharing_household",
                        "eur_per_household_low",
                        "eur_per_household_high",
                    ]
                ].to_numpy()
            ],
            "EUR per t CO2e avoided (95% CI)": [
                _with_interval(*row)
                for row in costs[
                    ["eur_per_t_co2e_avoided", "eur_per_t_low", "eur_per_t_high"]
                ].to_numpy()
            ],
        }
    )
    return markdown_table(shown)


def _with_interval(value, low, high) -> str:
    if pd.isna(value):
        return "n/a (no gain)"
    if high == math.inf:
        return f"{_num(value)} [unbounded: the gain may be zero]"
    return f"{_num(value)} [{_num(low)}, {_num(high)}]"


def _num(value) -> str:
    return format_number(value)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="compare scenarios with a baseline over replications (common random numbers)",
        description="Run each scenario R times with the same seeds and report impacts with 95 % intervals.",
    )
    parser.add_argument("baseline", metavar="BASELINE", help="baseline scenario file")
    parser.add_argument(
        "scenarios", nargs="+", metavar="SCENARIO", help="scenario files to compare"
    )
    parser.add_argument(
        "--replications",
        "-r",
        type=int,
        default=10,
        metavar="R",
        help="replications per scenario (default 10)",
    )
    parser.add_argument(
        "--households", type=int, metavar="N", help="households (default: the baseline's)"
    )
    parser.add_argument(
        "--months", type=int, metavar="M", help="horizon in months (default: the baseline's)"
    )
    parser.add_argument(
        "--seed", type=int, help="seed of the replications (default: the baseline's)"
    )
    add_output_option(parser, what="results directory", default="results/compare-...")
    add_execution_options(parser)
    parser.set_defaults(handler=handle, resumable=True)


def handle(args) -> int:
    directory, summary = run_compare(
        args.baseline,
        args.scenarios,
        replications=args.replications,
        households=args.households,
        months=args.months,
        seed=args.seed,
        workers=args.workers,
        scheduler=args.scheduler,
        out=args.out,
        progress=args.progress,
        cluster_timeout_s=args.cluster_timeout,
    )
    code = report_summary(summary, directory)
    table, costs, written = write_report(directory)
    print(f"Figures {territory_scope(load_comparison(directory))}:")
    print(headline_markdown(table))
    if not costs.empty:
        print()
        print(costs_markdown(costs))
    print("written: " + ", ".join(str(path) for path in written))
    return code
