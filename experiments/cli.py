"""The `partage` command line.

Each sub-command lives in its own module, which exposes `register(subparsers)`;
the module adds its parser and sets `handler` to a function taking the parsed
arguments and returning an exit code. Errors a user can fix (a bad scenario, a
missing file) are raised as `UserError` or `ScenarioError` and printed as one
line, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from model.scenario import ScenarioError

# Modules that register sub-commands, in the order `partage --help` lists them.
COMMAND_MODULES = [
    "experiments.run",
    "experiments.scenarios_cmd",
    "experiments.compare",
    "experiments.sweep",
    "experiments.sensitivity",
    "experiments.results_cmd",
    "experiments.sweep_bench",
    "experiments.validate",
    "experiments.bench",
    "experiments.app_cmd",
    "experiments.app_bench",
    "experiments.interactions",
    "cli.territory",
    "cli.map",
]


class UserError(Exception):
    """A mistake the user can correct; printed as one line."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partage",
        description="Collaborative consumption in a territory: own, rent, share or forgo.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (ScenarioError, UserError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
