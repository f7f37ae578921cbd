"""`partage docs regenerate|check|record|list`: the documentation's example outputs.

Every output the docs show is listed in `docs/examples.toml` with the command that writes it
(`experiments.doc_examples`). `regenerate` runs those commands (`make examples` runs them all),
`check` reruns the cheap ones and checks the recorded ones, `record` copies and records the
outputs just made by running an example's command by hand (e.g. a calibration whose verdict
makes it exit with status 3, or two run at once).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from experiments.doc_examples import (
    copy_outputs,
    load_examples,
    record,
    recorded_problems,
    regenerate,
    rerun_problems,
)
from experiments.errors import UserError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "docs", help="regenerate or check the example outputs the documentation shows"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    regenerate_parser = actions.add_parser(
        "regenerate", help="run the command of every example (or those named) and record them"
    )
    regenerate_parser.add_argument(
        "names", nargs="*", metavar="NAME", help="examples to regenerate (default: every one)"
    )
    regenerate_parser.add_argument(
        "--cheap", action="store_true", help="only the examples the tests rerun (seconds)"
    )
    regenerate_parser.set_defaults(handler=regenerate_command)
    check = actions.add_parser(
        "check", help="rerun the cheap examples and compare; check the recorded ones' hashes"
    )
    check.add_argument(
        "names", nargs="*", metavar="NAME", help="examples to check (default: every one)"
    )
    check.set_defaults(handler=check_command)
    record_parser = actions.add_parser(
        "record",
        help="copy into the docs and record the outputs of examples whose command you have just "
        "run as written",
    )
    record_parser.add_argument("names", nargs="+", metavar="NAME", help="examples to record")
    record_parser.set_defaults(handler=record_command)
    listing = actions.add_parser("list", help="every example, how it is checked, its command")
    listing.set_defaults(handler=list_command)


def chosen(names: list[str]):
    examples = load_examples()
    known = {example.name for example in examples}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UserError(f"unknown example {unknown[0]!r}; allowed: {', '.join(sorted(known))}")
    return [example for example in examples if not names or example.name in names]


def regenerate_command(args) -> int:
    examples = chosen(args.names)
    if args.cheap:
        examples = [example for example in examples if example.check == "rerun"]
    regenerate(examples, echo=lambda line: print(line, file=sys.stderr))
    print(f"regenerated {len(examples)} examples")
    return 0


def check_command(args) -> int:
    failed = 0
    for example in chosen(args.names):
        if example.check == "rerun":
            with tempfile.TemporaryDirectory() as scratch:
                problems = rerun_problems(example, Path(scratch))
        else:
            problems = recorded_problems(example)
        for problem in problems:
            print(f"{example.name}: {problem}; run `partage docs regenerate {example.name}`")
        failed += bool(problems)
        if not problems:
            state = f"outdated: {example.outdated}" if example.outdated else example.check
            print(f"ok: {example.name} ({state})")
    return 1 if failed else 0


def record_command(args) -> int:
    examples = chosen(args.names)
    for example in examples:
        copy_outputs(example)
    record(examples)
    print("recorded: " + ", ".join(args.names))
    return 0


def list_command(args) -> int:
    for example in load_examples():
        print(f"{example.name} ({example.check}): {example.command}")
    return 0
