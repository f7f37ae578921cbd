"""`partage validate`: the model against the Bass curve, network effects, critical mass and its scalar twin.

The checks and the report are `experiments.validation`; this module parses the
options, prints where the report is, and exits with 1 when a check fails.
"""

from __future__ import annotations

from pathlib import Path

from cli.options import add_output_option, add_progress_options
from experiments.outputs import writable_folder
from experiments.validation.suite import write_validation


def register(subparsers) -> None:
    validate = subparsers.add_parser(
        "validate",
        help="check the model against the Bass curve, network effects, critical mass and its scalar twin",
    )
    validate.add_argument(
        "--quick", action="store_true", help="smaller territories and fewer replications"
    )
    add_output_option(validate, what="report folder", default=Path("results") / "validation")
    add_progress_options(validate)
    validate.set_defaults(handler=validate_command)


def validate_command(args) -> int:
    report, passed = write_validation(
        writable_folder(args.out),
        quick=args.quick,
        progress=args.progress,
    )
    print(f"wrote {report}")
    return 0 if passed else 1
