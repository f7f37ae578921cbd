# PYTHON_ARGCOMPLETE_OK
"""The `partage` command line: the root parser and the entry point.

Each sub-command lives in its own module of `cli`, which exposes
`register(subparsers)`; the module adds its parser and sets `handler` to a
function taking the parsed arguments and returning an exit code. Errors a user
can fix (a bad scenario, a missing file) are raised as
`experiments.errors.UserError` or `model.scenario.ScenarioError` and printed as
one line, without a traceback. Ctrl-C ends any command with one line and exit
code 130, and a closed pipe (`partage ... | head`) with exit code 141, silently
(see `cli.signals`). Commands import their machinery when they are built, so
that the signal handler is in place first. Shell completion is argcomplete's
(`eval "$(register-python-argcomplete partage)"`); the marker on the first line
lets it complete the installed `partage` script.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import shlex
import sys

import argcomplete

from cli import signals

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
    "cli.optimise",
    "cli.discover",
    "cli.outcomes",
    "cli.report",
    "cli.territory",
    "cli.map",
    "cli.calibrate",
    "cli.hindcast",
    "cli.docs",
]


def package_version() -> str:
    """The installed version of the `partage` distribution, or `unknown` when it is not installed."""
    try:
        return importlib.metadata.version("partage")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors (which quote what was typed) are escaped and cut
    like every other message."""

    def error(self, message: str):
        from model.messages import one_line

        self.print_usage(sys.stderr)
        self.exit(2, one_line(f"{self.prog}: error: {message}") + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="partage",
        description="Collaborative consumption in a territory: own, rent, share or forgo.",
    )
    parser.add_argument("--version", action="version", version=f"partage {package_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    signals.install()
    args = None
    code = 1  # an unexpected error: its traceback is printed, and the interpreter exits with 1
    try:
        signals.raise_if_interrupted()
        start_fork_server_if_asked(sys.argv[1:] if argv is None else argv)
        from experiments.errors import UserError, path_problem
        from model.geodata import TerritoryDataError
        from model.messages import one_line
        from model.scenario import ScenarioError

        parser = build_parser()
        argcomplete.autocomplete(parser)
        args = parser.parse_args(argv)
        try:
            try:
                code = int(args.handler(args) or 0)
            except OSError as error:  # about a file named by the user (e.g. a name too long)
                if error.filename is None or isinstance(error, BrokenPipeError):
                    raise
                raise path_problem(error) from None
        except (ScenarioError, UserError, TerritoryDataError) as error:
            print(one_line(f"error: {error}") + resume_command(args, argv, error), file=sys.stderr)
            code = 2
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except BaseException as error:
        if signals.interrupted() or isinstance(error, KeyboardInterrupt):
            print(interrupted_message(args), file=sys.stderr)
            signals.forget_interrupt_in_exec()
            code = signals.INTERRUPTED_EXIT
            return code
        if isinstance(error, BrokenPipeError) or (isinstance(error, SystemExit) and not _flushed()):
            signals.silence_stdout()
            code = signals.BROKEN_PIPE_EXIT
            return code
        if isinstance(error, SystemExit):  # argparse's --help, --version and usage errors
            code = error.code if isinstance(error.code, int) else 1
        raise
    finally:
        if argv is None:  # the command line's own process, which exits next
            signals.ignore_from_now()
            signals.exit_within(code)


def start_fork_server_if_asked(arguments: list[str]) -> None:
    """A command asking for several workers starts the pool's fork server before it imports its
    own modules, so that both import at once (`experiments.fork_server`)."""
    from experiments.fork_server import asks_for_workers, start_fork_server

    if asks_for_workers(arguments) and "_ARGCOMPLETE" not in os.environ:
        start_fork_server()


def _flushed() -> bool:
    """Flush stdout (argparse's --help ends with SystemExit); False if its reader has gone."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return False
    return True


def resume_command(args, argv: list[str] | None, error: BaseException) -> str:
    """For an error after which the same command resumes (a lost cluster), that command to copy."""
    if not (getattr(error, "resume", False) and getattr(args, "resumable", False)):
        return ""
    arguments = sys.argv[1:] if argv is None else argv
    return ": partage " + " ".join(shlex.quote(argument) for argument in arguments)


def interrupted_message(args) -> str:
    """One line; commands that resume (sweep, compare) say so with `set_defaults(resumable=True)`."""
    if getattr(args, "resumable", False):
        return "interrupted: finished runs are stored; run the same command again to resume"
    return "interrupted"


if __name__ == "__main__":
    sys.exit(main())
