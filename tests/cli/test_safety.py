"""Hostile and careless input: names as paths, unwritable outputs, foreign files, deep nesting,
control characters and meaningless scenarios all end in one printable line, before any work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.main import build_parser, main
from experiments.design import DesignError, load_design
from experiments.errors import UserError
from experiments.outputs import default_folder
from model.scenario import MAX_DEPTH, ScenarioError, load_scenario

SMALL = ["--households", "60", "--months", "2", "--quiet"]
FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def child(tmp_path: Path, baseline_path: Path, body: str, file: str = "child.toml") -> Path:
    """A scenario file extending the baseline with `body`."""
    path = tmp_path / file
    path.write_text(f'extends = "{baseline_path.as_posix()}"\n{body}\n', encoding="utf-8")
    return path


def error_line(capsys) -> str:
    """The one line printed on stderr; fails if there is more than one or any is unprintable."""
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].isprintable()
    return lines[0]


# ----------------------------------------------------------------- item 4: names are not paths


@pytest.mark.parametrize("name", ["../../x", "/tmp/partage-abs", "", "a/b", "..", "a\\u0000b"])
def test_a_scenario_name_that_is_not_a_plain_name_is_refused_with_the_allowed_characters(
    tmp_path, baseline_path, name
):
    path = child(tmp_path, baseline_path, f'name = "{name}"')
    with pytest.raises(ScenarioError, match="not a plain name; allowed: 1 to 80 letters, digits"):
        load_scenario(path)


def test_run_with_a_climbing_name_writes_nothing_outside_results(
    tmp_path, baseline_path, monkeypatch, capsys
):
    cwd = tmp_path / "a" / "b"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    path = child(tmp_path, baseline_path, 'name = "../../escaped"')
    assert main(["run", str(path), *SMALL]) == 2
    assert "not a plain name" in error_line(capsys)
    assert not (tmp_path / "a" / "escaped").exists()
    assert not (cwd / "results").exists()


def test_default_folders_stay_under_the_results_root(tmp_path):
    root = tmp_path / "results"
    assert default_folder("tool_library", root) == root / "tool_library"
    for name in ("..", "../x", "/etc", "", "a/../../b"):
        with pytest.raises(UserError):
            default_folder(name, root)


def test_a_design_without_a_name_whose_file_name_is_not_plain_is_refused(tmp_path):
    path = tmp_path / "...toml"
    path.write_text(
        'target = "diffusion"\n[sampler]\nmethod = "grid"\n'
        '[[parameters]]\npath = "awareness_p"\nvalues = [0.01]\n',
        encoding="utf-8",
    )
    with pytest.raises(DesignError, match='add name = "..."'):
        load_design(path)


# ----------------------------------------------------------------- item 5: --out checked first


@pytest.mark.parametrize("out", ["/proc/partage-nope", "EXISTING_FILE"])
def test_run_to_an_unwritable_out_fails_in_one_line_before_simulating(
    tmp_path, baseline_path, monkeypatch, capsys, out
):
    if out == "EXISTING_FILE":
        out = str(tmp_path / "existing.txt")
        Path(out).write_text("keep me", encoding="utf-8")

    def no_simulation(*args, **kwargs):
        raise AssertionError("the simulation ran before the output was checked")

    monkeypatch.setattr("experiments.run.TerritoryModel", no_simulation)
    assert main(["run", str(baseline_path), *SMALL, "--out", out]) == 2
    assert "--out" in error_line(capsys)
    if out.endswith("existing.txt"):
        assert Path(out).read_text(encoding="utf-8") == "keep me"


def test_compare_to_an_existing_file_fails_in_one_line_before_running(
    tmp_path, baseline_path, monkeypatch, capsys
):
    existing = tmp_path / "existing.txt"
    existing.write_text("keep me", encoding="utf-8")

    def no_runs(*args, **kwargs):
        raise AssertionError("runs started before the output was checked")

    monkeypatch.setattr("experiments.compare.run_experiment", no_runs)
    code = main(
        [
            "compare",
            str(baseline_path),
            str(baseline_path.parent / "tool_library.toml"),
            "-r",
            "2",
            "--out",
            str(existing),
        ]
    )
    assert code == 2
    assert "is an existing file" in error_line(capsys)
    assert existing.read_text(encoding="utf-8") == "keep me"


# ----------------------------------------------------------------- item 6: no silent overwrite


def test_interactions_writes_under_results_unless_told_otherwise():
    args = build_parser().parse_args(["interactions"])
    assert args.out == Path("results") / "interactions.md"


# ----------------------------------------------------------------- item 7: extends


def test_extends_reads_only_toml_files_and_never_quotes_a_foreign_file(tmp_path, capsys):
    secret = tmp_path / "notes.txt"
    secret.write_text('SECRET_TOKEN = "abc123"\n', encoding="utf-8")
    path = tmp_path / "x.toml"
    path.write_text('extends = "notes.txt"\nname = "x"\n', encoding="utf-8")
    assert main(["scenarios", "validate", str(path)]) == 2
    out = capsys.readouterr().out
    assert "allowed: the name of a .toml scenario file" in out
    assert "SECRET_TOKEN" not in out
    assert "abc123" not in out


# ----------------------------------------------------------------- item 8: bounded depth


def deep_array(depth: int) -> str:
    return "[" * depth + "]" * depth


@FUZZ
@given(
    depth=st.integers(min_value=MAX_DEPTH + 1, max_value=700),
    where=st.sampled_from(["file", "set", "dotted"]),
)
def test_deeply_nested_input_is_one_line_not_a_recursion_error(
    tmp_path, baseline_path, capsys, depth, where
):
    if where == "file":
        path = child(tmp_path, baseline_path, f"deep = {deep_array(depth)}")
        argv = ["run", str(path), *SMALL, "--out", str(tmp_path / "out")]
    elif where == "dotted":
        dotted = ".".join(["k"] * depth)
        path = child(tmp_path, baseline_path, f"{dotted} = 1")
        argv = ["run", str(path), *SMALL, "--out", str(tmp_path / "out")]
    else:
        argv = [
            "run",
            str(baseline_path),
            *SMALL,
            "--set",
            f"goods.car.purchase_eur={deep_array(depth)}",
        ]
    assert main(argv) == 2
    assert "nested more than" in error_line(capsys) or "dotted parts" in error_line(capsys)


def test_a_deep_set_path_is_one_line(baseline_path, capsys):
    assert main(["run", str(baseline_path), *SMALL, "--set", ".".join(["k"] * 500) + "=1"]) == 2
    assert "more than 16 dotted parts" in error_line(capsys)


def test_scenarios_validate_checks_every_file_given(tmp_path, baseline_path, capsys):
    deep = child(tmp_path, baseline_path, f"deep = {deep_array(500)}", "deep.toml")
    missing = tmp_path / "missing.toml"
    assert main(["scenarios", "validate", str(deep), str(missing), str(baseline_path)]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("error:") and "nested more than" in lines[0]
    assert lines[1].startswith("error:") and "no such scenario file" in lines[1]
    assert lines[2].startswith("ok:")


def test_design_files_are_bounded_too(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text(f"name = 'deep'\nx = {deep_array(600)}\n", encoding="utf-8")
    with pytest.raises(DesignError, match="nested more than"):
        load_design(path)


# ----------------------------------------------------------------- item 9: escaped, cut


hostile_text = st.lists(
    st.one_of(
        st.sampled_from(
            ["\x1b[2J", "\n", "\r", "\x00", "\x07", "\u202e", "é", "error: forged", "="]
        ),
        st.characters(codec="utf-8", exclude_characters="\ud800"),
    ),
    min_size=1,
    max_size=20,
).map("".join)


@FUZZ
@given(text=hostile_text, where=st.sampled_from(["key", "value", "kind"]))
def test_messages_built_from_user_text_are_printable_and_short(
    tmp_path, baseline_path, capsys, text, where
):
    key = json.dumps(text)  # a TOML quoted key or string: the same escapes as JSON
    body = {
        "key": f"[network]\n{key} = 1",
        "value": f"households = {key}",
        "kind": f"[network]\nkind = {key}",
    }[where]
    path = child(tmp_path, baseline_path, body)
    assert main(["scenarios", "validate", str(path)]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].isprintable()
    assert len(lines[0]) <= 400 + len("error: ") + 40


@FUZZ
@given(text=hostile_text)
def test_set_paths_and_values_with_control_characters_are_escaped(baseline_path, capsys, text):
    assert main(["run", str(baseline_path), *SMALL, "--set", f"network.{text}=1"]) == 2
    assert len(error_line(capsys)) < 500


def test_a_huge_value_is_cut_in_the_message(tmp_path, baseline_path, capsys):
    path = child(tmp_path, baseline_path, f'[network]\nkind = "{"x" * 200_000}"')
    assert main(["scenarios", "validate", str(path)]) == 2
    line = capsys.readouterr().out.strip()
    assert len(line) < 700
    assert "200000 characters in all" in line


# ----------------------------------------------------------------- item 13: meaningless scenarios


def test_a_policy_starting_after_the_horizon_is_refused(tmp_path, baseline_path):
    path = child(
        tmp_path,
        baseline_path,
        'months = 24\n[policies.late]\nkind = "awareness_campaign"\nstart_month = 30\n'
        "extra_awareness_p = 0.01",
    )
    with pytest.raises(ScenarioError, match=r"policies\.late\.start_month = 30: after the horizon"):
        load_scenario(path)
    assert load_scenario(path, {"months": 30}).policies["late"].start_month == 30


def test_zone_household_shares_must_sum_to_one(tmp_path, baseline_path):
    path = child(tmp_path, baseline_path, "[territory.zones.centre]\nhousehold_share = 0.6")
    with pytest.raises(ScenarioError, match=r"household_share sum to 1\.25"):
        load_scenario(path)


def test_usage_errors_quoting_what_was_typed_are_escaped(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "x.toml", "unexpected\x1b[2J\nerror: forged"])  # quoted raw by argparse
    assert exit_.value.code == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("partage: error: unrecognized arguments: unexpected\\x1b[2J\\n")
    assert last.isprintable()


def test_the_apps_editor_is_bounded_too():
    from viz.catalogue import scenario_from_text

    with pytest.raises(ScenarioError, match="nested more than"):
        scenario_from_text(f'extends = "baseline.toml"\ndeep = {deep_array(600)}\n')
    with pytest.raises(ScenarioError, match="nested more than"):
        scenario_from_text('extends = "baseline.toml"\n' + ".".join(["k"] * 497) + " = 1\n")


def test_sweep_to_an_existing_file_fails_before_any_run(tmp_path, monkeypatch, capsys):
    design = tmp_path / "grid.toml"
    design.write_text(
        'name = "grid"\ntarget = "diffusion"\n[sampler]\nmethod = "grid"\n'
        '[[parameters]]\npath = "awareness_p"\nvalues = [0.01]\n',
        encoding="utf-8",
    )
    existing = tmp_path / "existing.txt"
    existing.write_text("keep me", encoding="utf-8")

    def no_runs(*args, **kwargs):
        raise AssertionError("runs started before the output was checked")

    monkeypatch.setattr("experiments.sweep.run_experiment", no_runs)
    assert main(["sweep", str(design), "--out", str(existing)]) == 2
    assert "is an existing file" in error_line(capsys)
    assert existing.read_text(encoding="utf-8") == "keep me"
