"""`python -m viz.screenshots`'s arguments: `--help` explains them (it was taken for a folder
name, and the whole tour was shot into `./--help`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from viz.screenshots import arguments


def test_help_explains_the_arguments_and_shoots_nothing(capsys):
    with pytest.raises(SystemExit) as stopped:
        arguments(["--help"])
    assert stopped.value.code == 0
    shown = capsys.readouterr().out
    assert "--planner" in shown and "--policy-design" in shown


def test_the_policy_design_shots_go_to_the_folder_given():
    asked = arguments(["--policy-design", "shots"])
    assert asked.policy_design and not asked.planner and asked.out == Path("shots")
    assert arguments([]).out is None
    with pytest.raises(SystemExit):
        arguments(["--planner", "--policy-design"])
