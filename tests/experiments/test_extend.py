"""Extending an experiment: more replications, or an edited description, add to the store instead of refusing it."""

from __future__ import annotations

import json

import pytest

from experiments.compare import run_compare
from experiments.design import fingerprint
from experiments.errors import UserError
from experiments.store import ResultsStore, StoreReader
from experiments.sweep import run_sweep

SIZES = {"households": 150, "months": 4, "progress": False}


@pytest.fixture
def library_copy(tmp_path, scenario_file):
    """The tool library scenario as a file of its own, whose description can be edited."""

    def write(description: str):
        path = tmp_path / "library.toml"
        path.write_text(
            f'extends = "{scenario_file("tool_library").as_posix()}"\nname = "library"\n'
            f'description = "{description}"\n',
            encoding="utf-8",
        )
        return path

    return write


def test_more_replications_or_an_edited_description_extend_a_comparison(
    library_copy, scenario_file, tmp_path, store_rows
):
    baseline = scenario_file("baseline")
    out = tmp_path / "extended"
    run_compare(baseline, [library_copy("First words.")], replications=2, out=out, **SIZES)
    directory, summary = run_compare(
        baseline, [library_copy("Other words.")], replications=3, out=out, **SIZES
    )
    assert (summary.skipped, summary.done, summary.planned) == (4, 2, 6)
    run_compare(
        baseline, [library_copy("First words.")], replications=3, out=tmp_path / "whole", **SIZES
    )
    assert store_rows(out) == store_rows(tmp_path / "whole")
    with StoreReader(out) as reader:
        assert reader.planned_runs == 6 and reader.design["replications"] == 3

    with pytest.raises(
        UserError, match="holds 3 replications of this experiment; ask for at least 3"
    ):
        run_compare(baseline, [library_copy("First words.")], replications=2, out=out, **SIZES)


def test_a_store_written_before_replications_could_be_added_is_extended(
    library_copy, scenario_file, tmp_path
):
    from experiments.targets import ScenarioTarget
    from model.scenario import load_scenario

    baseline, library = scenario_file("baseline"), library_copy("Words.")
    out = tmp_path / "older"
    run_compare(baseline, [library], replications=2, out=out, **SIZES)
    with StoreReader(out) as reader:
        stored = reader.design
    sizes = {"households": 150, "months": 4}
    target = ScenarioTarget(
        {s.name: s for s in (load_scenario(baseline, sizes), load_scenario(library, sizes))}
    )
    older = fingerprint(
        # The previous version's design had no territory (`experiments.territory_figures`) and
        # kept no definitions of scenarios given as objects.
        {k: v for k, v in stored.items() if k not in ("files", "territory", "definitions")}
        | {"target": target.fingerprint_data()}
    )
    with ResultsStore(out, publish=False) as store:  # as the previous version wrote it
        store.con.execute("UPDATE experiment SET fingerprint = ?", [older])

    _, summary = run_compare(baseline, [library], replications=3, out=out, **SIZES)
    assert (summary.skipped, summary.done) == (4, 2)


def test_more_replications_extend_a_sweep(diffusion_design, tmp_path, store_rows):
    out = tmp_path / "sweep"
    run_sweep(diffusion_design(replications=1, households=300, months=4), out=out, progress=False)
    more = run_sweep(
        diffusion_design(replications=2, households=300, months=4), out=out, progress=False
    )
    assert (more.summary.skipped, more.summary.done) == (6, 6)
    run_sweep(
        diffusion_design(replications=2, households=300, months=4),
        out=tmp_path / "whole",
        progress=False,
    )
    assert store_rows(out) == store_rows(tmp_path / "whole")
    with StoreReader(out) as reader:
        assert (
            json.loads(reader.con.execute("SELECT design FROM experiment").fetchone()[0])[
                "replications"
            ]
            == 2
        )
