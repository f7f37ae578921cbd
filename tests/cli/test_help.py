"""Every sub-command and every option says what it does, and options with a default say which."""

from __future__ import annotations

import argparse

from cli.main import build_parser


def walk(parser: argparse.ArgumentParser, prefix: str = "partage"):
    """(command path, action) for every option and sub-command of the parser tree."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", helps.get(name)
                yield from walk(sub, f"{prefix} {name}")
        elif not isinstance(action, argparse._HelpAction | argparse._VersionAction):
            yield f"{prefix} {'/'.join(action.option_strings) or action.dest}", action


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
