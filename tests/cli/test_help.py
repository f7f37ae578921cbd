"""Every sub-command and every option says what it does, options with a default say which, and
the options every command shares (progress, quiet, workers, language, output) have one name and
one default everywhere: the declarations of `cli.options`."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from cli import options
from cli.main import build_parser, main, package_version


def commands(parser: argparse.ArgumentParser, prefix: str = "partage"):
    """(command path, parser, help) for every command and sub-command, aliases once."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            seen = set()
            for name, sub in action.choices.items():
                if id(sub) in seen:
                    continue
                seen.add(id(sub))
                yield f"{prefix} {name}", sub, helps.get(name)
                yield from commands(sub, f"{prefix} {name}")


def walk(parser: argparse.ArgumentParser):
    """(command path, action or help text) for every option and sub-command of the parser tree."""
    for where, sub, text in commands(parser):
        yield where, text
        for action in sub._actions:
            if not isinstance(
                action, argparse._HelpAction | argparse._VersionAction | argparse._SubParsersAction
            ):
                yield f"{where} {'/'.join(action.option_strings) or action.dest}", action


def option(parser: argparse.ArgumentParser, name: str):
    return next((a for a in parser._actions if name in a.option_strings), None)


# Commands that show a progress bar; each must take the shared progress options.
WITH_PROGRESS = {
    "partage run",
    "partage compare",
    "partage sweep",
    "partage validate",
    "partage interactions",
    "partage sweep-bench",
    "partage optimise",
    "partage calibrate",
    "partage scenarios list",
}


def test_every_sub_command_and_option_has_help_and_says_its_default():
    missing, silent_defaults = [], []
    for where, item in walk(build_parser()):
        if item is None or isinstance(item, str):
            if not item:
                missing.append(where)
            continue
        if not item.help:
            missing.append(where)
            continue
        default = item.default
        says_default = "default" in item.help.lower()
        if (
            item.option_strings
            and default not in (None, False, [], argparse.SUPPRESS)
            and not says_default
        ):
            silent_defaults.append(f"{where} (default {default!r})")
    assert missing == [], missing
    assert silent_defaults == [], silent_defaults


def test_the_shared_options_have_one_name_and_one_default_everywhere():
    wrong = []
    for where, parser, _ in commands(build_parser()):
        progress, no_progress, quiet = (
            option(parser, name) for name in ("--progress", "--no-progress", "--quiet")
        )
        if where in WITH_PROGRESS and not (progress and quiet):
            wrong.append(f"{where}: no --progress/--no-progress and --quiet")
        if no_progress is not None and not (
            no_progress is progress
            and isinstance(progress, argparse.BooleanOptionalAction)
            and progress.default is True
        ):
            wrong.append(f"{where}: --no-progress is not the shared --progress/--no-progress")
        if quiet is not None and not (
            quiet.dest == "progress" and quiet.const is False and "-q" in quiet.option_strings
        ):
            wrong.append(f"{where}: --quiet is not the shared -q/--quiet")
        workers = option(parser, "--workers")
        if workers is not None and not (
            workers.default == options.DEFAULT_WORKERS and workers.type is options.worker_count
        ):
            wrong.append(f"{where}: --workers defaults to {workers.default!r}")
        lang = option(parser, "--lang")
        if lang is not None and not (
            lang.default == options.DEFAULT_LANGUAGE
            and tuple(lang.choices) == options.LANGUAGES
            and f"default {options.DEFAULT_LANGUAGE}" in lang.help
        ):
            wrong.append(f"{where}: --lang defaults to {lang.default!r}")
        out = option(parser, "--out")
        if out is not None and out.type is not Path:
            wrong.append(f"{where}: --out is not read as a path")
        for name in ("--no-progress", "--quiet", "--workers", "--lang", "--out"):
            found = option(parser, name)
            if found is not None and name != "--out" and "default" not in found.help:
                wrong.append(f"{where}: {name} does not state its default")
    assert wrong == [], wrong


def test_the_progress_options_parse_the_same_way_on_every_command():
    parser = build_parser()
    run = ["run", "scenarios/baseline.toml"]
    assert parser.parse_args(run).progress is True
    assert parser.parse_args([*run, "--no-progress"]).progress is False
    assert parser.parse_args([*run, "--quiet"]).progress is False
    assert parser.parse_args([*run, "-q"]).progress is False
    assert parser.parse_args(["scenarios", "list", "--simulate", "--no-progress"]).progress is False
    assert parser.parse_args(["interactions"]).workers == options.DEFAULT_WORKERS
    assert parser.parse_args(["report", "some-comparison"]).lang == "en"


def test_version_is_printed(capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"partage {package_version()}"


def test_the_two_checks_have_distinct_names_and_the_old_one_still_works(baseline_path, capsys):
    assert main(["scenarios", "check", str(baseline_path)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    assert main(["scenarios", "validate", str(baseline_path)]) == 0  # the old name, kept
    assert capsys.readouterr().out.startswith("ok: ")
    scenarios = dict((where, text) for where, _, text in commands(build_parser()))
    assert "partage validate" in scenarios["partage scenarios check"]


def test_a_usage_error_goes_to_standard_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "scenarios/baseline.toml", "--workers", "2"])
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "--workers" in captured.err


def test_shell_completion_is_offered_by_argcomplete():
    import argcomplete

    text = Path(main.__code__.co_filename).read_text(encoding="utf-8")
    assert text.startswith("# PYTHON_ARGCOMPLETE_OK")  # argcomplete completes marked scripts only
    finder = argcomplete.CompletionFinder(build_parser())
    assert finder._get_completions(["partage"], "ru", "", None) == ["run "]
    assert finder._get_completions(["partage", "run", "x"], "--no-p", "", None) == [
        "--no-progress "
    ]
