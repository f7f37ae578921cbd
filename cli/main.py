"""The `partage` command line: the root parser and the entry point.

Each sub-command lives in its own module of `cli`, which exposes
`register(subparsers)`; the module adds its parser and sets `handler` to a
function taking the parsed arguments and returning an exit code. Errors a user
can fix (a bad scenario, a missing file) are raised as
`experiments.errors.UserError` or `model.scenario.ScenarioError` and printed as
one line, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import sys

from experiments.errors import UserError
from model.scenario import ScenarioError

# Modules that register sub-commands, in the order `partage --help` lists them.
COMMAND_MODULES = [
    "cli.run",
    "cli.plot_adoption",
    "cli.scenarios",
    "cli.compare",
    "cli.sweep",
    "cli.sensitivity",
    "cli.results",
    "cli.sweep_bench",
    "cli.validate",
    "cli.bench",
    "cli.app",
    "cli.app_bench",
    "cli.interactions",
    "cli.report",
    "cli.calibrate",
]


def package_version() -> str:
    """The installed version of the `partage` distribution, or `unknown` when it is not installed."""
    try:
        return importlib.metadata.version("partage")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partage",
        description="Collaborative consumption in a territory: own, rent, share or forgo.",
    )
    parser.add_argument("--version", action="version", version=f"partage {package_version()}")
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
