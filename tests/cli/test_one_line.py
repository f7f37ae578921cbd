"""Hostile files and options given to the commands: each ends in one printable line on stderr naming
the file or option (exit code 2), never a traceback. The commands run in this process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli.main import main

ROOT = Path(__file__).resolve().parents[2]
LONG = "a" * 300  # a file name over the 255 bytes a name may have


@pytest.fixture(scope="module")
def data_run(tmp_path_factory):
    """A finished run on the tiny territory from data, and its scenario (written once)."""
    from tests.conftest import TinyTerritory

    folder = tmp_path_factory.mktemp("territory")
    territory = TinyTerritory(folder)
    scenario = territory.write()
    run = folder / "run"
    assert (
        main(
            [
                "run",
                str(scenario),
                "--households",
                "200",
                "--months",
                "2",
                "--out",
                str(run),
                "--quiet",
            ]
        )
        == 0
    )
    return territory, run


def refused(capsys, arguments: list[str], *expected: str) -> str:
    code = main(arguments)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err[-2000:]
    assert "Traceback" not in err and len(lines) == 1 and lines[0].isprintable(), err[-2000:]
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


# ----------------------------------------------------------------- territory import: the figures file

FIGURES_PROBLEMS = {
    "a mistyped key": lambda t: (
        t.figures.write_text("\n".join([t.header, *t.rows]) + "\n"),
        ["--key", "cod"],
    ),
    "not UTF-8": lambda t: (
        t.figures.write_bytes(
            ("\n".join([t.header, *t.rows]) + "\nE,Évry,10,0.1,2000\n").encode("latin-1")
        ),
        [],
    ),
    "empty": lambda t: (t.figures.write_text(""), []),
    "separated by ;": lambda t: (
        t.figures.write_text("\n".join([t.header, *t.rows]).replace(",", ";") + "\n"),
        [],
    ),
}


@pytest.mark.parametrize("problem", list(FIGURES_PROBLEMS))
def test_territory_import_says_what_is_wrong_with_the_figures_in_one_line(
    problem, tiny_territory, capsys, tmp_path
):
    _, key = FIGURES_PROBLEMS[problem](tiny_territory)
    arguments = [
        "territory",
        "import",
        str(tiny_territory.polygons),
        "--figures",
        str(tiny_territory.figures),
    ]
    arguments += ["--name", "name", "--out", str(tmp_path / "imported.toml")]
    arguments += key or ["--key", "code"]
    refused(capsys, arguments, "figures.csv")


# ----------------------------------------------------------------- names over 255 bytes


@pytest.mark.parametrize(
    "arguments",
    [
        ["results", "show", LONG],
        ["results", "export", LONG],
        ["report", LONG, "--no-pdf"],
        ["map", LONG, "--outcome", "car.own"],
        ["sensitivity", LONG],
        ["discover", LONG, "--outcome", "car.own", "--below", "0.5"],
        [
            "territory",
            "import",
            LONG + ".geojson",
            "--figures",
            "f.csv",
            "--key",
            "k",
            "--name",
            "n",
            "--out",
            "x.toml",
        ],
        ["territory", "drift", LONG],
        ["plot-adoption", LONG],
        ["run", LONG + ".toml"],
        ["sweep", LONG + ".toml"],
        ["run", str(ROOT / "scenarios" / "baseline.toml"), "--out", LONG],
    ],
    ids=lambda a: " ".join(x[:12] for x in a[:2]),
)
def test_a_file_name_too_long_is_one_line(arguments, capsys):
    refused(capsys, arguments)


def test_a_file_name_too_long_inside_a_design_is_one_line(tmp_path, capsys):
    design = tmp_path / "design.toml"
    design.write_text(
        f'name = "long"\nscenario = "{LONG}.toml"\nreplications = 1\n[sampler]\nmethod = "grid"\n'
        '[[parameters]]\npath = "seed"\nvalues = [1, 2]\n',
        encoding="utf-8",
    )
    refused(capsys, ["sweep", str(design)])


# ----------------------------------------------------------------- image commands


@pytest.mark.parametrize("command", ["map", "territory show", "plot-adoption"])
def test_an_image_command_refuses_a_file_name_that_is_not_an_image(
    command, data_run, capsys, tmp_path
):
    territory, run = data_run
    out = ["--out", str(tmp_path / "x.toml")]
    arguments = {
        "map": ["map", str(run), "--outcome", "car.own", *out],
        "territory show": ["territory", "show", str(territory.scenario), *out],
        "plot-adoption": ["plot-adoption", str(run), *out],
    }[command]
    refused(capsys, arguments, "x.toml", ".png")
    assert not (tmp_path / "x.toml").exists()


def test_map_without_a_suffix_reports_the_file_it_wrote(data_run, capsys, tmp_path):
    _, run = data_run
    assert main(["map", str(run), "--outcome", "car.own", "--out", str(tmp_path / "mapnoext")]) == 0
    said = capsys.readouterr().out
    assert (tmp_path / "mapnoext.png").is_file()
    assert said.strip().endswith("mapnoext.png"), said


# ----------------------------------------------------------------- damaged Parquet files


@pytest.mark.parametrize("damage", ["truncated", "zeroed"])
@pytest.mark.parametrize("command", ["map", "plot-adoption", "territory drift"])
def test_a_damaged_parquet_file_is_one_line(command, damage, data_run, capsys, tmp_path):
    _, run = data_run
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    damaged = copy / ("series.parquet" if command == "plot-adoption" else "zones.parquet")
    size = damaged.stat().st_size
    if damage == "truncated":
        damaged.write_bytes(damaged.read_bytes()[: size // 2])
    else:
        damaged.write_bytes(b"\0" * size)
    arguments = {
        "map": ["map", str(copy), "--outcome", "car.own", "--out", str(tmp_path / "m.png")],
        "plot-adoption": ["plot-adoption", str(copy), "--out", str(tmp_path / "a.png")],
        "territory drift": ["territory", "drift", str(copy)],
    }[command]
    refused(capsys, arguments, damaged.name, "not a readable Parquet file")


# ----------------------------------------------------------------- Dask options


SMALL_COMPARE = [
    "compare",
    str(ROOT / "scenarios" / "baseline.toml"),
    str(ROOT / "scenarios" / "tool_library.toml"),
]
SMALL_COMPARE += ["-r", "1", "--households", "50", "--months", "2", "--no-progress"]


@pytest.mark.parametrize(
    "address", ["not a url", "http://127.0.0.1:8786", "tcp://[::1", "tcp://127.0.0.1"]
)
def test_a_scheduler_address_that_is_not_one_is_one_line(address, capsys, tmp_path):
    refused(
        capsys,
        [
            *SMALL_COMPARE,
            "--out",
            str(tmp_path / "c"),
            "--scheduler",
            address,
            "--cluster-timeout",
            "2",
        ],
        "--scheduler",
    )


@pytest.mark.parametrize("timeout", ["-1", "0", "nan", "inf"])
def test_a_cluster_timeout_must_be_a_positive_number_of_seconds(timeout, capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        main(
            [
                *SMALL_COMPARE,
                "--out",
                str(tmp_path / "c"),
                "--scheduler",
                "tcp://127.0.0.1:1",
                "--cluster-timeout",
                timeout,
            ]
        )
    assert stop.value.code == 2
    assert "--cluster-timeout" in capsys.readouterr().err


def test_the_cluster_timeout_bounds_the_first_connection():
    from experiments.executors import make_executor

    executor = make_executor(scheduler="tcp://127.0.0.1:1", cluster_timeout_s=3)
    assert executor.connect_timeout_s == 3


# ----------------------------------------------------------------- Ctrl-C in calibrate and optimise


@pytest.mark.parametrize(
    "command, function", [("calibrate", "calibrate"), ("optimise", "run_optimisation")]
)
def test_ctrl_c_in_calibrate_and_optimise_prints_one_line(
    command, function, monkeypatch, capsys, tmp_path
):
    import importlib
    import os
    import signal
    import threading
    import time

    def interrupted(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, delivered to this process
        time.sleep(5)

    monkeypatch.setattr(importlib.import_module(f"cli.{command}"), function, interrupted)
    monkeypatch.setattr("cli.signals._interrupted", threading.Event())
    design = tmp_path / "design.toml"
    design.write_text("name = 'x'\n", encoding="utf-8")
    try:
        code = main([command, str(design)])
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    err = capsys.readouterr().err
    assert code == 130
    assert err == "interrupted: finished runs are stored; run the same command again to resume\n"
