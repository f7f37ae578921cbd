"""`partage bench`: time complete runs from 1 000 to 1 000 000 households, and the scalar reference.

The timing is `benchmarks.model_speed`; this module checks the options, prints
the figures and writes the JSON report.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from benchmarks.model_speed import (
    DEFAULT_SCENARIO,
    DEFAULT_SIZES,
    DEFAULT_TERRITORY,
    QUICK_SIZES,
    benchmark,
    markdown_table,
    summary,
)
from experiments.errors import UserError
from experiments.outputs import writable_file


def register(subparsers) -> None:
    bench = subparsers.add_parser(
        "bench",
        help="time complete runs from 1 000 to 1 000 000 households, and the scalar reference",
    )
    bench.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        metavar="N",
        help="numbers of households (default: 1000 10000 100000 1000000)",
    )
    bench.add_argument("--months", type=int, default=120, help="months per run (default: 120)")
    bench.add_argument("--quick", action="store_true", help="sizes up to 100 000 over 24 months")
    bench.add_argument(
        "--scenario", default=str(DEFAULT_SCENARIO), help="scenario file (default: baseline)"
    )
    bench.add_argument(
        "--no-reference", action="store_true", help="skip timing the scalar reference"
    )
    bench.add_argument(
        "--territory",
        default=str(DEFAULT_TERRITORY),
        help="territory from data timed at its real size beside the grid (default: Bordeaux Métropole)",
    )
    bench.add_argument(
        "--territory-households",
        type=int,
        metavar="N",
        help="households of the territory's run (default: its real size)",
    )
    bench.add_argument("--no-territory", action="store_true", help="skip the territory from data")
    bench.add_argument(
        "--json",
        type=Path,
        default=Path("results") / "bench" / "bench.json",
        help="where to write the JSON report (default results/bench/bench.json)",
    )
    bench.set_defaults(handler=bench_command)


def bench_command(args) -> int:
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"  # inherited by the timed processes: one core
    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    months = 24 if args.quick and args.months == 120 else args.months
    if any(n < 10 for n in sizes):
        raise UserError("--sizes: every size must be at least 10 households")
    if months < 1:
        raise UserError("--months: must be at least 1")
    if not Path(args.scenario).is_file():
        raise UserError(f"{args.scenario}: no such scenario file")
    writable_file(args.json, "--json")
    print(f"partage bench: {Path(args.scenario).stem}, {months} months, one process per size")
    territory = None if args.no_territory else args.territory
    if territory is not None and not Path(territory).is_file():
        raise UserError(f"--territory {territory}: no such scenario file")
    report = benchmark(
        sorted(sizes),
        months,
        args.scenario,
        reference=not args.no_reference,
        territory=territory,
        territory_households=args.territory_households,
    )
    print(summary(report))
    print()
    print(markdown_table(report))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")
    return 0
