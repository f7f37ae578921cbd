"""`partage interactions`: each policy lever alone, pairs and packages against the baseline, as Markdown.

The runs and the report are `experiments.interactions`.
"""

from __future__ import annotations

from cli.options import add_output_option, add_progress_options, add_workers_option
from experiments.errors import UserError
from experiments.interactions import FIGURES, effects, library_entries, render, run_all
from experiments.outputs import RESULTS_DIR, writable_file
from experiments.territory_figures import declared_households

DEFAULT_OUT = RESULTS_DIR / "interactions.md"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "interactions", help="table of each policy lever alone, pairs and packages vs the baseline"
    )
    parser.add_argument(
        "--replications", type=int, default=4, help="replications per scenario (default 4)"
    )
    parser.add_argument(
        "--households", type=int, default=3000, help="simulated households (default 3000)"
    )
    parser.add_argument(
        "--months", type=int, help="horizon in months (default: the scenarios', 120)"
    )
    parser.add_argument(
        "--seed", type=int, help="root seed of the replications (default: the baseline's)"
    )
    add_workers_option(parser)
    add_output_option(
        parser,
        what="Markdown file to write; the table of the docs is docs/interactions.md, rewritten "
        "only when named here",
        default=DEFAULT_OUT,
        metavar="FILE",
    )
    add_progress_options(parser)
    parser.set_defaults(handler=interactions_command)


def interactions_command(args) -> int:
    if args.replications < 2:
        raise UserError("--replications must be at least 2 to give standard errors")
    if args.households < 10:
        raise UserError("--households must be at least 10")
    writable_file(args.out)
    entries = library_entries()
    baseline = entries[0].scenario
    months = args.months or baseline.months
    seed = baseline.seed if args.seed is None else args.seed
    results = run_all(
        entries,
        args.replications,
        args.households,
        args.months,
        seed,
        args.workers,
        progress=args.progress,
    )
    scale = declared_households(baseline)
    table = effects(results, scale)
    base_mean = dict(zip(FIGURES, results["baseline"].mean(axis=0) * scale, strict=True))
    command = (
        f"partage interactions --replications {args.replications} --households {args.households} "
        f"--seed {seed}"
        + (f" --months {args.months}" if args.months else "")
        + f" --out {args.out}"
    )
    report = render(
        entries,
        table,
        base_mean,
        command=command,
        replications=args.replications,
        households=args.households,
        scale_households=scale,
        months=months,
    )
    args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0
